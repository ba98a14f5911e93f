"""Data items: the named measures indicator formulas are written in (DHIS2's data elements).

Each item has a Chinese name used in formulas (``低保人数``), a unit, an aggregation and a
source. A *live* item has a provider that computes it from the platform's own records for a
whole district at once; a *manual* item takes the yearly values staff enter with their source
(:class:`plans.models.ManualValue`) — figures the system cannot know (常住人口, 上年度居民月人均
消费支出) and, for now, figures whose app has not landed yet. When that app registers a
provider for the item (``register_provider`` in its ``AppConfig.ready()``), the item becomes
live by itself and the dashboard says so; nothing in the formulas changes.

A provider is ``provider(region_prefix, dates) -> {(region_code, date): value}``: one set-based
query per item for every region and every date, returning values at the finest level it knows
(villages, or townships), never the same people under two codes. A provider that only knows
townships says so with ``provider.finest_length = 9``: villages then have no value (rather
than 0). The engine adds them up to
every region above (Σ over sub-regions), so a rate is Σnumerator ÷ Σdenominator.

Aggregations:

* ``sum`` — counts and amounts (people, beds, organisations): a region's value is the sum over
  the regions below it.
* ``inherit`` — standards and prices (低保标准, 人均消费支出): a region takes the value set for it
  or for the nearest region above it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

__all__ = [
    "DataItem",
    "Provider",
    "all_items",
    "get_item",
    "item_by_name",
    "register_item",
    "register_provider",
]

Provider = Callable[[str, Sequence[datetime.date]], dict[tuple[str, datetime.date], Decimal]]

SUM = "sum"
INHERIT = "inherit"
AGGREGATION_LABELS = {SUM: "下级合计", INHERIT: "沿用上级设定值"}


@dataclass(frozen=True)
class DataItem:
    code: str
    name: str
    unit: str
    aggregation: str = SUM
    description: str = ""
    # Which app will provide it live ("" = the system cannot know it: always manual).
    pending_app: str = ""
    provider: Provider | None = field(default=None, compare=False)
    live_source: str = ""

    @property
    def is_live(self) -> bool:
        return self.provider is not None

    @property
    def source_label(self) -> str:
        if self.provider is not None:
            return f"系统数据：{self.live_source}"
        if self.pending_app:
            return f"人工填报（{_APP_LABELS.get(self.pending_app, self.pending_app)}模块上线后自动改用系统数据）"
        return "人工填报（系统外统计数据）"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "aggregation": self.aggregation,
            "aggregation_label": AGGREGATION_LABELS[self.aggregation],
            "description": self.description,
            "is_live": self.is_live,
            "source_label": self.source_label,
        }


_APP_LABELS = {
    "assistance": "社会救助",
    "eldercare": "养老服务",
    "orgs": "社会组织",
    "community": "社区云",
    "children": "儿童福利",
    "disability": "残疾人福利",
    "funeral": "殡葬管理",
    "workforce": "社会工作人才",
}

_ITEMS: dict[str, DataItem] = {}


def register_item(item: DataItem) -> None:
    for other in _ITEMS.values():
        if other.name == item.name and other.code != item.code:
            raise ValueError(f"data item name {item.name!r} already used by {other.code}")
    _ITEMS[item.code] = item


def register_provider(code: str, provider: Provider, live_source: str) -> None:
    """An app provides ``code`` from its own records from now on (called in its AppConfig.ready())."""
    item = _ITEMS[code]
    _ITEMS[code] = replace(item, provider=provider, live_source=live_source)


def get_item(code: str) -> DataItem:
    return _ITEMS[code]


def item_by_name(name: str) -> DataItem | None:
    """The item a formula names, by its Chinese name or its code."""
    if name in _ITEMS:
        return _ITEMS[name]
    return next((item for item in _ITEMS.values() if item.name == name), None)


def all_names() -> list[str]:
    """Every name a formula may use for an item (its Chinese name and its code)."""
    return [name for item in _ITEMS.values() for name in (item.name, item.code)]


def all_items() -> list[DataItem]:
    return sorted(_ITEMS.values(), key=lambda i: (not i.is_live, i.code))


# --- Live providers of the spine (core) ---------------------------------------------------------


def _alive_on(day: datetime.date, path: str = "") -> Q:
    return Q(**{f"{path}birth_date__lte": day}) & (
        Q(**{f"{path}death_date__isnull": True}) | Q(**{f"{path}death_date__gt": day})
    )


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _people_provider(min_age: int) -> Provider:
    """Hukou residents alive on each date, aged ``min_age`` or more (周岁), per village: one query."""

    def provide(prefix: str, dates: Sequence[datetime.date]) -> dict[tuple[str, datetime.date], Decimal]:
        from core.models import Person

        annotations = {}
        for index, day in enumerate(dates):
            condition = _alive_on(day)
            if min_age:
                condition &= Q(birth_date__lte=_years_before(day, min_age))
            annotations[f"n{index}"] = Count("pk", filter=condition)
        rows = (
            Person.objects.filter(hukou_region__code__startswith=prefix)
            .values("hukou_region_id")
            .order_by()
            .annotate(**annotations)
            .values_list("hukou_region_id", *annotations)
        )
        result: dict[tuple[str, datetime.date], Decimal] = {}
        for region, *counts in rows:
            for day, count in zip(dates, counts, strict=True):
                result[(region, day)] = Decimal(count)
        return result

    return provide


def _households(prefix: str, dates: Sequence[datetime.date]) -> dict[tuple[str, datetime.date], Decimal]:
    """Households on the register with at least one living member on the date, per village.

    Two levels in one statement: each household is alive or not on each date (one pass over the
    members), then households are counted per village — not COUNT(DISTINCT …) per date, which
    sorts all members once per date.
    """
    from django.db import connection

    from core.models import Household, HouseholdMember, Person

    ops = connection.ops
    member, household, person = (ops.quote_name(m._meta.db_table) for m in (HouseholdMember, Household, Person))
    flags = ", ".join(
        f"MAX(CASE WHEN p.birth_date <= %s AND (p.death_date IS NULL OR p.death_date > %s) THEN 1 ELSE 0 END) AS a{i}"
        for i in range(len(dates))
    )
    sums = ", ".join(f"SUM(a{i})" for i in range(len(dates)))
    sql = (
        f"SELECT region_id, {sums} FROM ("
        f"SELECT h.region_id AS region_id, {flags} FROM {member} m "
        f"JOIN {household} h ON h.id = m.household_id JOIN {person} p ON p.id = m.person_id "
        f"WHERE h.region_id LIKE %s GROUP BY h.id, h.region_id) t GROUP BY region_id"
    )
    params: list[Any] = []
    for day in dates:
        value = ops.adapt_datefield_value(day)
        params += [value, value]
    params.append(prefix + "%")
    result: dict[tuple[str, datetime.date], Decimal] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for region, *counts in cursor.fetchall():
            for day, count in zip(dates, counts, strict=True):
                result[(region, day)] = Decimal(count or 0)
    return result


def _townships(prefix: str, dates: Sequence[datetime.date]) -> dict[tuple[str, datetime.date], Decimal]:
    """Each active street, town or xiang under the prefix counts 1 (the denominator of 街镇覆盖率).

    By the township code rules (GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡, 400–599
    乡级单位 such as farms and parks), farms and parks (前卫农场, 上实现代农业园区) are not 乡镇.
    """
    from core.choices import RegionLevel
    from core.models import Region

    codes = Region.objects.filter(code__startswith=prefix, level=RegionLevel.TOWNSHIP, is_retired=False)
    return {
        (code, day): Decimal(1)
        for code in codes.values_list("code", flat=True)
        if int(code[6:9]) < 400
        for day in dates
    }


def _villages(prefix: str, dates: Sequence[datetime.date]) -> dict[tuple[str, datetime.date], Decimal]:
    """Each active village/residents' committee under the prefix counts 1."""
    from core.choices import RegionLevel
    from core.models import Region

    codes = Region.objects.filter(code__startswith=prefix, level=RegionLevel.VILLAGE, is_retired=False)
    return {(code, day): Decimal(1) for code in codes.values_list("code", flat=True) for day in dates}


