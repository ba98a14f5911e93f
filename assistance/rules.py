"""Eligibility and amounts of social assistance, from the policy parameters in force.

The amount is the difference formula of 《社会救助暂行办法》 art. 9 with per-member standards
(分类施保): ``max(0, Σ member standards − household monthly income) + Σ member add-ons``.
The payroll computes the same in SQL (:func:`sql_amount_expression`); both read the standards
through :func:`standards_on`, so a page, a decision and a payroll can never disagree.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from assistance.choices import Category, MemberKind
from core.models import PolicyParameter
from core.policy import MissingPolicyParameter, policy_value

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ADDON_PREFIX = "assistance.addon."


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _param(code: str, region_code: str, on: datetime.date, used: dict[str, int], required: bool = True) -> Any:
    row = policy_value(code, region_code, on)
    if row is None:
        if required:
            raise MissingPolicyParameter(f"政策参数 {code} 在 {region_code} 于 {on} 没有适用的取值")
        return None
    used[code] = row.pk
    return row.value


@dataclass
class Standards:
    """The standards in force for a region in a month, and the parameter rows they came from."""

    adult: Decimal
    minor: Decimal
    minor_enabled: bool
    addons: dict[str, Decimal]
    parameters_used: dict[str, int] = field(default_factory=dict)

    @property
    def minor_effective(self) -> Decimal:
        return self.minor if self.minor_enabled else self.adult

    def member_standard(self, kind: str) -> Decimal:
        return self.minor_effective if kind == MemberKind.MINOR else self.adult


def standards_on(region_code: str, on: datetime.date) -> Standards:
    used: dict[str, int] = {}
    adult = money(_param("assistance.dibao_standard", region_code, on, used))
    enabled = bool(_param("assistance.minor_standard_enabled", region_code, on, used, required=False))
    minor_value = _param("assistance.dibao_standard_minor", region_code, on, used, required=enabled)
    minor = money(minor_value) if minor_value is not None else adult
    addons: dict[str, Decimal] = {}
    codes = PolicyParameter.objects.filter(code__startswith=ADDON_PREFIX).values_list("code", flat=True).distinct()
    for code in sorted(set(codes)):
        value = _param(code, region_code, on, used, required=False)
        if value is not None:
            addons[code.removeprefix(ADDON_PREFIX)] = money(value)
    return Standards(adult=adult, minor=minor, minor_enabled=enabled, addons=addons, parameters_used=used)


def dibao_amount(
    *,
    adult_count: int,
    minor_count: int,
    addon_counts: dict[str, int],
    household_monthly_income: Decimal,
    standards: Standards,
) -> Decimal:
    """The monthly 低保金 of a household: the difference, floor 0, plus the members' add-ons."""
    total_standard = standards.adult * adult_count + standards.minor_effective * minor_count
    difference = max(ZERO, total_standard - Decimal(household_monthly_income))
    addons = sum(
        (standards.addons.get(code, ZERO) * count for code, count in addon_counts.items()),
        start=ZERO,
    )
    return money(difference + addons)


def sql_amount_expression(
    standards: Standards,
    adult: str = "adult_count",
    minor: str = "minor_count",
    income: str = "household_monthly_income",
) -> tuple[str, list[Any]]:
    """The same formula as SQL over a case row (add-ons excluded: they are per-code JSON counts
    the caller adds, ``Σ (addon_counts->>code) * amount``). Returns (sql, params)."""
    sql = f"GREATEST(0, {adult} * %s + {minor} * %s - {income})"
    return sql, [standards.adult, standards.minor_effective]


@dataclass
class MemberInput:
    kind: str = MemberKind.ADULT
    addons: Sequence[str] = ()


@dataclass
class Assessment:
    category: str
    eligible: bool
    monthly_amount: Decimal
    per_capita_income: Decimal
    income_threshold: Decimal
    property_limit_per_capita: Decimal | None
    reasons: list[str]
    parameters_used: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "eligible": self.eligible,
            "monthly_amount": str(self.monthly_amount),
            "per_capita_income": str(self.per_capita_income),
            "income_threshold": str(self.income_threshold),
            "property_limit_per_capita": None
            if self.property_limit_per_capita is None
            else str(self.property_limit_per_capita),
            "reasons": self.reasons,
            "parameters_used": self.parameters_used,
        }


