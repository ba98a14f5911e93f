"""A small fixture district for the indicator tests: a plan with three indicators, people in
three villages of two townships, and manual values at village and district level."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from conftest import next_id_number
from core.models import Region, User
from plans.choices import Comparator, IndicatorKind
from plans.models import Indicator, Plan, PlanVersion
from plans.services.indicators import ensure_formulas, manual_value_set

VILLAGE_A = "310151101001"  # 城桥镇南门居委会
VILLAGE_B = "310151101002"  # 城桥镇花园弄居委会
VILLAGE_C = "310151102001"  # 堡镇 first 居委会
TOWNSHIP_1 = "310151101"
TOWNSHIP_2 = "310151102"
DISTRICT = "310151"


@dataclass
class World:
    plan: Plan
    version: PlanVersion
    actor: User


def make_plan(
    actor: User, region: str = DISTRICT, title: str = "崇明区民政事业发展“十四五”规划"
) -> tuple[Plan, PlanVersion]:
    plan = Plan.objects.create(region_id=region, title=title, period_start=2021, period_end=2025)
    version = PlanVersion.objects.create(
        plan=plan,
        number=1,
        source_file_name="002.txt",
        source_format="txt",
        source_sha256="0" * 64,
        imported_by=actor,
        is_current=True,
    )
    rows = [
        (
            2,
            "低保人数占户籍人口数比重",
            "低保人数/户籍人口数",
            "%",
            "1.64",
            "1.59",
            Comparator.EQ,
            IndicatorKind.INDICATIVE,
        ),
        (4, "护理型床位占比", "护理型床位数/总床位数", "%", "30", "60", Comparator.GE, IndicatorKind.BINDING),
        (
            15,
            "每万人常住人口拥有社会组织数",
            "社会组织总数/常住人口数 × 10000",
            "个",
            "8.1",
            "10",
            Comparator.EQ,
            IndicatorKind.INDICATIVE,
        ),
        (20, "示范性文字指标", "", "", "", "全覆盖", Comparator.TEXT, IndicatorKind.INDICATIVE),
    ]
    for seq, name, definition, unit, baseline, target, comparator, kind in rows:
        Indicator.objects.create(
            version=version,
            seq=seq,
            key=name,
            name=name,
            definition=definition,
            unit=unit,
            baseline_year=2020,
            baseline_text=baseline,
            baseline_value=Decimal(baseline) if baseline else None,
            target_year=2025,
            target_text=target,
            target_comparator=comparator,
            target_value=Decimal(target) if comparator != Comparator.TEXT else None,
            kind=kind,
        )
    return plan, version


def build_world(make_user: Callable[..., Any], make_person: Callable[..., Any]) -> World:
    actor = User.objects.filter(username="plan-admin").first() or make_user("plan-admin", "district_admin", DISTRICT)
    plan, version = make_plan(actor)
    ensure_formulas(version, acting_user=actor)
    born = datetime.date(1950, 1, 1)
    # Village A: 3 people alive throughout; village B: 1; village C: 4, one of whom died in 2019
    # and one born in 2021 (so C counts 2 in 2020 and 3 from 2021).
    for _ in range(3):
        make_person(region=VILLAGE_A, id_number=next_id_number(born))
    make_person(region=VILLAGE_B, id_number=next_id_number(born))
    make_person(region=VILLAGE_C, id_number=next_id_number(born))
    make_person(region=VILLAGE_C, id_number=next_id_number(born))
    make_person(region=VILLAGE_C, id_number=next_id_number(born), death_date=datetime.date(2019, 6, 1))
    make_person(region=VILLAGE_C, id_number=next_id_number(datetime.date(2021, 3, 1)))

    def put(item: str, region: str, year: int, value: str) -> None:
        manual_value_set(
            item_code=item,
            region=Region.objects.get(code=region),
            year=year,
            value=value,
            source="测试",
            acting_user=actor,
        )

    # 低保: 1 in village A and 1 in village C in 2020; 2021 only village A.
    put("dibao_recipients", VILLAGE_A, 2020, "1")
    put("dibao_recipients", VILLAGE_C, 2020, "1")
    put("dibao_recipients", VILLAGE_A, 2021, "1")
    # Beds entered per township; the district figure of 2020 overrides the sum of townships.
    put("beds_total", TOWNSHIP_1, 2020, "100")
    put("nursing_beds", TOWNSHIP_1, 2020, "30")
    put("beds_total", TOWNSHIP_2, 2020, "50")
    put("nursing_beds", TOWNSHIP_2, 2020, "15")
    put("beds_total", TOWNSHIP_1, 2023, "100")
    put("nursing_beds", TOWNSHIP_1, 2023, "40")
    put("beds_total", TOWNSHIP_1, 2025, "100")
    put("nursing_beds", TOWNSHIP_1, 2025, "61")
    # Social organisations per 10,000 residents: district figures only; 2021 population 0.
    put("social_orgs", DISTRICT, 2020, "517")
    put("resident_population", DISTRICT, 2020, "637921")
    put("social_orgs", DISTRICT, 2021, "520")
    put("resident_population", DISTRICT, 2021, "0")
    return World(plan, version, actor)
