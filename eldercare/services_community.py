"""Writes of the community services: meal enrolments, daily meal reports and settlements,
advice sessions, peer pairs and visits, home adaptations.

Every function is ``<entity>_<verb>(*, …, acting_user)``: one transaction, validation with
Chinese messages naming the field, the change, and its audit event.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.audit import audit_record
from core.models import Person, Region, User
from core.policy import MissingPolicyParameter, policy_decimal, policy_value
from core.scoping import has_perm
from eldercare.choices import MEAL_KINDS, FacilityKind
from eldercare.choices_community import (
    AdaptationItemKind,
    AdaptationStatus,
    AdviceTopic,
    PersonCategory,
    RecommendedService,
    SettlementStatus,
    VisitMode,
)
from eldercare.models import (
    AdviceSession,
    ChildlessRecord,
    Facility,
    HomeAdaptation,
    HomeAdaptationItem,
    MealCount,
    MealEnrolment,
    MealSettlement,
    MealSettlementLine,
    PeerPair,
    PeerVisit,
    Residency,
)
from eldercare.permissions_community import CommunityPerm
from eldercare.policy_community import (
    ADAPTATION_MIN_AGE,
    ADAPTATION_SUBSIDY,
    MEAL_AGE_HIGH,
    MEAL_AGE_MIN,
    MEAL_SUBSIDY,
)
from eldercare.selectors import blocked_facility_ids

CENT = Decimal("0.01")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def home_region_code(person: Person) -> str:
    """The village a person is served in: where they live, else their hukou village."""
    return person.residence_region_id or person.hukou_region_id


def _age(birth: datetime.date, on: datetime.date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def _param_int(code: str, region_code: str, on: datetime.date, field: str) -> int:
    try:
        return int(policy_decimal(code, region_code, on))
    except MissingPolicyParameter as exc:
        raise ValidationError({field: [str(exc)]}) from None


def _param_table(code: str, region_code: str, on: datetime.date, field: str) -> tuple[int, Any]:
    parameter = policy_value(code, region_code, on)
    if parameter is None:
        raise ValidationError({field: [f"政策参数 {code} 在 {region_code} 于 {on} 没有适用的取值，请先配置"]})
    return parameter.pk, parameter.value


# ------------------------------------------------------------------ person categories


def assistance_categories(person_ids: Iterable[int], on: datetime.date) -> dict[int, str]:
    """特困/低保 membership on a date, from social assistance's live cases (one query).

    特困 wins over 低保 when a person is in both. Read through the assistance models while that
    app exposes no selector for it.
    """
    from django.apps import apps

    if not apps.is_installed("assistance"):
        return {}
    CaseMember = apps.get_model("assistance", "CaseMember")
    found: dict[int, str] = {}
    rows = CaseMember.objects.filter(
        person_id__in=list(person_ids),
        case__status="active",
        case__category__in=["extreme_poverty_support", "dibao"],
        case__start_month__lte=on,
    ).filter(Q(case__end_month__isnull=True) | Q(case__end_month__gte=on))
    for person_id, category in rows.values_list("person_id", "case__category"):
        mapped = PersonCategory.EXTREME_POVERTY if category == "extreme_poverty_support" else PersonCategory.DIBAO
        if found.get(person_id) != PersonCategory.EXTREME_POVERTY:
            found[person_id] = mapped
    return found


def person_category(person: Person, on: datetime.date) -> str:
    """The subsidy category of a person on a date: 特困 > 低保 > 80+ > 65+ > other.

    The age bands are the policy parameters of the person's region.
    """
    assisted = assistance_categories([person.pk], on).get(person.pk)
    if assisted:
        return assisted
    region = home_region_code(person)
    age = _age(person.birth_date, on)
    if age >= _param_int(MEAL_AGE_HIGH, region, on, "category"):
        return PersonCategory.AGE_80
    if age >= _param_int(MEAL_AGE_MIN, region, on, "category"):
        return PersonCategory.AGE_65
    return PersonCategory.OTHER


def _require(user: User, perm: str, region_code: str, field: str, message: str) -> None:
    if not has_perm(user, perm, region_code):
        raise ValidationError({field: [message]})


# ------------------------------------------------------------------ meals


def _meal_point_check(point: Facility, user: User, perm: str = CommunityPerm.MANAGE_MEALS) -> None:
    if point.kind not in MEAL_KINDS:
        raise ValidationError({"meal_point": ["所选设施不是助餐点或长者食堂"]})
    _require(user, perm, point.region_id, "meal_point", "该助餐点不在您的管辖范围内")


@transaction.atomic
def meal_enrolment_create(
    *,
    person: Person,
    meal_point: Facility,
    enrolled_on: datetime.date,
    category: str = "",
    note: str = "",
    acting_user: User,
) -> MealEnrolment:
    _meal_point_check(meal_point, acting_user)
    if person.death_date is not None:
        raise ValidationError({"person": ["该老人已故，不能登记助餐"]})
    if enrolled_on > timezone.localdate():
        raise ValidationError({"enrolled_on": ["登记日期不能晚于今天"]})
    if category and category not in PersonCategory.values:
        raise ValidationError({"category": ["补贴类别无效"]})
    if MealEnrolment.objects.filter(person=person, ended_on__isnull=True).exists():
        raise ValidationError({"person": ["该老人已在助餐点登记，请先终止原登记"]})
    if Residency.objects.on(enrolled_on).filter(person=person).exists():
        raise ValidationError({"person": ["该老人正入住养老机构，由机构供餐，不能登记社区助餐"]})
    derived = person_category(person, enrolled_on)
    if category and category != derived and not note.strip():
        # A category other than the derived one changes the subsidy: say why (e.g. 低保 approved
        # elsewhere and not yet in the assistance roll).
        raise ValidationError(
            {"note": [f"认定的补贴类别为“{PersonCategory(derived).label}”，手动指定其他类别须在备注中说明依据"]}
        )
    category = category or derived
    enrolment = MealEnrolment.objects.create(
        person=person,
        meal_point=meal_point,
        region_id=meal_point.region_id,
        category=category,
        enrolled_on=enrolled_on,
        note=note,
        created_by=acting_user,
    )
    audit_record(
        action="eldercare.meal_enrolment.create",
        actor=acting_user,
        obj=enrolment,
        region_code=meal_point.region_id,
        changes={"person": person.pk, "meal_point": meal_point.pk, "category": category, "derived": derived},
    )
    return enrolment


@transaction.atomic
def meal_enrolment_end(*, enrolment: MealEnrolment, ended_on: datetime.date, acting_user: User) -> MealEnrolment:
    _require(acting_user, CommunityPerm.MANAGE_MEALS, enrolment.region_id, "meal_point", "该助餐点不在您的管辖范围内")
    if enrolment.ended_on is not None:
        raise ValidationError({"ended_on": ["该登记已终止"]})
    if ended_on < enrolment.enrolled_on:
        raise ValidationError({"ended_on": ["终止日期不能早于登记日期"]})
    enrolment.ended_on = ended_on
    enrolment.save(update_fields=["ended_on"])
    audit_record(
        action="eldercare.meal_enrolment.end",
        actor=acting_user,
        obj=enrolment,
        region_code=enrolment.region_id,
        changes={"ended_on": ended_on.isoformat()},
    )
    return enrolment


CountInput = Mapping[str, tuple[int, int]]  # category -> (ordered, served)


def _clean_counts(counts: CountInput, field: str) -> dict[str, tuple[int, int]]:
    cleaned: dict[str, tuple[int, int]] = {}
    for category, (ordered, served) in counts.items():
        if category not in PersonCategory.values:
            raise ValidationError({field: [f"补贴类别无效：{category}"]})
        try:
            o, s = int(ordered), int(served)
        except (TypeError, ValueError):
            raise ValidationError({field: ["订餐数和供餐数应为整数"]}) from None
        if o < 0 or s < 0:
            raise ValidationError({field: ["订餐数和供餐数不能为负数"]})
        cleaned[category] = (o, s)
    return cleaned


def _upsert_counts(rows: list[MealCount]) -> None:
    MealCount.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["meal_point", "day", "category"],
        update_fields=["ordered", "served", "updated_by", "updated_at"],
    )


def _confirmed_months(point_ids: Iterable[int], days: Iterable[datetime.date]) -> set[tuple[int, datetime.date]]:
    months = {d.replace(day=1) for d in days}
    return set(
        MealSettlement.objects.filter(
            meal_point_id__in=list(point_ids), month__in=months, status=SettlementStatus.CONFIRMED
        ).values_list("meal_point_id", "month")
    )


@transaction.atomic
def meal_counts_save(
    *,
    day: datetime.date,
    entries: Mapping[int, CountInput],
    acting_user: User,
    source: str = "web",
) -> dict[str, Any]:
    """Save the daily report of one or more points for a day (the grid form): orders and meals
    served per category. Returns a summary with the points whose orders exceed their capacity."""
    if day > timezone.localdate():
        raise ValidationError({"day": ["不能填报今天以后的日期"]})
    points = {p.pk: p for p in Facility.objects.filter(pk__in=list(entries))}
    missing = set(entries) - set(points)
    if missing:
        raise ValidationError({"meal_point": [f"助餐点不存在：{sorted(missing)}"]})
    for point in points.values():
        _meal_point_check(point, acting_user)
    locked = _confirmed_months(points, [day])
    if locked:
        names = "、".join(points[p].name for p, _ in sorted(locked))
        raise ValidationError({"day": [f"{day:%Y年%m月}的结算已确认，不能再修改：{names}"]})
    rows: list[MealCount] = []
    over_capacity: list[dict[str, Any]] = []
    for point_id, counts in entries.items():
        cleaned = _clean_counts(counts, "counts")
        point = points[point_id]
        rows += [
            MealCount(
                meal_point=point,
                region_id=point.region_id,
                day=day,
                category=c,
                ordered=o,
                served=s,
                updated_by=acting_user,
            )
            for c, (o, s) in cleaned.items()
        ]
        ordered_total = sum(o for o, _ in cleaned.values())
        if point.daily_meal_capacity and ordered_total > point.daily_meal_capacity:
            over_capacity.append({"point": point.pk, "ordered": ordered_total, "capacity": point.daily_meal_capacity})
    _upsert_counts(rows)
    audit_record(
        action="eldercare.meal_counts.save",
        actor=acting_user,
        object_type="eldercare.mealcount",
        object_id=day.isoformat(),
        object_repr=f"{day:%Y-%m-%d} 助餐填报（{len(points)} 个助餐点）",
        region_code=common_region_prefix([p.region_id for p in points.values()]),
        changes={
            "day": day.isoformat(),
            "source": source,
            "entries": {str(p): {c: list(v) for c, v in counts.items()} for p, counts in entries.items()},
        },
    )
    return {"rows": len(rows), "points": len(points), "over_capacity": over_capacity}


def common_region_prefix(codes: list[str]) -> str:
    """The code of the nearest region containing all of ``codes`` ("" when none)."""
    if not codes:
        return ""
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-3] if len(prefix) > 6 else prefix[:-2]
    return prefix


@transaction.atomic
def meal_counts_import(
    *, records: list[tuple[int, dict[str, str]]], acting_user: User
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Import daily reports from spreadsheet rows (row number, {point, day, category, ordered, served}).

    All or nothing: any row error and nothing is written; the errors name row and column.
    """
    errors: list[dict[str, Any]] = []
    numbers = {r["point"] for _, r in records}
    points = {p.number: p for p in Facility.objects.filter(number__in=numbers)}
    labels = {label: value for value, label in PersonCategory.choices} | {v: v for v in PersonCategory.values}
    rows: dict[tuple[int, datetime.date, str], MealCount] = {}
    today = timezone.localdate()
    for line, record in records:
        point = points.get(record["point"])
        if point is None:
            errors.append({"row": line, "column": "助餐点编号", "message": f"找不到助餐点 {record['point']}"})
            continue
        if point.kind not in MEAL_KINDS:
            errors.append({"row": line, "column": "助餐点编号", "message": "该设施不是助餐点或长者食堂"})
            continue
        if not has_perm(acting_user, CommunityPerm.MANAGE_MEALS, point.region_id):
            errors.append({"row": line, "column": "助餐点编号", "message": "该助餐点不在您的管辖范围内"})
            continue
        try:
            day = datetime.date.fromisoformat(record["day"][:10])
        except ValueError:
            errors.append({"row": line, "column": "日期", "message": "日期应为 YYYY-MM-DD"})
            continue
        if day > today:
            errors.append({"row": line, "column": "日期", "message": "不能填报今天以后的日期"})
            continue
        category = labels.get(record["category"])
        if category is None:
            errors.append({"row": line, "column": "补贴类别", "message": f"补贴类别无效：{record['category']}"})
            continue
        try:
            ordered, served = int(record["ordered"] or 0), int(record["served"] or 0)
        except ValueError:
            errors.append({"row": line, "column": "订餐数/供餐数", "message": "应为整数"})
            continue
        if ordered < 0 or served < 0:
            errors.append({"row": line, "column": "订餐数/供餐数", "message": "不能为负数"})
            continue
        key = (point.pk, day, category)
        if key in rows:
            errors.append({"row": line, "column": "补贴类别", "message": "与前面的行重复（同一助餐点、日期、类别）"})
            continue
        rows[key] = MealCount(
            meal_point=point,
            region_id=point.region_id,
            day=day,
            category=category,
            ordered=ordered,
            served=served,
            updated_by=acting_user,
        )
    locked = _confirmed_months({k[0] for k in rows}, {k[1] for k in rows})
    for (point_id, day, _), _row in rows.items():
        if (point_id, day.replace(day=1)) in locked:
            errors.append({"row": 0, "column": "日期", "message": f"{day:%Y年%m月}的结算已确认，不能再修改"})
            break
    if errors:
        return {"rows": 0}, errors
    _upsert_counts(list(rows.values()))
    days = sorted({k[1] for k in rows})
    audit_record(
        action="eldercare.meal_counts.import",
        actor=acting_user,
        object_type="eldercare.mealcount",
        object_id=f"{days[0]}~{days[-1]}" if days else "",
        object_repr=f"助餐填报导入 {len(rows)} 行",
        region_code=common_region_prefix([r.region_id for r in rows.values()]),
        changes={"rows": len(rows), "points": len({k[0] for k in rows}), "days": [d.isoformat() for d in days[:62]]},
    )
    return {"rows": len(rows), "points": len({k[0] for k in rows}), "days": len(days)}, []


