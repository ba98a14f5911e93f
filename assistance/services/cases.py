"""Writes of cases (救助对象): open on a decision, change the amount, suspend, resume, end.

Every write is one transaction with its audit event; changes the household must be told about
(调整、停保、恢复、终止) also issue a written notice (告知书) whose text is frozen at issue.
The amount stored on the case is what the payroll's SQL computes for the month the change
takes effect (``assistance.schemes.case_amount``), so a notice never disagrees with a payment.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.choices import Addon, CaseEventKind, CaseStatus, Category, MemberKind
from assistance.models import Case, CaseEvent, CaseMember, CaseNotice
from assistance.permissions_cases import CasePerm
from assistance.schemes import PAID_CATEGORIES, case_amount, month_start
from core.audit import audit_record
from core.models import Household, HouseholdMember, Person, User
from core.policy import MissingPolicyParameter
from core.scoping import has_perm

__all__ = [
    "case_change_amount",
    "case_end",
    "case_open",
    "case_resume",
    "case_suspend",
]

CATEGORY_PREFIX = {
    Category.DIBAO: "DB",
    Category.LOW_INCOME: "DS",
    Category.DIBAO_EDGE: "BY",
    Category.EXTREME_POVERTY_SUPPORT: "TK",
    Category.EXPENDITURE_POVERTY: "ZC",
    Category.TEMPORARY_ASSISTANCE: "LS",
}


def _require(acting_user: User | None, region_code: str) -> None:
    if acting_user is not None and not has_perm(acting_user, CasePerm.MANAGE_CASE, region_code):
        raise ValidationError({"case": ["您无权办理该区划的救助案件"]})


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: ["请填写金额（元）"]}) from None
    if amount < 0:
        raise ValidationError({field: ["金额不能为负数"]})
    return amount


def _clean_members(household: Household, members: Iterable[Mapping[str, Any]]) -> list[tuple[Person, str, list[str]]]:
    """[{"person": Person or id, "kind": "adult"|"minor", "addons": [codes]}] -> checked rows."""
    rows = []
    seen: set[int] = set()
    for item in members:
        person = item["person"]
        person_id = person.pk if isinstance(person, Person) else int(person)
        kind = item.get("kind") or MemberKind.ADULT
        addons = list(dict.fromkeys(item.get("addons") or []))
        if kind not in MemberKind.values:
            raise ValidationError({"members": [f"标准类别“{kind}”无效"]})
        unknown = [a for a in addons if a not in Addon.values]
        if unknown:
            raise ValidationError({"members": [f"分类施保加发项目“{'、'.join(unknown)}”无效"]})
        if person_id in seen:
            raise ValidationError({"members": ["保障成员重复"]})
        seen.add(person_id)
        rows.append((person_id, kind, addons))
    if not rows:
        raise ValidationError({"members": ["至少需要一名保障成员"]})
    in_household = set(
        HouseholdMember.objects.filter(household=household, person_id__in=seen).values_list("person_id", flat=True)
    )
    outsiders = seen - in_household
    if outsiders:
        names = "、".join(Person.objects.filter(pk__in=outsiders).order_by("pk").values_list("name", flat=True))
        raise ValidationError({"members": [f"{names} 不是该家庭户的成员"]})
    people = Person.objects.in_bulk(list(seen))
    dead = [people[pk].name for pk in seen if people[pk].death_date is not None]
    if dead:
        raise ValidationError({"members": [f"{'、'.join(dead)} 已死亡，不能纳入保障"]})
    return [(people[pk], kind, addons) for pk, kind, addons in rows]


def _counts(rows: list[tuple[Person, str, list[str]]]) -> dict[str, Any]:
    addon_counts: dict[str, int] = {}
    for _, _, addons in rows:
        for addon in addons:
            addon_counts[addon] = addon_counts.get(addon, 0) + 1
    adults = sum(1 for _, kind, _ in rows if kind == MemberKind.ADULT)
    return {
        "member_count": len(rows),
        "adult_count": adults,
        "minor_count": len(rows) - adults,
        "addon_counts": addon_counts,
    }


def _amount(case: Case, month: datetime.date) -> Decimal:
    try:
        return case_amount(case, month)
    except MissingPolicyParameter as exc:
        raise ValidationError({"category": [str(exc)]}) from None


def _notice(case: Case, event: CaseEvent, title: str, body: str, acting_user: User | None) -> CaseNotice:
    return CaseNotice.objects.create(case=case, event=event, title=title, body=body, issued_by=acting_user)


def _appeal() -> str:
    return "如对本决定不服，可自收到本告知书之日起六十日内向上一级民政部门申请行政复议，或在六个月内向人民法院提起行政诉讼。"


def case_open(
    *,
    household: Household,
    category: str,
    members: Iterable[Mapping[str, Any]],
    household_monthly_income: Decimal | str | int,
    start_month: datetime.date,
    acting_user: User | None,
    payee: Person | None = None,
    next_review_due: datetime.date | None = None,
    reason: str = "",
) -> Case:
    """Open a case on an approved decision. The amount is computed (not taken) from the
    parameters in force in ``start_month``; the household's village scopes the case."""
    if category not in Category.values:
        raise ValidationError({"category": ["救助类别无效"]})
    _require(acting_user, household.region_id)
    income = _money(household_monthly_income, "household_monthly_income")
    rows = _clean_members(household, members)
    start = month_start(start_month)
    if payee is None:
        head = HouseholdMember.objects.filter(household=household, relation="head").values_list("person_id", flat=True)
        head_id = head.first()
        payee = next((p for p, _, _ in rows if p.pk == head_id), rows[0][0])
    if Case.objects.filter(
        household=household, category=category, status__in=[CaseStatus.ACTIVE, CaseStatus.SUSPENDED]
    ).exists():
        raise ValidationError({"household": ["该家庭已有同类别的在保案件"]})
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.create(
                number=f"TMP-{now.timestamp()}-{household.pk}-{category}"[:30],
                category=category,
                household=household,
                payee=payee,
                region_id=household.region_id,
                start_month=start,
                household_monthly_income=income,
                next_review_due=next_review_due,
                decided_by=acting_user,
                decided_at=now,
                **_counts(rows),
            )
            case.number = f"{CATEGORY_PREFIX[Category(category)]}{household.region_id[:6]}{start:%Y%m}{case.pk:08d}"
            case.monthly_amount = _amount(case, start)
            case.save(update_fields=["number", "monthly_amount"])
            CaseMember.objects.bulk_create(
                [CaseMember(case=case, person=person, kind=kind, addons=addons) for person, kind, addons in rows]
            )
            CaseEvent.objects.create(
                case=case,
                kind=CaseEventKind.OPEN,
                effective_month=start,
                new_amount=case.monthly_amount,
                new_income=income,
                reason=reason or "审核确认批准",
                acting_user=acting_user,
            )
            audit_record(
                action="case.open",
                actor=acting_user,
                obj=case,
                region_code=case.region_id,
                changes={
                    "category": category,
                    "household": household.pk,
                    "members": [p.pk for p, _, _ in rows],
                    "income": str(income),
                    "monthly_amount": str(case.monthly_amount),
                    "start_month": start.isoformat(),
                },
            )
    except IntegrityError:
        # Two decisions racing past the check above: the partial unique index decides.
        raise ValidationError({"household": ["该家庭已有同类别的在保案件"]}) from None
    return case


