"""Reads of the care side, always from scoped querysets, computed in the database."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from core.policy import policy_table, policy_value
from core.selectors import home_region
from eldercare.choices_care import ApplicationStatus, CareGrade, HomeCareService, VisitStatus
from eldercare.models import Bed, BedApplication, CareAssessment, HomeCareOrder, HomeCareVisit
from eldercare.permissions_care import CarePerm
from eldercare.policy_care import (
    ENTITLEMENT_PARAMETERS,
    NOTICE_DAYS,
    WAITLIST_PRIORITY,
    add_years,
    care_entitlement,
    entitlement_from,
    month_end,
    policy_values_for,
)

TENTH = Decimal("0.1")
POINTS = DecimalField(max_digits=8, decimal_places=1)


# --- assessments ----------------------------------------------------------------------------


def care_assessment_current(
    on: datetime.date, base: QuerySet[CareAssessment] | None = None
) -> QuerySet[CareAssessment]:
    """Each person's latest assessment, if still valid on the day (set-based; pass a scoped ``base``)."""
    scoped: Any = CareAssessment.objects.all() if base is None else base
    return scoped.latest_per_person().filter(valid_until__gte=on, assessed_on__lte=on)


def current_grade(person_id: int, on: datetime.date) -> int | None:
    row = care_assessment_current(on).filter(person_id=person_id).values_list("grade", flat=True).first()
    return row


def notice_days(user: Any, on: datetime.date) -> int:
    region = home_region(user)
    code = region.code if region else "31"
    parameter = policy_value(NOTICE_DAYS, code, on)
    return int(Decimal(str(parameter.value))) if parameter else 60


def reassessment_due(user: Any, on: datetime.date, within_days: int | None = None) -> QuerySet[CareAssessment]:
    """Latest assessments of living people that expire within the notice period (or have expired)."""
    days = notice_days(user, on) if within_days is None else within_days
    return (
        CareAssessment.objects.visible_to(user, CarePerm.VIEW_ASSESSMENT)
        .latest_per_person()
        .filter(valid_until__lte=on + datetime.timedelta(days=days), person__death_date__isnull=True)
        .select_related("person", "region")
        .order_by("valid_until", "id")
    )


def grade_counts(user: Any, on: datetime.date) -> list[dict[str, Any]]:
    """Valid assessments by grade in the user's scope (the dashboard's bars)."""
    counts = dict(
        care_assessment_current(on, CareAssessment.objects.visible_to(user, CarePerm.VIEW_ASSESSMENT))
        .values("grade")
        .annotate(n=Count("id"))
        .values_list("grade", "n")
    )
    return [{"grade": g.value, "label": g.label, "count": counts.get(g.value, 0)} for g in CareGrade]


# --- waiting list ---------------------------------------------------------------------------


def _points_expression(rules: dict[str, Any], on: datetime.date) -> Any:
    def flag(field: str, key: str) -> Any:
        points = Decimal(str(rules.get(key, "0")))
        return Case(When(**{field: True}, then=Value(points)), default=Value(Decimal("0")), output_field=POINTS)

    total: Any = Value(Decimal("0"), output_field=POINTS)
    for field in ("extreme_poverty", "dibao", "priority_care", "family_planning_special"):
        total = total + flag(field, field)
    total = total + flag("current_cognitive", "cognitive_impairment")
    grade_whens = [
        When(current_grade=int(grade), then=Value(Decimal(str(points))))
        for grade, points in rules.get("grade", {}).items()
    ]
    if grade_whens:
        total = total + Case(*grade_whens, default=Value(Decimal("0")), output_field=POINTS)
    age_whens = [
        When(person__birth_date__lte=add_years(on, -int(band["min_age"])), then=Value(Decimal(str(band["points"]))))
        for band in sorted(rules.get("age", []), key=lambda b: -int(b["min_age"]))
    ]
    if age_whens:
        total = total + Case(*age_whens, default=Value(Decimal("0")), output_field=POINTS)
    return total


def waitlist_queue(
    queryset: QuerySet[BedApplication], on: datetime.date, region_code: str = "31"
) -> QuerySet[BedApplication]:
    """Waiting applications with their current grade and priority points, in queue order:
    points (high first), then date of application, then number."""
    rules = policy_table(WAITLIST_PRIORITY, region_code, on)
    latest = care_assessment_current(on).filter(person_id=OuterRef("person_id"))
    return (
        queryset.filter(status=ApplicationStatus.WAITING)
        .annotate(
            current_grade=Subquery(latest.values("grade")[:1], output_field=IntegerField()),
            current_cognitive=Coalesce(
                Subquery(latest.values("cognitive_impairment")[:1], output_field=BooleanField()),
                Value(False),
            ),
        )
        .annotate(points=_points_expression(rules, on))
        .select_related("person", "region")
        .order_by("-points", "applied_on", "number")
    )


