"""Policy parameters of social assistance, with their sources and certainty tags.

Values and tags come from ``shared/research/domain-rules.md`` §3. Rows tagged [R] or [I] must be
confirmed with the bureau before go-live (the policy page shows the tag). ``ensure_parameters``
is idempotent: it adds a row only when the (code, region, effective date) is missing, never
rewrites a row already there (a bureau may have corrected it), and skips regions not loaded yet.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from core.choices import Certainty

SHANGHAI = "31"
YUNNAN = "53"

SHINE_2021 = "https://www.shine.cn/news/metro/2106241064/ (2021-06-24)；tellerreport 2021-11-17"
SH_PROPERTY = "《上海市最低生活保障审核确认办法》（第三方摘录，版本年份不详）"
MCA_2021 = "《最低生活保障审核确认办法》（民发〔2021〕57号）"
YN_2020 = "云南省民政厅 2020-12-29 新闻发布会 http://japanese.china.org.cn/business/txt/2020-12/30/content_77064559.htm"
APPEAL_TEXT = (
    "如对本决定不服，可以自收到本决定书之日起六十日内向区人民政府申请行政复议，"
    "或者自收到本决定书之日起六个月内直接向人民法院提起行政诉讼。"
)

D = datetime.date

# (code, name, unit, [(region, effective_from, value, source, certainty, note)])
PARAMETERS: list[tuple[str, str, str, list[tuple[str, datetime.date, Any, str, str, str]]]] = [
    (
        "assistance.dibao_standard",
        "低保标准（每人每月）",
        "元/人·月",
        [
            (SHANGHAI, D(2019, 4, 1), "1160", "https://www.shine.cn/news/metro/1904283861/", Certainty.STATED, ""),
            (SHANGHAI, D(2020, 4, 1), "1240", SHINE_2021, Certainty.STATED, "生效月份为推测（4月1日）"),
            (SHANGHAI, D(2021, 7, 1), "1330", SHINE_2021, Certainty.STATED, ""),
            (SHANGHAI, D(2022, 7, 1), "1420", "未找到来源", Certainty.RECALLED, "上线前须向市民政局确认"),
            (SHANGHAI, D(2023, 7, 1), "1510", "未找到来源", Certainty.RECALLED, "上线前须向市民政局确认"),
            (
                YUNNAN,
                D(2020, 12, 29),
                "640",
                YN_2020,
                Certainty.STATED,
                "全省城市低保最低标准 7680 元/年；县市标准不低于此",
            ),
        ],
    ),
    (
        "assistance.dibao_standard_minor",
        "困难家庭未成年人低保标准",
        "元/人·月",
        [
            (SHANGHAI, D(2020, 4, 1), "1615", SHINE_2021, Certainty.STATED, ""),
            (SHANGHAI, D(2021, 7, 1), "1730", SHINE_2021, Certainty.STATED, ""),
        ],
    ),
    (
        "assistance.minor_standard_enabled",
        "未成年人按未成年人标准计入家庭保障标准",
        "",
        [(SHANGHAI, D(2019, 1, 1), True, SHINE_2021, Certainty.INFERRED, "计算方式待确认（domain-rules §8 第10项）")],
    ),
    (
        "assistance.dibao_rural_floor_annual",
        "农村低保最低标准（每人每年）",
        "元/人·年",
        [(YUNNAN, D(2020, 12, 29), "4500", YN_2020, Certainty.STATED, "农村低保按年定标、按月发放")],
    ),
    (
        "assistance.monetary_property_limit",
        "人均货币财产上限（按家庭人数）",
        "元/人",
        [
            (
                SHANGHAI,
                D(2019, 1, 1),
                [{"max_size": 2, "per_capita": "33000"}, {"max_size": None, "per_capita": "30000"}],
                SH_PROPERTY,
                Certainty.THIRD_PARTY,
                "2人及以下户 33000，3人及以上户 30000，均含本数",
            )
        ],
    ),
    (
        "assistance.vehicle_allowed",
        "允许拥有生活用机动车辆",
        "",
        [(SHANGHAI, D(2019, 1, 1), False, SH_PROPERTY, Certainty.THIRD_PARTY, "残疾人功能性补偿代步车除外")],
    ),
    (
        "assistance.non_residential_property_allowed",
        "允许拥有非居住类房屋",
        "",
        [(SHANGHAI, D(2019, 1, 1), False, SH_PROPERTY, Certainty.THIRD_PARTY, "唯一住房的居改非除外")],
    ),
    (
        "assistance.addon.severe_disability",
        "分类施保：重残无业人员及低保家庭残疾人加发",
        "元/人·月",
        [
            (
                SHANGHAI,
                D(2021, 7, 1),
                "410",
                "https://www.shine.cn/news/metro/2108133526/ (2021-08-13)",
                Certainty.STATED,
                "金额已核实；生效日期与是否在低保金之外加发待确认",
            )
        ],
    ),
    (
        "assistance.extreme_poverty_multiplier",
        "特困人员基本生活标准不低于低保标准的倍数",
        "倍",
        [
            (SHANGHAI, D(2016, 2, 10), "1.3", "国发〔2016〕14号", Certainty.STATED, ""),
            (YUNNAN, D(2016, 2, 10), "1.3", "国发〔2016〕14号", Certainty.STATED, ""),
        ],
    ),
    (
        "assistance.extreme_poverty_floor",
        "特困人员基本生活标准下限（每人每月）",
        "元/人·月",
        [(YUNNAN, D(2020, 12, 29), "832", YN_2020, Certainty.STATED, "")],
    ),
    (
        "assistance.dibao_edge_multiplier",
        "低保边缘家庭人均收入上限（低保标准的倍数）",
        "倍",
        [
            (SHANGHAI, D(2021, 6, 11), "1.5", MCA_2021, Certainty.STATED, ""),
            (YUNNAN, D(2021, 6, 11), "1.5", MCA_2021, Certainty.STATED, ""),
        ],
    ),
    (
        "assistance.low_income_multiplier",
        "低收入困难家庭人均收入上限（低保标准的倍数）",
        "倍",
        [
            (SHANGHAI, D(2019, 1, 1), "2", "未找到来源", Certainty.RECALLED, "上海历来按低保标准2倍，待确认"),
            (YUNNAN, D(2021, 6, 11), "1.5", MCA_2021, Certainty.INFERRED, "按低保边缘标准"),
        ],
    ),
    (
        "assistance.publicity_days",
        "公示期（工作日）",
        "工作日",
        [
            (SHANGHAI, D(2021, 6, 11), "7", MCA_2021, Certainty.RECALLED, "公示期7天；是否按工作日计算待确认"),
            (YUNNAN, D(2021, 6, 11), "7", MCA_2021, Certainty.RECALLED, "公示期7天；是否按工作日计算待确认"),
        ],
    ),
    (
        "assistance.decision_level",
        "审核确认机关（district 区县民政 / township 乡镇街道）",
        "",
        [
            (SHANGHAI, D(2021, 6, 11), "district", MCA_2021, Certainty.LOCAL, "县级可委托乡镇审核确认"),
            (YUNNAN, D(2021, 6, 11), "district", MCA_2021, Certainty.LOCAL, "县级可委托乡镇审核确认"),
        ],
    ),
    (
        "assistance.appraisal_skip_uncontested",
        "无争议的申请可不经民主评议",
        "",
        [
            (SHANGHAI, D(2021, 6, 11), True, MCA_2021, Certainty.RECALLED, "民主评议非必经程序，待确认本地做法"),
            (YUNNAN, D(2021, 6, 11), False, MCA_2021, Certainty.LOCAL, ""),
        ],
    ),
    (
        "assistance.sla_working_days",
        "审核确认办结时限（工作日，按类别）",
        "工作日",
        [
            (
                region,
                D(2021, 6, 11),
                {
                    "dibao": 30,
                    "low_income": 30,
                    "dibao_edge": 30,
                    "extreme_poverty_support": 30,
                    "expenditure_poverty": 30,
                    "temporary_assistance": 15,
                },
                MCA_2021,
                Certainty.RECALLED,
                "低保 30 个工作日；临时救助时限为本地配置",
            )
            for region in (SHANGHAI, YUNNAN)
        ],
    ),
    (
        "assistance.review_interval_months",
        "复核周期（月，按类别）",
        "月",
        [
            (
                region,
                D(2021, 6, 11),
                {
                    "dibao": 6,
                    "dibao_stable": 12,
                    "low_income": 12,
                    "dibao_edge": 12,
                    "extreme_poverty_support": 12,
                    "expenditure_poverty": 6,
                },
                MCA_2021,
                Certainty.RECALLED,
                "收入来源不固定的每半年，老年、重病重残等收入基本无变化的每年核查一次",
            )
            for region in (SHANGHAI, YUNNAN)
        ],
    ),
    (
        "assistance.temporary_cap_multiple",
        "临时救助金额上限（低保标准的倍数，每户每次）",
        "倍",
        [
            (region, D(2019, 1, 1), {"ordinary": "3", "urgent": "6"}, "未找到来源", Certainty.RECALLED, "待确认")
            for region in (SHANGHAI, YUNNAN)
        ],
    ),
    (
        "assistance.appeal_clause",
        "不予批准决定书的救济途径",
        "",
        [
            (
                region,
                D(2020, 1, 1),
                APPEAL_TEXT,
                "《行政复议法》第二十条；《行政诉讼法》第四十六条",
                Certainty.RECALLED,
                "复议机关名称按本地填写",
            )
            for region in (SHANGHAI, YUNNAN)
        ],
    ),
]


def ensure_parameters(policy_model: Any = None, region_model: Any = None) -> int:
    """Add the missing rows; returns how many were added. Migrations pass their historical models."""
    from core.services.policy import normalise_value

    if policy_model is None or region_model is None:
        from core.models import PolicyParameter, Region
    else:
        PolicyParameter, Region = policy_model, region_model

    regions = set(Region.objects.filter(code__in=[SHANGHAI, YUNNAN]).values_list("code", flat=True))
    existing = set(
        PolicyParameter.objects.filter(code__startswith="assistance.").values_list(
            "code", "region_id", "effective_from"
        )
    )
    added = 0
    with transaction.atomic():
        for code, name, unit, rows in PARAMETERS:
            for region, effective_from, value, source, certainty, note in rows:
                if region not in regions or (code, region, effective_from) in existing:
                    continue
                PolicyParameter.objects.create(
                    code=code,
                    name=name,
                    region_id=region,
                    effective_from=effective_from,
                    value=normalise_value(value),
                    unit=unit,
                    source=source,
                    certainty=certainty,
                    note=note,
                )
                added += 1
    return added
