"""Reads of the community services: scoped querysets, the peer-visit target group and its
coverage, meal statistics and capacity. Everything over many people is one SQL statement."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Substr

from core.models import HouseholdMember, Person, User
from core.policy import MissingPolicyParameter, policy_decimal
from core.scoping import grant_prefixes
from core.selectors import region_label
from eldercare.choices_community import PeerReason, PersonCategory
from eldercare.models import ChildlessRecord, Facility, MealCount, PeerPair, PeerVisit, Residency
from eldercare.permissions_community import CommunityPerm
from eldercare.policy_community import PEER_TARGET_MIN_AGE, PEER_VERY_OLD_AGE


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone who is ``years`` full years old on ``day``."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _home() -> Coalesce:
    return Coalesce("residence_region_id", "hukou_region_id", output_field=CharField())


def _scope_q(user: User | None, perm: str, path: str) -> Q:
    if user is None:
        return Q()
    condition = Q(pk__in=[])
    for prefix in grant_prefixes(user, perm):
        condition |= Q(**{f"{path}__startswith": prefix})
    return condition


def peer_age_limits(region_code: str, on: datetime.date) -> tuple[int, int]:
    """(minimum age of the group, age from which someone is 'very old'), from the parameters."""
    return (
        int(policy_decimal(PEER_TARGET_MIN_AGE, region_code, on)),
        int(policy_decimal(PEER_VERY_OLD_AGE, region_code, on)),
    )


def peer_targets(region_code: str, on: datetime.date, user: User | None = None) -> QuerySet[Any]:
    """The 老伙伴计划 target group on a date, set-based: living people of the region, not resident
    in an institution, aged at least the minimum age who live alone (a household of one), are very old (age ≥ parameter) or are
    recorded as childless. Annotated with ``home`` (village), ``township``, ``living_alone``,
    ``very_old`` and ``childless``."""
    min_age, very_old_age = peer_age_limits(region_code, on)
    oldest_min = years_before(on, min_age)
    very_old_birth = years_before(on, very_old_age)
    household_size = Subquery(
        HouseholdMember.objects.filter(household_id=OuterRef("membership__household_id"))
        .values("household_id")
        .annotate(size=Count("pk"))
        .values("size")[:1],
        output_field=IntegerField(),
    )
    people: QuerySet[Any] = (
        Person.objects.filter(death_date__isnull=True, birth_date__lte=oldest_min)
        .annotate(home=_home())
        .filter(home__startswith=region_code)
        # The programme is for older people living at home: residents of an institution are not in it.
        .exclude(Exists(Residency.objects.on(on).filter(person_id=OuterRef("pk"))))
        .filter(_scope_q(user, CommunityPerm.VIEW, "home"))
        .annotate(
            household_size=household_size,
            childless=Exists(ChildlessRecord.objects.filter(person_id=OuterRef("pk"))),
            township=Substr("home", 1, 9),
        )
        .filter(Q(household_size=1) | Q(birth_date__lte=very_old_birth) | Q(childless=True))
    )
    return people


def peer_target_reasons(person: Person, on: datetime.date) -> list[str]:
    """Why a person is in the target group on a date (empty: not in it)."""
    region = person.residence_region_id or person.hukou_region_id
    try:
        min_age, very_old_age = peer_age_limits(region, on)
    except MissingPolicyParameter:
        return []
    if person.death_date is not None or person.birth_date > years_before(on, min_age):
        return []
    if Residency.objects.on(on).filter(person=person).exists():
        return []
    reasons = []
    membership = HouseholdMember.objects.filter(person=person).values_list("household_id", flat=True).first()
    if membership and HouseholdMember.objects.filter(household_id=membership).count() == 1:
        reasons.append(PeerReason.LIVING_ALONE.value)
    if person.birth_date <= years_before(on, very_old_age):
        reasons.append(PeerReason.VERY_OLD.value)
    if ChildlessRecord.objects.filter(person=person).exists():
        reasons.append(PeerReason.CHILDLESS.value)
    return reasons


def peer_coverage(
    region_code: str, start: datetime.date, end: datetime.date, user: User | None = None
) -> QuerySet[Any]:
    """The target group (as of the period's end) annotated with ``visited`` (a visit logged in the
    period) and ``paired`` (a pair open during the period)."""
    visited = PeerVisit.objects.filter(target_id=OuterRef("pk"), visited_on__gte=start, visited_on__lte=end)
    paired = PeerPair.objects.filter(target_id=OuterRef("pk"), started_on__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start)
    )
    return peer_targets(region_code, end, user).annotate(visited=Exists(visited), paired=Exists(paired))


def peer_coverage_by_township(
    region_code: str, start: datetime.date, end: datetime.date, user: User | None = None
) -> dict[str, Any]:
    """Targets, paired and visited per township, and the totals (share in percent, 1 decimal)."""
    rows = list(
        peer_coverage(region_code, start, end, user)
        .order_by()
        .values("township")
        .annotate(
            targets=Count("pk"),
            paired_count=Count("pk", filter=Q(paired=True)),
            visited_count=Count("pk", filter=Q(visited=True)),
        )
        .order_by("township")
    )
    result = []
    for row in rows:
        result.append(
            {
                "township": row["township"],
                "label": region_label(row["township"]),
                "targets": row["targets"],
                "paired": row["paired_count"],
                "visited": row["visited_count"],
                "unvisited": row["targets"] - row["visited_count"],
                "share": _share(row["visited_count"], row["targets"]),
            }
        )
    targets = sum(r["targets"] for r in result)
    visited = sum(r["visited"] for r in result)
    return {
        "rows": result,
        "targets": targets,
        "paired": sum(r["paired"] for r in result),
        "visited": visited,
        "unvisited": targets - visited,
        "share": _share(visited, targets),
    }


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# ------------------------------------------------------------------ meals


def meal_points(user: User, perm: str = CommunityPerm.VIEW) -> QuerySet[Facility]:
    from eldercare.choices import MEAL_KINDS

    return Facility.objects.filter(kind__in=MEAL_KINDS).filter(_scope_q(user, perm, "region__code"))


def meal_daily_series(user: User, region_code: str, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    """Meals ordered and served per day in the user's scope."""
    counts = MealCount.objects.visible_to(user, CommunityPerm.VIEW).filter(
        region__code__startswith=region_code, day__gte=start, day__lte=end
    )
    return list(counts.values("day").annotate(ordered=Sum("ordered"), served=Sum("served")).order_by("day"))