def _month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


@transaction.atomic
def meal_settlement_compute(*, month: datetime.date, region: Region, acting_user: User | None) -> dict[str, Any]:
    """Compute (or recompute, while not confirmed) the month's settlement of every meal point
    of the region that reported meals: meals served × subsidy per meal, by category.

    Set-based: one aggregate over the month's reports with the blacklist state of each day;
    the subsidy table is read once per distinct region of the points (township overrides apply).
    ``acting_user`` None: the system (demo builder, scheduled run).
    """
    if acting_user is not None and not has_perm(acting_user, CommunityPerm.SETTLE_MEALS, region.code):
        raise ValidationError({"region": ["您无权结算该区划的助餐补贴"]})
    first, last = _month_bounds(month)
    if last >= timezone.localdate():
        raise ValidationError({"month": ["只能结算已结束的月份"]})
    # The blacklist state of every day of the month (one query per day, from the supervision
    # side's own rule), then one pass over the month's reports.
    blocked_by_day: dict[datetime.date, set[int]] = {}
    day = first
    while day <= last:
        blocked_by_day[day] = blocked_facility_ids(day)
        day += datetime.timedelta(days=1)
    reports = MealCount.objects.filter(day__gte=first, day__lte=last, region__code__startswith=region.code).values_list(
        "meal_point_id", "region_id", "day", "category", "served"
    )
    per_point: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    point_region: dict[int, str] = {}
    blocked_days: dict[int, set[datetime.date]] = defaultdict(set)
    for point_id, region_code, day, category, served in reports.iterator(chunk_size=5000):
        cell = per_point[point_id][category]
        cell[0] += served
        if point_id in blocked_by_day[day]:
            cell[1] += served
            blocked_days[point_id].add(day)
        point_region[point_id] = region_code
    confirmed = set(
        MealSettlement.objects.filter(
            month=first, meal_point_id__in=list(per_point), status=SettlementStatus.CONFIRMED
        ).values_list("meal_point_id", flat=True)
    )
    tables: dict[str, tuple[int, dict[str, str]]] = {}
    MealSettlement.objects.filter(month=first, meal_point_id__in=[p for p in per_point if p not in confirmed]).delete()
    computed = 0
    total = Decimal("0")
    lines: list[MealSettlementLine] = []
    for point_id, categories in sorted(per_point.items()):
        if point_id in confirmed:
            continue
        region_code = point_region[point_id]
        if region_code not in tables:
            tables[region_code] = _param_table(MEAL_SUBSIDY, region_code, last, "month")
        parameter_id, table = tables[region_code]
        settlement = MealSettlement(
            meal_point_id=point_id,
            region_id=region_code,
            month=first,
            blocked_days=len(blocked_days.get(point_id, ())),
            parameters={"meal_subsidy": {"id": parameter_id, "value": table}},
        )
        point_lines = []
        for category, (served, blocked) in sorted(categories.items()):
            rate = Decimal(str(table.get(category, "0")))
            amount = _money(rate * (served - blocked))
            point_lines.append(
                MealSettlementLine(category=category, meals=served, blocked_meals=blocked, rate=rate, amount=amount)
            )
        settlement.total_meals = sum(line.meals for line in point_lines)
        settlement.blocked_meals = sum(line.blocked_meals for line in point_lines)
        settlement.subsidy_amount = sum((line.amount for line in point_lines), Decimal("0"))
        settlement.save()
        for line in point_lines:
            line.settlement = settlement
        lines += point_lines
        computed += 1
        total += settlement.subsidy_amount
    MealSettlementLine.objects.bulk_create(lines)
    audit_record(
        action="eldercare.meal_settlement.compute",
        actor=acting_user,
        object_type="eldercare.mealsettlement",
        object_id=f"{region.code}:{first:%Y-%m}",
        object_repr=f"{first:%Y年%m月} 助餐补贴结算",
        region_code=region.code,
        changes={"month": first.isoformat(), "points": computed, "skipped_confirmed": len(confirmed), "total": total},
    )
    return {"points": computed, "skipped_confirmed": len(confirmed), "total": _money(total)}


