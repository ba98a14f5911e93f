"""Demo calibration of the indicators: formulas, manual values and snapshots of the 崇明 plan.

The documents' demo builder imports the plan (final version, 沪崇府办发〔2021〕15号); this one
links the standard formulas, enters the yearly figures the system cannot know (or that come from
apps still to land) and computes the snapshots. The figures are chosen so that the 2020
snapshot reproduces the plan's 2020 baseline column within rounding:

* figures about the whole district (常住人口, 社会组织, 床位 …) are entered at the plan's own scale
  for the district (they come from statistics bulletins, not from the demo's people);
* figures counted against the demo's live people or households (低保人数 ÷ 户籍人口数, 社区云家庭
  ÷ 家庭总数, 租赁点乡镇 ÷ 乡镇数) are derived from the live denominator, so that the rate is the
  baseline's (1.64 % of the demo's hukou population …).

Idempotent: values are set (not added), formulas are only created when missing, and the
snapshots are replaced.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from core.models import Region, User
from plans import data_items
from plans.models import ManualValue, Plan

DISTRICT = "310151"
CHONGMING_SEED = "002_e3fdff5c98763175.txt"
YEARS = [2020, 2021, 2022, 2023, 2024, 2025]
SOURCE = "演示数据（按崇明区“十四五”规划 2020 年基准值校准）"

# District-level yearly figures (2020 … 2025) at the plan's scale.
DISTRICT_FIGURES: dict[str, list[str]] = {
    # 上海市城乡低保标准（元/人·月）and the previous year's monthly consumption per head.
    "dibao_standard": ["1240", "1330", "1420", "1510", "1550", "1600"],
    "monthly_consumption_prev_year": ["3800.42", "3544.67", "4073.25", "3837.08", "4375.67", "4550.00"],
    "resident_population": ["637921", "636800", "635500", "634900", "634100", "633500"],
    "beds_total": ["8439", "8810", "9150", "9480", "9790", "10105"],
    "nursing_beds": ["2532", "3080", "3660", "4170", "4600", "5050"],
    "dementia_beds": ["200", "220", "245", "265", "280", "300"],
    "meal_capacity": ["5500", "6200", "6900", "7600", "8300", "9000"],
    "caregivers": ["1000", "1040", "1080", "1120", "1160", "1200"],
    "certified_caregivers": ["890", "936", "983", "1030", "1090", "1140"],
    "rehab_aid_consultants": ["0", "5", "12", "18", "24", "30"],
    "minor_protection_institutions": ["1", "1", "1", "1", "1", "1"],
    "minor_protection_compliant": ["0", "0", "1", "1", "1", "1"],
    "child_welfare_workers": ["2", "8", "15", "22", "28", "35"],
    "community_workers": ["2000", "2010", "2020", "2030", "2040", "2050"],
    "certified_community_workers": ["300", "315", "330", "350", "370", "410"],
    "certified_social_workers": ["600", "680", "760", "820", "900", "963"],
    "social_orgs": ["517", "540", "565", "590", "615", "634"],
    "social_org_income": ["10000", "10500", "11000", "11500", "12000", "12500"],
    "social_org_procurement_income": ["1500", "1800", "2100", "2400", "2700", "3000"],
    "social_org_subsidy_income": ["480", "520", "560", "600", "640", "760"],
    "burials": ["1000", "1010", "1020", "1030", "1040", "1050"],
    "small_plot_burials": ["410", "520", "630", "740", "850", "945"],
}
# Rates (%) against the live denominators, 2020 … 2025.
LIVE_RATES: dict[str, tuple[str, list[str]]] = {
    "dibao_recipients": ("hukou_population", ["1.64", "1.63", "1.61", "1.60", "1.59", "1.58"]),
    "cloud_households": ("households", ["5", "15", "28", "40", "50", "60"]),
    "rehab_aid_townships": ("townships", ["72", "78", "83", "89", "94", "100"]),
}


def seed_path(name: str) -> Path:
    """A seed plan document shipped with the app (plans/data/seeds)."""
    path = Path(__file__).resolve().parent / "data" / "seeds" / name
    if not path.exists():
        raise FileNotFoundError(name)
    return path


def _scaled(rate: str, base: Decimal) -> Decimal:
    return (Decimal(rate) / 100 * base).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def enter_demo_values(region: Region, acting_user: User | None) -> int:
    """Set the demo's manual values for the district; returns how many were written or changed."""
    from plans.services.indicators import item_values, manual_value_set

    changed = 0

    def put(code: str, year: int, value: Decimal) -> None:
        nonlocal changed
        current = ManualValue.objects.filter(item_code=code, region=region, year=year).first()
        if current is not None and current.value == value and current.source == SOURCE:
            return
        manual_value_set(item_code=code, region=region, year=year, value=value, source=SOURCE, acting_user=acting_user)  # type: ignore[arg-type]
        changed += 1

    for code, figures in DISTRICT_FIGURES.items():
        if data_items.effective_item(code).is_live:
            continue
        for year, figure in zip(YEARS, figures, strict=True):
            put(code, year, Decimal(figure))
    for code, (base_code, rates) in LIVE_RATES.items():
        if data_items.effective_item(code).is_live:
            continue  # the app that owns it provides the figures now (see its demo builder)
        base = item_values(data_items.effective_item(base_code), region.code, [region.code], YEARS)
        for year, rate in zip(YEARS, rates, strict=True):
            put(code, year, _scaled(rate, base.get((region.code, year), Decimal(0))))
    return changed


def build_demo(profile: str, seed: int) -> str:
    from plans.services.documents import plan_import_file
    from plans.services.indicators import compute_plan, ensure_formulas

    if profile != "chongming":
        return "仅崇明演示区县有规划指标演示数据"
    region = Region.objects.get(code=DISTRICT)
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    plan = Plan.objects.filter(region_id=DISTRICT).order_by("-period_start", "pk").first()
    if plan is None or plan.current_version is None:
        # The final version as issued; importing the same file again changes nothing.
        imported, _ = plan_import_file(path=seed_path(CHONGMING_SEED), region=region, acting_user=admin)
        plan = imported.plan
    current = plan.current_version
    assert current is not None
    formulas = ensure_formulas(current, acting_user=admin)
    changed = enter_demo_values(region, admin)
    counts = compute_plan(plan)
    return (
        f"公式新增 {formulas['created']} 个（已有 {formulas['kept']}，未匹配 {formulas['unmatched']}），"
        f"人工数据写入 {changed} 条，快照 {counts['snapshots']} 条"
    )
