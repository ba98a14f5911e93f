"""Reads of applications and case plans, always through the scoped querysets."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from assistance.models import Application, CasePlan, CasePlanItem
from assistance.permissions import AssistancePerm
from core.scoping import region_filter


def applications_visible(user: Any) -> QuerySet[Application]:
    return Application.objects.visible_to(user, AssistancePerm.VIEW_APPLICATION).select_related(
        "household", "applicant", "region", "handler"
    )


def applications_overdue(user: Any, today: datetime.date | None = None) -> QuerySet[Application]:
    """Open applications whose SLA deadline has passed, the most overdue first."""
    today = today or timezone.localdate()
    return applications_visible(user).open().filter(due_date__lt=today).order_by("due_date", "id")


def applications_of_resident(user: Any) -> QuerySet[Application]:
    """A resident's own household's applications (no role grant needed: it is their own)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Application.objects.none()
    return (
        Application.objects.filter(household__members__person_id=person_id)
        .select_related("household", "applicant", "region")
        .order_by("-id")
    )


def case_plans_visible(user: Any) -> QuerySet[CasePlan]:
    return CasePlan.objects.visible_to(user, AssistancePerm.VIEW_CASE_PLAN).select_related(
        "household", "region", "advisor", "case"
    )


def plan_items_due(user: Any, today: datetime.date | None = None) -> QuerySet[CasePlanItem]:
    """Open plan items past their due date."""
    today = today or timezone.localdate()
    return (
        CasePlanItem.objects.filter(region_filter(user, AssistancePerm.VIEW_CASE_PLAN, "plan__region__code"))
        .filter(done_on__isnull=True, due_date__lt=today, plan__status="open")
        .select_related("plan", "plan__household")
        .order_by("due_date", "id")
    )
