"""助餐 (meal service): enrolments at meal points, daily orders and meals served, monthly settlements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q

from core.scoping import region_filter
from eldercare.choices_community import PersonCategory, SettlementStatus

__all__ = ["MealCount", "MealEnrolment", "MealSettlement", "MealSettlementLine"]


class RegionScopedQuerySet(models.QuerySet[Any]):
    """Rows scoped by their own ``region`` (the meal point's or the person's village)."""

    def visible_to(self, user: Any, perm: str) -> Any:
        return self.filter(region_filter(user, perm, "region__code"))


class MealEnrolment(models.Model):
    """A person enrolled at a meal point (助餐点/长者食堂) under a subsidy category.

    The category is derived when enrolling (特困, 低保 from social assistance; age bands from the
    birth date against policy parameters) and kept: it is the roll of who eats at the point under
    which category, shown next to the daily figures; the settlement counts the meals the point
    reports per category.
    """

    person = models.ForeignKey("core.Person", verbose_name="老人", on_delete=models.PROTECT, related_name="+")
    meal_point = models.ForeignKey(
        "eldercare.Facility", verbose_name="助餐点", on_delete=models.PROTECT, related_name="meal_enrolments"
    )
    # The meal point's region, copied so that scoping is one prefix filter.
    region = models.ForeignKey("core.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("补贴类别", max_length=20, choices=PersonCategory.choices)
    enrolled_on = models.DateField("登记日期")
    ended_on = models.DateField("终止日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "助餐登记"
        verbose_name_plural = "助餐登记"
        ordering = ["-id"]
        indexes = [models.Index(fields=["meal_point", "category"], name="eldercare_mealenrol_point_cat")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="eldercare_mealenrolment_one_open",
                violation_error_message="该老人已在助餐点登记，请先终止原登记",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("enrolled_on")),
                name="eldercare_mealenrolment_end_after_start",
                violation_error_message="终止日期不能早于登记日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.meal_point_id}"


class MealCount(models.Model):
    """Meals ordered and served at a point on a day for one person category (the point's daily report)."""

    meal_point = models.ForeignKey(
        "eldercare.Facility", verbose_name="助餐点", on_delete=models.PROTECT, related_name="meal_counts"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    day = models.DateField("日期")
    category = models.CharField("补贴类别", max_length=20, choices=PersonCategory.choices)
    ordered = models.PositiveIntegerField("订餐数", default=0)
    served = models.PositiveIntegerField("供餐数", default=0)
    updated_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "每日订餐与供餐"
        verbose_name_plural = "每日订餐与供餐"
        indexes = [models.Index(fields=["day", "region"], name="eldercare_mealcount_day_region")]
        constraints = [
            models.UniqueConstraint(
                fields=["meal_point", "day", "category"],
                name="eldercare_mealcount_unique",
                violation_error_message="该助餐点当日该类别已有记录",
            ),
            models.CheckConstraint(
                condition=Q(ordered__gte=0) & Q(served__gte=0), name="eldercare_mealcount_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meal_point_id} {self.day} {self.category}"


class MealSettlement(models.Model):
    """The monthly subsidy settlement of a meal point: meals served × subsidy per meal, by category.

    A point gets no subsidy for meals served on days it stood on the supervision blacklist
    (失信黑名单: "no subsidies while listed"): those meals are counted as ``blocked_meals`` and
    paid nothing; the other days of the month are paid as usual.
    """

    meal_point = models.ForeignKey(
        "eldercare.Facility", verbose_name="助餐点", on_delete=models.PROTECT, related_name="meal_settlements"
    )
    region = models.ForeignKey("core.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("结算月份")
    status = models.CharField("状态", max_length=10, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT)
    blocked_days = models.PositiveSmallIntegerField("黑名单停发天数", default=0)
    total_meals = models.PositiveIntegerField("供餐总数", default=0)
    blocked_meals = models.PositiveIntegerField("停发补贴餐数", default=0)
    subsidy_amount = models.DecimalField("补贴金额", max_digits=14, decimal_places=2, default=Decimal("0"))
    # The subsidy table (policy parameter id and values) the amounts were computed from.
    parameters = models.JSONField("计算依据", default=dict, blank=True)
    computed_at = models.DateTimeField("计算时间", auto_now=True)
    confirmed_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "助餐补贴结算"
        verbose_name_plural = "助餐补贴结算"
        ordering = ["-month", "meal_point_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meal_point", "month"],
                name="eldercare_mealsettlement_one_per_month",
                violation_error_message="该助餐点该月已有结算",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_amount__gte=0), name="eldercare_mealsettlement_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(blocked_meals__lte=F("total_meals")), name="eldercare_mealsettlement_blocked_le_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meal_point_id} {self.month:%Y-%m}"


class MealSettlementLine(models.Model):
    settlement = models.ForeignKey(MealSettlement, verbose_name="结算", on_delete=models.CASCADE, related_name="lines")
    category = models.CharField("补贴类别", max_length=20, choices=PersonCategory.choices)
    meals = models.PositiveIntegerField("供餐数")
    blocked_meals = models.PositiveIntegerField("停发补贴餐数", default=0)
    rate = models.DecimalField("每餐补贴", max_digits=8, decimal_places=2)
    amount = models.DecimalField("补贴金额", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "助餐结算明细"
        verbose_name_plural = "助餐结算明细"
        constraints = [
            models.UniqueConstraint(fields=["settlement", "category"], name="eldercare_mealsettlementline_unique"),
            models.CheckConstraint(
                condition=Q(blocked_meals__lte=F("meals")), name="eldercare_mealsettlementline_blocked_le_meals"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.settlement_id} {self.category}"
