"""Reads of the facility side, all set-based (grouped queries, never a query per person):
occupancy, coverage against the plans' thresholds, 持证率, credit scores, and the live data
items the plans app reads for indicators 3–9."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr

from core.filtersets import years_ago
from core.models import Person, PolicyParameter, Region
from core.models.regions import ancestor_codes
from core.policy import MissingPolicyParameter, policy_decimal, policy_table, policy_value
from core.scoping import grant_prefixes
from core.selectors import region_label
from eldercare.choices import (
    BED_HOLDING_KINDS,
    MEAL_KINDS,
    BedKind,
    CaregiverLevel,
    FacilityKind,
    FacilityStatus,
    FindingSeverity,
    FindingStatus,
    WorkerRole,
)
from eldercare.models import Bed, BlacklistEntry, Caregiver, Facility, Finding, Residency
from eldercare.permissions import FacilityPerm

TOWNSHIP_LEN = 9
VILLAGE_LEN = 12


# ---------------------------------------------------------------- helpers


def scope_prefixes(user: Any, perm: str = FacilityPerm.VIEW_FACILITY) -> list[str]:
    return grant_prefixes(user, perm)


def in_prefixes(path: str, prefixes: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for prefix in prefixes:
        condition |= Q(**{f"{path}__startswith": prefix})
    return condition


def operating_on(on: datetime.date, path: str = "") -> Q:
    """Facilities open on the day: status open (or closed later), opened by then."""
    p = f"{path}__" if path else ""
    return (Q(**{f"{p}opened_on__isnull": True}) | Q(**{f"{p}opened_on__lte": on})) & (
        Q(**{f"{p}status": FacilityStatus.OPEN}) | Q(**{f"{p}status": FacilityStatus.CLOSED, f"{p}closed_on__gt": on})
    )


def facilities_in(prefix: str, on: datetime.date) -> QuerySet[Facility]:
    return Facility.objects.filter(operating_on(on), region__code__startswith=prefix)


def ratio(
    numerator: int | Decimal, denominator: int | Decimal, scale: int = 100, places: str = "0.1"
) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * scale / Decimal(denominator)).quantize(Decimal(places), ROUND_HALF_UP)


# ---------------------------------------------------------------- occupancy


def facility_occupancy(facility_ids: Iterable[int], on: datetime.date | None = None) -> dict[int, tuple[int, int]]:
    """facility id -> (active beds, occupied beds); occupied is counted from residencies."""
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


def annotate_occupancy(queryset: QuerySet[Facility], on: datetime.date | None = None) -> QuerySet[Facility]:
    """Beds by kind and occupied beds as columns of a facility list (one query)."""
    on = on or datetime.date.today()
    active = Q(beds__is_active=True)
    return queryset.annotate(
        bed_total=Count("beds", filter=active, distinct=True),
        bed_nursing=Count("beds", filter=active & Q(beds__kind=BedKind.NURSING), distinct=True),
        bed_dementia=Count("beds", filter=active & Q(beds__kind=BedKind.DEMENTIA), distinct=True),
        occupied=Count(
            "beds__residencies",
            filter=Q(beds__residencies__admitted_on__lte=on)
            & (Q(beds__residencies__discharged_on__isnull=True) | Q(beds__residencies__discharged_on__gt=on)),
            distinct=True,
        ),
    )


def attach_bed_figures(facilities: list[Facility], on: datetime.date | None = None) -> list[Facility]:
    """Set bed_total, bed_nursing, bed_dementia and occupied on a page of facilities (two grouped
    queries for the page, instead of aggregating every facility before paginating)."""
    on = on or datetime.date.today()
    ids = [f.pk for f in facilities]
    beds: dict[int, dict[str, int]] = {}
    for facility_id, kind, n in (
        Bed.objects.filter(facility_id__in=ids, is_active=True)
        .values("facility_id", "kind")
        .annotate(n=Count("id"))
        .values_list("facility_id", "kind", "n")
    ):
        beds.setdefault(facility_id, {})[kind] = n
    occupied = dict(
        Residency.objects.on(on)
        .filter(bed__facility_id__in=ids)
        .values("bed__facility_id")
        .annotate(n=Count("id"))
        .values_list("bed__facility_id", "n")
    )
    for f in facilities:
        counts = beds.get(f.pk, {})
        f.bed_total = sum(counts.values())  # type: ignore[attr-defined]
        f.bed_nursing = counts.get(BedKind.NURSING, 0)  # type: ignore[attr-defined]
        f.bed_dementia = counts.get(BedKind.DEMENTIA, 0)  # type: ignore[attr-defined]
        f.occupied = occupied.get(f.pk, 0)  # type: ignore[attr-defined]
    return facilities


def beds_by_township(prefixes: Iterable[str], on: datetime.date) -> list[dict[str, Any]]:
    """Per township: beds by kind and occupied beds (dashboard)."""
    scope = in_prefixes("facility__region__code", prefixes)
    rows: dict[str, dict[str, Any]] = {}
    for r in (
        Bed.objects.filter(scope, operating_on(on, "facility"), is_active=True)
        .annotate(township=Substr("facility__region_id", 1, TOWNSHIP_LEN))
        .values("township", "kind")
        .annotate(n=Count("id"))
    ):
        row = rows.setdefault(r["township"], {"general": 0, "nursing": 0, "dementia": 0, "occupied": 0})
        row[r["kind"]] = r["n"]
    for occupied in (
        Residency.objects.on(on)
        .filter(in_prefixes("bed__facility__region__code", prefixes))
        .annotate(township=Substr("bed__facility__region_id", 1, TOWNSHIP_LEN))
        .values("township")
        .annotate(n=Count("id"))
    ):
        township = occupied["township"]
        rows.setdefault(township, {"general": 0, "nursing": 0, "dementia": 0, "occupied": 0})["occupied"] = occupied[
            "n"
        ]
    result = []
    for code in sorted(rows):
        row = rows[code]
        total = row["general"] + row["nursing"] + row["dementia"]
        result.append(
            {"code": code, "name": region_label(code), **row, "total": total, "rate": ratio(row["occupied"], total)}
        )
    return result


def beds_by_facility_kind(prefixes: Iterable[str], on: datetime.date) -> list[dict[str, Any]]:
    scope = in_prefixes("facility__region__code", prefixes)
    beds = dict(
        Bed.objects.filter(scope, operating_on(on, "facility"), is_active=True)
        .values("facility__kind")
        .annotate(n=Count("id"))
        .values_list("facility__kind", "n")
    )
    occupied = dict(
        Residency.objects.on(on)
        .filter(in_prefixes("bed__facility__region__code", prefixes))
        .values("bed__facility__kind")
        .annotate(n=Count("id"))
        .values_list("bed__facility__kind", "n")
    )
    return [
        {
            "kind": kind.value,
            "label": kind.label,
            "beds": beds.get(kind.value, 0),
            "occupied": occupied.get(kind.value, 0),
        }
        for kind in FacilityKind
        if kind in BED_HOLDING_KINDS
    ]


# ---------------------------------------------------------------- subsidies


def facility_subsidy_blocked(facility: Facility | int, on: datetime.date) -> bool:
    """True while the facility is on the blacklist on that day: no subsidy may be paid to it
    (operating subsidies, meal subsidies, settlements) for that day."""
    facility_id = facility if isinstance(facility, int) else facility.pk
    return BlacklistEntry.objects.in_force(on).filter(facility_id=facility_id).exists()


def blocked_facility_ids(on: datetime.date) -> set[int]:
    """Set-based form of facility_subsidy_blocked for settlement runs over many facilities."""
    return set(BlacklistEntry.objects.in_force(on).values_list("facility_id", flat=True))


# ---------------------------------------------------------------- coverage


@dataclass
class CoverageRow:
    code: str
    name: str
    actual: Decimal
    required: Decimal
    basis: int | None = None  # the population the requirement is computed from

    @property
    def short(self) -> bool:
        return self.actual < self.required

    @property
    def gap(self) -> Decimal:
        return max(self.required - self.actual, Decimal("0"))


@dataclass
class CoverageRule:
    code: str
    title: str
    level: str  # township | village
    unit: str
    parameter: str
    threshold: Decimal | None
    parameter_unit: str = ""
    source: str = ""
    certainty: str = ""
    rows: list[CoverageRow] = field(default_factory=list)

    @property
    def shortfalls(self) -> list[CoverageRow]:
        return [r for r in self.rows if r.short]

    @property
    def covered(self) -> int:
        return len(self.rows) - len(self.shortfalls)


def is_township_proper(code: str) -> bool:
    """街道 (001–099), 镇 (100–199) and 乡 (200–399) under GB/T 10114; 400–599 are farms,
    forest farms and development zones, which the plans do not count among 乡镇 ("18个乡镇")."""
    return len(code) == TOWNSHIP_LEN and code[6:9] < "400"


def _regions(prefix: str, length: int) -> list[tuple[str, str]]:
    regions = Region.objects.active().filter(code__startswith=prefix)
    return [
        (code, name)
        for code, name in regions.values_list("code", "name").order_by("code")
        if len(code) == length and (length != TOWNSHIP_LEN or is_township_proper(code))
    ]


def _counts_by(queryset: QuerySet[Any], path: str, length: int, value: Any = None) -> dict[str, Any]:
    agg = value if value is not None else Count("id")
    return dict(queryset.annotate(unit=Substr(path, 1, length)).values("unit").annotate(v=agg).values_list("unit", "v"))


def _population(
    prefix: str, on: datetime.date, min_age: int | None, residence: bool
) -> tuple[dict[str, int], dict[str, int]]:
    """Living people per township and per village (by hukou, or by residence falling back to hukou)."""
    people = Person.objects.filter(Q(death_date__isnull=True) | Q(death_date__gt=on), birth_date__lte=on)
    if min_age is not None:
        people = people.filter(birth_date__lte=years_ago(min_age, on))
    path = "home"
    if residence:
        people = people.annotate(home=Coalesce("residence_region_id", "hukou_region_id"))
    else:
        people = people.annotate(home=Coalesce("hukou_region_id", "hukou_region_id"))
    people = people.filter(home__startswith=prefix)
    return _counts_by(people, path, TOWNSHIP_LEN), _counts_by(people, path, VILLAGE_LEN)


def _parameter_lookup(code: str, on: datetime.date) -> Any:
    """policy_decimal for many regions with one query: the value in force on the day at the
    nearest region up the tree (the same rule as core.policy.policy_value)."""
    latest: dict[str, tuple[datetime.date, Any]] = {}
    for region_id, effective_from, value in PolicyParameter.objects.filter(
        code=code, effective_from__lte=on
    ).values_list("region_id", "effective_from", "value"):
        if region_id not in latest or effective_from > latest[region_id][0]:
            latest[region_id] = (effective_from, value)

    def lookup(region_code: str) -> Decimal | None:
        for ancestor in reversed(ancestor_codes(region_code)):
            if ancestor in latest:
                return Decimal(str(latest[ancestor][1]))
        return None

    return lookup


def coverage_report(prefix: str, on: datetime.date) -> list[CoverageRule]:
    """Every coverage rule of the plan for the regions under ``prefix`` (a county or a township),
    each row the region's actual figure against the threshold in force, shortfalls listed."""
    # A village user sees the village-level rule for their own village only.
    townships = _regions(prefix, TOWNSHIP_LEN) if len(prefix) <= TOWNSHIP_LEN else []
    villages = _regions(prefix, VILLAGE_LEN)
    facilities = facilities_in(prefix, on)
    rules: list[CoverageRule] = []

    def rule(code: str, title: str, level: str, unit: str, parameter: str) -> CoverageRule:
        info = policy_value(parameter, prefix, on)
        r = CoverageRule(
            code=code,
            title=title,
            level=level,
            unit=unit,
            parameter=parameter,
            threshold=Decimal(str(info.value)) if info else None,
            parameter_unit=info.unit if info else "",
            source=info.source if info else "未配置该政策参数",
            certainty=info.get_certainty_display() if info else "",
        )
        rules.append(r)
        return r

    def per_region(
        r: CoverageRule,
        regions: list[tuple[str, str]],
        actual: dict[str, Any],
        basis: dict[str, int] | None = None,
        per: int = 1,
    ) -> None:
        lookup = _parameter_lookup(r.parameter, on)
        for code, name in regions:
            threshold = lookup(code)
            if threshold is None:
                continue
            value = Decimal(actual.get(code) or 0)
            population = basis.get(code, 0) if basis is not None else None
            required = (
                threshold
                if population is None
                else (threshold * population / per).quantize(Decimal("0.01"), ROUND_HALF_UP)
            )
            r.rows.append(CoverageRow(code, name, value, required, population))

    institutions = _counts_by(
        facilities.filter(kind=FacilityKind.CARE_INSTITUTION, is_standard=True), "region_id", TOWNSHIP_LEN
    )
    per_region(
        rule(
            "institution",
            "每个乡镇至少有1个标准化养老机构",
            "township",
            "家",
            "eldercare.coverage.institutions_per_township",
        ),
        townships,
        institutions,
    )
    canteens = _counts_by(facilities.filter(kind=FacilityKind.CANTEEN), "region_id", TOWNSHIP_LEN)
    per_region(
        rule("canteen", "社区长者食堂乡镇全覆盖", "township", "家", "eldercare.coverage.canteens_per_township"),
        townships,
        canteens,
    )
    rooms = _counts_by(facilities.filter(kind=FacilityKind.ACTIVITY_ROOM, is_standard=True), "region_id", VILLAGE_LEN)
    per_region(
        rule(
            "activity_room",
            "每个村居至少1个标准化老年活动室",
            "village",
            "个",
            "eldercare.coverage.activity_rooms_per_village",
        ),
        villages,
        rooms,
    )
    rentals = _counts_by(facilities.filter(kind=FacilityKind.REHAB_AID_RENTAL), "region_id", TOWNSHIP_LEN)
    per_region(
        rule(
            "rehab_rental",
            "康复辅具社区租赁服务实体点乡镇覆盖",
            "township",
            "个",
            "eldercare.coverage.rehab_rentals_per_township",
        ),
        townships,
        rentals,
    )
    aged65, _ = _population(prefix, on, 65, residence=False)
    meals = _counts_by(facilities.filter(kind__in=MEAL_KINDS), "region_id", TOWNSHIP_LEN, Sum("daily_meal_capacity"))
    per_region(
        rule(
            "meal_capacity",
            "助餐供客能力与65周岁以上老年人口",
            "township",
            "客/日",
            "eldercare.coverage.meal_capacity_per_1000_aged65",
        ),
        townships,
        meals,
        aged65,
        1000,
    )
    residents, _ = _population(prefix, on, None, residence=True)
    area = _counts_by(
        facilities.exclude(kind=FacilityKind.CARE_INSTITUTION), "region_id", TOWNSHIP_LEN, Sum("floor_area")
    )
    per_region(
        rule(
            "floor_area",
            "每千名常住人口社区养老服务设施面积",
            "township",
            "平方米",
            "eldercare.coverage.floor_area_per_1000_residents",
        ),
        townships,
        area,
        residents,
        1000,
    )
    try:
        elderly_age = int(policy_decimal("eldercare.coverage.elderly_age", prefix, on))
    except MissingPolicyParameter:
        elderly_age = 60
    elderly, _ = _population(prefix, on, elderly_age, residence=False)
    beds = _counts_by(
        Bed.objects.filter(
            operating_on(on, "facility"),
            facility__region__code__startswith=prefix,
            facility__kind=FacilityKind.CARE_INSTITUTION,
            is_active=True,
        ),
        "facility__region_id",
        TOWNSHIP_LEN,
    )
    per_region(
        rule(
            "beds",
            f"每千名{elderly_age}周岁以上户籍老年人机构养老床位",
            "township",
            "张",
            "eldercare.coverage.beds_per_1000_elderly",
        ),
        townships,
        beds,
        elderly,
        1000,
    )
    if len(prefix) > TOWNSHIP_LEN:
        return [r for r in rules if r.level == "village"]
    return rules


