"""Choices of economic verification (经济状况核对) and dynamic management (复核)."""

from django.db import models


class FactSource(models.TextChoices):
    """Where a data-source fact comes from (the partners of 居民经济状况核对)."""

    BANK_DEPOSIT = "bank_deposit", "银行存款"
    SECURITIES = "securities", "证券与基金"
    VEHICLE = "vehicle", "机动车辆"
    REAL_ESTATE = "real_estate", "不动产"
    WAGE_SOCIAL_INSURANCE = "wage_social_insurance", "工资与社会保险"
    TAX = "tax", "纳税记录"
    BUSINESS = "business", "工商登记"


# Sources whose facts are balances/holdings (the latest snapshot counts) and those whose facts
# are monthly flows (every month in the averaging window counts).
SNAPSHOT_SOURCES = (
    FactSource.BANK_DEPOSIT,
    FactSource.SECURITIES,
    FactSource.VEHICLE,
    FactSource.REAL_ESTATE,
    FactSource.BUSINESS,
)
MONETARY_SOURCES = (FactSource.BANK_DEPOSIT, FactSource.SECURITIES)


class RealEstateUse(models.TextChoices):
    RESIDENTIAL = "residential", "居住类房屋"
    NON_RESIDENTIAL = "non_residential", "非居住类房屋"


class CountedAs(models.TextChoices):
    """How a fact enters the report."""

    INCOME = "income", "计入月收入"
    MONETARY = "monetary", "计入货币财产"
    VEHICLE = "vehicle", "机动车辆"
    NON_RESIDENTIAL = "non_residential", "非居住类房屋"
    EXEMPT = "exempt", "豁免（不计入）"
    INFO = "info", "参考信息（需人工核实）"


class VerificationOutcome(models.TextChoices):
    PASSED = "passed", "符合"
    FAILED = "failed", "不符合"


class ReviewTrigger(models.TextChoices):
    SCHEDULE = "schedule", "定期复核"
    PERSON_DIED = "person_died", "家庭成员死亡"
    MEMBER_LEFT = "member_left", "家庭成员迁出"
    MEMBER_JOINED = "member_joined", "家庭成员迁入"
    NEW_INCOME = "new_income", "核对数据显示新增收入"
    MANUAL = "manual", "人工发起"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "待复核"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已撤销"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "继续保障"
    CHANGE_AMOUNT = "change_amount", "调整救助金额"
    SUSPEND = "suspend", "停保"
    END = "end", "终止保障"


class HouseholdType(models.TextChoices):
    """For the review interval: households without working-age members have stable income."""

    STABLE = "stable", "收入稳定（无劳动年龄成员）"
    WORKING = "working", "有劳动年龄成员"
