"""临时救助: accept, decide (a second user), the 急难 fast path decided first and reviewed after,
and the payment record. Caps are multiples of the 低保 standard in force (policy parameters)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assistance import rules
from assistance.choices import TemporaryGrantKind, TemporaryGrantStatus, TemporaryNeed
from assistance.models import TemporaryGrant
from assistance.parameters_temporary import URGENT_REVIEW_DAYS
from assistance.permissions_cases import CasePerm
from core.audit import audit_record
from core.calendar import add_working_days
from core.models import Household, HouseholdMember, Person, User
from core.policy import MissingPolicyParameter, policy_value
from core.scoping import has_perm

__all__ = [
    "temporary_grant_create",
    "temporary_grant_decide",
    "temporary_grant_pay",
    "temporary_grant_review",
]

DECIDED = [TemporaryGrantStatus.APPROVED, TemporaryGrantStatus.DECIDED_PENDING_REVIEW, TemporaryGrantStatus.CONFIRMED]


def _require(user: User | None, perm: str, region_code: str, message: str) -> None:
    if user is not None and not has_perm(user, perm, region_code):
        raise ValidationError({"region": [message]})


def _amount(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: ["请填写金额（元）"]}) from None
    if amount <= 0:
        raise ValidationError({field: ["金额应大于 0"]})
    return amount


def _cap(region_code: str, on: datetime.date, urgent: bool) -> tuple[Decimal, dict[str, int]]:
    used: dict[str, int] = {}
    try:
        return rules.temporary_cap(region_code, on, urgent, used), used
    except MissingPolicyParameter as exc:
        raise ValidationError({"kind": [str(exc)]}) from None


def _review_due(region_code: str, on: datetime.date, used: dict[str, int]) -> datetime.date:
    parameter = policy_value(URGENT_REVIEW_DAYS, region_code, on)
    if parameter is None:
        raise ValidationError({"kind": [f"政策参数 {URGENT_REVIEW_DAYS} 在 {region_code} 没有适用的取值"]})
    used[URGENT_REVIEW_DAYS] = parameter.pk
    return add_working_days(on, int(Decimal(str(parameter.value))))


def temporary_grant_create(
    *,
    person: Person,
    kind: str,
    need: str,
    reason: str,
    requested_amount: Any,
    acting_user: User | None,
    granted_amount: Any = None,
    decision_note: str = "",
) -> TemporaryGrant:
    """Accept a request. Ordinary: waits for a decision by another user. 急难 (``kind="urgent"``):
    decided at once with ``granted_amount`` (先行救助), reviewed after by a due date."""
    household = Household.objects.filter(
        pk__in=HouseholdMember.objects.filter(person=person).values("household_id")
    ).first()
    region_code = household.region_id if household else person.residence_region_id or person.hukou_region_id
    _require(acting_user, CasePerm.DECIDE_TEMPORARY, region_code, "您无权受理该区划的临时救助")
    errors: dict[str, list[str]] = {}
    if kind not in TemporaryGrantKind.values:
        errors["kind"] = ["请选择救助类型"]
    if need not in TemporaryNeed.values:
        errors["need"] = ["请选择困难类型"]
    if not reason.strip():
        errors["reason"] = ["请填写困难情形"]
    if person.death_date is not None:
        errors["person"] = ["该人员已死亡"]
    if errors:
        raise ValidationError(errors)
    requested = _amount(requested_amount, "requested_amount")
    today = timezone.localdate()
    urgent = kind == TemporaryGrantKind.URGENT
    cap, used = _cap(region_code, today, urgent)
    granted = None
    review_due = None
    if urgent:
        granted = _amount(granted_amount if granted_amount not in (None, "") else requested, "granted_amount")
        if granted > cap:
            raise ValidationError({"granted_amount": [f"先行救助金额不能超过上限 {cap} 元"]})
        review_due = _review_due(region_code, today, used)
    now = timezone.now()
    with transaction.atomic():
        grant = TemporaryGrant.objects.create(
            number=f"TMP{now.timestamp()}"[:30],
            kind=kind,
            status=TemporaryGrantStatus.DECIDED_PENDING_REVIEW if urgent else TemporaryGrantStatus.PENDING,
            person=person,
            household=household,
            region_id=region_code,
            need=need,
            reason=reason.strip(),
            requested_amount=requested,
            cap_amount=cap,
            granted_amount=granted,
            parameters_used=used,
            accepted_by=acting_user,
            accepted_at=now,
            decided_by=acting_user if urgent else None,
            decided_at=now if urgent else None,
            decision_note=decision_note.strip()[:300] if urgent else "",
            review_due=review_due,
        )
        grant.number = f"LS{region_code[:6]}{today:%Y%m}{grant.pk:08d}"
        grant.save(update_fields=["number"])
        audit_record(
            action="temporary_grant.urgent_decide" if urgent else "temporary_grant.create",
            actor=acting_user,
            obj=grant,
            region_code=region_code,
            changes={
                "person": person.pk,
                "kind": kind,
                "need": need,
                "requested": str(requested),
                "granted": str(granted) if granted is not None else None,
                "cap": str(cap),
                "review_due": review_due.isoformat() if review_due else None,
                "parameters": used,
            },
        )
    return grant


def temporary_grant_decide(
    *, grant: TemporaryGrant, approve: bool, acting_user: User, granted_amount: Any = None, note: str = ""
) -> TemporaryGrant:
    """Decide an ordinary grant: a user other than the one who accepted it; within the cap."""
    _require(acting_user, CasePerm.DECIDE_TEMPORARY, grant.region_id, "您无权审批该区划的临时救助")
    if grant.status != TemporaryGrantStatus.PENDING:
        raise ValidationError({"status": [f"状态为“{grant.get_status_display()}”，不能审批"]})
    if grant.accepted_by_id == acting_user.pk:
        raise ValidationError({"decided_by": ["审批人不能是受理人，请由另一名工作人员审批"]})
    if not approve and not note.strip():
        raise ValidationError({"note": ["不予救助须写明理由"]})
    amount = None
    if approve:
        amount = _amount(
            granted_amount if granted_amount not in (None, "") else grant.requested_amount, "granted_amount"
        )
        if amount > grant.cap_amount:
            raise ValidationError({"granted_amount": [f"核准金额不能超过上限 {grant.cap_amount} 元"]})
    with transaction.atomic():
        grant = TemporaryGrant.objects.select_for_update().get(pk=grant.pk)
        grant.status = TemporaryGrantStatus.APPROVED if approve else TemporaryGrantStatus.REFUSED
        grant.granted_amount = amount
        grant.decided_by, grant.decided_at, grant.decision_note = acting_user, timezone.now(), note.strip()[:300]
        grant.save(update_fields=["status", "granted_amount", "decided_by", "decided_at", "decision_note"])
        audit_record(
            action="temporary_grant.decide",
            actor=acting_user,
            obj=grant,
            region_code=grant.region_id,
            changes={"status": grant.status, "granted": str(amount) if amount else None, "note": note.strip()},
        )
    return grant


def temporary_grant_review(
    *, grant: TemporaryGrant, confirm: bool, acting_user: User, note: str = ""
) -> TemporaryGrant:
    """The review after a 急难 grant decided first: confirm it, or revoke it (the money is then
    to be recovered — the note says how). A second person with the review permission."""
    _require(acting_user, CasePerm.REVIEW_TEMPORARY, grant.region_id, "您无权补审该区划的急难型临时救助")
    if grant.status != TemporaryGrantStatus.DECIDED_PENDING_REVIEW:
        raise ValidationError({"status": [f"状态为“{grant.get_status_display()}”，无需补审"]})
    if grant.decided_by_id == acting_user.pk:
        raise ValidationError({"reviewed_by": ["补审人不能是先行救助的审批人"]})
    if not confirm and not note.strip():
        raise ValidationError({"note": ["撤销先行救助须写明理由"]})
    with transaction.atomic():
        grant = TemporaryGrant.objects.select_for_update().get(pk=grant.pk)
        grant.status = TemporaryGrantStatus.CONFIRMED if confirm else TemporaryGrantStatus.REVOKED
        grant.reviewed_by, grant.reviewed_at, grant.review_note = acting_user, timezone.now(), note.strip()[:300]
        grant.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        late = timezone.localdate() > grant.review_due if grant.review_due else False
        audit_record(
            action="temporary_grant.review",
            actor=acting_user,
            obj=grant,
            region_code=grant.region_id,
            changes={"status": grant.status, "note": note.strip(), "late": late},
        )
    return grant


def temporary_grant_pay(
    *, grant: TemporaryGrant, acting_user: User, paid_on: datetime.date | None = None
) -> TemporaryGrant:
    """Record the payment (cash or transfer) of a decided grant; once."""
    _require(acting_user, CasePerm.DECIDE_TEMPORARY, grant.region_id, "您无权办理该区划的临时救助发放")
    if grant.status not in DECIDED:
        raise ValidationError({"status": [f"状态为“{grant.get_status_display()}”，不能发放"]})
    if grant.paid_on is not None:
        raise ValidationError({"paid_on": [f"已于 {grant.paid_on:%Y-%m-%d} 发放"]})
    day = paid_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"paid_on": ["发放日期不能晚于今天"]})
    with transaction.atomic():
        updated = TemporaryGrant.objects.filter(pk=grant.pk, paid_on__isnull=True).update(
            paid_on=day, paid_by=acting_user
        )
        if not updated:
            raise ValidationError({"paid_on": ["该救助已发放"]})
        grant.refresh_from_db()
        audit_record(
            action="temporary_grant.pay",
            actor=acting_user,
            obj=grant,
            region_code=grant.region_id,
            changes={"amount": str(grant.granted_amount), "paid_on": day.isoformat()},
        )
    return grant
