"""Monthly payroll of assistance cases (低保金, 特困供养金) through the shared engine.

One payment per payable case-month. The amount is the difference formula of 《社会救助暂行办法》
Art. 9, computed in SQL for every case at once from the parameters in force that month:

    amount = max(0, standard × adults + minor_standard × minors − income) + Σ add-on × carriers

(分类施保: members on the minors' standard and add-ons per member are configurable parameters;
without a minors' standard parameter minors count at the base standard, the national formula.)
Each payment stores the household figures (snapshot) and the parameter rows used (ids and
values). A region below the run's region with its own parameter values is a group of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    JSONField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Greatest, JSONObject, Round

from assistance.choices import Addon, CaseStatus, Category
from assistance.models import Case
from core.models import PolicyParameter, Region
from core.policy import MissingPolicyParameter, policy_value
from payments.schemes import EntitlementGroup, Scheme, register_scheme

MONEY = DecimalField(max_digits=12, decimal_places=2)


@dataclass(frozen=True)
class PaidCategory:
    category: str
    scheme: str
    label: str


PAID_CATEGORIES: dict[str, PaidCategory] = {
    Category.DIBAO: PaidCategory(Category.DIBAO, "assistance.dibao", "低保金"),
    Category.EXTREME_POVERTY_SUPPORT: PaidCategory(
        Category.EXTREME_POVERTY_SUPPORT, "assistance.extreme_poverty_support", "特困人员基本生活费"
    ),
}
SCHEME_CATEGORY = {paid.scheme: paid.category for paid in PAID_CATEGORIES.values()}
DIBAO_STANDARD = "assistance.dibao_standard"
MINOR_STANDARD = "assistance.dibao_standard_minor"
MINOR_ENABLED = "assistance.minor_standard_enabled"
EXTREME_MULTIPLIER = "assistance.extreme_poverty_multiplier"
EXTREME_FLOOR = "assistance.extreme_poverty_floor"
CENT = Decimal("0.01")


def addon_code(addon: str) -> str:
    return f"assistance.addon.{addon}"


def parameter_codes() -> list[str]:
    return [
        DIBAO_STANDARD,
        MINOR_STANDARD,
        MINOR_ENABLED,
        EXTREME_MULTIPLIER,
        EXTREME_FLOOR,
        *map(addon_code, Addon.values),
    ]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@dataclass
class MonthParameters:
    """The per-person standards of a category in a region on the first of a month, and every
    parameter row they came from."""

    adult: Decimal
    minor: Decimal
    addons: dict[str, Decimal]
    used: dict[str, PolicyParameter]

    def versions(self) -> dict[str, Any]:
        """What each payment records: the row id, region, date and value of every parameter used."""
        return {key: _version(parameter) for key, parameter in sorted(self.used.items())}


def _version(parameter: PolicyParameter) -> dict[str, Any]:
    return {
        "id": parameter.pk,
        "code": parameter.code,
        "region": parameter.region_id,
        "effective_from": parameter.effective_from.isoformat(),
        "value": parameter.value,
    }


def _required(code: str, region_code: str, on: datetime.date) -> PolicyParameter:
    parameter = policy_value(code, region_code, on)
    if parameter is None:
        raise MissingPolicyParameter(f"政策参数 {code} 在 {region_code} 于 {on:%Y-%m-%d} 没有适用的取值")
    return parameter


def month_parameters(category: str, region_code: str, month: datetime.date) -> MonthParameters:
    """低保: the adult standard, the minors' standard when the region enables it (分类施保,
    domain-rules §8 item 10, pending confirmation), add-ons per carrier. 特困: the basic living
    standard = max(multiplier × 低保 standard, the region's floor) for every member
    (国发〔2016〕14号: 原则上不低于当地低保标准的 1.3 倍)."""
    on = month_start(month)
    used: dict[str, PolicyParameter] = {}
    standard = _required(DIBAO_STANDARD, region_code, on)
    used["standard"] = standard
    adult = Decimal(str(standard.value))
    minor = adult
    if category == Category.EXTREME_POVERTY_SUPPORT:
        multiplier = _required(EXTREME_MULTIPLIER, region_code, on)
        used["extreme_multiplier"] = multiplier
        adult = (adult * Decimal(str(multiplier.value))).quantize(CENT)
        floor = policy_value(EXTREME_FLOOR, region_code, on)
        if floor is not None:
            used["extreme_floor"] = floor
            adult = max(adult, Decimal(str(floor.value)))
        minor = adult
    else:
        enabled = policy_value(MINOR_ENABLED, region_code, on)
        minor_row = policy_value(MINOR_STANDARD, region_code, on)
        if enabled is not None and enabled.value is True and minor_row is not None:
            used["minor_enabled"], used["minor_standard"] = enabled, minor_row
            minor = Decimal(str(minor_row.value))
    addons = {}
    for addon in Addon.values:
        parameter = policy_value(addon_code(addon), region_code, on)
        if parameter is not None:
            used[f"addon.{addon}"] = parameter
            addons[addon] = Decimal(str(parameter.value))
    return MonthParameters(adult, minor, addons, used)


class NestedJSON(Func):
    """A JSON column inside JSONObject: SQLite must be told the text is JSON, PostgreSQL's
    jsonb nests as it is."""

    template = "%(expressions)s"
    output_field = JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="json(%(expressions)s)", **extra)


def _count(key: str) -> Any:
    return Coalesce(Cast(KT(f"addon_counts__{key}"), IntegerField()), Value(0))


def amount_expression(parameters: MonthParameters) -> Any:
    """The formula as one SQL expression over a Case row:
    GREATEST(0, adults × adult + minors × minor − income) + Σ carriers × add-on."""
    total: Any = ExpressionWrapper(
        F("adult_count") * Value(parameters.adult, output_field=MONEY)
        + F("minor_count") * Value(parameters.minor, output_field=MONEY)
        - F("household_monthly_income"),
        output_field=MONEY,
    )
    amount: Any = Greatest(total, Value(Decimal("0"), output_field=MONEY))
    for addon, value in sorted(parameters.addons.items()):
        amount = ExpressionWrapper(amount + _count(addon) * Value(value, output_field=MONEY), output_field=MONEY)
    return Cast(Round(amount, 2), MONEY)


def payable_cases(category: str, region_code: str, month: datetime.date) -> QuerySet[Case]:
    """Cases of the category in the region payable for ``month``: started, not suspended, and
    not ended before the month (``end_month`` is the last month paid)."""
    month = month_start(month)
    return (
        Case.objects.filter(category=category, region__code__startswith=region_code, start_month__lte=month)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .exclude(status=CaseStatus.SUSPENDED)
    )


def annotate_payroll(queryset: QuerySet[Case], parameters: MonthParameters) -> QuerySet[Case]:
    # No ORDER BY: the engine cuts id ranges itself, and a sort is wasted work in INSERT … SELECT.
    return queryset.order_by().annotate(
        pay_entitlement=F("id"),
        pay_person=F("payee_id"),
        pay_household=F("household_id"),
        pay_region=F("region_id"),
        pay_amount=amount_expression(parameters),
        pay_snapshot=JSONObject(
            case=F("number"),
            members=F("member_count"),
            adults=F("adult_count"),
            minors=F("minor_count"),
            addons=NestedJSON(F("addon_counts")),
            income=F("household_monthly_income"),
        ),
    )


def _check_addons(queryset: QuerySet[Case], parameters: MonthParameters, scope: str, month: datetime.date) -> None:
    """A member carrying an add-on with no amount configured is a configuration error, not 0."""
    for addon in Addon.values:
        if addon not in parameters.addons and queryset.filter(addon_counts__has_key=addon).exists():
            raise MissingPolicyParameter(
                f"政策参数 {addon_code(addon)}（{Addon(addon).label}）在 {scope} 于 {month:%Y-%m} 没有适用的取值"
            )


def parameter_scopes(category: str, region_code: str, month: datetime.date) -> list[str]:
    """The run's region and every region below it that sets one of the category's parameters
    itself (each is paid with its own values)."""
    below = (
        PolicyParameter.objects.filter(
            code__in=parameter_codes(), region__code__startswith=region_code, effective_from__lte=month_start(month)
        )
        .exclude(region__code=region_code)
        .values_list("region_id", flat=True)
        .distinct()
    )
    return [region_code, *sorted(set(below))]


def category_groups(category: str, region: Region, month: datetime.date) -> list[EntitlementGroup]:
    scopes = parameter_scopes(category, region.code, month)
    groups = []
    for scope in scopes:
        queryset = payable_cases(category, scope, month)
        for deeper in scopes:
            if deeper != scope and deeper.startswith(scope):
                queryset = queryset.exclude(region__code__startswith=deeper)
        parameters = month_parameters(category, scope, month)
        _check_addons(queryset, parameters, scope, month)
        groups.append(
            EntitlementGroup(
                label=f"{Category(category).label} {scope}",
                queryset=annotate_payroll(queryset, parameters),
                parameters=parameters.versions(),
            )
        )
    return groups


def case_amount(case: Case, month: datetime.date) -> Decimal:
    """The amount the payroll would compute for this case in ``month`` — the same SQL, one row.
    Categories without a monthly payroll have no monthly amount (0)."""
    if case.category not in PAID_CATEGORIES:
        return Decimal("0.00")
    parameters = month_parameters(case.category, case.region_id, month)
    amount = Case.objects.filter(pk=case.pk).annotate(a=amount_expression(parameters)).values_list("a", flat=True)
    value = amount.first()
    return Decimal(value).quantize(Decimal("0.01")) if value is not None else Decimal("0.00")


def _groups_for(category: str) -> Any:
    def groups(region: Region, month: datetime.date) -> list[EntitlementGroup]:
        return category_groups(category, region, month)

    return groups


def register() -> None:
    for paid in PAID_CATEGORIES.values():
        register_scheme(Scheme(paid.scheme, paid.label, _groups_for(paid.category), description="assistance.view_case"))
