"""救助顾问: writes of case plans (一户一方案) — open, add services/referrals/follow-ups, complete, close."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assistance.choices import PlanItemKind, PlanStatus
from assistance.models import Case, CasePlan, CasePlanItem
from assistance.permissions import AssistancePerm
from core.audit import audit_record
from core.models import Household, User
from core.scoping import has_perm

__all__ = ["case_plan_close", "case_plan_item_add", "case_plan_item_complete", "case_plan_open", "case_plan_update"]

# The areas of the needs assessment (需求评估), in the order of the form.
NEED_AREAS = {
    "income": "收入与就业",
    "health": "健康与医疗",
    "housing": "住房",
    "education": "教育",
    "care": "照护（老人、残疾人、儿童）",
    "social": "社会关系与心理",
}


def _require(user: User, region_code: str) -> None:
    if not has_perm(user, AssistancePerm.MANAGE_CASE_PLAN, region_code):
        raise ValidationError({"plan": ["您无权制定该区划的救助方案"]})


def _clean_needs(needs: Mapping[str, Any]) -> dict[str, str]:
    unknown = [k for k in needs if k not in NEED_AREAS]
    if unknown:
        raise ValidationError({"needs": [f"需求领域“{'、'.join(unknown)}”无效"]})
    cleaned = {k: str(v).strip() for k, v in needs.items() if str(v or "").strip()}
    if not cleaned:
        raise ValidationError({"needs": ["请至少填写一项需求评估"]})
    return cleaned


def _audit(action: str, user: User, plan: CasePlan, **changes: Any) -> None:
    audit_record(action=action, actor=user, obj=plan, region_code=plan.region_id, changes=changes)


def case_plan_open(
    *,
    household: Household,
    needs: Mapping[str, Any],
    acting_user: User,
    summary: str = "",
    case: Case | None = None,
) -> CasePlan:
    _require(acting_user, household.region_id)
    if case is not None and case.household_id != household.pk:
        raise ValidationError({"case": ["救助案件不属于该家庭户"]})
    cleaned = _clean_needs(needs)
    if CasePlan.objects.filter(household=household, status=PlanStatus.OPEN).exists():
        raise ValidationError({"household": ["该家庭已有进行中的救助方案"]})
    try:
        with transaction.atomic():
            plan = CasePlan.objects.create(
                household=household,
                case=case,
                region_id=household.region_id,
                advisor=acting_user,
                needs=cleaned,
                summary=summary.strip(),
            )
            _audit("case_plan.open", acting_user, plan, household=household.pk, needs=cleaned)
    except IntegrityError:
        raise ValidationError({"household": ["该家庭已有进行中的救助方案"]}) from None
    return plan


def case_plan_update(*, plan: CasePlan, needs: Mapping[str, Any], summary: str, acting_user: User) -> CasePlan:
    _require(acting_user, plan.region_id)
    if plan.status != PlanStatus.OPEN:
        raise ValidationError({"plan": ["方案已结案"]})
    cleaned = _clean_needs(needs)
    with transaction.atomic():
        before = {"needs": plan.needs, "summary": plan.summary}
        plan.needs, plan.summary = cleaned, summary.strip()
        plan.save(update_fields=["needs", "summary"])
        _audit("case_plan.update", acting_user, plan, before=before, after={"needs": cleaned, "summary": plan.summary})
    return plan


def case_plan_item_add(
    *,
    plan: CasePlan,
    kind: str,
    description: str,
    due_date: datetime.date,
    acting_user: User,
    agency: str = "",
) -> CasePlanItem:
    _require(acting_user, plan.region_id)
    if plan.status != PlanStatus.OPEN:
        raise ValidationError({"plan": ["方案已结案，不能再添加事项"]})
    if kind not in PlanItemKind.values:
        raise ValidationError({"kind": ["请选择服务、转介或跟进回访"]})
    if not description.strip():
        raise ValidationError({"description": ["请填写事项内容"]})
    if kind == PlanItemKind.REFERRAL and not agency.strip():
        raise ValidationError({"agency": ["转介须填写承接单位"]})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": ["完成时限不能早于今天"]})
    with transaction.atomic():
        item = CasePlanItem.objects.create(
            plan=plan,
            kind=kind,
            description=description.strip(),
            agency=agency.strip(),
            due_date=due_date,
            created_by=acting_user,
        )
        _audit("case_plan.item_add", acting_user, plan, item=item.pk, kind=kind, due_date=due_date.isoformat())
    return item


def case_plan_item_complete(
    *, item: CasePlanItem, done_on: datetime.date, outcome: str, acting_user: User
) -> CasePlanItem:
    plan = item.plan
    _require(acting_user, plan.region_id)
    if item.done_on is not None:
        raise ValidationError({"done_on": ["该事项已完成"]})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": ["完成日期不能晚于今天"]})
    if not outcome.strip():
        raise ValidationError({"outcome": ["请填写结果"]})
    with transaction.atomic():
        item.done_on, item.outcome = done_on, outcome.strip()
        item.save(update_fields=["done_on", "outcome"])
        _audit("case_plan.item_complete", acting_user, plan, item=item.pk, done_on=done_on.isoformat())
    return item


def case_plan_close(*, plan: CasePlan, note: str, acting_user: User) -> CasePlan:
    _require(acting_user, plan.region_id)
    if plan.status != PlanStatus.OPEN:
        raise ValidationError({"plan": ["方案已结案"]})
    if not note.strip():
        raise ValidationError({"closing_note": ["请填写结案说明"]})
    open_items = plan.items.filter(done_on__isnull=True).count()
    if open_items:
        raise ValidationError({"plan": [f"还有 {open_items} 个事项未完成"]})
    with transaction.atomic():
        plan.status, plan.closed_at, plan.closing_note = PlanStatus.CLOSED, timezone.now(), note.strip()
        plan.save(update_fields=["status", "closed_at", "closing_note"])
        _audit("case_plan.close", acting_user, plan, note=plan.closing_note)
    return plan
