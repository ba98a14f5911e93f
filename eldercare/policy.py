"""Policy parameters of the facility side (coverage thresholds, credit-score rules), seeded
idempotently from migrations and the demo. Values and sources: seeds/002 四(三)1 and research."""

from __future__ import annotations

import datetime
from typing import Any

from core.choices import Certainty

PLAN_SOURCE = "《上海市崇明区民政事业发展“十四五”规划》四(三)1"
EFFECTIVE = datetime.date(2021, 1, 1)

# code -> (name, value, unit, source, certainty)
FACILITY_PARAMETERS: dict[str, tuple[str, Any, str, str, str]] = {
    "eldercare.coverage.institutions_per_township": (
        "每个乡镇标准化养老机构数（下限）",
        1,
        "家",
        PLAN_SOURCE + "：每个乡镇至少有1个标准化养老机构",
        Certainty.STATED,
    ),
    "eldercare.coverage.canteens_per_township": (
        "每个乡镇长者食堂数（下限）",
        1,
        "家",
        PLAN_SOURCE + "：社区长者食堂实现乡镇全覆盖",
        Certainty.STATED,
    ),
    "eldercare.coverage.activity_rooms_per_village": (
        "每个村居标准化老年活动室数（下限）",
        1,
        "个",
        PLAN_SOURCE + "：每个村居确保至少建有1个标准化老年活动室",
        Certainty.STATED,
    ),
    "eldercare.coverage.rehab_rentals_per_township": (
        "每个乡镇康复辅具租赁服务实体点数（下限）",
        1,
        "个",
        "崇明“十四五”规划指标8：康复辅具社区租赁服务实体点乡镇覆盖率 2025年100%",
        Certainty.STATED,
    ),
    "eldercare.coverage.beds_per_1000_elderly": (
        "每千名户籍老年人（60周岁以上）机构养老床位数（下限）",
        "35",
        "张/千人",
        PLAN_SOURCE + "：机构养老床位总数不低于户籍老年人口的3.5%",
        Certainty.STATED,
    ),
    "eldercare.coverage.elderly_age": (
        "床位配置口径的老年人年龄下限",
        60,
        "周岁",
        "《中华人民共和国老年人权益保障法》第二条：六十周岁以上",
        Certainty.STATED,
    ),
    "eldercare.coverage.meal_capacity_per_1000_aged65": (
        "每千名65周岁以上老年人日助餐供客能力（下限）",
        "40",
        "客/日/千人",
        "按崇明规划指标6（2025年9000客/日）与65岁以上户籍老年人约22万折算，待区民政局确认",
        Certainty.INFERRED,
    ),
    "eldercare.coverage.floor_area_per_1000_residents": (
        "每千名常住人口社区养老服务设施建筑面积（下限）",
        "40",
        "平方米/千人",
        "《上海市养老服务设施布局专项规划》：社区养老服务设施每千人不少于40平方米（记忆，上线前须确认）",
        Certainty.RECALLED,
    ),
    "eldercare.credit.base_score": (
        "养老机构信用基础分",
        100,
        "分",
        "本地配置：信用评价办法待区民政局确认",
        Certainty.LOCAL,
    ),
    "eldercare.credit.deductions": (
        "检查发现问题扣分（按问题等级；逾期未整改另扣）",
        {"minor": "2", "major": "5", "serious": "10", "overdue": "5"},
        "分",
        "本地配置：信用评价办法待区民政局确认",
        Certainty.LOCAL,
    ),
    "eldercare.credit.window_months": ("信用评价计分周期", 24, "月", "本地配置", Certainty.LOCAL),
    "eldercare.credit.blacklist_below": (
        "信用分低于此值提示列入黑名单",
        60,
        "分",
        "本地配置：信用评价办法待区民政局确认",
        Certainty.LOCAL,
    ),
    "eldercare.supervision.rectify_days": (
        "整改期限（按问题等级，日）",
        {"minor": "30", "major": "15", "serious": "7"},
        "日",
        "本地配置",
        Certainty.LOCAL,
    ),
}


def ensure_facility_parameters(parameter_model: Any = None, region_model: Any = None) -> int:
    """Create the parameters that do not exist yet, at 上海市 (31) when that region is loaded.

    Returns how many were created. Never changes a value someone has set. Migrations pass
    their historical models.
    """
    from core.services.policy import normalise_value

    if parameter_model is None or region_model is None:
        from core.models import PolicyParameter as parameter_model
        from core.models import Region as region_model

    created = 0
    for region in region_model.objects.filter(code__in=["31"]):
        for code, (name, value, unit, source, certainty) in FACILITY_PARAMETERS.items():
            _, made = parameter_model.objects.get_or_create(
                code=code,
                region=region,
                effective_from=EFFECTIVE,
                defaults={
                    "name": name,
                    "value": normalise_value(value)
                    if not isinstance(value, dict)
                    else {k: normalise_value(v) for k, v in value.items()},
                    "unit": unit,
                    "source": source,
                    "certainty": certainty,
                },
            )
            created += made
    return created