def _policy_provider(parameter_code: str) -> Provider:
    """A policy parameter (e.g. the 低保 standard) in force on each date, set where it is set."""

    def provide(prefix: str, dates: Sequence[datetime.date]) -> dict[tuple[str, datetime.date], Decimal]:
        from core.models import PolicyParameter
        from core.models.regions import ancestor_codes

        rows = list(
            PolicyParameter.objects.filter(code=parameter_code)
            .filter(Q(region_id__in=ancestor_codes(prefix)) | Q(region__code__startswith=prefix))
            .order_by("effective_from")
            .values_list("region_id", "effective_from", "value")
        )
        result: dict[tuple[str, datetime.date], Decimal] = {}
        for region, effective, value in rows:
            for day in dates:
                if effective <= day:
                    try:
                        result[(region, day)] = Decimal(str(value))
                    except ArithmeticError:
                        continue
        return result

    return provide


def _register_defaults() -> None:
    people = "core 人员库（户籍在本区划、当日在世）"
    live: list[tuple[str, str, str, Provider, str]] = [
        ("hukou_population", "户籍人口数", "人", _people_provider(0), people),
        ("aged_60", "60岁及以上户籍老年人口数", "人", _people_provider(60), people),
        ("aged_65", "65岁及以上户籍老年人口数", "人", _people_provider(65), people),
        ("aged_80", "80岁及以上户籍老年人口数", "人", _people_provider(80), people),
        ("households", "家庭总数", "户", _households, "core 家庭户登记（当日有在世成员的户）"),
        ("townships", "乡镇（街道）数", "个", _townships, "core 行政区划（现行乡镇、街道）"),
        ("villages", "村（居）委会数", "个", _villages, "core 行政区划（现行村委会、居委会）"),
    ]
    for code, name, unit, provider, source in live:
        register_item(DataItem(code, name, unit, provider=provider, live_source=source))

    manual: list[tuple[str, str, str, str, str]] = [
        # (code, name, unit, aggregation, the app that will provide it live — "" for never)
        ("dibao_recipients", "低保人数", "人", SUM, "assistance"),
        ("resident_population", "常住人口数", "人", SUM, ""),
        ("monthly_consumption_prev_year", "上年度居民月人均消费支出", "元", INHERIT, ""),
        ("beds_total", "养老床位总数", "张", SUM, "eldercare"),
        ("institution_beds", "养老机构床位数", "张", SUM, "eldercare"),
        ("nursing_beds", "护理型床位数", "张", SUM, "eldercare"),
        ("dementia_beds", "认知障碍照护床位数", "张", SUM, "eldercare"),
        ("government_run_beds", "政府运营养老床位数", "张", SUM, "eldercare"),
        ("care_institutions", "养老机构数", "个", SUM, "eldercare"),
        ("medical_care_institutions", "医养结合养老机构数", "个", SUM, "eldercare"),
        ("elder_canteens", "社区助餐点数", "个", SUM, "eldercare"),
        ("meal_capacity", "社区助餐供餐能力", "客/日", SUM, "eldercare"),
        ("community_care_centres", "社区综合为老服务中心数", "个", SUM, "eldercare"),
        ("community_care_area", "社区养老服务设施面积", "平方米", SUM, "eldercare"),
        ("caregivers", "养老护理员总数", "人", SUM, "eldercare"),
        ("certified_caregivers", "持证养老护理员数", "人", SUM, "eldercare"),
        ("graded_caregivers", "持等级证养老护理员数", "人", SUM, "eldercare"),
        ("family_doctor_signed_elders", "家庭医生签约老年人数", "人", SUM, ""),
        ("family_doctor_effective_elders", "家庭医生有效服务签约老年人数", "人", SUM, ""),
        ("rehab_aid_townships", "有康复辅具租赁服务点的乡镇（街道）数", "个", SUM, "disability"),
        ("rehab_aid_consultants", "康复辅助技术咨询师数", "人", SUM, "disability"),
        ("mental_patients_at_home", "居家精神障碍患者数", "人", SUM, "disability"),
        ("mental_patients_rehab", "接受社区康复服务的居家精神障碍患者数", "人", SUM, "disability"),
        ("minor_protection_institutions", "未成年人救助保护机构数", "个", SUM, "children"),
        ("minor_protection_compliant", "规范达标的未成年人救助保护机构数", "个", SUM, "children"),
        ("child_welfare_workers", "儿童福利专业人员数", "人", SUM, "children"),
        ("child_directors", "儿童主任和儿童督导员总数", "人", SUM, "children"),
        ("child_directors_trained", "当年接受社会工作专业培训的儿童主任和儿童督导员数", "人", SUM, "children"),
        ("community_workers", "社区工作者总数", "人", SUM, "workforce"),
        ("certified_community_workers", "持社会工作者职业水平证书的社区工作者数", "人", SUM, "workforce"),
        ("certified_social_workers", "持社会工作者职业水平证书人数", "人", SUM, "workforce"),
        ("social_orgs", "社会组织数", "个", SUM, "orgs"),
        ("community_social_orgs", "社区社会组织数", "个", SUM, "orgs"),
        ("social_org_income", "社会组织年度总收入", "万元", SUM, "orgs"),
        ("social_org_procurement_income", "社会组织政府购买服务收入", "万元", SUM, "orgs"),
        ("social_org_subsidy_income", "社会组织政府补助收入", "万元", SUM, "orgs"),
        ("cloud_households", "注册社区云家庭数", "户", SUM, "community"),
        ("charities", "慈善组织数", "家", SUM, "orgs"),
        ("social_work_station_townships", "已成立社会工作服务站的乡镇数", "个", SUM, "workforce"),
        ("social_work_stations", "社会工作服务站数", "个", SUM, "workforce"),
        ("station_social_workers", "社会工作服务站持证专业社会工作人员数", "人", SUM, "workforce"),
        ("elder_activity_facilities", "标准化老年活动设施数", "个", SUM, "eldercare"),
        ("neighbourhood_points", "示范村组睦邻点数", "个", SUM, "eldercare"),
        ("visit_target_elders", "无子女、高龄、独居老年人数", "人", SUM, "eldercare"),
        ("visited_elders", "接受村（社区）探访的无子女、高龄、独居老年人数", "人", SUM, "eldercare"),
        ("burials", "安葬总量", "例", SUM, "funeral"),
        ("small_plot_burials", "小型墓（≤0.6平方米）安葬量", "例", SUM, "funeral"),
    ]
    for code, name, unit, aggregation, app in manual:
        register_item(DataItem(code, name, unit, aggregation=aggregation, pending_app=app))
    # The 低保 standard is a policy parameter of the assistance app when it is configured;
    # until then it is entered by hand like the other standards.
    register_item(
        DataItem(
            "dibao_standard",
            "居民最低生活保障标准",
            "元/人·月",
            aggregation=INHERIT,
            pending_app="assistance",
            description="城乡居民最低生活保障标准（政策参数 assistance.dibao_standard）",
        )
    )


