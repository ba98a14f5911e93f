"""Supervision (双随机、一公开): inspector pool, recorded random draws, inspections with findings
and rectification, and the blacklist whose listing blocks subsidies."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices import FindingSeverity, FindingStatus, InspectionStatus

__all__ = ["BlacklistEntry", "Finding", "Inspection", "InspectionDraw", "Inspector"]


class InspectorQuerySet(models.QuerySet["Inspector"]):
    def visible_to(self, user: object, perm: str) -> InspectorQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class Inspector(models.Model):
    """An enforcement officer in the pool (执法检查人员名录库)."""

    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("所在单位", max_length=100)
    certificate_number = models.CharField("执法证号", max_length=50, unique=True)
    region = models.ForeignKey("core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        "core.User", verbose_name="系统账号", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField("在库", default=True)

    objects = InspectorQuerySet.as_manager()

    class Meta:
        verbose_name = "检查人员"
        verbose_name_plural = "检查人员"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class InspectionDraw(models.Model):
    """One random draw: the candidate lists as they were, the seed and what was drawn.

    Re-running the draw from the recorded candidates and seed gives the same result, so anyone
    may check that the selection was not chosen by hand.
    """

    title = models.CharField("抽查任务", max_length=100)
    region = models.ForeignKey("core.Region", verbose_name="抽查范围", on_delete=models.PROTECT, related_name="+")
    drawn_on = models.DateField("抽取日期")
    seed = models.BigIntegerField("随机种子")
    facility_kinds = models.JSONField("设施类型", default=list)
    facility_count = models.PositiveIntegerField("抽取设施数")
    inspectors_per_facility = models.PositiveSmallIntegerField("每家检查人员数", default=2)
    candidate_facility_ids = models.JSONField("候选设施", default=list)
    candidate_inspector_ids = models.JSONField("候选检查人员", default=list)
    # [[facility_id, [inspector_id, ...]], ...] in draw order.
    result = models.JSONField("抽取结果", default=list)
    created_by = models.ForeignKey("core.User", verbose_name="操作人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "双随机抽取"
        verbose_name_plural = "双随机抽取"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def visible_to(self, user: object, perm: str) -> InspectionQuerySet:
        return self.filter(region_filter(user, perm, "facility__region__code"))


class Inspection(models.Model):
    facility = models.ForeignKey(
        "eldercare.Facility", verbose_name="被检查设施", on_delete=models.PROTECT, related_name="inspections"
    )
    draw = models.ForeignKey(
        InspectionDraw,
        verbose_name="抽取批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    inspectors = models.ManyToManyField(Inspector, verbose_name="检查人员", related_name="inspections")
    planned_on = models.DateField("计划检查日期")
    inspected_on = models.DateField("实际检查日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED)
    summary = models.TextField("检查结论", blank=True)
    is_published = models.BooleanField("已公开", default=False)
    published_on = models.DateField("公开日期", null=True, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "监督检查"
        verbose_name_plural = "监督检查"
        ordering = ["-planned_on", "-id"]

    def __str__(self) -> str:
        return f"{self.facility_id}@{self.planned_on}"


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="findings")
    item = models.CharField("检查项目", max_length=100)
    severity = models.CharField("问题等级", max_length=10, choices=FindingSeverity.choices)
    description = models.TextField("问题描述")
    deadline = models.DateField("整改期限")
    status = models.CharField("整改状态", max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    follow_up = models.TextField("复查情况", blank=True)

    class Meta:
        verbose_name = "检查发现问题"
        verbose_name_plural = "检查发现问题"
        ordering = ["inspection_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rectified_on__isnull=True) | Q(status=FindingStatus.RECTIFIED),
                name="eldercare_finding_rectified_date",
            )
        ]

    def __str__(self) -> str:
        return self.item


class BlacklistQuerySet(models.QuerySet["BlacklistEntry"]):
    def visible_to(self, user: object, perm: str) -> BlacklistQuerySet:
        return self.filter(region_filter(user, perm, "facility__region__code"))

    def in_force(self, day: object) -> BlacklistQuerySet:
        return self.filter(Q(listed_on__lte=day), Q(removed_on__isnull=True) | Q(removed_on__gt=day))


class BlacklistEntry(models.Model):
    """A listing on the 失信黑名单: while in force the facility receives no subsidy."""

    facility = models.ForeignKey(
        "eldercare.Facility", verbose_name="设施", on_delete=models.PROTECT, related_name="blacklist_entries"
    )
    listed_on = models.DateField("列入日期")
    reason = models.TextField("列入原因")
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.TextField("移出原因", blank=True)
    listed_by = models.ForeignKey("core.User", verbose_name="操作人", on_delete=models.PROTECT, related_name="+")

    objects = BlacklistQuerySet.as_manager()

    class Meta:
        verbose_name = "黑名单"
        verbose_name_plural = "黑名单"
        ordering = ["-listed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility"],
                condition=Q(removed_on__isnull=True),
                name="eldercare_blacklist_one_open",
                violation_error_message="该设施已在黑名单中",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=models.F("listed_on")),
                name="eldercare_blacklist_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}@{self.listed_on}"