@transaction.atomic
def meal_settlement_confirm(*, settlement: MealSettlement, acting_user: User | None) -> MealSettlement:
    if acting_user is not None:
        _require(acting_user, CommunityPerm.SETTLE_MEALS, settlement.region_id, "region", "您无权确认该助餐点的结算")
    if settlement.status == SettlementStatus.CONFIRMED:
        raise ValidationError({"status": ["该结算已确认"]})
    settlement.status = SettlementStatus.CONFIRMED
    settlement.confirmed_by = acting_user
    settlement.confirmed_at = timezone.now()
    settlement.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(
        action="eldercare.meal_settlement.confirm",
        actor=acting_user,
        obj=settlement,
        region_code=settlement.region_id,
        changes={"subsidy_amount": settlement.subsidy_amount, "total_meals": settlement.total_meals},
    )
    return settlement


# ------------------------------------------------------------------ advisor sessions


def _clean_codes(values: Iterable[str], allowed: list[str], field: str, label: str) -> list[str]:
    values = [v for v in values if v]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationError({field: [f"{label}无效：{'、'.join(bad)}"]})
    return sorted(set(values), key=allowed.index)


@transaction.atomic
def advice_session_create(
    *,
    person: Person,
    held_on: datetime.date,
    advisor_name: str,
    topics: Iterable[str],
    recommended: Iterable[str] = (),
    notes: str = "",
    follow_up_on: datetime.date | None = None,
    point: Facility | None = None,
    acting_user: User,
) -> AdviceSession:
    region = home_region_code(person)
    _require(acting_user, CommunityPerm.RECORD_ADVICE, region, "person", "该老人不在您的管辖范围内")
    topic_list = _clean_codes(topics, list(AdviceTopic.values), "topics", "咨询事项")
    if not topic_list:
        raise ValidationError({"topics": ["请至少选择一项咨询事项"]})
    recommended_list = _clean_codes(recommended, list(RecommendedService.values), "recommended", "推荐服务")
    if not advisor_name.strip():
        raise ValidationError({"advisor_name": ["请填写顾问姓名"]})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": ["咨询日期不能晚于今天"]})
    if follow_up_on is not None and follow_up_on < held_on:
        raise ValidationError({"follow_up_on": ["回访日期不能早于咨询日期"]})
    if point is not None and point.kind != FacilityKind.ADVISOR_POINT:
        raise ValidationError({"point": ["所选设施不是养老顾问点"]})
    session = AdviceSession.objects.create(
        person=person,
        region_id=region,
        advisor=acting_user,
        advisor_name=advisor_name.strip(),
        point=point,
        held_on=held_on,
        topics=topic_list,
        recommended=recommended_list,
        notes=notes,
        follow_up_on=follow_up_on,
        created_by=acting_user,
    )
    audit_record(
        action="eldercare.advice.create",
        actor=acting_user,
        obj=session,
        region_code=region,
        changes={"person": person.pk, "topics": topic_list, "recommended": recommended_list},
    )
    return session