def _live(case: Case, allowed: Iterable[str], action: str) -> None:
    if case.status not in allowed:
        raise ValidationError({"status": [f"案件状态为“{case.get_status_display()}”，不能{action}"]})


def case_change_amount(
    *,
    case: Case,
    acting_user: User | None,
    reason: str,
    household_monthly_income: Decimal | str | int | None = None,
    members: Iterable[Mapping[str, Any]] | None = None,
    effective_month: datetime.date | None = None,
) -> Case:
    """Change the assessed income and/or the covered members (a review, a new fact); the
    amount is recomputed for ``effective_month`` (default: this month) and the household gets
    a notice. The next payroll uses the new figures; past payments keep their own."""
    _require(acting_user, case.region_id)
    _live(case, [CaseStatus.ACTIVE, CaseStatus.SUSPENDED], "调整")
    if not reason.strip():
        raise ValidationError({"reason": ["请填写调整原因"]})
    if household_monthly_income is None and members is None:
        raise ValidationError({"household_monthly_income": ["请填写新的家庭月收入或保障成员"]})
    month = month_start(effective_month or timezone.localdate())
    if month < case.start_month:
        raise ValidationError({"effective_month": ["生效月份不能早于起始发放月份"]})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        old_amount, old_income = case.monthly_amount, case.household_monthly_income
        rows = None
        if members is not None:
            rows = _clean_members(case.household, members)
            for key, value in _counts(rows).items():
                setattr(case, key, value)
        if household_monthly_income is not None:
            case.household_monthly_income = _money(household_monthly_income, "household_monthly_income")
        case.save()
        if rows is not None:
            CaseMember.objects.filter(case=case).delete()
            CaseMember.objects.bulk_create(
                [CaseMember(case=case, person=person, kind=kind, addons=addons) for person, kind, addons in rows]
            )
        case.monthly_amount = _amount(case, month)
        case.save(update_fields=["monthly_amount"])
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.CHANGE,
            effective_month=month,
            old_amount=old_amount,
            new_amount=case.monthly_amount,
            old_income=old_income,
            new_income=case.household_monthly_income,
            reason=reason.strip(),
            acting_user=acting_user,
        )
        _notice(
            case,
            event,
            f"{case.get_category_display()}救助金调整告知书",
            f"经复核，您家（案件编号 {case.number}）家庭月收入由 {old_income} 元核定为 "
            f"{case.household_monthly_income} 元，保障人数 {case.member_count} 人。"
            f"自 {month:%Y年%m月} 起，月救助金由 {old_amount} 元调整为 {case.monthly_amount} 元。"
            f"调整原因：{reason.strip()}。{_appeal()}",
            acting_user,
        )
        audit_record(
            action="case.change_amount",
            actor=acting_user,
            obj=case,
            region_code=case.region_id,
            changes={
                "effective_month": month.isoformat(),
                "before": {"amount": str(old_amount), "income": str(old_income)},
                "after": {
                    "amount": str(case.monthly_amount),
                    "income": str(case.household_monthly_income),
                    "members": case.member_count,
                },
                "reason": reason.strip(),
            },
        )
    return case


