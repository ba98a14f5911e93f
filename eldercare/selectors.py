"""Reads of the facility side (set-based): occupancy, coverage, workforce, supervision, and the
live data items the plans app reads."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Q

from eldercare.models import Bed, BlacklistEntry, Facility, Residency


def facility_occupancy(facility_ids: Iterable[int], on: datetime.date | None = None) -> dict[int, tuple[int, int]]:
    """facility id -> (active beds, occupied beds), occupied counted from residencies."""
    on = on or datetime.date.today()
    ids = list(facility_ids)
    beds = dict(
        Bed.objects.filter(facility_id__in=ids, is_active=True)
        .values("facility_id")
        .annotate(n=Count("id"))
        .values_list("facility_id", "n")
    )
    occupied = dict(
        Residency.objects.on(on)
        .filter(bed__facility_id__in=ids)
        .values("bed__facility_id")
        .annotate(n=Count("id"))
        .values_list("bed__facility_id", "n")
    )
    return {fid: (beds.get(fid, 0), occupied.get(fid, 0)) for fid in ids}


def facility_subsidy_blocked(facility: Facility | int, on: datetime.date) -> bool:
    """True while the facility is on the blacklist on that day: no subsidy may be paid to it
    (operating subsidies, meal subsidies, settlements) for that day."""
    facility_id = facility if isinstance(facility, int) else facility.pk
    return BlacklistEntry.objects.in_force(on).filter(facility_id=facility_id).exists()


def blocked_facility_ids(on: datetime.date) -> set[int]:
    """Set-based form of facility_subsidy_blocked for settlement runs over many facilities."""
    return set(BlacklistEntry.objects.in_force(on).values_list("facility_id", flat=True))


__all__ = ["Q", "blocked_facility_ids", "facility_occupancy", "facility_subsidy_blocked"]
