# ruff: noqa: F811  (fixtures imported from the fixture modules are parameters of the tests)
"""Economic verification: exact report figures, the property boundaries of domain-rules §8 item 11,
facts matched by ID number, import errors in Chinese."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest

from assistance.choices_verification import CountedAs, FactSource
from assistance.imports_verification import build_fact_plan, commit_fact_plan
from assistance.models import DataSourceFact, VerificationReport
from assistance.services_verification import verify_households
from assistance.tests.case_fixtures import make_household, staff  # noqa: F401
from assistance.tests.verification_fixtures import csv_file, load_facts, verification_parameters  # noqa: F401
from conftest import DISTRICT, next_id_number
from core.models import Region
from core.sheets import SheetError

ON = datetime.date(2021, 8, 31)
pytestmark = pytest.mark.django_db


def _ids(household: Any) -> list[str]:
    return [m.person.id_number for m in household.members.select_related("person").order_by("id")]


def _verify(household: Any, on: datetime.date = ON, category: str = "dibao") -> VerificationReport:
    (report,) = verify_households(household_ids=[household.pk], on_date=on, category=category, acting_user=None)
    return report


def test_report_figures_for_a_household(make_household: Any, load_facts: Any) -> None:
    household = make_household(3)
    a, b, c = _ids(household)
    # Wages of one member for the 12 months up to the base date: 2,000 a month; a pension of
    # 400 for 6 months; one wage row older than the window does not count.
    wages = [["", a, f"2021-{m:02d}", "工资", "", "2000", "", ""] for m in range(1, 9)]
    wages += [["", a, f"2020-{m:02d}", "工资", "", "2000", "", ""] for m in range(9, 13)]
    wages += [["", b, f"2021-{m:02d}", "养老金", "", "400", "", ""] for m in range(3, 9)]
    wages += [["", a, "2020-08", "工资", "", "9999", "", ""]]
    load_facts(FactSource.WAGE_SOCIAL_INSURANCE, wages)
    # Two balances of the same account: only the latest counts; another account adds.
    load_facts(
        FactSource.BANK_DEPOSIT,
        [
            ["", a, "2021-03-31", "活期", "6222-1", "50000", "", ""],
            ["", a, "2021-08-31", "活期", "6222-1", "20000", "", ""],
            ["", c, "2021-08-31", "定期", "6222-9", "10000.50", "", ""],
        ],
    )
    load_facts(FactSource.SECURITIES, [["", b, "2021-08-31", "基金", "F1", "5000", "", ""]])
    report = _verify(household)
    assert report.member_count == 3
    assert report.income_months == 12
    # (12 × 2,000 + 6 × 400) / 12 = 2,200
    assert report.monthly_income == Decimal("2200.00")
    assert report.per_capita_income == Decimal("733.33")
    assert report.income_limit == Decimal("1330.00")
    assert report.income_passed is True
    assert report.monetary_property == Decimal("35000.50")
    assert report.per_capita_monetary == Decimal("11666.83")
    assert report.monetary_limit == Decimal("30000")
    assert (report.property_passed, report.vehicle_passed, report.housing_passed, report.passed) == (
        True,
        True,
        True,
        True,
    )
    counted = sorted((i.counted_as, str(i.amount)) for i in report.items.all())
    assert counted.count((CountedAs.INCOME, "2000.00")) == 12
    assert counted.count((CountedAs.INCOME, "400.00")) == 6
    assert sorted(x for x in counted if x[0] == CountedAs.MONETARY) == [
        (CountedAs.MONETARY, "10000.50"),
        (CountedAs.MONETARY, "20000.00"),
        (CountedAs.MONETARY, "5000.00"),
    ]
    assert report.parameters["assistance.dibao_standard"]["value"] == "1330"
    assert report.parameters["assistance.dibao_standard"]["effective_from"] == "2021-07-01"
    assert report.rule_version == "verify-2026.1"


def test_standard_in_force_on_the_base_date(make_household: Any, load_facts: Any) -> None:
    household = make_household(3)
    a = _ids(household)[0]
    load_facts(
        FactSource.WAGE_SOCIAL_INSURANCE,
        [["", a, f"2021-{m:02d}", "工资", "", "3720", "", ""] for m in range(1, 7)]
        + [["", a, f"2020-{m:02d}", "工资", "", "3720", "", ""] for m in range(7, 13)],
    )
    # June 2021: standard 1,240, income 3,720 = 3 × 1,240 -> per capita not below the standard.
    june = _verify(household, datetime.date(2021, 6, 30))
    assert (june.income_limit, june.monthly_income, june.income_passed) == (
        Decimal("1240.00"),
        Decimal("3720.00"),
        False,
    )
    # 低保边缘: 1.5 × 1,240 = 1,860 per person.
    edge = _verify(household, datetime.date(2021, 6, 30), category="dibao_edge")
    assert (edge.income_limit, edge.income_passed, edge.passed) == (Decimal("1860.00"), True, True)


@pytest.mark.parametrize(
    ("size", "deposits", "passed"),
    [(3, "90000", True), (3, "90003", False), (2, "66000", True), (2, "66000.01", False), (1, "33000", True)],
)
def test_monetary_property_boundaries(
    make_household: Any, load_facts: Any, size: int, deposits: str, passed: bool
) -> None:
    """domain-rules §8 item 11: 30,000 per capita (≥ 3 people) and 33,000 (≤ 2), boundaries included."""
    household = make_household(size)
    first = _ids(household)[0]
    half = (Decimal(deposits) / 2).quantize(Decimal("0.01"))
    load_facts(FactSource.BANK_DEPOSIT, [["", first, "2021-08-31", "活期", "A", str(half), "", ""]])
    load_facts(FactSource.SECURITIES, [["", first, "2021-08-31", "股票", "S", str(Decimal(deposits) - half), "", ""]])
    report = _verify(household)
    assert report.monetary_property == Decimal(deposits)
    assert report.property_passed is passed
    assert report.passed is passed


def test_a_private_car_fails_and_a_disability_vehicle_is_exempt(make_household: Any, load_facts: Any) -> None:
    car_household, exempt_household = make_household(3), make_household(3)
    load_facts(
        FactSource.VEHICLE,
        [
            ["", _ids(car_household)[1], "2021-08-31", "小型轿车", "沪C00001", "30000", "否", ""],
            ["", _ids(exempt_household)[1], "2021-08-31", "残疾人代步车", "沪C00002", "8000", "是", ""],
        ],
    )
    car = _verify(car_household)
    assert (car.vehicle_count, car.vehicle_passed, car.passed) == (1, False, False)
    exempt = _verify(exempt_household)
    assert (exempt.vehicle_count, exempt.vehicle_passed, exempt.passed) == (0, True, True)
    assert exempt.notes == ["有 1 项车辆或房屋按规定豁免，请核实豁免依据"]


def test_non_residential_property_fails(make_household: Any, load_facts: Any) -> None:
    household = make_household(2)
    a, b = _ids(household)
    load_facts(
        FactSource.REAL_ESTATE,
        [["", a, "2021-08-31", "居住", "R1", "", "", ""], ["", b, "2021-08-31", "商铺", "R2", "800000", "", ""]],
    )
    report = _verify(household)
    assert (report.non_residential_count, report.housing_passed, report.passed) == (1, False, False)
    assert report.monetary_property == Decimal("0.00")


def test_facts_loaded_before_the_person_registered_are_matched(
    make_household: Any, load_facts: Any, make_person: Any
) -> None:
    number = next_id_number()
    batch = load_facts(FactSource.BANK_DEPOSIT, [["王五", number, "2021-08-31", "活期", "Z", "100000", "", ""]])
    assert batch.matched_count == 0
    household = make_household(1)
    from core import services as core_services
    from core.models import User

    person = make_person("王五", id_number=number)
    core_services.household_add_member(
        acting_user=User.objects.get(username="fixture-admin"), household=household, person=person, relation="spouse"
    )
    report = _verify(household)
    assert DataSourceFact.objects.get(batch=batch).person_id == person.pk
    assert report.monetary_property == Decimal("100000.00")
    assert report.property_passed is False  # 100,000 > 2 × 33,000


def test_a_dead_member_is_not_counted(make_household: Any, load_facts: Any) -> None:
    household = make_household(3)
    member = household.members.select_related("person").order_by("id").last().person
    from core import services as core_services
    from core.models import User

    core_services.person_mark_dead(
        person=member, death_date=datetime.date(2021, 5, 1), acting_user=User.objects.get(username="fixture-admin")
    )
    report = _verify(household)
    assert report.member_count == 2
    assert report.monetary_limit == Decimal("33000")


def test_loading_the_same_extract_twice_adds_nothing(make_household: Any, load_facts: Any) -> None:
    household = make_household(1)
    rows = [["", _ids(household)[0], "2021-08-31", "活期", "A", "100", "", ""]]
    first = load_facts(FactSource.BANK_DEPOSIT, rows)
    second = load_facts(FactSource.BANK_DEPOSIT, rows)
    assert (first.row_count, first.matched_count) == (1, 1)
    assert (second.row_count, second.duplicate_count) == (0, 1)


def test_import_errors_are_reported_per_row_in_chinese() -> None:
    good = next_id_number()
    plan = build_fact_plan(
        csv_file(
            [
                ["甲", good, "2021-08-31", "活期", "A", "100", "", ""],
                ["乙", "310230195001010012", "2021-08-31", "活期", "A", "100", "", ""],
                ["丙", good, "2021-13-01", "活期", "B", "100", "", ""],
                ["丁", good, "2021-08-31", "活期", "C", "-5", "", ""],
                ["戊", good, "2021-08-31", "活期", "D", "", "", ""],
                ["己", good, "2021-08-31", "活期", "A", "100", "", ""],
                ["庚", good, "2021-08-31", "活期", "E", "1.234", "也许", ""],
            ]
        ),
        FactSource.BANK_DEPOSIT,
    )
    messages = [(e.row, e.column, e.message) for e in plan.errors]
    assert messages == [
        (3, "身份证号", "身份证号校验位错误，请核对号码"),
        (4, "数据日期", "数据日期“2021-13-01”无法识别，应为 2021-08-31 或 2021-08 格式"),
        (5, "金额", "金额不能为负数"),
        (6, "金额", "银行存款数据必须填写金额"),
        (7, "数据日期", "与第 2 行重复（同一人、账号/编号、明细类别和日期）"),
        (8, "豁免", "豁免一栏应填“是”或“否”"),
        (8, "金额", "金额最多保留两位小数"),
    ]
    assert plan.counts() == {"rows": 7, "valid": 1, "invalid": 6}


def test_real_estate_needs_its_use_and_gbk_csv_is_read() -> None:
    body = "身份证号,数据日期,明细类别\n" + f"{next_id_number()},2021-08-31,仓库\n"
    plan = build_fact_plan(io.BytesIO(body.encode("gbk")), FactSource.REAL_ESTATE)
    assert [e.message for e in plan.errors] == ["不动产的明细类别应为“居住”或“非居住”（商铺、办公、厂房等填“非居住”）"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件是空的"),
        ("姓名,数据日期\n张三,2021-08\n".encode(), "表头缺少必填列：身份证号。"),
        ("身份证号,数据日期\n".encode(), "文件只有表头，没有数据行"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "文件是旧版 .xls 格式"),
        (b"PK\x03\x04broken", "无法读取该 Excel 文件"),
    ],
)
def test_malformed_files_get_a_chinese_message(content: bytes, message: str) -> None:
    with pytest.raises(SheetError) as caught:
        build_fact_plan(io.BytesIO(content), FactSource.BANK_DEPOSIT)
    assert message in str(caught.value)


def test_missing_parameter_is_a_clear_error(make_household: Any) -> None:
    from core.policy import MissingPolicyParameter

    household = make_household(1)
    with pytest.raises(MissingPolicyParameter, match=r"assistance\.dibao_standard"):
        _verify(household, datetime.date(2018, 1, 31))


def test_commit_writes_region_batch(load_facts: Any) -> None:
    batch = load_facts(FactSource.TAX, [["", next_id_number(), "2020-12-31", "综合所得", "", "36000", "", ""]])
    assert batch.region_id == DISTRICT
    assert Region.objects.filter(code=batch.region_id).exists()
    _ = commit_fact_plan
