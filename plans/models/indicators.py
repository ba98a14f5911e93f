"""Computing indicators: each indicator's formula (versioned), manual data values, yearly snapshots.

Formulas and snapshots refer to an indicator by its plan and the stable ``indicator_key`` of the
document models, so they survive a new version of the plan document.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from plans.choices import IndicatorStatus, MissingRule

__all__ = ["Formula", "ManualValue", "Snapshot"]


class Formula(models.Model):
    """How an indicator is computed: Σnumerator ÷ Σdenominator × factor over data items.

    A change is a new version (the old row stays, ``is_current`` moves), so a snapshot can say
    which formula produced it.
    """

    plan = models.ForeignKey("plans.Plan", verbose_name="规划", on_delete=models.CASCADE, related_name="formulas")
    indicator_key = models.CharField("指标键", max_length=100)
    version = models.PositiveIntegerField("公式版本")
    numerator = models.CharField("分子（或计算式）", max_length=500)
    denominator = models.CharField("分母", max_length=500, blank=True)
    factor = models.DecimalField("系数", max_digits=12, decimal_places=2, default=1)
    missing_rule = models.CharField(
        "缺失数据规则", max_length=10, choices=MissingRule.choices, default=MissingRule.SKIP
    )
    decimals = models.PositiveSmallIntegerField("显示小数位", default=2)
    note = models.CharField("口径说明", max_length=500, blank=True)
    is_current = models.BooleanField("现行", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="设定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("设定时间", auto_now_add=True)

    class Meta:
        verbose_name = "指标公式"
        verbose_name_plural = "指标公式"
        ordering = ["plan_id", "indicator_key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "indicator_key", "version"], name="plans_formula_version_uniq"),
            models.UniqueConstraint(
                fields=["plan", "indicator_key"], condition=Q(is_current=True), name="plans_formula_one_current"
            ),
            models.CheckConstraint(condition=Q(factor__gt=0), name="plans_formula_factor_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_key} v{self.version}"


class ManualValue(models.Model):
    """A yearly figure entered by staff for a data item the system does not compute, with its source."""

    item_code = models.CharField("数据项", max_length=60)
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("数值", max_digits=20, decimal_places=4)
    source = models.CharField("数据来源", max_length=300)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField("填报时间", auto_now=True)

    class Meta:
        verbose_name = "人工填报数据"
        verbose_name_plural = "人工填报数据"
        ordering = ["item_code", "region_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["item_code", "region", "year"], name="plans_manualvalue_uniq"),
            models.CheckConstraint(condition=Q(year__gte=1949) & Q(year__lte=2100), name="plans_manualvalue_year"),
        ]

    def __str__(self) -> str:
        return f"{self.item_code} {self.region_id} {self.year}"


class Snapshot(models.Model):
    """The value of one indicator for one region and year, with what it was computed from."""

    plan = models.ForeignKey("plans.Plan", verbose_name="规划", on_delete=models.CASCADE, related_name="snapshots")
    indicator_key = models.CharField("指标键", max_length=100)
    region = models.ForeignKey(
        "core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("指标值", max_digits=24, decimal_places=6, null=True, blank=True)
    numerator = models.DecimalField("分子", max_digits=24, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField("分母", max_digits=24, decimal_places=6, null=True, blank=True)
    inputs = models.JSONField("数据项取值", default=dict, blank=True)
    reason = models.CharField("无值原因", max_length=200, blank=True)
    formula_version = models.PositiveIntegerField("公式版本", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=IndicatorStatus.choices, default=IndicatorStatus.NO_DATA)
    progress = models.DecimalField("目标完成进度（%）", max_digits=12, decimal_places=2, null=True, blank=True)
    expected = models.DecimalField("按进度应达值", max_digits=24, decimal_places=6, null=True, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "指标年度快照"
        verbose_name_plural = "指标年度快照"
        ordering = ["plan_id", "indicator_key", "region_id", "year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "region", "indicator_key", "year"], name="plans_snapshot_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_key} {self.region_id} {self.year}"