def meal_by_category(user: User, region_code: str, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    counts = MealCount.objects.visible_to(user, CommunityPerm.VIEW).filter(
        region__code__startswith=region_code, day__gte=start, day__lte=end
    )
    totals = dict(counts.values("category").annotate(n=Sum("served")).values_list("category", "n"))
    return [{"category": c, "label": label, "served": totals.get(c, 0) or 0} for c, label in PersonCategory.choices]


def meal_by_township(user: User, region_code: str, start: datetime.date, end: datetime.date) -> list[dict[str, Any]]:
    counts = MealCount.objects.visible_to(user, CommunityPerm.VIEW).filter(
        region__code__startswith=region_code, day__gte=start, day__lte=end
    )
    rows = (
        counts.annotate(township=Substr("region_id", 1, 9))
        .values("township")
        .annotate(served=Sum("served"))
        .order_by("township")
    )
    return [{"township": r["township"], "label": region_label(r["township"]), "served": r["served"]} for r in rows]


def meal_capacity_report(
    user: User, region_code: str, start: datetime.date, end: datetime.date
) -> list[dict[str, Any]]:
    """Per meal point in scope: daily capacity against the orders and meals of the period —
    days reported, average and peak orders, days when orders exceeded capacity, utilisation
    (average meals served / capacity, percent). Points that reported nothing are listed too."""
    points = list(meal_points(user).filter(region__code__startswith=region_code).order_by("region_id", "number"))
    per_day = (
        MealCount.objects.filter(meal_point__in=[p.pk for p in points], day__gte=start, day__lte=end)
        .values("meal_point_id", "day")
        .annotate(ordered=Sum("ordered"), served=Sum("served"))
    )
    stats: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in per_day:
        stats[row["meal_point_id"]].append((row["ordered"] or 0, row["served"] or 0))
    result = []
    for point in points:
        days = stats.get(point.pk, [])
        capacity = point.daily_meal_capacity
        n = len(days)
        served_total = sum(s for _, s in days)
        ordered_total = sum(o for o, _ in days)
        avg_served = Decimal(served_total) / n if n else Decimal(0)
        result.append(
            {
                "point": point,
                "region": region_label(point.region_id),
                "capacity": capacity,
                "days": n,
                "ordered": ordered_total,
                "served": served_total,
                "avg_ordered": (Decimal(ordered_total) / n).quantize(Decimal("0.1")) if n else None,
                "avg_served": avg_served.quantize(Decimal("0.1")) if n else None,
                "peak_ordered": max((o for o, _ in days), default=0),
                "over_capacity_days": sum(1 for o, _ in days if capacity and o > capacity),
                "utilisation": (avg_served * 100 / capacity).quantize(Decimal("0.1")) if n and capacity else None,
            }
        )
    return result


def meal_enrolment_counts(user: User) -> dict[int, dict[str, int]]:
    """Open enrolments per point and category (the roll the daily reports are checked against)."""
    from eldercare.models import MealEnrolment

    result: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        MealEnrolment.objects.visible_to(user, CommunityPerm.VIEW)
        .filter(ended_on__isnull=True)
        .values("meal_point_id", "category")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        result[row["meal_point_id"]][row["category"]] = row["n"]
    return result


# ------------------------------------------------------------------ live data items for the plans app


def _month_of(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    return on.replace(day=1), on


def data_peer_visit_coverage(prefix: str, on: datetime.date) -> dict[str, Any]:
    """老伙伴计划 coverage in the month up to ``on``: {targets, visited, rate (percent)}."""
    start, end = _month_of(on)
    report = peer_coverage_by_township(prefix, start, end)
    return {"targets": report["targets"], "visited": report["visited"], "rate": report["share"]}


def data_meals_served_per_day(prefix: str, on: datetime.date) -> Decimal | None:
    """Meals served a day on average over the reported days of the month up to ``on``."""
    start, end = _month_of(on)
    per_day = list(
        MealCount.objects.filter(region__code__startswith=prefix, day__gte=start, day__lte=end)
        .values("day")
        .annotate(served=Sum("served"))
        .values_list("served", flat=True)
    )
    if not per_day:
        return None
    return (Decimal(sum(per_day)) / len(per_day)).quantize(Decimal("0.1"))