def case_suspend(*, case: Case, reason: str, acting_user: User | None) -> Case:
    """停保: no payment from the next payroll until resumed (e.g. a review pending, unreachable)."""
    _require(acting_user, case.region_id)
    if not reason.strip():
        raise ValidationError({"reason": ["请填写停保原因"]})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _live(case, [CaseStatus.ACTIVE], "停保")
        case.status, case.status_reason, case.suspended_at = CaseStatus.SUSPENDED, reason.strip(), timezone.now()
        case.save(update_fields=["status", "status_reason", "suspended_at"])
        month = month_start(timezone.localdate())
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.SUSPEND,
            effective_month=month,
            old_amount=case.monthly_amount,
            new_amount=Decimal("0.00"),
            reason=reason.strip(),
            acting_user=acting_user,
        )
        _notice(
            case,
            event,
            f"{case.get_category_display()}停发告知书",
            f"您家（案件编号 {case.number}）的{case.get_category_display()}自 {month:%Y年%m月} 起暂停发放。"
            f"停发原因：{reason.strip()}。请携带相关材料到所在街镇社区事务受理服务中心说明情况。{_appeal()}",
            acting_user,
        )
        audit_record(
            action="case.suspend",
            actor=acting_user,
            obj=case,
            region_code=case.region_id,
            changes={"status": [CaseStatus.ACTIVE, CaseStatus.SUSPENDED], "reason": reason.strip()},
        )
    return case