def property_limit_per_capita(region_code: str, on: datetime.date, size: int, used: dict[str, int]) -> Decimal:
    """Per-capita monetary property limit for a household of ``size`` (the split by size)."""
    table = _param("assistance.monetary_property_limit", region_code, on, used)
    for band in table:
        if band.get("max_size") is None or size <= int(band["max_size"]):
            return money(band["per_capita"])
    raise MissingPolicyParameter("人均货币财产上限表没有覆盖该家庭人数")


def extreme_poverty_standard(region_code: str, on: datetime.date, used: dict[str, int]) -> Decimal:
    """特困 basic living standard: at least multiplier × 低保 standard, and at least the floor."""
    adult = money(_param("assistance.dibao_standard", region_code, on, used))
    multiplier = Decimal(str(_param("assistance.extreme_poverty_multiplier", region_code, on, used)))
    floor = _param("assistance.extreme_poverty_floor", region_code, on, used, required=False)
    value = money(adult * multiplier)
    return max(value, money(floor)) if floor is not None else value


def temporary_cap(region_code: str, on: datetime.date, urgent: bool, used: dict[str, int]) -> Decimal:
    """The most one 临时救助 grant may be: a multiple of the 低保 standard."""
    adult = money(_param("assistance.dibao_standard", region_code, on, used))
    table = _param("assistance.temporary_cap_multiple", region_code, on, used)
    return money(adult * Decimal(str(table["urgent" if urgent else "ordinary"])))


def assess(
    *,
    category: str,
    region_code: str,
    on: datetime.date,
    members: Sequence[MemberInput],
    household_monthly_income: Decimal,
    monetary_assets: Decimal = ZERO,
    has_vehicle: bool = False,
    has_non_residential: bool = False,
) -> Assessment:
    """Eligibility (income, property) and the monthly amount of a household for a category."""
    size = len(members)
    if size == 0:
        raise ValueError("家庭成员不能为空")
    income = money(household_monthly_income)
    per_capita = money(income / size)
    standards = standards_on(region_code, on)
    used = dict(standards.parameters_used)
    reasons: list[str] = []
    amount = ZERO
    limit: Decimal | None = None

    if category == Category.TEMPORARY_ASSISTANCE:
        # Decided case by case up to a cap; no income or property test here.
        cap = temporary_cap(region_code, on, False, used)
        return Assessment(category, True, ZERO, per_capita, cap, None, [], used)

    if category == Category.EXTREME_POVERTY_SUPPORT:
        threshold = extreme_poverty_standard(region_code, on, used)
    elif category in (Category.LOW_INCOME, Category.EXPENDITURE_POVERTY):
        multiplier = Decimal(str(_param("assistance.low_income_multiplier", region_code, on, used)))
        threshold = money(standards.adult * multiplier)
    elif category == Category.DIBAO_EDGE:
        multiplier = Decimal(str(_param("assistance.dibao_edge_multiplier", region_code, on, used)))
        threshold = money(standards.adult * multiplier)
    else:
        threshold = standards.adult

    if per_capita >= threshold:
        reasons.append(f"家庭人均月收入 {per_capita} 元不低于标准 {threshold} 元")
    limit = property_limit_per_capita(region_code, on, size, used)
    per_capita_assets = money(Decimal(monetary_assets) / size)
    if per_capita_assets > limit:
        reasons.append(f"家庭人均货币财产 {per_capita_assets} 元超过上限 {limit} 元（{size} 人户）")
    if has_vehicle and not _param("assistance.vehicle_allowed", region_code, on, used):
        reasons.append("家庭成员名下有生活用机动车辆")
    if has_non_residential and not _param("assistance.non_residential_property_allowed", region_code, on, used):
        reasons.append("家庭成员名下有非居住类房屋")
    eligible = not reasons

    if eligible and category == Category.DIBAO:
        addon_counts: dict[str, int] = {}
        for member in members:
            for code in member.addons:
                addon_counts[code] = addon_counts.get(code, 0) + 1
        amount = dibao_amount(
            adult_count=sum(1 for m in members if m.kind != MemberKind.MINOR),
            minor_count=sum(1 for m in members if m.kind == MemberKind.MINOR),
            addon_counts=addon_counts,
            household_monthly_income=income,
            standards=standards,
        )
    elif eligible and category == Category.EXTREME_POVERTY_SUPPORT:
        amount = money(max(ZERO, threshold * size - income))
    return Assessment(category, eligible, amount, per_capita, threshold, limit, reasons, used)
