"""Policy parameters of the community services, seeded idempotently (demo and tests call
:func:`ensure_community_parameters`). Sources: research/domain-rules.md §7; where no citywide
schedule was found the values are local defaults tagged as such, to be set by the bureau."""

from __future__ import annotations

import datetime
from typing import Any

from core.choices import Certainty

EFFECTIVE = datetime.date(2021, 1, 1)

MEAL_SUBSIDY = "eldercare.meal_subsidy"
MEAL_AGE_MIN = "eldercare.meal_age_min"
MEAL_AGE_HIGH = "eldercare.meal_age_high"
PEER_TARGET_MIN_AGE = "eldercare.peer_target_min_age"
PEER_VERY_OLD_AGE = "eldercare.peer_very_old_age"
ADAPTATION_MIN_AGE = "eldercare.adaptation_min_age"
ADAPTATION_SUBSIDY = "eldercare.adaptation_subsidy"

_MEAL_SOURCE = (
    "助餐补贴由区或街镇确定（domain-rules §7：松江车墩镇65岁以上每人每天2–4元）；未找到全市统一标准，"
    "按类别每餐补贴为本地默认值，须由区民政局确认"
)

# code -> (name, value, unit, source, certainty)
COMMUNITY_PARAMETERS: dict[str, tuple[str, Any, str, str, str]] = {
    MEAL_SUBSIDY: (
        "助餐每餐补贴（按对象类别）",
        {"extreme_poverty": "6.00", "dibao": "5.00", "age80": "4.00", "age65": "2.00", "other": "0.00"},
        "元/餐",
        _MEAL_SOURCE,
        Certainty.THIRD_PARTY,
    ),
    MEAL_AGE_MIN: ("助餐补贴年龄下限", 65, "周岁", "domain-rules §7：65岁以上老人助餐补贴", Certainty.THIRD_PARTY),
    MEAL_AGE_HIGH: ("高龄助餐补贴年龄", 80, "周岁", "本地配置：高龄老人口径", Certainty.LOCAL),
    PEER_TARGET_MIN_AGE: (
        "老伙伴计划关爱对象年龄下限（独居、无子女）",
        60,
        "周岁",
        "《中华人民共和国老年人权益保障法》第二条：六十周岁以上；上海“老伙伴”计划关爱独居、高龄、无子女老人",
        Certainty.RECALLED,
    ),
    PEER_VERY_OLD_AGE: (
        "老伙伴计划高龄对象年龄",
        80,
        "周岁",
        "上海“老伙伴”计划：高龄老人（记忆，须确认）",
        Certainty.RECALLED,
    ),
    ADAPTATION_MIN_AGE: ("适老化改造申请年龄下限", 60, "周岁", "本地配置：60周岁以上老年人家庭", Certainty.LOCAL),
    ADAPTATION_SUBSIDY: (
        "适老化改造补贴比例与上限（按对象类别）",
        {
            "extreme_poverty": {"share": "1.00", "cap": "3000.00"},
            "dibao": {"share": "1.00", "cap": "3000.00"},
            "age80": {"share": "0.80", "cap": "3000.00"},
            "age65": {"share": "0.60", "cap": "2000.00"},
            "other": {"share": "0.40", "cap": "1000.00"},
        },
        "比例/元",
        "上海居家环境适老化改造：低保、低收入等困难老人按上限全额补贴（上限3000元为记忆，须确认）；其他类别为本地默认值",
        Certainty.RECALLED,
    ),
}


def _normalise(value: Any) -> Any:
    from core.services.policy import normalise_value

    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return normalise_value(value)


def ensure_community_parameters() -> int:
    """Create the parameters that do not exist yet at 上海市 (31) and 云南省 (53) level.

    Returns how many were created. Never changes a value someone has set.
    """
    from core.models import PolicyParameter, Region

    created = 0
    for region in Region.objects.filter(code__in=["31", "53"]):
        for code, (name, value, unit, source, certainty) in COMMUNITY_PARAMETERS.items():
            _, made = PolicyParameter.objects.get_or_create(
                code=code,
                region=region,
                effective_from=EFFECTIVE,
                defaults={
                    "name": name,
                    "value": _normalise(value),
                    "unit": unit,
                    "source": source,
                    "certainty": certainty,
                },
            )
            created += made
    return created
