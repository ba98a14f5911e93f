"""Policy data of the care side (assessments, entitlements, allowances, waiting list, respite) and
the rules that read it. Every number is an effective-dated parameter with its source and a
certainty tag (research/domain-rules.md §5, §7, §8 items 12–14); the functions here only read.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.choices import Certainty
from core.policy import MissingPolicyParameter, policy_decimal, policy_table, policy_value

ASSESSMENT_SOURCE = "《上海市老年照护统一需求评估及服务管理办法》（沪府办发〔2018〕2号）"
LTCI_SOURCE = "《上海市长期护理保险试点办法》（沪府发〔2017〕97号）第十四条（第三方转引，2021年新版待核实）"
BASIC_BED_SOURCE = "《上海市保基本养老机构(床位)管理办法》（沪民规〔2022〕15号），长宁区2025-07-03转引"
ALLOWANCE_SOURCE = (
    "上海市老年综合津贴制度（2016年5月起），fanzhaw.com 转引并经 ecns.cn 2016-04-07 核对 75 元与 600 元两档"
)

VALIDITY_YEARS = "eldercare.assessment_validity_years"
NOTICE_DAYS = "eldercare.reassessment_notice_days"
HOMECARE_HOURS = "eldercare.homecare_weekly_hours"
FUND_SHARE = "eldercare.homecare_fund_share"
CONTINUOUS_BONUS = "eldercare.continuous_care_bonus"
LTCI_MIN_GRADE = "eldercare.ltci_min_grade"
BASIC_BED_MIN_GRADE = "eldercare.basic_bed_min_grade"
SENIOR_BANDS = "eldercare.senior_allowance_bands"
LONGEVITY_BANDS = "eldercare.longevity_allowance_bands"
AGE_RULE = "eldercare.allowance_age_rule"
WAITLIST_PRIORITY = "eldercare.waitlist_priority"
OFFER_DAYS = "eldercare.offer_response_days"
MAX_DECLINES = "eldercare.waitlist_max_declines"
RESPITE_LIMITS = "eldercare.respite_limits"

# The age rule: from which month a person counts as having reached an age.
BIRTHDAY_MONTH = "birthday_month"  # the month in which the birthday falls
MONTH_AFTER = "month_after"  # the month after the birthday month

# (code, region, effective from, name, value, unit, source, certainty, note)
CARE_PARAMETERS: list[tuple[str, str, datetime.date, str, Any, str, str, str, str]] = [
    (
        VALIDITY_YEARS,
        "31",
        datetime.date(2018, 1, 5),
        "统一需求评估结果有效期",
        "2",
        "年",
        ASSESSMENT_SOURCE + "：评估结果有效期最长2年",
        Certainty.THIRD_PARTY,
        "",
    ),
    (
        NOTICE_DAYS,
        "31",
        datetime.date(2018, 1, 5),
        "复评提醒提前天数",
        "60",
        "日",
        "本地配置：到期前提醒复评",
        Certainty.LOCAL,
        "",
    ),
    (
        HOMECARE_HOURS,
        "31",
        datetime.date(2018, 1, 1),
        "社区居家照护每周服务时数（按照护等级）",
        {"2": "3", "3": "3", "4": "5", "5": "7", "6": "7"},
        "小时/周",
        LTCI_SOURCE,
        Certainty.THIRD_PARTY,
        "等级 2–3 每周上门 3 次、4 级 5 次、5–6 级 7 次，每次 1 小时",
    ),
    (
        FUND_SHARE,
        "31",
        datetime.date(2018, 1, 1),
        "长护险基金支付居家照护费用比例",
        "0.90",
        "",
        LTCI_SOURCE,
        Certainty.THIRD_PARTY,
        "",
    ),
    (
        CONTINUOUS_BONUS,
        "31",
        datetime.date(2018, 1, 1),
        "5–6级连续居家照护增加服务时间或现金补助",
        {
            "grades": [5, 6],
            "tiers": [
                {"over_months": 1, "hours_per_month": "1", "cash_per_month": "40.00"},
                {"over_months": 6, "hours_per_month": "2", "cash_per_month": "80.00"},
            ],
        },
        "",
        LTCI_SOURCE
        + "：连续接受居家照护 1 个月以上 6 个月以下（含）每月增加 1 小时或 40 元；6 个月以上 2 小时或 80 元",
        Certainty.THIRD_PARTY,
        "二者选一",
    ),
    (
        LTCI_MIN_GRADE,
        "31",
        datetime.date(2018, 1, 1),
        "享受长护险待遇的最低照护等级",
        "2",
        "级",
        LTCI_SOURCE + "：照护二至六级享受待遇",
        Certainty.THIRD_PARTY,
        "",
    ),
    (
        BASIC_BED_MIN_GRADE,
        "31",
        datetime.date(2022, 1, 1),
        "申请保基本养老床位的最低照护等级",
        "3",
        "级",
        BASIC_BED_SOURCE + "：照护等级三级及以上，或经诊断认知障碍，或特困/重点优抚/计生特殊家庭",
        Certainty.THIRD_PARTY,
        "床位充足的区可放宽等级；生效日期待核实",
    ),
    (
        SENIOR_BANDS,
        "31",
        datetime.date(2016, 5, 1),
        "老年综合津贴标准（按年龄段）",
        [
            {"min_age": 65, "max_age": 69, "amount": "75.00"},
            {"min_age": 70, "max_age": 79, "amount": "150.00"},
            {"min_age": 80, "max_age": 89, "amount": "180.00"},
            {"min_age": 90, "max_age": 99, "amount": "350.00"},
            {"min_age": 100, "max_age": None, "amount": "600.00"},
        ],
        "元/月",
        ALLOWANCE_SOURCE,
        Certainty.STATED,
        "2016年以后是否调整未找到，上线前须确认",
    ),
    (
        AGE_RULE,
        "31",
        datetime.date(2016, 5, 1),
        "津贴年龄计算口径（进入新年龄段的月份）",
        BIRTHDAY_MONTH,
        "",
        "未找到官方口径：默认生日当月起按新年龄段发放；可改为 month_after（生日次月起）",
        Certainty.NOT_FOUND,
        "",
    ),
    (
        LONGEVITY_BANDS,
        "532302",
        datetime.date(2021, 1, 1),
        "禄丰市高龄津贴标准（按年龄段）",
        [
            {"min_age": 80, "max_age": 89, "amount": "50.00"},
            {"min_age": 90, "max_age": 99, "amount": "100.00"},
            {"min_age": 100, "max_age": None, "amount": "300.00"},
        ],
        "元/月",
        "分档金额未找到来源（记忆）。禄丰“十四五”规划仅载明十三五期间累计 41784 人享受、发放 2520.54 万元",
        Certainty.RECALLED,
        "上线前须向禄丰市民政局确认各档金额与起始年龄",
    ),
    (
        AGE_RULE,
        "532302",
        datetime.date(2021, 1, 1),
        "津贴年龄计算口径（进入新年龄段的月份）",
        BIRTHDAY_MONTH,
        "",
        "未找到禄丰口径：默认生日当月起",
        Certainty.NOT_FOUND,
        "",
    ),
    (
        WAITLIST_PRIORITY,
        "31",
        datetime.date(2022, 1, 1),
        "保基本床位轮候优先积分规则",
        {
            "extreme_poverty": "100",
            "dibao": "60",
            "priority_care": "40",
            "family_planning_special": "40",
            "cognitive_impairment": "30",
            "grade": {"3": "10", "4": "20", "5": "30", "6": "40"},
            "age": [{"min_age": 80, "points": "10"}, {"min_age": 90, "points": "20"}],
        },
        "分",
        "本地配置示例：特困、低保优先（沪民规〔2022〕15号所列优先对象），积分值须由区民政局确定",
        Certainty.LOCAL,
        "同分按申请日期先后，再按申请编号",
    ),
    (
        OFFER_DAYS,
        "31",
        datetime.date(2022, 1, 1),
        "床位通知答复期限",
        "7",
        "日",
        "本地配置",
        Certainty.LOCAL,
        "逾期未答复视为放弃",
    ),
    (
        MAX_DECLINES,
        "31",
        datetime.date(2022, 1, 1),
        "轮候中放弃床位次数上限",
        "2",
        "次",
        "本地配置",
        Certainty.LOCAL,
        "达到上限即取消本次轮候",
    ),
    (
        RESPITE_LIMITS,
        "31",
        datetime.date(2021, 1, 1),
        "喘息服务限额",
        {"min_grade": 4, "days_per_year": "30", "hours_per_day": "8"},
        "",
        "记忆：上海喘息服务面向照护等级中度及以上（4–6级）居家老人，每年累计不超过 30 天；上线前须确认",
        Certainty.RECALLED,
        "",
    ),
]


def _normalise(value: Any) -> Any:
    from core.services.policy import normalise_value

    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if value is None or isinstance(value, int):
        return value
    return normalise_value(value)


def ensure_care_parameters() -> int:
    """Create the parameters that do not exist yet; never changes a value someone has set."""
    from core.models import PolicyParameter, Region

    regions = {r.code: r for r in Region.objects.filter(code__in={row[1] for row in CARE_PARAMETERS})}
    created = 0
    for code, region_code, effective, name, value, unit, source, certainty, note in CARE_PARAMETERS:
        region = regions.get(region_code)
        if region is None:
            continue
        _, made = PolicyParameter.objects.get_or_create(
            code=code,
            region=region,
            effective_from=effective,
            defaults={
                "name": name,
                "value": _normalise(value),
                "unit": unit,
                "source": source[:500],
                "certainty": certainty,
                "note": note,
            },
        )
        created += made
    return created


# --- Reading the rules ----------------------------------------------------------------------


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` later (29 February → 28 February in common years)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def valid_until(assessed_on: datetime.date, region_code: str) -> datetime.date:
    """Last day of validity: the day before the same date ``validity years`` later."""
    years = int(policy_decimal(VALIDITY_YEARS, region_code, assessed_on))
    return add_years(assessed_on, years) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Band:
    min_age: int
    max_age: int | None
    amount: Decimal


@dataclass(frozen=True)
class AllowanceRule:
    parameter_id: int
    bands: list[Band]
    age_rule: str
    age_rule_id: int | None

    def reference_date(self, month: datetime.date) -> datetime.date:
        """The day on which age is counted for a month's payment.

        Birthday-month rule: the last day of the month (a birthday anywhere in the month counts);
        month-after rule: the last day of the month before (a birthday counts from the next month).
        """
        first = month.replace(day=1)
        if self.age_rule == MONTH_AFTER:
            return first - datetime.timedelta(days=1)
        return month_end(first)

    def amount_for_age(self, age: int) -> Decimal:
        for band in self.bands:
            if age >= band.min_age and (band.max_age is None or age <= band.max_age):
                return band.amount
        return Decimal("0.00")


def allowance_rule(bands_code: str, region_code: str, month: datetime.date) -> AllowanceRule | None:
    """The bands and age rule in force for a region in a month, or None where the scheme does not apply."""
    month = month.replace(day=1)
    bands = policy_value(bands_code, region_code, month)
    if bands is None:
        return None
    rule = policy_value(AGE_RULE, region_code, month)
    parsed = sorted(
        (
            Band(
                int(b["min_age"]),
                int(b["max_age"]) if b.get("max_age") not in (None, "") else None,
                Decimal(str(b["amount"])).quantize(Decimal("0.01")),
            )
            for b in bands.value
        ),
        key=lambda b: b.min_age,
    )
    return AllowanceRule(
        parameter_id=bands.pk,
        bands=parsed,
        age_rule=str(rule.value) if rule else BIRTHDAY_MONTH,
        age_rule_id=rule.pk if rule else None,
    )


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class CareEntitlement:
    grade: int
    weekly_hours: Decimal
    fund_share: Decimal
    ltci_eligible: bool
    bonus_hours_per_month: Decimal
    bonus_cash_per_month: Decimal


def care_entitlement(grade: int, region_code: str, on: datetime.date, continuous_months: int = 0) -> CareEntitlement:
    """What a grade entitles to in home care (长护险 社区居家照护), on a day.

    ``continuous_months``: completed months of continuous home care so far (for the 5–6 bonus:
    more than 1 and up to 6 → the first tier, more than 6 → the second).
    """
    tables = {code: policy_table(code, region_code, on) for code in ENTITLEMENT_PARAMETERS}
    return entitlement_from(grade, tables, continuous_months)


ENTITLEMENT_PARAMETERS = (LTCI_MIN_GRADE, HOMECARE_HOURS, FUND_SHARE, CONTINUOUS_BONUS)


def entitlement_from(grade: int, tables: dict[str, Any], continuous_months: int = 0) -> CareEntitlement:
    """The entitlement from the parameter values (``ENTITLEMENT_PARAMETERS``) already read."""
    eligible = int(Decimal(str(tables[LTCI_MIN_GRADE]))) <= grade <= 6
    hours_table = tables[HOMECARE_HOURS]
    weekly = Decimal(str(hours_table.get(str(grade), "0"))) if eligible else Decimal("0")
    share = Decimal(str(tables[FUND_SHARE])) if eligible else Decimal("0")
    bonus_hours = bonus_cash = Decimal("0")
    bonus = tables[CONTINUOUS_BONUS]
    if eligible and grade in bonus["grades"]:
        for tier in sorted(bonus["tiers"], key=lambda t: t["over_months"]):
            if continuous_months > tier["over_months"]:
                bonus_hours = Decimal(str(tier["hours_per_month"]))
                bonus_cash = Decimal(str(tier["cash_per_month"]))
    return CareEntitlement(grade, weekly, share, eligible, bonus_hours, bonus_cash.quantize(Decimal("0.01")))


def policy_values_for(code: str, region_codes: set[str], on: datetime.date) -> dict[str, Any]:
    """The value in force for each of many regions in one query (same rule as ``policy_value``:
    the nearest region up the tree, then the latest effective date)."""
    from core.models import PolicyParameter
    from core.models.regions import ancestor_codes

    ancestors = {a for r in region_codes for a in ancestor_codes(r)}
    latest: dict[str, Any] = {}
    for region, value in (
        PolicyParameter.objects.filter(code=code, region_id__in=ancestors, effective_from__lte=on)
        .order_by("region_id", "-effective_from")
        .values_list("region_id", "value")
    ):
        latest.setdefault(region, value)
    result = {}
    for region_code in region_codes:
        for ancestor in reversed(ancestor_codes(region_code)):
            if ancestor in latest:
                result[region_code] = latest[ancestor]
                break
    return result


def basic_bed_eligible(
    *,
    grade: int | None,
    region_code: str,
    on: datetime.date,
    cognitive_impairment: bool = False,
    extreme_poverty: bool = False,
    priority_care: bool = False,
    family_planning_special: bool = False,
) -> bool:
    """May the person apply for a 保基本养老床位 (沪民规〔2022〕15号)?"""
    if cognitive_impairment or extreme_poverty or priority_care or family_planning_special:
        return True
    min_grade = int(policy_decimal(BASIC_BED_MIN_GRADE, region_code, on))
    return grade is not None and min_grade <= grade <= 6


@dataclass(frozen=True)
class RespiteLimits:
    min_grade: int
    days_per_year: Decimal
    hours_per_day: Decimal

    @property
    def hours_per_year(self) -> Decimal:
        return self.days_per_year * self.hours_per_day


def respite_limits(region_code: str, on: datetime.date) -> RespiteLimits:
    table = policy_table(RESPITE_LIMITS, region_code, on)
    return RespiteLimits(
        int(table["min_grade"]), Decimal(str(table["days_per_year"])), Decimal(str(table["hours_per_day"]))
    )


__all__ = [
    "AllowanceRule",
    "Band",
    "CareEntitlement",
    "MissingPolicyParameter",
    "add_years",
    "age_on",
    "allowance_rule",
    "basic_bed_eligible",
    "care_entitlement",
    "ensure_care_parameters",
    "month_end",
    "respite_limits",
    "valid_until",
]
