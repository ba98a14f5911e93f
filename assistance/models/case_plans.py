"""救助顾问: a plan per household (一户一方案) for complex situations."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from assistance.choices import PlanItemKind, PlanStatus
from core.scoping import region_filter

__all__ = ["CasePlan", "CasePlanItem", "CasePlanQuerySet"]


class CasePlanQuerySet(models.QuerySet["CasePlan"]):
    def visible_to(self, user: object, perm: str) -> CasePlanQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class CasePlan(models.Model):
    household = models.ForeignKey("core.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "assistance.Case",
        verbose_name="救助案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    advisor = models.ForeignKey("core.User", verbose_name="救助顾问", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.OPEN)
    # Needs assessment: one free-text finding per area (income, health, housing, education, care…).
    needs = models.JSONField("需求评估", default=dict, blank=True)
    summary = models.TextField("方案概述", blank=True)
    created_at = models.DateTimeField("建立时间", auto_now_add=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    closing_note = models.TextField("结案说明", blank=True)

    objects = CasePlanQuerySet.as_manager()

    class Meta:
        verbose_name = "救助方案"
        verbose_name_plural = "救助方案"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="open"),
                name="assistance_caseplan_one_open_per_household",
                violation_error_message="该家庭已有进行中的救助方案",
            )
        ]

    def __str__(self) -> str:
        return f"救助方案 {self.pk}"


class CasePlanItem(models.Model):
    plan = models.ForeignKey(CasePlan, verbose_name="方案", on_delete=models.CASCADE, related_name="items")
    kind = models.CharField("类型", max_length=10, choices=PlanItemKind.choices)
    description = models.CharField("内容", max_length=300)
    # Who provides the service or receives the referral (a department, a social organisation).
    agency = models.CharField("承接单位", max_length=100, blank=True)
    due_date = models.DateField("完成时限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    outcome = models.TextField("结果", blank=True)
    created_by = models.ForeignKey("core.User", verbose_name="登记人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "方案事项"
        verbose_name_plural = "方案事项"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["done_on", "due_date"], name="assistance_planitem_due")]

    def __str__(self) -> str:
        return self.description
