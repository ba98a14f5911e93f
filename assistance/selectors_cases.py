"""Reads of cases, their payments, the change report and the dashboard figures (h3b)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Substr

from assistance.models import Case
from assistance.permissions_cases import CasePerm
from assistance.schemes import PAID_CATEGORIES, SCHEME_CATEGORY
from core.models import Region
from payments.choices import RunKind
from payments.models import Payment, PayrollRun
from payments.selectors import previous_month

MONEY = DecimalField(max_digits=12, decimal_places=2)


def visible_cases(user: Any, perm: str = CasePerm.VIEW_CASE) -> QuerySet[Case]:
    return Case.objects.visible_to(user, perm)


def case_payments(case: Case) -> QuerySet[Payment]:
    """Every payment of the case, reissues included, newest month first."""
    paid = PAID_CATEGORIES.get(case.category)
    if paid is None:
        return Payment.objects.none()
    return (
        Payment.objects.filter(scheme=paid.scheme, entitlement_id=case.pk)
        .select_related("run")
        .order_by("-month", "-id")
    )


def _cents(value: Any) -> Decimal:
    # SQLite hands a subquery's decimal back without its scale.
    return Decimal(value).quantize(Decimal("0.01"))


def case_amount_changes(run: PayrollRun) -> list[dict[str, Any]]:
    """The change report of an assistance payroll: every case whose amount differs from the
    month before — a new standard, a review, a new member — including a case paid now but not
    last month though it was already open (0 → amount), and a case paid last month but not now
    (amount → 0: ended, suspended, income above the standard). New cases are not changes.
    Ordered by case."""
    if run.scheme not in SCHEME_CATEGORY:
        raise ValueError("not an assistance payroll")
    before_month = previous_month(run.month)
    before = Payment.objects.filter(
        scheme=run.scheme, month=before_month, entitlement_id=OuterRef("entitlement_id"), reissue_of__isnull=True
    ).values("amount")[:1]
    started = Case.objects.filter(pk=OuterRef("entitlement_id")).values("start_month")[:1]
    current = (
        Payment.objects.filter(run=run)
        .annotate(previous=Subquery(before, output_field=MONEY), case_start=Subquery(started))
        .filter(
            Q(previous__isnull=True, case_start__lte=before_month)
            | (Q(previous__isnull=False) & ~Q(previous=F("amount")))
        )
        .values_list("entitlement_id", "previous", "amount")
    )
    rows: dict[int, tuple[Decimal | None, Decimal]] = {
        pk: (_cents(prev) if prev is not None else None, _cents(amount)) for pk, prev, amount in current
    }
    previous_run = PayrollRun.objects.filter(
        scheme=run.scheme, region=run.region, month=before_month, kind=RunKind.REGULAR
    ).first()
    if previous_run is not None:
        stopped = (
            Payment.objects.filter(run=previous_run)
            .exclude(entitlement_id__in=Payment.objects.filter(run=run).values("entitlement_id"))
            .values_list("entitlement_id", "amount")
        )
        for pk, amount in stopped:
            rows[pk] = (_cents(amount), Decimal("0.00"))
    cases = Case.objects.in_bulk(list(rows))
    return [
        {
            "case": cases[pk],
            "previous": previous,
            "amount": amount,
            "delta": amount - (previous or Decimal("0.00")),
        }
        for pk, (previous, amount) in sorted(rows.items())
        if pk in cases
    ]


# --- Dashboard ---------------------------------------------------------------------------------


def dashboard_figures(
    user: Any, region_code: str, months: int = 12, today: datetime.date | None = None
) -> dict[str, Any]:
    """Recipients and money by month (from payments), by sub-region (townships under a district,
    villages under a township) and by category (live cases), inside what the user may see."""
    today = today or datetime.date.today()
    region = Region.objects.get(code=region_code)
    schemes = [p.scheme for p in PAID_CATEGORIES.values()]
    payments = Payment.objects.visible_to(user, CasePerm.VIEW_DASHBOARD).filter(
        scheme__in=schemes, region_code__startswith=region_code, reissue_of__isnull=True
    )
    last = today.replace(day=1)
    first = last
    for _ in range(months - 1):
        first = previous_month(first)
    monthly = (
        payments.filter(month__gte=first, month__lte=last)
        .values("month", "scheme")
        .annotate(people=Count("id"), amount=Sum("amount"))
        .order_by("month", "scheme")
    )
    month_labels = []
    cursor = first
    while cursor <= last:
        month_labels.append(cursor)
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    series: dict[str, dict[str, list[Any]]] = {
        s: {"people": [0] * len(month_labels), "amount": [Decimal("0")] * len(month_labels)} for s in schemes
    }
    index = {m: i for i, m in enumerate(month_labels)}
    for row in monthly:
        i = index[row["month"]]
        series[row["scheme"]]["people"][i] = row["people"]
        series[row["scheme"]]["amount"][i] = row["amount"] or Decimal("0")

    child_length = {6: 9, 9: 12}.get(len(region_code), len(region_code))
    cases = visible_cases(user, CasePerm.VIEW_DASHBOARD).filter(region__code__startswith=region_code, status="active")
    by_child = (
        cases.annotate(child=Substr("region_id", 1, child_length))
        .values("child")
        .annotate(cases=Count("id"), people=Sum("member_count"), amount=Sum("monthly_amount"))
        .order_by("child")
    )
    names = dict(Region.objects.filter(code__in=[r["child"] for r in by_child]).values_list("code", "name"))
    by_category = (
        cases.values("category")
        .annotate(cases=Count("id"), people=Sum("member_count"), amount=Sum("monthly_amount"))
        .order_by("category")
    )
    from assistance.choices import Category

    return {
        "region": {"code": region.code, "name": region.name},
        "months": [f"{m:%Y-%m}" for m in month_labels],
        "series": [
            {
                "scheme": s,
                "label": next(p.label for p in PAID_CATEGORIES.values() if p.scheme == s),
                "people": series[s]["people"],
                "amount": [str(a) for a in series[s]["amount"]],
            }
            for s in schemes
        ],
        "by_region": [
            {
                "code": r["child"],
                "name": names.get(r["child"], r["child"]),
                "cases": r["cases"],
                "people": r["people"] or 0,
                "amount": str(r["amount"] or Decimal("0")),
                "drill": len(r["child"]) < 12,
            }
            for r in by_child
        ],
        "by_category": [
            {
                "category": r["category"],
                "label": Category(r["category"]).label,
                "cases": r["cases"],
                "people": r["people"] or 0,
                "amount": str(r["amount"] or Decimal("0")),
            }
            for r in by_category
        ],
    }
