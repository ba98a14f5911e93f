"""Economic verification (经济状况核对): the report of each household against the limits in force.

The work is set-based: for a chunk of households, one query reads the living members, one
UPDATE links their not-yet-matched facts by the ID number's blind index, one query reads the
facts that count, and the reports and their items are bulk-inserted. No query per person.

The rule (version ``RULE_VERSION``), per household of n living members on the base date:

- monthly income = Σ wage, pension and other social-insurance amounts dated inside the
  averaging window (the ``income_averaging_months`` months up to the base date) ÷ months;
  eligible on income when monthly income < n × 低保 standard × the category's multiplier
  (per-capita income strictly below the standard, 民发〔2021〕57号 Art. 4);
- monetary property = Σ the latest balance of each deposit account and securities holding
  inside the window; passes when ≤ n × the per-capita limit for a household of n (含);
- vehicles and non-residential buildings: the latest record of each inside the window; fail
  when any non-exempt one exists and the parameter does not allow it;
- tax and business-registration facts are listed for the caseworker, not counted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from assistance import parameters_verification as params
from assistance.choices import Category
from assistance.choices_verification import CountedAs, FactSource, RealEstateUse
from assistance.imports_verification import match_facts
from assistance.models import DataSourceFact, VerificationReport, VerificationReportItem
from core.audit import audit_record
from core.models import HouseholdMember, Job, PolicyParameter, User
from core.policy import MissingPolicyParameter, policy_value

RULE_VERSION = "verify-2026.1"
CHUNK = 500
CENT = Decimal("0.01")
VERIFICATION_RUN = "assistance.verification_run"


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The day ``months`` calendar months before ``day`` (clamped to the month's end)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass
class Limits:
    """The parameters in force for one region on the base date."""

    standard: Decimal
    multipliers: dict[str, Decimal]
    monetary_table: list[dict[str, Any]]
    vehicle_allowed: bool
    non_residential_allowed: bool
    months: int
    used: dict[str, dict[str, Any]]

    def income_limit(self, category: str) -> Decimal:
        code = params.CATEGORY_MULTIPLIER.get(category)
        multiplier = Decimal("1") if code is None else self.multipliers.get(code)
        if multiplier is None:
            raise MissingPolicyParameter(f"政策参数 {code} 没有适用的取值，无法核对“{Category(category).label}”")
        return _money(self.standard * multiplier)

    def monetary_limit(self, size: int) -> Decimal:
        for band in self.monetary_table:
            if band.get("max_size") is None or size <= int(band["max_size"]):
                return Decimal(str(band["per_capita"]))
        raise MissingPolicyParameter(f"政策参数 {params.MONETARY_LIMIT} 没有 {size} 人户的限额")


def _describe(parameter: PolicyParameter) -> dict[str, Any]:
    return {
        "id": parameter.pk,
        "name": parameter.name,
        "value": parameter.value,
        "effective_from": parameter.effective_from.isoformat(),
        "region": parameter.region_id,
        "source": parameter.source,
        "certainty": parameter.certainty,
    }


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "是"}


REQUIRED = (
    params.STANDARD,
    params.MONETARY_LIMIT,
    params.VEHICLE_ALLOWED,
    params.NON_RESIDENTIAL_ALLOWED,
    params.INCOME_MONTHS,
)
OPTIONAL = (params.DIBAO_EDGE_MULTIPLIER, params.LOW_INCOME_MULTIPLIER)


def limits_for(region_code: str, on_date: datetime.date) -> Limits:
    rows: dict[str, PolicyParameter] = {}
    for code in (*REQUIRED, *OPTIONAL):
        row = policy_value(code, region_code, on_date)
        if row is None:
            if code in OPTIONAL:
                continue
            raise MissingPolicyParameter(f"政策参数 {code} 在 {region_code} 于 {on_date} 没有适用的取值，请先配置")
        rows[code] = row
    return Limits(
        standard=Decimal(str(rows[params.STANDARD].value)),
        multipliers={code: Decimal(str(rows[code].value)) for code in OPTIONAL if code in rows},
        monetary_table=list(rows[params.MONETARY_LIMIT].value),
        vehicle_allowed=_as_bool(rows[params.VEHICLE_ALLOWED].value),
        non_residential_allowed=_as_bool(rows[params.NON_RESIDENTIAL_ALLOWED].value),
        months=int(Decimal(str(rows[params.INCOME_MONTHS].value))),
        used={code: _describe(row) for code, row in rows.items()},
    )


class _LimitCache:
    def __init__(self, on_date: datetime.date) -> None:
        self.on_date = on_date
        self._cache: dict[str, Limits] = {}

    def get(self, region_code: str) -> Limits:
        if region_code not in self._cache:
            self._cache[region_code] = limits_for(region_code, self.on_date)
        return self._cache[region_code]


@dataclass
class _Member:
    household_id: int
    person_id: int
    region_id: str


def _counted_as(source: str, item: str, exempt: bool) -> str:
    if source == FactSource.WAGE_SOCIAL_INSURANCE:
        return CountedAs.INCOME
    if source in (FactSource.BANK_DEPOSIT, FactSource.SECURITIES):
        return CountedAs.MONETARY
    if source == FactSource.VEHICLE:
        return CountedAs.EXEMPT if exempt else CountedAs.VEHICLE
    if source == FactSource.REAL_ESTATE:
        if item != RealEstateUse.NON_RESIDENTIAL:
            return CountedAs.INFO
        return CountedAs.EXEMPT if exempt else CountedAs.NON_RESIDENTIAL
    return CountedAs.INFO


def verify_households(
    *,
    household_ids: Sequence[int],
    on_date: datetime.date,
    category: str = Category.DIBAO,
    acting_user: User | None,
    job: Job | None = None,
    purpose: str = "",
    on_progress: Any = None,
) -> list[VerificationReport]:
    """Verify each household; returns the new reports (one per household with living members).

    Raises MissingPolicyParameter (Chinese message) when a limit is not configured.
    """
    if category not in Category.values:
        raise ValidationError({"category": ["救助类别无效"]})
    cache = _LimitCache(on_date)
    reports: list[VerificationReport] = []
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            reports.extend(_verify_chunk(chunk, on_date, category, acting_user, job, purpose, cache))
        if on_progress:
            on_progress(min(len(ids), start + CHUNK))
    return reports


def _verify_chunk(
    household_ids: list[int],
    on_date: datetime.date,
    category: str,
    acting_user: User | None,
    job: Job | None,
    purpose: str,
    cache: _LimitCache,
) -> list[VerificationReport]:
    rows = list(
        HouseholdMember.objects.filter(household_id__in=household_ids)
        .filter(Q(person__death_date__isnull=True) | Q(person__death_date__gt=on_date))
        .values_list("household_id", "person_id", "household__region_id", "person__id_number_hash")
    )
    members = [_Member(household_id, person_id, region_id) for household_id, person_id, region_id, _ in rows]
    person_ids = [m.person_id for m in members]
    hashes = [row[3] for row in rows]
    match_facts(DataSourceFact.objects.filter(person__isnull=True, id_number_hash__in=hashes))

    # The window is the widest any region in the chunk uses; each household then applies its own.
    regions = {m.region_id for m in members}
    months_by_region = {code: cache.get(code).months for code in regions}
    widest = max(months_by_region.values(), default=12)
    window_start = months_before(on_date, widest)
    facts = (
        DataSourceFact.objects.filter(person_id__in=person_ids, as_of__gt=window_start, as_of__lte=on_date)
        .order_by("person_id", "source_kind", "reference", "item", "-as_of")
        .values_list("pk", "person_id", "source_kind", "item", "reference", "as_of", "amount", "exempt")
    )
    household_of = {m.person_id: m.household_id for m in members}
    region_of = {m.household_id: m.region_id for m in members}
    sizes: dict[int, int] = defaultdict(int)
    for m in members:
        sizes[m.household_id] += 1

    items_by_household: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    latest_seen: set[tuple[int, str, str, str]] = set()
    for pk, person_id, source, item, reference, as_of, amount, exempt in facts:
        household_id = household_of[person_id]
        months = months_by_region[region_of[household_id]]
        if as_of <= months_before(on_date, months):
            continue
        if source in (
            FactSource.BANK_DEPOSIT,
            FactSource.SECURITIES,
            FactSource.VEHICLE,
            FactSource.REAL_ESTATE,
            FactSource.BUSINESS,
        ):
            # A holding counts once, at its latest record (facts are ordered newest first).
            key = (person_id, source, reference, item)
            if key in latest_seen:
                continue
            latest_seen.add(key)
        counted = _counted_as(source, item, exempt)
        items_by_household[household_id].append((pk, person_id, source, item, reference, as_of, amount, counted))

    new_reports: list[VerificationReport] = []
    report_items: list[list[tuple[Any, ...]]] = []
    for household_id in household_ids:
        size = sizes.get(household_id, 0)
        if size == 0:
            continue
        limits = cache.get(region_of[household_id])
        items = items_by_household.get(household_id, [])
        total: dict[str, Decimal] = defaultdict(Decimal)
        counts: dict[str, int] = defaultdict(int)
        for *_, amount, counted in items:
            total[counted] += amount
            counts[counted] += 1
        monthly_income = _money(total[CountedAs.INCOME] / limits.months)
        income_limit = limits.income_limit(category)
        monetary = _money(total[CountedAs.MONETARY])
        monetary_limit = limits.monetary_limit(size)
        income_passed = monthly_income < income_limit * size
        property_passed = monetary <= monetary_limit * size
        vehicle_passed = limits.vehicle_allowed or counts[CountedAs.VEHICLE] == 0
        housing_passed = limits.non_residential_allowed or counts[CountedAs.NON_RESIDENTIAL] == 0
        notes = []
        if counts[CountedAs.EXEMPT]:
            notes.append(f"有 {counts[CountedAs.EXEMPT]} 项车辆或房屋按规定豁免，请核实豁免依据")
        business = sum(1 for i in items if i[2] == FactSource.BUSINESS)
        if business:
            notes.append(f"成员名下有 {business} 条工商登记，经营收入需人工核实")
        tax = sum(1 for i in items if i[2] == FactSource.TAX)
        if tax:
            notes.append(f"有 {tax} 条纳税记录，请与工资社保数据对照")
        new_reports.append(
            VerificationReport(
                household_id=household_id,
                region_id=region_of[household_id],
                category=category,
                on_date=on_date,
                job=job,
                purpose=purpose[:100],
                member_count=size,
                income_months=limits.months,
                monthly_income=monthly_income,
                per_capita_income=_money(monthly_income / size),
                income_limit=income_limit,
                monetary_property=monetary,
                per_capita_monetary=_money(monetary / size),
                monetary_limit=monetary_limit,
                vehicle_count=counts[CountedAs.VEHICLE],
                non_residential_count=counts[CountedAs.NON_RESIDENTIAL],
                income_passed=income_passed,
                property_passed=property_passed,
                vehicle_passed=vehicle_passed,
                housing_passed=housing_passed,
                passed=income_passed and property_passed and vehicle_passed and housing_passed,
                notes=notes,
                rule_version=RULE_VERSION,
                parameters=limits.used,
                created_by=acting_user,
            )
        )
        report_items.append(items)
    VerificationReport.objects.bulk_create(new_reports, batch_size=1000)
    VerificationReportItem.objects.bulk_create(
        (
            VerificationReportItem(
                report_id=report.pk,
                fact_id=pk,
                person_id=person_id,
                source_kind=source,
                item=item,
                reference=reference,
                as_of=as_of,
                amount=amount,
                counted_as=counted,
            )
            for report, items in zip(new_reports, report_items, strict=True)
            for pk, person_id, source, item, reference, as_of, amount, counted in items
        ),
        batch_size=5000,
    )
    if new_reports:
        audit_record(
            action="assistance.verification.run",
            actor=acting_user,
            object_type="assistance.verificationreport",
            object_id=f"{new_reports[0].pk}-{new_reports[-1].pk}",
            object_repr=f"核对报告 {len(new_reports)} 户",
            region_code=_common_prefix([r.region_id for r in new_reports]),
            changes={"households": len(new_reports), "on_date": on_date.isoformat(), "category": category},
        )
    return new_reports


def _common_prefix(codes: Iterable[str]) -> str:
    from core.models.regions import common_region_prefix

    return common_region_prefix(list(codes))


def verification_report_latest(household_id: int, category: str | None = None) -> VerificationReport | None:
    qs = VerificationReport.objects.filter(household_id=household_id)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-id").first()


def verification_start(
    *,
    household_ids: Sequence[int],
    on_date: datetime.date,
    category: str,
    acting_user: User,
    region: Any,
    purpose: str = "",
    extra: dict[str, Any] | None = None,
) -> Job:
    """Start a verification job for these households (the user must hold the permission in each
    household's region)."""
    from assistance.job_handlers_verification import VERIFICATION_RUN
    from assistance.permissions_verification import VerificationPerm
    from core.models import Household
    from core.scoping import has_perm
    from core.services import job_create

    ids = sorted({int(h) for h in household_ids})
    if not ids:
        raise ValidationError({"household_ids": ["请至少选择一户"]})
    if category not in Category.values:
        raise ValidationError({"category": ["救助类别无效"]})
    regions = set(Household.objects.filter(pk__in=ids).values_list("region_id", flat=True))
    if len(ids) > Household.objects.filter(pk__in=ids).count():
        raise ValidationError({"household_ids": ["有家庭户不存在"]})
    if any(not has_perm(acting_user, VerificationPerm.RUN_VERIFICATION, code) for code in regions):
        raise ValidationError({"household_ids": ["有家庭户不在您的管辖范围内"]})
    return job_create(
        kind=VERIFICATION_RUN,
        title=f"经济状况核对：{len(ids)} 户（{Category(category).label}，{on_date:%Y-%m-%d}）",
        acting_user=acting_user,
        region=region,
        params={
            "household_ids": ids,
            "on_date": on_date.isoformat(),
            "category": category,
            "purpose": purpose,
            **(extra or {}),
        },
    )


def verification_run_for_households(
    *, household_ids: Sequence[int], on_date: datetime.date, acting_user: User, application: Any = None
) -> Job:
    """The application step 经济状况核对 (h3a): one job; when it finishes the application gets
    the result through ``application_verification_result``."""
    from core.models import Household

    household = Household.objects.select_related("region").get(pk=household_ids[0])
    return verification_start(
        household_ids=household_ids,
        on_date=on_date,
        category=getattr(application, "category", Category.DIBAO),
        acting_user=acting_user,
        region=household.region,
        purpose=f"申请 {getattr(application, 'number', '')}".strip() if application is not None else "",
        extra={"application_id": application.pk} if application is not None else None,
    )
