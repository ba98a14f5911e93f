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