# ---------------------------------------------------------------- workforce


def certification_rates(prefixes: Iterable[str], on: datetime.date, by: str = "facility") -> list[dict[str, Any]]:
    """持证率 of 养老护理员 employed on the day, by facility or by township."""
    qs = Caregiver.objects.employed_on(on).filter(
        in_prefixes("facility__region__code", prefixes), role=WorkerRole.CAREGIVER
    )
    certified = Count("id", filter=Caregiver.objects.certified_q(on))
    if by == "facility":
        rows = (
            qs.values("facility_id", "facility__name", "facility__region_id")
            .annotate(total=Count("id"), certified=certified)
            .order_by("facility__region_id", "facility_id")
        )
        return [
            {
                "facility_id": r["facility_id"],
                "name": r["facility__name"],
                "region": region_label(r["facility__region_id"]),
                "total": r["total"],
                "certified": r["certified"],
                "rate": ratio(r["certified"], r["total"]),
            }
            for r in rows
        ]
    townships = (
        qs.annotate(township=Substr("facility__region_id", 1, TOWNSHIP_LEN))
        .values("township")
        .annotate(total=Count("id"), certified=certified)
        .order_by("township")
    )
    return [
        {
            "code": t["township"],
            "name": region_label(t["township"]),
            "total": t["total"],
            "certified": t["certified"],
            "rate": ratio(t["certified"], t["total"]),
        }
        for t in townships
    ]


