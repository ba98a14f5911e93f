"""老年综合津贴 (Shanghai) and 高龄津贴 (Lufeng) as payroll schemes of the shared engine.

Nobody is enrolled by hand: the entitled are the people whose hukou lies in the run's region,
alive on the first day of the month (the month of death is still paid), old enough on the
policy's age rule, and not on the suspension list (``AllowanceSuspension``) for that month.
The age band — hence the amount — is chosen in SQL by comparing the birth date with the
cut-off dates of the bands, computed once per run from the reference day of the month
(birthday-month rule: the month's last day; month-after rule: the previous month's last day).
One payment per person and month is the engine's unique index (entitlement = the person).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, DecimalField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import JSONObject

from core.models import Person, Region
from eldercare.choices_care import AllowanceScheme
from eldercare.models import AllowanceSuspension
from eldercare.policy_care import LONGEVITY_BANDS, SENIOR_BANDS, AllowanceRule, add_years, allowance_rule
from payments.schemes import EntitlementGroup, Scheme, register_scheme

BANDS_PARAMETER = {AllowanceScheme.SENIOR: SENIOR_BANDS, AllowanceScheme.LONGEVITY: LONGEVITY_BANDS}
AMOUNT = DecimalField(max_digits=12, decimal_places=2)


def birth_cutoff(reference: datetime.date, age: int) -> datetime.date:
    """Born on or before this day ⇒ at least ``age`` full years old on ``reference``."""
    return add_years(reference, -age)


def entitled_people(scheme: str, region_code: str, month: datetime.date, rule: AllowanceRule) -> QuerySet[Person]:
    """The people entitled in a month (no amount): hukou in the region, alive, old enough, not suspended."""
    month = month.replace(day=1)
    reference = rule.reference_date(month)
    youngest = min(b.min_age for b in rule.bands)
    suspended = AllowanceSuspension.objects.filter(person_id=OuterRef("pk"), scheme=scheme).covering(month)
    return (
        Person.objects.filter(
            hukou_region__code__startswith=region_code, birth_date__lte=birth_cutoff(reference, youngest)
        )
        .filter(Q(death_date__isnull=True) | Q(death_date__gte=month))
        .filter(~Exists(suspended))
    )


def amount_expression(rule: AllowanceRule, month: datetime.date) -> Case:
    """CASE over the birth date choosing the band's amount (0 outside every band)."""
    reference = rule.reference_date(month.replace(day=1))
    whens = []
    for band in rule.bands:
        condition = Q(birth_date__lte=birth_cutoff(reference, band.min_age))
        if band.max_age is not None:
            condition &= Q(birth_date__gt=birth_cutoff(reference, band.max_age + 1))
        whens.append(When(condition, then=Value(band.amount, output_field=AMOUNT)))
    return Case(*whens, default=Value(Decimal("0.00"), output_field=AMOUNT), output_field=AMOUNT)


def allowance_queryset(scheme: str, region_code: str, month: datetime.date) -> tuple[QuerySet[Person], Any]:
    """The scheme's payable rows for a month annotated with the engine's pay_* columns, and the rule."""
    rule = allowance_rule(BANDS_PARAMETER[AllowanceScheme(scheme)], region_code, month)
    if rule is None:
        return Person.objects.none(), None
    queryset = entitled_people(scheme, region_code, month, rule).annotate(
        pay_entitlement=F("id"),
        pay_person=F("id"),
        pay_household=Value(None, output_field=IntegerField()),
        pay_region=F("hukou_region_id"),
        pay_amount=amount_expression(rule, month),
        pay_snapshot=JSONObject(name=F("name"), birth_date=F("birth_date"), hukou_region=F("hukou_region_id")),
    )
    return queryset, rule


def _groups_for(scheme: str) -> Any:
    def groups(region: Region, month: datetime.date) -> list[EntitlementGroup]:
        queryset, rule = allowance_queryset(scheme, region.code, month)
        if rule is None:
            return []
        parameters = {
            "bands": {
                "id": rule.parameter_id,
                "value": [{"min_age": b.min_age, "max_age": b.max_age, "amount": str(b.amount)} for b in rule.bands],
            },
            "age_rule": {"id": rule.age_rule_id, "value": rule.age_rule},
            "reference_date": rule.reference_date(month).isoformat(),
        }
        return [EntitlementGroup("全部", queryset, parameters=parameters)]

    return groups


def register_allowance_schemes() -> None:
    register_scheme(
        Scheme(
            AllowanceScheme.SENIOR.value,
            AllowanceScheme.SENIOR.label,
            _groups_for(AllowanceScheme.SENIOR),
            description="本市户籍65周岁以上老年人按年龄段按月发放（2016年5月起）",
        )
    )
    register_scheme(
        Scheme(
            AllowanceScheme.LONGEVITY.value,
            AllowanceScheme.LONGEVITY.label,
            _groups_for(AllowanceScheme.LONGEVITY),
            description="禄丰市高龄老年人按年龄段按月发放（分档金额待确认）",
        )
    )