@transaction.atomic
def advice_session_follow_up(
    *, session: AdviceSession, followed_up_on: datetime.date, result: str, acting_user: User
) -> AdviceSession:
    _require(acting_user, CommunityPerm.RECORD_ADVICE, session.region_id, "person", "该老人不在您的管辖范围内")
    if followed_up_on < session.held_on:
        raise ValidationError({"followed_up_on": ["回访日期不能早于咨询日期"]})
    if not result.strip():
        raise ValidationError({"follow_up_result": ["请填写回访结果"]})
    session.followed_up_on = followed_up_on
    session.follow_up_result = result.strip()
    session.save(update_fields=["followed_up_on", "follow_up_result"])
    audit_record(
        action="eldercare.advice.follow_up",
        actor=acting_user,
        obj=session,
        region_code=session.region_id,
        changes={"followed_up_on": followed_up_on.isoformat(), "result": session.follow_up_result},
    )
    return session


# ------------------------------------------------------------------ peer visits (老伙伴计划)


@transaction.atomic
def childless_record_create(
    *, person: Person, recorded_on: datetime.date, note: str = "", acting_user: User
) -> ChildlessRecord:
    region = home_region_code(person)
    _require(acting_user, CommunityPerm.MANAGE_PEER, region, "person", "该老人不在您的管辖范围内")
    if ChildlessRecord.objects.filter(person=person).exists():
        raise ValidationError({"person": ["该老人已登记为无子女"]})
    record = ChildlessRecord.objects.create(
        person=person, region_id=region, recorded_on=recorded_on, note=note, created_by=acting_user
    )
    audit_record(action="eldercare.childless.create", actor=acting_user, obj=record, region_code=region)
    return record