_register_defaults()


POLICY_ITEMS = {"dibao_standard": "assistance.dibao_standard"}


def effective_item(code: str) -> DataItem:
    """The item as a recompute uses it now: an item that can be read from a policy parameter
    is read from it as soon as that parameter is configured (no registration needed)."""
    from core.models import PolicyParameter

    item = _ITEMS[code]
    parameter = POLICY_ITEMS.get(code)
    if item.provider is None and parameter and PolicyParameter.objects.filter(code=parameter).exists():
        return replace(item, provider=_policy_provider(parameter), live_source=f"政策参数 {parameter}")
    return item


_RESULTS: dict[tuple[Any, str, datetime.date], Any] = {}


def forget_results() -> None:
    """Drop the answers of per-township selectors (at the start of each recompute)."""
    _RESULTS.clear()


def per_township(function: Callable[[str, datetime.date], Any], pick: Callable[[Any], Any] | None = None) -> Provider:
    """A provider from an app's ``function(region_prefix, on_date)`` that answers for one region:
    called once per township (乡镇/街道, farms and parks included) and date, its values add up to
    the district. Villages then have no value of their own (the drill-down stops at townships).
    Results are kept for the recompute (see :func:`forget_results`) so that items read from the
    same function (beds by kind) share one call."""

    def provide(prefix: str, dates: Sequence[datetime.date]) -> dict[tuple[str, datetime.date], Decimal]:
        from core.choices import RegionLevel
        from core.models import Region

        townships = list(
            Region.objects.filter(code__startswith=prefix, level=RegionLevel.TOWNSHIP).values_list("code", flat=True)
        )
        result: dict[tuple[str, datetime.date], Decimal] = {}
        for day in dates:
            for code in townships or [prefix]:
                key = (function, code, day)
                if key not in _RESULTS:
                    _RESULTS[key] = function(code, day)
                value = pick(_RESULTS[key]) if pick else _RESULTS[key]
                if value:
                    result[(code, day)] = Decimal(value)
        return result

    provide.finest_length = 9  # type: ignore[attr-defined]
    return provide