def certification_by_level(prefixes: Iterable[str], on: datetime.date) -> dict[str, int]:
    qs = Caregiver.objects.employed_on(on).filter(
        in_prefixes("facility__region__code", prefixes), role=WorkerRole.CAREGIVER
    )
    counts = dict(
        qs.filter(Caregiver.objects.certified_q(on)).values("level").annotate(n=Count("id")).values_list("level", "n")
    )
    return {level.label: counts.get(level.value, 0) for level in CaregiverLevel if level != CaregiverLevel.NONE}


# ---------------------------------------------------------------- credit


def _months_before(on: datetime.date, months: int) -> datetime.date:
    month_index = on.year * 12 + on.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(on.day, 28)
    return datetime.date(year, month + 1, day)


def credit_scores(facility_ids: Iterable[int], on: datetime.date, region_code: str) -> dict[int, dict[str, Any]]:
    """Credit score per facility on a day: the base score less the deductions for findings of
    inspections inside the window, more for findings left overdue or put right late (rules
    are the parameters eldercare.credit.*)."""
    ids = list(facility_ids)
    base = policy_decimal("eldercare.credit.base_score", region_code, on)
    deductions = {k: Decimal(str(v)) for k, v in policy_table("eldercare.credit.deductions", region_code, on).items()}
    window = int(policy_decimal("eldercare.credit.window_months", region_code, on))
    threshold = policy_decimal("eldercare.credit.blacklist_below", region_code, on)
    since = _months_before(on, window)
    overdue = (
        Q(status=FindingStatus.OVERDUE)
        | Q(status=FindingStatus.OPEN, deadline__lt=on)
        | Q(rectified_on__gt=F("deadline"))
    )
    rows = (
        Finding.objects.filter(
            inspection__facility_id__in=ids, inspection__inspected_on__gt=since, inspection__inspected_on__lte=on
        )
        .values("inspection__facility_id")
        .annotate(
            minor=Count("id", filter=Q(severity=FindingSeverity.MINOR)),
            major=Count("id", filter=Q(severity=FindingSeverity.MAJOR)),
            serious=Count("id", filter=Q(severity=FindingSeverity.SERIOUS)),
            overdue=Count("id", filter=overdue),
        )
    )
    found = {r["inspection__facility_id"]: r for r in rows}
    blocked = set(BlacklistEntry.objects.in_force(on).filter(facility_id__in=ids).values_list("facility_id", flat=True))
    result = {}
    for fid in ids:
        r = found.get(fid, {"minor": 0, "major": 0, "serious": 0, "overdue": 0})
        score = base - sum(deductions.get(k, Decimal("0")) * r[k] for k in ("minor", "major", "serious", "overdue"))
        score = max(score, Decimal("0"))
        result[fid] = {
            "score": score,
            "findings": {k: r[k] for k in ("minor", "major", "serious", "overdue")},
            "below_threshold": score < threshold,
            "blacklisted": fid in blocked,
        }
    return result


