from django.db import models


class Category(models.TextChoices):
    """救助类别. 低保边缘 is a 低收入 sub-kind nationally (< 1.5 × 低保, 民发〔2021〕57号)."""

    DIBAO = "dibao", "最低生活保障（低保）"
    LOW_INCOME = "low_income", "低收入困难家庭"
    DIBAO_EDGE = "dibao_edge", "低保边缘家庭"
    EXTREME_POVERTY_SUPPORT = "extreme_poverty_support", "特困人员供养"
    EXPENDITURE_POVERTY = "expenditure_poverty", "支出型贫困家庭"
    TEMPORARY_ASSISTANCE = "temporary_assistance", "临时救助"


class CaseStatus(models.TextChoices):
    ACTIVE = "active", "在保"
    SUSPENDED = "suspended", "停保"
    ENDED = "ended", "终止"


class MemberKind(models.TextChoices):
    """Which standard a member's share of the household's sum uses (分类施保)."""

    ADULT = "adult", "成年人"
    MINOR = "minor", "困难家庭未成年人"