def waitlist_for_bed(queryset: QuerySet[BedApplication], bed: Bed, on: datetime.date) -> QuerySet[BedApplication]:
    """The queue for one free bed: same bed kind, basic-bed applications only for basic beds,
    and the bed's facility among the preferred ones (or no preference given)."""
    preferred = BedApplication.preferred_facilities.through.objects.filter(bedapplication_id=OuterRef("pk"))
    chosen = preferred.filter(facility_id=bed.facility_id)
    qs = queryset.filter(bed_kind=bed.kind).filter(Q(Exists(chosen)) | ~Exists(preferred))
    if not bed.is_basic:
        qs = qs.filter(basic_bed=False)
    return waitlist_queue(qs, on, bed.facility.region_id)


# --- home care ------------------------------------------------------------------------------


@dataclass
class MonthRow:
    order: HomeCareOrder
    entitled_hours: Decimal
    scheduled_hours: Decimal
    delivered_hours: Decimal
    visits_done: int
    visits_missed: int

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal("0"), self.entitled_hours - self.delivered_hours)

    @property
    def percent(self) -> int:
        if not self.entitled_hours:
            return 0
        return int(self.delivered_hours * 100 / self.entitled_hours)


def months_between(first: datetime.date, day: datetime.date) -> int:
    """Completed months from ``first`` to ``day``."""
    months = (day.year - first.year) * 12 + day.month - first.month
    if day.day < first.day:
        months -= 1
    return max(0, months)


def entitled_hours(order: HomeCareOrder, month: datetime.date, tables: dict[str, Any] | None = None) -> Decimal:
    """Hours the order entitles to in a month: home care = weekly hours × days active / 7
    (plus the 5–6 continuous-care bonus hours); respite = the yearly cap spread over 12 months.
    ``tables``: the entitlement parameters for the order's region, when already read."""
    first = month.replace(day=1)
    last = month_end(first)
    start = max(first, order.starts_on)
    end = min(last, order.ends_on or last)
    if end < start:
        return Decimal("0.0")
    days = (end - start).days + 1
    if order.service == HomeCareService.RESPITE:
        return (order.yearly_hours / 12).quantize(TENTH, rounding=ROUND_HALF_UP)
    hours = order.weekly_hours * days / 7
    months = months_between(order.starts_on, last)
    if tables is None:
        bonus = care_entitlement(order.grade, order.region_id, first, months)
    else:
        bonus = entitlement_from(order.grade, tables, months)
    return (hours + bonus.bonus_hours_per_month).quantize(TENTH, rounding=ROUND_HALF_UP)


def _entitlement_tables(regions: set[str], on: datetime.date) -> dict[str, dict[str, Any]]:
    """The entitlement parameters of many regions: one query per parameter, not per order."""
    values = {code: policy_values_for(code, regions, on) for code in ENTITLEMENT_PARAMETERS}
    return {
        r: {code: values[code][r] for code in ENTITLEMENT_PARAMETERS}
        for r in regions
        if all(r in values[c] for c in ENTITLEMENT_PARAMETERS)
    }


def homecare_month_report(orders: QuerySet[HomeCareOrder], month: datetime.date) -> list[MonthRow]:
    """Entitlement against delivery for each order active in the month (one aggregate query)."""
    first = month.replace(day=1)
    last = month_end(first)
    active = orders.filter(starts_on__lte=last).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=first))
    in_month = Q(visits__scheduled_start__date__gte=first, visits__scheduled_start__date__lte=last)
    rows = active.annotate(
        delivered_min=Coalesce(Sum("visits__delivered_minutes", filter=in_month), 0),
        scheduled_min=Coalesce(
            Sum("visits__scheduled_minutes", filter=in_month & ~Q(visits__status=VisitStatus.CANCELLED)), 0
        ),
        done=Count("visits", filter=in_month & Q(visits__status=VisitStatus.DONE)),
        missed=Count("visits", filter=in_month & Q(visits__status=VisitStatus.MISSED)),
    ).select_related("person", "region")
    annotated: list[Any] = list(rows.order_by("region_id", "number"))
    tables = _entitlement_tables({o.region_id for o in annotated}, first)
    return [
        MonthRow(
            order=o,
            entitled_hours=entitled_hours(o, first, tables.get(o.region_id)),
            scheduled_hours=(Decimal(o.scheduled_min) / 60).quantize(TENTH, rounding=ROUND_HALF_UP),
            delivered_hours=(Decimal(o.delivered_min) / 60).quantize(TENTH, rounding=ROUND_HALF_UP),
            visits_done=o.done,
            visits_missed=o.missed,
        )
        for o in annotated
    ]


def respite_used_hours(order: HomeCareOrder, year: int) -> Decimal:
    minutes = (
        HomeCareVisit.objects.filter(order__person_id=order.person_id, order__service=HomeCareService.RESPITE)
        .filter(scheduled_start__year=year)
        .aggregate(m=Coalesce(Sum("delivered_minutes"), 0))["m"]
    )
    return (Decimal(minutes) / 60).quantize(TENTH, rounding=ROUND_HALF_UP)


def days_in_month(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


__all__ = [
    "MonthRow",
    "care_assessment_current",
    "current_grade",
    "grade_counts",
    "homecare_month_report",
    "reassessment_due",
    "waitlist_for_bed",
    "waitlist_queue",
]
