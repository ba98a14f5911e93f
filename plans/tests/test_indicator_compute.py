"""Computing snapshots: exact values on a small district, Σ/Σ over sub-regions, no value for a
zero or missing denominator, status against the straight-line path, formula versions."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from plans.choices import Comparator, IndicatorStatus
from plans.models import Formula, Snapshot
from plans.services.indicators import assess, compute_plan, ensure_formulas, formula_set
from plans.tests.indicator_world import DISTRICT, TOWNSHIP_1, TOWNSHIP_2, VILLAGE_A, VILLAGE_B, VILLAGE_C, build_world

pytestmark = pytest.mark.django_db

DIBAO = "低保人数占户籍人口数比重"
NURSING = "护理型床位占比"
ORGS = "每万人常住人口拥有社会组织数"


def snap(key: str, region: str, year: int) -> Snapshot:
    return Snapshot.objects.get(indicator_key=key, region_id=region, year=year)


@pytest.fixture
def world(make_user: Callable[..., Any], make_person: Callable[..., Any]) -> Any:
    w = build_world(make_user, make_person)
    compute_plan(w.plan)
    return w


def test_formulas_linked_by_name_and_idempotent(world: Any) -> None:
    formulas = {f.indicator_key: f for f in Formula.objects.filter(plan=world.plan)}
    assert set(formulas) == {DIBAO, NURSING, ORGS}
    assert (formulas[DIBAO].numerator, formulas[DIBAO].denominator, formulas[DIBAO].factor) == (
        "低保人数",
        "户籍人口数",
        Decimal(100),
    )
    assert formulas[ORGS].factor == Decimal(10000)
    assert ensure_formulas(world.version) == {"created": 0, "kept": 3, "unmatched": 1}
    assert Formula.objects.filter(plan=world.plan).count() == 3


def test_rates_are_sum_over_sum_of_sub_regions(world: Any) -> None:
    # 2020: hukou A 3, B 1, C 2 (one died in 2019, one not born yet); 低保 A 1, C 1.
    a = snap(DIBAO, VILLAGE_A, 2020)
    assert (a.numerator, a.denominator) == (Decimal(1), Decimal(3))
    assert a.value == Decimal("33.333333")
    b = snap(DIBAO, VILLAGE_B, 2020)
    assert (b.value, b.denominator, b.reason) == (None, Decimal(1), "缺少数据：低保人数")
    township = snap(DIBAO, TOWNSHIP_1, 2020)
    assert (township.numerator, township.denominator, township.value) == (Decimal(1), Decimal(4), Decimal(25))
    district = snap(DIBAO, DISTRICT, 2020)
    assert (district.numerator, district.denominator) == (Decimal(2), Decimal(6))
    assert district.value == Decimal("33.333333")  # 2/6, not the mean of 25 % and 50 %
    assert snap(DIBAO, TOWNSHIP_2, 2020).value == Decimal(50)
    # 2021: the child born in C counts; 低保 only in A.
    district_2021 = snap(DIBAO, DISTRICT, 2021)
    assert (district_2021.numerator, district_2021.denominator) == (Decimal(1), Decimal(7))
    assert district_2021.inputs == {"低保人数": "1", "户籍人口数": "7"}
    assert district_2021.formula_version == 1


def test_entry_for_a_region_wins_over_the_sum_of_its_sub_regions(world: Any) -> None:
    assert snap(NURSING, TOWNSHIP_1, 2020).value == Decimal(30)
    district = snap(NURSING, DISTRICT, 2020)
    assert (district.numerator, district.denominator, district.value) == (Decimal(45), Decimal(150), Decimal(30))
    assert snap(NURSING, VILLAGE_A, 2020).value is None


def test_zero_or_missing_denominator_gives_no_value(world: Any) -> None:
    zero = snap(ORGS, DISTRICT, 2021)
    assert (zero.value, zero.numerator, zero.denominator, zero.reason) == (None, Decimal(520), Decimal(0), "分母为 0")
    assert zero.status == IndicatorStatus.NO_DATA
    missing = snap(ORGS, DISTRICT, 2022)
    assert missing.value is None and missing.reason == "缺少数据：社会组织数"
    assert snap(ORGS, DISTRICT, 2020).value == Decimal("8.104452")


def test_status_on_the_straight_line_from_baseline(world: Any) -> None:
    # 护理型床位占比 baseline 30 → ≥60 in 2025: 2023 expected 48, district has 40/100 → behind.
    behind = snap(NURSING, DISTRICT, 2023)
    assert (behind.value, behind.expected, behind.status) == (Decimal(40), Decimal(48), IndicatorStatus.BEHIND)
    assert behind.progress == Decimal("33.33")
    final = snap(NURSING, DISTRICT, 2025)
    assert (final.value, final.status, final.progress) == (Decimal(61), IndicatorStatus.ACHIEVED, Decimal("103.33"))
    # 低保 1.64 → 1.59 (a plain number: reached from above); 2021 is 14.29 %, far above the path.
    assert snap(DIBAO, DISTRICT, 2021).status == IndicatorStatus.BEHIND
    assert snap(DIBAO, DISTRICT, 2022).status == IndicatorStatus.NO_DATA
    text = Snapshot.objects.filter(indicator_key="示范性文字指标", region_id=DISTRICT, year=2021).get()
    assert (text.status, text.reason) == (IndicatorStatus.NO_DATA, "尚未设定计算公式")


@pytest.mark.parametrize(
    ("value", "year", "comparator", "expected"),
    [
        ("36", 2023, Comparator.GE, IndicatorStatus.ACHIEVED),
        ("34", 2023, Comparator.GE, IndicatorStatus.ON_TRACK),  # path: 32.63 + 2.37 × 3/5 = 34.052 → 34 < 34.052
        ("34.06", 2023, Comparator.GE, IndicatorStatus.ON_TRACK),
        ("33", 2023, Comparator.GE, IndicatorStatus.BEHIND),
        ("34.9", 2025, Comparator.GE, IndicatorStatus.BEHIND),
        (None, 2023, Comparator.GE, IndicatorStatus.NO_DATA),
        ("1", 2023, Comparator.TEXT, IndicatorStatus.TEXT_TARGET),
    ],
)
def test_assess(value: str | None, year: int, comparator: str, expected: str) -> None:
    verdict = assess(
        value=Decimal(value) if value else None,
        year=year,
        baseline=Decimal("32.63"),
        baseline_year=2020,
        target=Decimal(35) if comparator != Comparator.TEXT else None,
        comparator=comparator,
        target_year=2025,
    )
    if value == "34":
        assert verdict.status == IndicatorStatus.BEHIND and verdict.expected == Decimal("34.052")
    else:
        assert verdict.status == expected


def test_assess_descending_plain_target() -> None:
    common = {"baseline": Decimal("1.64"), "baseline_year": 2020, "target": Decimal("1.59"), "target_year": 2025}
    assert assess(value=Decimal("1.62"), year=2022, comparator=Comparator.EQ, **common).status == "on_track"
    assert assess(value=Decimal("1.63"), year=2022, comparator=Comparator.EQ, **common).status == "behind"
    assert assess(value=Decimal("1.58"), year=2022, comparator=Comparator.EQ, **common).status == "achieved"


def test_formula_versions_and_validation(world: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        formula_set(plan=world.plan, indicator_key=NURSING, numerator="护理型床位数 +", acting_user=world.actor)
    assert "分子第 9 个字符处" in str(caught.value.message_dict["numerator"])
    with pytest.raises(ValidationError) as caught:
        formula_set(plan=world.plan, indicator_key=NURSING, numerator="不存在的数据项", acting_user=world.actor)
    assert "未知的数据项“不存在的数据项”" in str(caught.value.message_dict["numerator"])
    with pytest.raises(ValidationError):
        formula_set(plan=world.plan, indicator_key=NURSING, numerator="护理型床位数", factor=7, acting_user=world.actor)
    new = formula_set(
        plan=world.plan,
        indicator_key=NURSING,
        numerator="护理型床位数",
        denominator="养老床位总数",
        factor=100,
        missing_rule="zero",
        acting_user=world.actor,
    )
    assert new.version == 2
    assert Formula.objects.filter(plan=world.plan, indicator_key=NURSING, is_current=True).get().pk == new.pk
    compute_plan(world.plan)
    assert snap(NURSING, DISTRICT, 2020).formula_version == 2
    # missing as zero: 2021 has no beds at all → denominator 0 → still no value.
    assert snap(NURSING, DISTRICT, 2021).reason == "分母为 0"


def test_every_seed_indicator_gets_a_formula(make_user: Callable[..., Any]) -> None:
    """All 17 Chongming and 12 Baoshan indicators and Lufeng's 13 prose targets are linked."""
    from pathlib import Path

    from core.models import Region
    from plans.services.documents import plan_import_file

    actor = make_user("importer", "district_admin", "310151")
    fixtures = Path(__file__).resolve().parent.parent / "data" / "seeds"
    expected = {"002_e3fdff5c98763175.txt": ("310151", 17), "004_7195df48b736ee37.txt": ("310113", 12)}
    expected["003_5b69f9013e4c5d9b.txt"] = ("532302", 13)
    for name, (region, count) in expected.items():
        region_obj = Region.objects.get(code=region)
        version, _ = plan_import_file(path=fixtures / name, region=region_obj, acting_user=actor)
        counts = ensure_formulas(version, acting_user=actor)
        assert counts == {"created": count, "kept": 0, "unmatched": 0}, name
        assert Formula.objects.filter(plan=version.plan, is_current=True).count() == count


