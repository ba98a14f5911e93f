"""老年综合津贴 / 高龄津贴 through the payroll engine: exact amounts per age (domain-rules §8
item 12), band boundaries, the birthday-month rule, one payment per person-month, suspensions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import DISTRICT
from core import services as core_services
from core.models import Region
from eldercare import services_care
from eldercare.allowance import allowance_queryset
from eldercare.choices_care import AllowanceScheme, SuspensionReason
from eldercare.policy_care import AGE_RULE, MONTH_AFTER, SENIOR_BANDS, allowance_rule, ensure_care_parameters
from eldercare.tests.care_fixtures import BAOSHAN_VILLAGE, LUFENG_VILLAGE, born
from payments import services as payroll
from payments.models import Payment, PayrollRun

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)
SENIOR = AllowanceScheme.SENIOR.value


@pytest.fixture(autouse=True)
def parameters(db: Any) -> None:
    ensure_care_parameters()


def _amounts(month: datetime.date, region: str = DISTRICT, scheme: str = SENIOR) -> dict[int, Decimal]:
    queryset, _ = allowance_queryset(scheme, region, month)
    rows = queryset.values("pay_person", "pay_amount")  # type: ignore[misc]
    return {row["pay_person"]: Decimal(row["pay_amount"]).quantize(Decimal("0.01")) for row in rows}


def _run(scheme: str, region: str, month: datetime.date, user: Any, capture: Any) -> PayrollRun:
    with capture(execute=True):
        run = payroll.payroll_run_create(
            scheme=scheme, region=Region.objects.get(code=region), month=month, acting_user=user
        )
    run.refresh_from_db()
    return run


def test_shanghai_amount_per_age_worked_example() -> None:
    """§8 item 12: age 64 → 0; 65 → 75; 70 → 150; 80 → 180; 90 → 350; 100 → 600."""
    rule = allowance_rule(SENIOR_BANDS, "310151101001", NOV)
    assert rule is not None
    expected = {64: "0.00", 65: "75.00", 69: "75.00", 70: "150.00", 79: "150.00", 80: "180.00", 89: "180.00"}
    expected |= {90: "350.00", 99: "350.00", 100: "600.00", 107: "600.00"}
    assert {age: str(rule.amount_for_age(age)) for age in expected} == expected


def test_amount_per_age_computed_in_sql_on_band_boundaries(make_person: Any) -> None:
    # Each born on 15 June: full years on 30 November 2026 are 2026 − year.
    ages = [64, 65, 69, 70, 79, 80, 89, 90, 99, 100, 103]
    people = {
        age: born(make_person, datetime.date(2026 - age, 6, 15), "老人" + "甲乙丙丁戊己庚辛壬癸子"[i])
        for i, age in enumerate(ages)
    }
    amounts = _amounts(NOV)
    got = {age: str(amounts.get(p.pk, Decimal("0.00"))) for age, p in people.items()}
    assert got == {
        64: "0.00", 65: "75.00", 69: "75.00", 70: "150.00", 79: "150.00", 80: "180.00",
        89: "180.00", 90: "350.00", 99: "350.00", 100: "600.00", 103: "600.00",
    }  # fmt: skip
    assert people[64].pk not in amounts  # not entitled at all, not a zero row


def test_birthday_month_rule_and_month_after_rule(make_person: Any) -> None:
    turning_65 = born(make_person, datetime.date(1961, 11, 30), "十一月满六十五")
    turning_70 = born(make_person, datetime.date(1956, 11, 1), "十一月满七十")
    december_65 = born(make_person, datetime.date(1961, 12, 1), "十二月满六十五")
    oct_, dec = datetime.date(2026, 10, 1), datetime.date(2026, 12, 1)
    # Default rule: the new band from the month of the birthday.
    assert turning_65.pk not in _amounts(oct_)
    assert _amounts(NOV)[turning_65.pk] == Decimal("75.00")
    assert (_amounts(oct_)[turning_70.pk], _amounts(NOV)[turning_70.pk]) == (Decimal("75.00"), Decimal("150.00"))
    assert december_65.pk not in _amounts(NOV) and _amounts(dec)[december_65.pk] == Decimal("75.00")
    # The district switches to "from the month after the birthday" (a parameter, not code).
    core_services.policy_parameter_set(
        acting_user=None,
        code=AGE_RULE,
        name="津贴年龄计算口径",
        region=Region.objects.get(code=DISTRICT),
        effective_from=datetime.date(2020, 1, 1),
        value=MONTH_AFTER,
    )
    assert turning_65.pk not in _amounts(NOV)
    assert _amounts(dec)[turning_65.pk] == Decimal("75.00")
    assert (_amounts(NOV)[turning_70.pk], _amounts(dec)[turning_70.pk]) == (Decimal("75.00"), Decimal("150.00"))


def test_leap_day_birthday_reaches_the_age_on_1_march_in_common_years(make_person: Any) -> None:
    leap = born(make_person, datetime.date(1960, 2, 29), "闰日生")
    feb, mar = datetime.date(2025, 2, 1), datetime.date(2025, 3, 1)
    assert leap.pk not in _amounts(feb)
    assert _amounts(mar)[leap.pk] == Decimal("75.00")


def test_payroll_one_payment_per_person_month_and_rerun_adds_nothing(
    make_person: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    a = born(make_person, datetime.date(1950, 3, 3), "七十六岁")  # 150
    b = born(make_person, datetime.date(1925, 1, 1), "一百零一岁", region="310151102001")  # 600, other township
    born(make_person, datetime.date(1970, 1, 1), "五十六岁")
    dead_before = born(make_person, datetime.date(1940, 1, 1), "上月去世", death_date="2026-10-20")
    dead_during = born(make_person, datetime.date(1940, 2, 2), "本月去世", death_date="2026-11-05")
    away = born(make_person, datetime.date(1945, 5, 5), "长期在外地")
    born(make_person, datetime.date(1940, 1, 1), "宝山老人", region=BAOSHAN_VILLAGE)
    born(make_person, datetime.date(1940, 1, 1), "禄丰老人", region=LUFENG_VILLAGE)
    maker = make_user("maker", "district_staff", DISTRICT)
    services_care.allowance_suspension_create(
        person=away, scheme=SENIOR, reason=SuspensionReason.AWAY, starts_on=datetime.date(2026, 10, 9),
        acting_user=maker,
    )  # fmt: skip
    run = _run(SENIOR, DISTRICT, NOV, maker, django_capture_on_commit_callbacks)
    paid = dict(Payment.objects.filter(run=run).values_list("person_id", "amount"))
    assert paid == {a.pk: Decimal("150.00"), b.pk: Decimal("600.00"), dead_during.pk: Decimal("180.00")}
    assert dead_before.pk not in paid and away.pk not in paid
    assert (run.total_count, run.total_amount) == (3, Decimal("930.00"))
    payment = Payment.objects.get(run=run, person=a)
    assert payment.entitlement_id == a.pk and payment.month == NOV
    assert payment.snapshot["birth_date"] == "1950-03-03"
    assert payment.parameters["age_rule"]["value"] == "birthday_month"
    assert payment.parameters["reference_date"] == "2026-11-30"
    # Re-running the generation adds nothing; a second run of the month is refused.
    assert payroll.compute_run(run) == 3
    assert Payment.objects.filter(scheme=SENIOR, month=NOV).count() == 3
    with pytest.raises(ValidationError):
        payroll.payroll_run_create(
            scheme=SENIOR, region=Region.objects.get(code=DISTRICT), month=NOV, acting_user=maker
        )
    # A township run of the same month cannot pay the same person twice either (unique index).
    town = _run(SENIOR, "310151101", NOV, maker, django_capture_on_commit_callbacks)
    assert town.total_count == 0


def test_suspension_end_resumes_payment(make_person: Any, make_user: Any) -> None:
    away = born(make_person, datetime.date(1945, 5, 5), "外地居住")
    staff = make_user("staff", "district_staff", DISTRICT)
    suspension = services_care.allowance_suspension_create(
        person=away, scheme=SENIOR, reason=SuspensionReason.AWAY, starts_on=datetime.date(2026, 9, 1),
        acting_user=staff,
    )  # fmt: skip
    assert away.pk not in _amounts(datetime.date(2026, 10, 1))
    services_care.allowance_suspension_end(
        suspension=suspension, last_month=datetime.date(2026, 10, 1), acting_user=staff
    )
    assert away.pk not in _amounts(datetime.date(2026, 10, 1))
    assert _amounts(NOV)[away.pk] == Decimal("180.00")
    with pytest.raises(ValidationError) as error:
        services_care.allowance_suspension_create(
            person=away, scheme=SENIOR, reason=SuspensionReason.AWAY, starts_on=datetime.date(2026, 10, 1),
            acting_user=staff,
        )  # fmt: skip
    assert "starts_on" in error.value.message_dict


def test_lufeng_longevity_allowance_has_its_own_bands(
    make_person: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    eighty = born(make_person, datetime.date(1946, 1, 1), "八十岁", region=LUFENG_VILLAGE)
    born(make_person, datetime.date(1950, 1, 1), "七十六岁", region=LUFENG_VILLAGE)
    hundred = born(make_person, datetime.date(1925, 1, 1), "百岁", region=LUFENG_VILLAGE)
    born(make_person, datetime.date(1930, 1, 1), "崇明老人")
    admin = make_user("lufeng", "district_admin", "532302")
    run = _run(AllowanceScheme.LONGEVITY.value, "532302", NOV, admin, django_capture_on_commit_callbacks)
    paid = dict(Payment.objects.filter(run=run).values_list("person_id", "amount"))
    assert paid == {eighty.pk: Decimal("50.00"), hundred.pk: Decimal("300.00")}
    # The Shanghai allowance does not apply in Lufeng: its run pays nobody.
    shanghai = _run(SENIOR, "532302", NOV, admin, django_capture_on_commit_callbacks)
    assert shanghai.total_count == 0
    # The bands' certainty is recorded honestly.
    from core.models import PolicyParameter

    bands = PolicyParameter.objects.get(code="eldercare.longevity_allowance_bands", region_id="532302")
    assert bands.certainty == "R"