def case_resume(*, case: Case, reason: str, acting_user: User | None) -> Case:
    """Resume a suspended case; the next payroll pays it again (months missed are not back-paid
    here: a back-payment is a decision of its own)."""
    _require(acting_user, case.region_id)
    if not reason.strip():
        raise ValidationError({"reason": ["请填写恢复发放的原因"]})
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _live(case, [CaseStatus.SUSPENDED], "恢复发放")
        month = month_start(timezone.localdate())
        case.status, case.status_reason, case.suspended_at = CaseStatus.ACTIVE, "", None
        case.monthly_amount = _amount(case, max(month, case.start_month))
        case.save(update_fields=["status", "status_reason", "suspended_at", "monthly_amount"])
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.RESUME,
            effective_month=month,
            old_amount=Decimal("0.00"),
            new_amount=case.monthly_amount,
            reason=reason.strip(),
            acting_user=acting_user,
        )
        _notice(
            case,
            event,
            f"{case.get_category_display()}恢复发放告知书",
            f"您家（案件编号 {case.number}）的{case.get_category_display()}自 {month:%Y年%m月} 起恢复发放，"
            f"月救助金 {case.monthly_amount} 元。原因：{reason.strip()}。",
            acting_user,
        )
        audit_record(
            action="case.resume",
            actor=acting_user,
            obj=case,
            region_code=case.region_id,
            changes={"status": [CaseStatus.SUSPENDED, CaseStatus.ACTIVE], "amount": str(case.monthly_amount)},
        )
    return case


def case_end(*, case: Case, reason: str, acting_user: User | None, end_month: datetime.date | None = None) -> Case:
    """终止: ``end_month`` is the last month paid (default: the month before this one, so this
    month's payroll no longer pays it). 应退尽退."""
    _require(acting_user, case.region_id)
    if not reason.strip():
        raise ValidationError({"reason": ["请填写终止原因"]})
    last = (
        month_start(end_month)
        if end_month
        else month_start(month_start(timezone.localdate()) - datetime.timedelta(days=1))
    )
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _live(case, [CaseStatus.ACTIVE, CaseStatus.SUSPENDED], "终止")
        before = case.status
        case.status, case.status_reason, case.end_month = CaseStatus.ENDED, reason.strip(), last
        case.save(update_fields=["status", "status_reason", "end_month"])
        stop = month_start(last + datetime.timedelta(days=32))
        event = CaseEvent.objects.create(
            case=case,
            kind=CaseEventKind.END,
            effective_month=stop,
            old_amount=case.monthly_amount,
            new_amount=Decimal("0.00"),
            reason=reason.strip(),
            acting_user=acting_user,
        )
        _notice(
            case,
            event,
            f"终止{case.get_category_display()}告知书",
            f"经审核，您家（案件编号 {case.number}）已不再符合{case.get_category_display()}条件，"
            f"自 {stop:%Y年%m月} 起终止发放。终止原因：{reason.strip()}。{_appeal()}",
            acting_user,
        )
        audit_record(
            action="case.end",
            actor=acting_user,
            obj=case,
            region_code=case.region_id,
            changes={"status": [before, CaseStatus.ENDED], "end_month": last.isoformat(), "reason": reason.strip()},
        )
    return case


def is_paid_monthly(category: str) -> bool:
    return category in PAID_CATEGORIES


def case_open_from_decision(*, application: Any, decision: Any, acting_user: User | None) -> Case:
    """The decision step's call (h3a): open the case from an approved application's members and
    the decision's assessed income and start month, and link it to the application."""
    members = [
        {"person": m.person_id, "kind": m.kind, "addons": m.addons} for m in application.members.all().order_by("id")
    ]
    case = case_open(
        household=application.household,
        category=application.category,
        members=members,
        household_monthly_income=decision.household_monthly_income,
        start_month=decision.start_month,
        acting_user=acting_user,
        payee=application.applicant,
        reason=f"申请 {application.number} 审核确认批准",
    )
    return case