def test_households_count_those_with_a_living_member(
    make_user: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    import datetime

    from conftest import next_id_number
    from core.models import Household, HouseholdMember, Region
    from plans.data_items import get_item

    region = Region.objects.get(code=VILLAGE_A)
    died = make_person(region=VILLAGE_A, death_date=datetime.date(2021, 5, 1))
    alive = make_person(region=VILLAGE_A)
    child = make_person(region=VILLAGE_C, id_number=next_id_number(datetime.date(2022, 1, 1)))
    for number, members, where in (("H1", [died], region), ("H2", [alive], region), ("H3", [child], None)):
        household = Household.objects.create(number=number, region=where or Region.objects.get(code=VILLAGE_C))
        for person in members:
            HouseholdMember.objects.create(
                household=household, person=person, relation="head", joined_on=datetime.date(2000, 1, 1)
            )
    days = [datetime.date(2020, 12, 31), datetime.date(2021, 12, 31), datetime.date(2022, 12, 31)]
    provider = get_item("households").provider
    assert provider is not None
    values = provider("310151", days)
    assert [values[(VILLAGE_A, d)] for d in days] == [2, 1, 1]
    assert [values[(VILLAGE_C, d)] for d in days] == [0, 0, 1]


def test_an_app_selector_answering_per_region_becomes_a_live_item(world: Any) -> None:
    """When an app exposes f(prefix, on_date), the item is computed per township and added up."""
    import datetime

    from plans import data_items

    calls: list[tuple[str, datetime.date]] = []

    def beds(prefix: str, on: datetime.date) -> dict[str, int]:
        calls.append((prefix, on))
        per_township = {TOWNSHIP_1: {"total": 10, "nursing": 4}, TOWNSHIP_2: {"total": 30, "nursing": 11}}
        return per_township.get(prefix, {"total": 0, "nursing": 0})

    saved = {code: data_items.get_item(code) for code in ("beds_total", "nursing_beds")}
    try:
        data_items.register_provider("beds_total", data_items.per_township(beds, lambda r: r["total"]), "测试")
        data_items.register_provider("nursing_beds", data_items.per_township(beds, lambda r: r["nursing"]), "测试")
        compute_plan(world.plan)
    finally:
        data_items._ITEMS.update(saved)
    district = snap(NURSING, DISTRICT, 2020)
    assert (district.numerator, district.denominator, district.value) == (Decimal(15), Decimal(40), Decimal("37.5"))
    assert snap(NURSING, TOWNSHIP_2, 2023).value == Decimal("36.666667")
    assert snap(NURSING, VILLAGE_A, 2020).reason == "缺少数据：护理型床位数"  # not 0: villages are not known
    # 21 townships × 6 years, one call each, shared by the two items.
    assert len(calls) == 21 * 6


def test_installed_apps_provide_their_items_live() -> None:
    """With assistance and eldercare installed, their items switch to live data by themselves."""
    from plans import data_items

    assert not data_items.get_item("beds_total").is_live  # made manual by the test fixture
    data_items.adopt_app_selectors()
    beds, dibao = data_items.get_item("beds_total"), data_items.get_item("dibao_recipients")
    assert beds.is_live and beds.source_label == "系统数据：养老服务 在营机构与社区床位"
    assert dibao.is_live and getattr(dibao.provider, "finest_length", 12) == 9
    assert not data_items.get_item("resident_population").is_live  # the system cannot know it