@transaction.atomic
def peer_pair_create(*, volunteer: Person, target: Person, started_on: datetime.date, acting_user: User) -> PeerPair:
    from eldercare.selectors_community import peer_target_reasons

    region = home_region_code(target)
    _require(acting_user, CommunityPerm.MANAGE_PEER, region, "target", "该老人不在您的管辖范围内")
    if volunteer.pk == target.pk:
        raise ValidationError({"volunteer": ["志愿者不能与本人结对"]})
    if volunteer.death_date is not None or target.death_date is not None:
        raise ValidationError({"target": ["已故人员不能结对"]})
    reasons = peer_target_reasons(target, started_on)
    if not reasons:
        raise ValidationError({"target": ["该老人不属于老伙伴计划关爱对象（独居、高龄或无子女）"]})
    if PeerPair.objects.filter(target=target, ended_on__isnull=True).exists():
        raise ValidationError({"target": ["该老人已有结对志愿者"]})
    pair = PeerPair.objects.create(
        volunteer=volunteer,
        target=target,
        region_id=region,
        started_on=started_on,
        reasons=reasons,
        created_by=acting_user,
    )
    audit_record(
        action="eldercare.peer_pair.create",
        actor=acting_user,
        obj=pair,
        region_code=region,
        changes={"volunteer": volunteer.pk, "target": target.pk, "reasons": reasons},
    )
    return pair


