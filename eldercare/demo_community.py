"""Demo data of the community services, on top of the demo district and its meal points.

Idempotent: each part is built once (a second ``make demo`` changes nothing). Bulk inserts
keep it fast on SQLite; one audit event records what the builder wrote. The daily reports
are scaled to the plan's figure (崇明 2020: 92 meal points serving about 5,500 meals a day)
whatever the size of the generated population; enrolments are drawn from the real 65+ people.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from enum import Enum
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.audit import audit_record
from core.bulkload import bulk_insert, gc_paused
from core.models import HouseholdMember, Person, Region, User
from eldercare.choices import MEAL_KINDS, FacilityKind
from eldercare.choices_community import (
    AdaptationItemKind,
    AdviceTopic,
    PersonCategory,
    RecommendedService,
    VisitMode,
)
from eldercare.models import (
    AdviceSession,
    ChildlessRecord,
    Facility,
    MealCount,
    MealEnrolment,
    MealSettlement,
    PeerPair,
    PeerVisit,
    Residency,
)
from eldercare.policy_community import ensure_community_parameters

MEALS_PER_DAY = 5500  # 崇明“十四五”规划：2020年 92 个助餐点，日均供餐约 5500 客
MONTHS = 3
ADVISORS = ["顾晓梅", "施建华", "黄丽萍", "陆志刚", "龚美娟", "倪卫东"]
_CATEGORY_WEIGHTS = {
    PersonCategory.EXTREME_POVERTY: 2,
    PersonCategory.DIBAO: 6,
    PersonCategory.AGE_80: 30,
    PersonCategory.AGE_65: 52,
    PersonCategory.OTHER: 10,
}


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _home() -> Coalesce:
    return Coalesce("residence_region_id", "hukou_region_id", output_field=CharField())


def build_community_demo(profile: str, seed: int) -> str:
    ensure_community_parameters()
    points = list(Facility.objects.filter(kind__in=MEAL_KINDS).order_by("id"))
    if not points:
        return "跳过：尚无助餐点（先生成养老服务设施）"
    district = points[0].region_id[:6]
    if MealEnrolment.objects.filter(region__code__startswith=district).exists():
        return "已存在，跳过"
    rng = random.Random(seed * 7 + 5)
    today = timezone.localdate()
    staff = User.objects.filter(username="district_staff").first()
    with transaction.atomic(), gc_paused():
        enrolled = _meals(points, district, today, rng)
        meals = _daily_counts(points, today, rng)
        blacklisted = _blacklist_one(points, today, rng, staff)
        settled = _settlements(district, today)
        advice = _advice(district, today, rng, staff)
        pairs, visits, coverage = _peer(district, today, rng)
        adaptations = _adaptations(district, today, rng, staff)
        audit_record(
            action="eldercare.community.demo",
            actor=None,
            object_type="eldercare.demo",
            object_id=district,
            object_repr="社区养老服务演示数据",
            region_code=district,
            changes={
                "enrolments": enrolled,
                "meal_rows": meals,
                "blacklisted": blacklisted,
                "settlements": settled,
                "advice": advice,
                "pairs": pairs,
                "visits": visits,
                "adaptations": adaptations,
            },
        )
    return (
        f"助餐登记 {enrolled} 人，{MONTHS} 个月每日填报 {meals} 行，结算 {settled} 份"
        f"（{blacklisted or '无'}列入黑名单期间停发补贴）；"
        f"养老顾问咨询 {advice} 次；老伙伴结对 {pairs} 对、探访 {visits} 次（上月覆盖率 {coverage}%）；"
        f"适老化改造 {adaptations} 件"
    )


def _insert(model: Any, attnames: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many new rows given as tuples of ``attnames`` values: COPY on PostgreSQL
    (core.bulkload); on SQLite one executemany, without model instances or a huge INSERT
    statement (where bulk_create spends its time). Auto-now fields get the current time."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        bulk_insert(model, [model(**dict(zip(attnames, row, strict=True))) for row in rows])
        return
    stamped = [
        f.attname
        for f in model._meta.concrete_fields
        if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) and f.attname not in attnames
    ]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    fields = [model._meta.get_field(name) for name in attnames]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [*fields, *map(model._meta.get_field, stamped)])
    placeholders = ", ".join(["%s"] * (len(fields) + len(stamped)))
    prepared = [
        (
            *(
                f.get_db_prep_save(v, connection)
                if isinstance(v, datetime.date)
                else (v.value if isinstance(v, Enum) else v)
                for f, v in zip(fields, row, strict=True)
            ),
            *[now] * len(stamped),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})",
            prepared,
        )


def _category_of(birth: datetime.date, assisted: str | None, today: datetime.date) -> str:
    if assisted:
        return assisted
    if birth <= _years_before(today, 80):
        return PersonCategory.AGE_80
    if birth <= _years_before(today, 65):
        return PersonCategory.AGE_65
    return PersonCategory.OTHER


def _meals(points: list[Facility], district: str, today: datetime.date, rng: random.Random) -> int:
    from eldercare.services_community import assistance_categories

    by_township: dict[str, list[Facility]] = defaultdict(list)
    for point in points:
        by_township[point.region_id[:9]].append(point)
    elders = list(
        Person.objects.filter(death_date__isnull=True, birth_date__lte=_years_before(today, 65))
        .exclude(pk__in=Residency.objects.open().values("person_id"))
        .annotate(home=_home())
        .filter(home__startswith=district)
        .values_list("pk", "home", "birth_date")
    )
    assisted = assistance_categories([pk for pk, _, _ in elders], today)
    started = today - datetime.timedelta(days=30 * (MONTHS + 2))
    rows = []
    for pk, home, birth in elders:
        township_points = by_township.get(home[:9])
        if not township_points or rng.random() > 0.35:
            continue
        point = rng.choice(township_points)
        rows.append(
            MealEnrolment(
                person_id=pk,
                meal_point=point,
                region_id=point.region_id,
                category=_category_of(birth, assisted.get(pk), today),
                enrolled_on=started + datetime.timedelta(days=rng.randrange(0, 60)),
            )
        )
    MealEnrolment.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _daily_counts(points: list[Facility], today: datetime.date, rng: random.Random) -> int:
    """Reports from the first day of the month MONTHS-1 months ago until yesterday."""
    first = today.replace(day=1)
    for _ in range(MONTHS - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    capacity = sum(p.daily_meal_capacity or 60 for p in points)
    mix: dict[int, dict[str, int]] = defaultdict(dict)
    for enrolled in (
        MealEnrolment.objects.filter(meal_point__in=points).values("meal_point_id", "category").annotate(n=Count("pk"))
    ):
        mix[enrolled["meal_point_id"]][enrolled["category"]] = enrolled["n"]
    rows: list[list[Any]] = []
    day = first
    while day < today:
        weekend = day.weekday() >= 5
        for point in points:
            cap = point.daily_meal_capacity or 60
            target = MEALS_PER_DAY * cap / capacity * (0.92 if weekend else 0.98)
            weights = {c: mix[point.pk].get(c, 0) + w / 10 for c, w in _CATEGORY_WEIGHTS.items()}
            total_weight = sum(weights.values())
            for category, weight in weights.items():
                served = max(0, round(target * weight / total_weight * rng.uniform(0.9, 1.1)))
                ordered = served + rng.choice([0, 0, 0, 1, 2])
                rows.append([point.pk, point.region_id, day, category, ordered, served])
        day += datetime.timedelta(days=1)
    # A few busy points take more orders than they can cook on some days (the capacity report shows them).
    busy = {p.pk for p in rng.sample(points, k=min(4, len(points)))}
    capacities = {p.pk: p.daily_meal_capacity or 60 for p in points}
    for row in rows:
        if row[0] in busy and row[3] == PersonCategory.AGE_65 and rng.random() < 0.3:
            row[4] += capacities[row[0]]
    _insert(
        MealCount,
        ["meal_point_id", "region_id", "day", "category", "ordered", "served"],
        [tuple(row) for row in rows],
    )
    return len(rows)


def _blacklist_one(points: list[Facility], today: datetime.date, rng: random.Random, staff: User | None) -> str:
    """One meal point was on the blacklist for twelve days last month (via the supervision
    service), so the settlement shows meals served without subsidy."""
    from eldercare.models import BlacklistEntry
    from eldercare.services import blacklist_add, blacklist_remove

    if staff is None:
        return ""
    candidates = [p for p in points if not BlacklistEntry.objects.filter(facility=p).exists()]
    if not candidates:
        return ""
    point = rng.choice(candidates)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    listed = last_month + datetime.timedelta(days=9)
    entry = blacklist_add(facility=point, listed_on=listed, reason="抽查发现虚报助餐餐次", acting_user=staff)
    blacklist_remove(
        entry=entry, removed_on=listed + datetime.timedelta(days=12), reason="整改到位，核减虚报餐次", acting_user=staff
    )
    return point.name


def _settlements(district: str, today: datetime.date) -> int:
    """Settle every finished month; confirm all but the last one."""
    from eldercare.services_community import meal_settlement_compute, meal_settlement_confirm

    region = Region.objects.get(code=district)
    months = sorted(
        {d.replace(day=1) for d in MealCount.objects.filter(region__code__startswith=district).dates("day", "month")}
    )
    finished = [m for m in months if m < today.replace(day=1)]
    for month in finished:
        meal_settlement_compute(month=month, region=region, acting_user=None)
    for settlement in MealSettlement.objects.filter(month__in=finished[:-1], region__code__startswith=district):
        meal_settlement_confirm(settlement=settlement, acting_user=None)
    return MealSettlement.objects.filter(region__code__startswith=district).count()


def _advice(district: str, today: datetime.date, rng: random.Random, staff: User | None) -> int:
    advisor_points = list(
        Facility.objects.filter(kind=FacilityKind.ADVISOR_POINT, region__code__startswith=district).values_list(
            "pk", "region_id"
        )
    )
    people = list(
        Person.objects.filter(death_date__isnull=True, birth_date__lte=_years_before(today, 60))
        .annotate(home=_home())
        .filter(home__startswith=district)
        .values_list("pk", "home")
    )
    chosen = rng.sample(people, k=min(len(people), 400))
    topics = list(AdviceTopic.values)
    recommended = list(RecommendedService.values)
    rows = []
    for pk, home in chosen:
        held = today - datetime.timedelta(days=rng.randrange(1, 180))
        follow = held + datetime.timedelta(days=rng.choice([7, 14, 30])) if rng.random() < 0.6 else None
        done = follow if follow and follow < today and rng.random() < 0.7 else None
        township_points = [p for p, r in advisor_points if r[:9] == home[:9]]
        rows.append(
            AdviceSession(
                person_id=pk,
                region_id=home,
                advisor=staff,
                advisor_name=rng.choice(ADVISORS),
                point_id=rng.choice(township_points) if township_points else None,
                held_on=held,
                topics=sorted(rng.sample(topics, k=rng.randint(1, 3)), key=topics.index),
                recommended=sorted(rng.sample(recommended, k=rng.randint(0, 2)), key=recommended.index),
                notes="了解政策并登记需求",
                follow_up_on=follow,
                followed_up_on=done,
                follow_up_result="已落实" if done else "",
                created_by=staff,
            )
        )
    AdviceSession.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _peer(district: str, today: datetime.date, rng: random.Random) -> tuple[int, int, str]:
    from eldercare.selectors_community import peer_coverage_by_township, peer_targets

    # Childless records: a small share of the people aged 70+ who live alone.
    household_size = Subquery(
        HouseholdMember.objects.filter(household_id=OuterRef("membership__household_id"))
        .values("household_id")
        .annotate(size=Count("pk"))
        .values("size")[:1],
        output_field=IntegerField(),
    )
    alone = list(
        Person.objects.filter(death_date__isnull=True, birth_date__lte=_years_before(today, 70))
        .annotate(home=_home(), household_size=household_size)
        .filter(home__startswith=district, household_size=1)
        .values_list("pk", "home")
    )
    ChildlessRecord.objects.bulk_create(
        [
            ChildlessRecord(
                person_id=pk, region_id=home, recorded_on=today - datetime.timedelta(days=200), note="村居核实：无子女"
            )
            for pk, home in alone
            if rng.random() < 0.15
        ],
        ignore_conflicts=True,
    )
    targets = list(peer_targets(district, today).values_list("pk", "home"))
    volunteers: dict[str, list[int]] = defaultdict(list)
    for pk, home in (
        Person.objects.filter(
            death_date__isnull=True, birth_date__lte=_years_before(today, 60), birth_date__gt=_years_before(today, 70)
        )
        .annotate(home=_home())
        .filter(home__startswith=district)
        .values_list("pk", "home")
    ):
        volunteers[home[:9]].append(pk)
    started = today - datetime.timedelta(days=150)
    pairs = []
    for pk, home in targets:
        candidates = volunteers.get(home[:9])
        if not candidates or rng.random() < 0.04:
            continue
        volunteer = rng.choice(candidates)
        if volunteer == pk:
            continue
        pairs.append(PeerPair(volunteer_id=volunteer, target_id=pk, region_id=home, started_on=started, reasons=[]))
    PeerPair.objects.bulk_create(pairs, batch_size=2000)
    pairs = list(PeerPair.objects.filter(region__code__startswith=district))
    visits: list[tuple[Any, ...]] = []
    for pair in pairs:
        # About weekly; one pair in twelve misses a month now and then, which the coverage report shows.
        lapse = rng.random() < 0.08
        day = started + datetime.timedelta(days=rng.randrange(0, 7))
        while day < today:
            if not (lapse and day.month == (today.replace(day=1) - datetime.timedelta(days=1)).month):
                visits.append(
                    (
                        pair.pk,
                        pair.target_id,
                        pair.region_id,
                        day,
                        rng.choice([VisitMode.HOME, VisitMode.HOME, VisitMode.PHONE]).value,
                        "身体状况良好" if rng.random() < 0.9 else "需关注",
                        "" if rng.random() < 0.97 else "独自在家行动不便，建议申请居家照护",
                    )
                )
            day += datetime.timedelta(days=rng.randint(5, 10))
    _insert(PeerVisit, ["pair_id", "target_id", "region_id", "visited_on", "mode", "notes", "concern"], visits)
    last_end = today.replace(day=1) - datetime.timedelta(days=1)
    report = peer_coverage_by_township(district, last_end.replace(day=1), last_end)
    return len(pairs), len(visits), str(report["share"] or Decimal(0))


def _adaptations(district: str, today: datetime.date, rng: random.Random, staff: User | None) -> int:
    """Applications in every state, through the services (so amounts and audit are real)."""
    from eldercare import services_community as svc

    if staff is None:
        return 0
    people = list(
        Person.objects.filter(death_date__isnull=True, birth_date__lte=_years_before(today, 65))
        .exclude(pk__in=Residency.objects.open().values("person_id"))
        .annotate(home=_home())
        .filter(home__startswith=district)
        .order_by("pk")[:4000]
    )
    chosen = rng.sample(people, k=min(len(people), 70))
    stages = ["applied", "assessed", "approved", "completed", "settled", "rejected", "withdrawn"]
    made = 0
    for index, person in enumerate(chosen):
        stage = stages[index % len(stages)]
        applied = today - datetime.timedelta(days=rng.randrange(40, 200))
        adaptation = svc.adaptation_apply(
            person=person, applied_on=applied, needs="卫生间加装扶手，地面防滑，消除门槛", acting_user=staff
        )
        made += 1
        if stage == "applied":
            continue
        if stage == "withdrawn":
            svc.adaptation_withdraw(adaptation=adaptation, reason="家属自行改造", acting_user=staff)
            continue
        assessed = applied + datetime.timedelta(days=7)
        svc.adaptation_assess(
            adaptation=adaptation,
            assessed_on=assessed,
            assessor_name="吴工",
            assessment="存在跌倒风险，建议改造",
            estimated_cost=Decimal(rng.randrange(1500, 6000)),
            acting_user=staff,
        )
        if stage == "assessed":
            continue
        decided = assessed + datetime.timedelta(days=5)
        svc.adaptation_decide(
            adaptation=adaptation,
            approve=stage != "rejected",
            decided_on=decided,
            note="" if stage != "rejected" else "住房为租赁房，产权人不同意改造",
            acting_user=staff,
        )
        if stage == "rejected":
            continue
        done = decided + datetime.timedelta(days=14)
        for kind in rng.sample([k for k in AdaptationItemKind.values if k != "other"], k=rng.randint(1, 3)):
            svc.adaptation_item_add(
                adaptation=adaptation,
                kind=kind,
                cost=Decimal(rng.randrange(300, 2500)),
                done_on=done,
                acting_user=staff,
            )
        if stage == "approved":
            continue
        svc.adaptation_complete(adaptation=adaptation, completed_on=done, acting_user=staff)
        if stage == "settled":
            svc.adaptation_settle(
                adaptation=adaptation, settled_on=done + datetime.timedelta(days=10), acting_user=staff
            )
    return made


__all__: list[Any] = ["build_community_demo"]