# (item code, app module, function name, pick from its result, what the UI says)
APP_SELECTORS: list[tuple[str, str, str, Callable[[Any], Any] | None, str]] = [
    ("dibao_recipients", "assistance.selectors", "dibao_recipient_count", None, "社会救助 低保在保人员（当日在保）"),
    ("beds_total", "eldercare.selectors", "data_bed_counts", lambda r: r["total"], "养老服务 在营机构与社区床位"),
    ("nursing_beds", "eldercare.selectors", "data_bed_counts", lambda r: r["nursing"], "养老服务 护理型床位"),
    ("dementia_beds", "eldercare.selectors", "data_bed_counts", lambda r: r["dementia"], "养老服务 认知障碍照护床位"),
    ("meal_capacity", "eldercare.selectors", "data_meal_capacity", None, "养老服务 助餐点与长者食堂日供餐能力"),
    (
        "caregivers",
        "eldercare.selectors",
        "data_caregiver_certification",
        lambda r: r["total"],
        "养老服务 在岗养老护理员",
    ),
    (
        "certified_caregivers",
        "eldercare.selectors",
        "data_caregiver_certification",
        lambda r: r["certified"],
        "养老服务 持证养老护理员",
    ),
    (
        "rehab_aid_townships",
        "eldercare.selectors",
        "data_rehab_rental_township_coverage",
        lambda r: r["covered"],
        "养老服务 康复辅具租赁服务点",
    ),
    (
        "rehab_aid_consultants",
        "eldercare.selectors",
        "data_rehab_advisor_count",
        None,
        "养老服务 持证康复辅助技术咨询师",
    ),
    ("care_institutions", "eldercare.selectors", "data_institution_count", None, "养老服务 在营养老机构"),
    ("elder_canteens", "eldercare.selectors", "data_canteen_count", None, "养老服务 长者食堂"),
    ("elder_activity_facilities", "eldercare.selectors", "data_activity_room_count", None, "养老服务 标准化老年活动室"),
]


