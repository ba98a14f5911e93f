"""Reads of payrolls: amount changes between months, totals for dashboards."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

from payments.choices import RunKind
from payments.models import Payment, PayrollRun


def previous_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def amount_changes(run: PayrollRun) -> QuerySet[Payment]:
    """Payments of ``run`` whose amount differs from the same entitlement's the month before
    (after a standard changed, a review, a new member…), with ``previous`` annotated."""
    before = Payment.objects.filter(
        scheme=run.scheme,
        month=previous_month(run.month),
        entitlement_id=OuterRef("entitlement_id"),
        reissue_of__isnull=True,
    ).values("amount")[:1]
    return (
        Payment.objects.filter(run=run)
        .annotate(previous=Subquery(before, output_field=DecimalField(max_digits=12, decimal_places=2)))
        .filter(previous__isnull=False)
        .exclude(previous=F("amount"))
        .annotate(
            delta=ExpressionWrapper(
                F("amount") - F("previous"), output_field=DecimalField(max_digits=12, decimal_places=2)
            )
        )
        .select_related("person")
        .order_by("entitlement_id")
    )


def change_summary(run: PayrollRun) -> dict[str, Any]:
    """How this month compares with the previous month's regular run."""
    previous = PayrollRun.objects.filter(
        scheme=run.scheme, region=run.region, month=previous_month(run.month), kind=RunKind.REGULAR
    ).first()
    if previous is None:
        return {"previous": None}
    current_ids = Payment.objects.filter(run=run).values("entitlement_id")
    previous_ids = Payment.objects.filter(run=previous).values("entitlement_id")
    return {
        "previous": previous,
        "changed": amount_changes(run).count(),
        "new": Payment.objects.filter(run=run).exclude(entitlement_id__in=previous_ids).count(),
        "ended": Payment.objects.filter(run=previous).exclude(entitlement_id__in=current_ids).count(),
    }


def monthly_totals(queryset: QuerySet[Payment]) -> list[dict[str, Any]]:
    """Payments per month: count of people and money (for charts)."""
    rows: Any = (
        queryset.filter(reissue_of__isnull=True)
        .annotate(m=TruncMonth("month"))
        .values("m")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("m")
    )
    return list(rows)
