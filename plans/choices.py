from django.db import models

# --- documents (h4a) -------------------------------------------------------------------------


class IndicatorKind(models.TextChoices):
    """指标类型/属性 as printed in the plan's table."""

    BINDING = "binding", "约束性"
    INDICATIVE = "indicative", "预期性"
    UNSPECIFIED = "", "未标明"


class Comparator(models.TextChoices):
    """How a target is stated: ≥35 → GE 35; a target that is only words is TEXT."""

    GE = "ge", "≥"
    LE = "le", "≤"
    EQ = "eq", "="
    GT = "gt", ">"
    LT = "lt", "<"
    TEXT = "text", "文字目标"
    NONE = "", "无"


class VersionLabel(models.TextChoices):
    DRAFT_FOR_COMMENT = "征求意见稿", "征求意见稿"
    DRAFT = "草案", "草案"
    ISSUED = "正式稿", "正式稿"
    OTHER = "其他", "其他"


# --- computing (h4b) -------------------------------------------------------------------------


class MissingRule(models.TextChoices):
    """What a formula does when a data item has no value (DHIS2's missing-value strategies)."""

    SKIP = "skip", "跳过：全部数据项缺失时无值，部分缺失按 0 计"
    ZERO = "zero", "按 0 计：缺失的数据项一律按 0 计"
    NO_VALUE = "no_value", "无值：任一数据项缺失即无值"


class IndicatorStatus(models.TextChoices):
    """Where an indicator stands against its target on the straight line from the baseline."""

    BEHIND = "behind", "滞后"
    ON_TRACK = "on_track", "按进度"
    ACHIEVED = "achieved", "已达标"
    NO_DATA = "no_data", "无数据"
    TEXT_TARGET = "text", "文字目标（人工评价）"