def adopt_app_selectors() -> None:
    """Switch items to live data when an app exposes the selector we know how to call.

    A selector ``f(region_prefix, on_date)`` answering for one region is called per township
    (:func:`per_township`); an app may instead register a set-based provider itself with
    :func:`register_provider` (one query for all regions), which takes precedence. For 低保,
    ``assistance.selectors.dibao_recipient_counts(prefix, on_date) -> {region_code: count}``
    (grouped, one query) is preferred to the per-region ``dibao_recipient_count``.
    """
    import importlib

    modules: dict[str, Any] = {}
    for code, module_name, function_name, pick, label in APP_SELECTORS:
        if _ITEMS[code].provider is not None:
            continue
        if module_name not in modules:
            try:
                modules[module_name] = importlib.import_module(module_name)
            except ImportError:
                modules[module_name] = None
        module = modules[module_name]
        if module is None:
            continue
        if code == "dibao_recipients" and hasattr(module, "dibao_recipient_counts"):
            grouped = module.dibao_recipient_counts

            def provide_grouped(
                prefix: str, dates: Sequence[datetime.date], grouped: Any = grouped
            ) -> dict[tuple[str, datetime.date], Decimal]:
                return {
                    (region, day): Decimal(count)
                    for day in dates
                    for region, count in grouped(prefix, day).items()
                    if count
                }

            register_provider(code, provide_grouped, label)
            continue
        function = getattr(module, function_name, None)
        if function is not None:
            register_provider(code, per_township(function, pick), label)