# ---------------------------------------------------------------- live data items (plans app)


def _bed_scope(prefix: str, on: datetime.date) -> QuerySet[Bed]:
    return Bed.objects.filter(
        operating_on(on, "facility"),
        facility__region__code__startswith=prefix,
        facility__kind__in=BED_HOLDING_KINDS,
        is_active=True,
    )


def data_bed_counts(prefix: str, on: datetime.date) -> dict[str, int]:
    """Indicators 3–5: beds by kind in operating facilities (机构 and 社区 beds), and total."""
    counts = dict(_bed_scope(prefix, on).values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    result = {kind.value: counts.get(kind.value, 0) for kind in BedKind}
    result["total"] = sum(result.values())
    return result


def data_nursing_bed_share(prefix: str, on: datetime.date) -> Decimal | None:
    """Indicator 4: 护理型床位占比 (%)."""
    counts = data_bed_counts(prefix, on)
    return ratio(counts["nursing"], counts["total"])


def data_facility_count(prefix: str, on: datetime.date, kind: str) -> int:
    return facilities_in(prefix, on).filter(kind=kind).count()


def data_institution_count(prefix: str, on: datetime.date) -> int:
    return data_facility_count(prefix, on, FacilityKind.CARE_INSTITUTION)


def data_canteen_count(prefix: str, on: datetime.date) -> int:
    return data_facility_count(prefix, on, FacilityKind.CANTEEN)


def data_activity_room_count(prefix: str, on: datetime.date) -> int:
    return facilities_in(prefix, on).filter(kind=FacilityKind.ACTIVITY_ROOM, is_standard=True).count()


def data_meal_capacity(prefix: str, on: datetime.date) -> int:
    """Indicator 6: 老年助餐供客能力 (客/日) of 助餐点 and 长者食堂."""
    return facilities_in(prefix, on).filter(kind__in=MEAL_KINDS).aggregate(n=Sum("daily_meal_capacity"))["n"] or 0


def data_caregiver_certification(prefix: str, on: datetime.date) -> dict[str, Any]:
    """Indicator 7: 养老护理员持证率 — certified / all caregivers employed on the day."""
    qs = Caregiver.objects.employed_on(on).filter(facility__region__code__startswith=prefix, role=WorkerRole.CAREGIVER)
    figures = qs.aggregate(total=Count("id"), certified=Count("id", filter=Caregiver.objects.certified_q(on)))
    return {**figures, "rate": ratio(figures["certified"], figures["total"])}


def data_rehab_rental_township_coverage(prefix: str, on: datetime.date) -> dict[str, Any]:
    """Indicator 8: share of townships with a 康复辅具租赁 point."""
    townships = len(_regions(prefix, TOWNSHIP_LEN))
    covered = (
        facilities_in(prefix, on)
        .filter(kind=FacilityKind.REHAB_AID_RENTAL)
        .annotate(t=Substr("region_id", 1, TOWNSHIP_LEN))
        .values("t")
        .distinct()
        .count()
    )
    return {"covered": covered, "townships": townships, "rate": ratio(covered, townships)}


def data_rehab_advisor_count(prefix: str, on: datetime.date) -> int:
    """Indicator 9: 康复辅助技术咨询师 employed and certified on the day."""
    return (
        Caregiver.objects.employed_on(on)
        .filter(
            Caregiver.objects.certified_q(on), facility__region__code__startswith=prefix, role=WorkerRole.REHAB_ADVISOR
        )
        .count()
    )