@transaction.atomic
def peer_pair_end(*, pair: PeerPair, ended_on: datetime.date, acting_user: User) -> PeerPair:
    _require(acting_user, CommunityPerm.MANAGE_PEER, pair.region_id, "target", "该老人不在您的管辖范围内")
    if pair.ended_on is not None:
        raise ValidationError({"ended_on": ["该结对已解除"]})
    if ended_on < pair.started_on:
        raise ValidationError({"ended_on": ["解除日期不能早于结对日期"]})
    pair.ended_on = ended_on
    pair.save(update_fields=["ended_on"])
    audit_record(
        action="eldercare.peer_pair.end",
        actor=acting_user,
        obj=pair,
        region_code=pair.region_id,
        changes={"ended_on": ended_on.isoformat()},
    )
    return pair


@transaction.atomic
def peer_visit_create(
    *,
    pair: PeerPair,
    visited_on: datetime.date,
    mode: str = VisitMode.HOME,
    notes: str = "",
    concern: str = "",
    acting_user: User,
) -> PeerVisit:
    _require(acting_user, CommunityPerm.MANAGE_PEER, pair.region_id, "pair", "该结对不在您的管辖范围内")
    if mode not in VisitMode.values:
        raise ValidationError({"mode": ["探访方式无效"]})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": ["探访日期不能晚于今天"]})
    if visited_on < pair.started_on or (pair.ended_on is not None and visited_on > pair.ended_on):
        raise ValidationError({"visited_on": ["探访日期不在结对期间内"]})
    visit = PeerVisit.objects.create(
        pair=pair,
        target_id=pair.target_id,
        region_id=pair.region_id,
        visited_on=visited_on,
        mode=mode,
        notes=notes,
        concern=concern,
        created_by=acting_user,
    )
    audit_record(
        action="eldercare.peer_visit.create",
        actor=acting_user,
        obj=visit,
        region_code=pair.region_id,
        changes={"pair": pair.pk, "visited_on": visited_on.isoformat(), "mode": mode},
    )
    return visit


@transaction.atomic
def community_person_died(*, person: Person, death_date: datetime.date, acting_user: User | None) -> dict[str, int]:
    """A death recorded in the registry ends the person's meal enrolment and peer pairs (as target
    or volunteer) on the day of death, and withdraws a home adaptation not yet completed."""
    ended = {"enrolments": 0, "pairs": 0, "adaptations": 0}
    for enrolment in MealEnrolment.objects.filter(person=person, ended_on__isnull=True):
        enrolment.ended_on = max(death_date, enrolment.enrolled_on)
        enrolment.save(update_fields=["ended_on"])
        audit_record(
            action="eldercare.meal_enrolment.end",
            actor=acting_user,
            obj=enrolment,
            region_code=enrolment.region_id,
            changes={"ended_on": enrolment.ended_on.isoformat(), "reason": "death"},
        )
        ended["enrolments"] += 1
    for pair in PeerPair.objects.filter(Q(target=person) | Q(volunteer=person), ended_on__isnull=True):
        pair.ended_on = max(death_date, pair.started_on)
        pair.save(update_fields=["ended_on"])
        audit_record(
            action="eldercare.peer_pair.end",
            actor=acting_user,
            obj=pair,
            region_code=pair.region_id,
            changes={"ended_on": pair.ended_on.isoformat(), "reason": "death"},
        )
        ended["pairs"] += 1
    for adaptation in HomeAdaptation.objects.filter(
        person=person, status__in=[AdaptationStatus.APPLIED, AdaptationStatus.ASSESSED, AdaptationStatus.APPROVED]
    ):
        before = adaptation.status
        adaptation.status, adaptation.decision_note = AdaptationStatus.WITHDRAWN, "申请人已故"
        adaptation.save(update_fields=["status", "decision_note", "updated_at"])
        _adaptation_event(adaptation, "withdraw", before, acting_user, reason="death")
        ended["adaptations"] += 1
    return ended


def on_person_died(sender: Any, person: Person, death_date: datetime.date, acting_user: Any = None, **_: Any) -> None:
    """Receiver of core.events.person_died (connected in apps_community.ready)."""
    community_person_died(person=person, death_date=death_date, acting_user=acting_user)


# ------------------------------------------------------------------ home adaptation (适老化改造)


def _next_adaptation_number(applied_on: datetime.date) -> str:
    prefix = f"SLH{applied_on:%Y}"
    last = (
        HomeAdaptation.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True)
    ).first()
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:06d}"


