"""Reads of applications and case plans, always through the scoped querysets."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from assistance.models import Application, ApplicationQuerySet, CasePlan, CasePlanItem
from assistance.permissions import AssistancePerm
from core.scoping import region_filter


def applications_visible(user: Any) -> ApplicationQuerySet:
    return Application.objects.visible_to(user, AssistancePerm.VIEW_APPLICATION).select_related(
        "household", "applicant", "region", "handler"
    )


def applications_overdue(user: Any, today: datetime.date | None = None) -> ApplicationQuerySet:
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


def application_counts(user: Any, today: datetime.date | None = None) -> dict[str, int]:
    """Open, overdue, approved and refused applications in the user's scope (two queries)."""
    from django.db.models import Count, Q

    from assistance.choices import OPEN_APPLICATION_STATUSES

    today = today or timezone.localdate()
    return Application.objects.visible_to(user, AssistancePerm.VIEW_APPLICATION).aggregate(
        open=Count("id", filter=Q(status__in=OPEN_APPLICATION_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_APPLICATION_STATUSES, due_date__lt=today)),
        approved=Count("id", filter=Q(status="approved")),
        refused=Count("id", filter=Q(status="refused")),
    )