def _adaptation_event(adaptation: HomeAdaptation, verb: str, before: str, user: User | None, **extra: Any) -> None:
    audit_record(
        action=f"eldercare.adaptation.{verb}",
        actor=user,
        obj=adaptation,
        region_code=adaptation.region_id,
        changes={"status": {"before": before, "after": adaptation.status}, **extra},
    )


def _expect_status(adaptation: HomeAdaptation, *allowed: str) -> str:
    if adaptation.status not in allowed:
        labels = "、".join(AdaptationStatus(s).label for s in allowed)
        raise ValidationError({"status": [f"当前状态为“{adaptation.get_status_display()}”，此操作只适用于：{labels}"]})
    return adaptation.status


@transaction.atomic
def adaptation_apply(
    *,
    person: Person,
    applied_on: datetime.date,
    needs: str,
    address: str = "",
    acting_user: User,
) -> HomeAdaptation:
    region = home_region_code(person)
    _require(acting_user, CommunityPerm.MANAGE_ADAPTATION, region, "person", "该老人不在您的管辖范围内")
    if person.death_date is not None:
        raise ValidationError({"person": ["该老人已故"]})
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": ["申请日期不能晚于今天"]})
    min_age = _param_int(ADAPTATION_MIN_AGE, region, applied_on, "person")
    if _age(person.birth_date, applied_on) < min_age:
        raise ValidationError({"person": [f"申请人须年满 {min_age} 周岁"]})
    if not needs.strip():
        raise ValidationError({"needs": ["请填写改造需求"]})
    if HomeAdaptation.objects.filter(person=person, status__in=[s.value for s in _LIVE]).exists():
        raise ValidationError({"person": ["该老人已有办理中的适老化改造申请"]})
    adaptation = HomeAdaptation(
        number=_next_adaptation_number(applied_on),
        person=person,
        region_id=region,
        category=person_category(person, applied_on),
        applied_on=applied_on,
        needs=needs.strip(),
        address=address or person.address,
        created_by=acting_user,
    )
    try:
        with transaction.atomic():
            adaptation.save()
    except IntegrityError:
        raise ValidationError({"person": ["该老人已有办理中的适老化改造申请"]}) from None
    _adaptation_event(adaptation, "apply", "", acting_user, category=adaptation.category)
    return adaptation


_LIVE = [AdaptationStatus.APPLIED, AdaptationStatus.ASSESSED, AdaptationStatus.APPROVED, AdaptationStatus.COMPLETED]


@transaction.atomic
def adaptation_assess(
    *,
    adaptation: HomeAdaptation,
    assessed_on: datetime.date,
    assessor_name: str,
    assessment: str,
    estimated_cost: Decimal,
    acting_user: User,
) -> HomeAdaptation:
    _require(acting_user, CommunityPerm.MANAGE_ADAPTATION, adaptation.region_id, "status", "该申请不在您的管辖范围内")
    before = _expect_status(adaptation, AdaptationStatus.APPLIED)
    if assessed_on < adaptation.applied_on:
        raise ValidationError({"assessed_on": ["评估日期不能早于申请日期"]})
    if not assessor_name.strip():
        raise ValidationError({"assessor_name": ["请填写评估人"]})
    if estimated_cost is None or estimated_cost < 0:
        raise ValidationError({"estimated_cost": ["预估费用不能为负数"]})
    adaptation.assessed_on, adaptation.assessor_name = assessed_on, assessor_name.strip()
    adaptation.assessment, adaptation.estimated_cost = assessment, _money(Decimal(estimated_cost))
    adaptation.status = AdaptationStatus.ASSESSED
    adaptation.save()
    _adaptation_event(adaptation, "assess", before, acting_user, estimated_cost=adaptation.estimated_cost)
    return adaptation


@transaction.atomic
def adaptation_decide(
    *, adaptation: HomeAdaptation, approve: bool, decided_on: datetime.date, note: str = "", acting_user: User
) -> HomeAdaptation:
    _require(acting_user, CommunityPerm.APPROVE_ADAPTATION, adaptation.region_id, "status", "您无权审批该申请")
    before = _expect_status(adaptation, AdaptationStatus.ASSESSED)
    if decided_on < (adaptation.assessed_on or adaptation.applied_on):
        raise ValidationError({"decided_on": ["审批日期不能早于评估日期"]})
    if not approve and not note.strip():
        raise ValidationError({"decision_note": ["不予批准须写明理由"]})
    adaptation.decided_on, adaptation.decision_note = decided_on, note.strip()
    adaptation.status = AdaptationStatus.APPROVED if approve else AdaptationStatus.REJECTED
    adaptation.save()
    _adaptation_event(adaptation, "approve" if approve else "reject", before, acting_user, note=note)
    return adaptation


@transaction.atomic
def adaptation_item_add(
    *,
    adaptation: HomeAdaptation,
    kind: str,
    cost: Decimal,
    done_on: datetime.date,
    quantity: int = 1,
    description: str = "",
    acting_user: User,
) -> HomeAdaptationItem:
    _require(acting_user, CommunityPerm.MANAGE_ADAPTATION, adaptation.region_id, "status", "该申请不在您的管辖范围内")
    _expect_status(adaptation, AdaptationStatus.APPROVED)
    if kind not in AdaptationItemKind.values:
        raise ValidationError({"kind": ["改造项目无效"]})
    if cost is None or Decimal(cost) < 0:
        raise ValidationError({"cost": ["费用不能为负数"]})
    if quantity < 1:
        raise ValidationError({"quantity": ["数量至少为 1"]})
    if adaptation.decided_on and done_on < adaptation.decided_on:
        raise ValidationError({"done_on": ["完成日期不能早于审批日期"]})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": ["完成日期不能晚于今天"]})
    item = HomeAdaptationItem.objects.create(
        adaptation=adaptation,
        kind=kind,
        description=description,
        quantity=quantity,
        cost=_money(Decimal(cost)),
        done_on=done_on,
    )
    audit_record(
        action="eldercare.adaptation.item_add",
        actor=acting_user,
        obj=adaptation,
        region_code=adaptation.region_id,
        changes={"item": item.pk, "kind": kind, "cost": item.cost, "quantity": quantity},
    )
    return item


def adaptation_subsidy(total: Decimal, share: Decimal, cap: Decimal) -> Decimal:
    """Subsidy = min(total × share, cap), to the cent (half up)."""
    return min(_money(total * share), _money(cap))


@transaction.atomic
def adaptation_complete(
    *, adaptation: HomeAdaptation, completed_on: datetime.date, acting_user: User
) -> HomeAdaptation:
    """Works done: the total cost is the sum of the items; the subsidy is share × cost up to the
    cap of the person's category (parameters in force on the completion date)."""
    _require(acting_user, CommunityPerm.MANAGE_ADAPTATION, adaptation.region_id, "status", "该申请不在您的管辖范围内")
    before = _expect_status(adaptation, AdaptationStatus.APPROVED)
    items = list(adaptation.items.all())
    if not items:
        raise ValidationError({"items": ["请先登记已完成的改造项目"]})
    last_item = max(i.done_on for i in items)
    if completed_on < last_item:
        raise ValidationError({"completed_on": ["完工日期不能早于最后一个改造项目的完成日期"]})
    parameter_id, table = _param_table(ADAPTATION_SUBSIDY, adaptation.region_id, completed_on, "completed_on")
    rule = table.get(adaptation.category)
    if not rule:
        raise ValidationError({"category": [f"补贴参数中没有“{adaptation.get_category_display()}”类别"]})
    share, cap = Decimal(str(rule["share"])), Decimal(str(rule["cap"]))
    total = sum((i.cost for i in items), Decimal("0"))
    subsidy = adaptation_subsidy(total, share, cap)
    adaptation.total_cost, adaptation.subsidy_share, adaptation.subsidy_cap = total, share, cap
    adaptation.subsidy_amount, adaptation.self_pay = subsidy, total - subsidy
    adaptation.parameters = {"adaptation_subsidy": {"id": parameter_id, "rule": rule}}
    adaptation.completed_on, adaptation.status = completed_on, AdaptationStatus.COMPLETED
    adaptation.save()
    _adaptation_event(
        adaptation, "complete", before, acting_user, total_cost=total, subsidy_amount=subsidy, share=share, cap=cap
    )
    return adaptation


@transaction.atomic
def adaptation_settle(*, adaptation: HomeAdaptation, settled_on: datetime.date, acting_user: User) -> HomeAdaptation:
    _require(acting_user, CommunityPerm.APPROVE_ADAPTATION, adaptation.region_id, "status", "您无权结算该申请")
    before = _expect_status(adaptation, AdaptationStatus.COMPLETED)
    if adaptation.completed_on and settled_on < adaptation.completed_on:
        raise ValidationError({"settled_on": ["结算日期不能早于完工日期"]})
    adaptation.settled_on, adaptation.status = settled_on, AdaptationStatus.SETTLED
    adaptation.save()
    _adaptation_event(adaptation, "settle", before, acting_user, subsidy_amount=adaptation.subsidy_amount)
    return adaptation


@transaction.atomic
def adaptation_withdraw(*, adaptation: HomeAdaptation, reason: str, acting_user: User) -> HomeAdaptation:
    _require(acting_user, CommunityPerm.MANAGE_ADAPTATION, adaptation.region_id, "status", "该申请不在您的管辖范围内")
    before = _expect_status(adaptation, AdaptationStatus.APPLIED, AdaptationStatus.ASSESSED, AdaptationStatus.APPROVED)
    if not reason.strip():
        raise ValidationError({"decision_note": ["请填写撤回原因"]})
    adaptation.status, adaptation.decision_note = AdaptationStatus.WITHDRAWN, reason.strip()
    adaptation.save()
    _adaptation_event(adaptation, "withdraw", before, acting_user, reason=reason)
    return adaptation
