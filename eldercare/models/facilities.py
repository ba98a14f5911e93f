"""Facilities (养老服务设施), their beds and the residents in them.

Occupancy is never stored: a bed is occupied while it has an open residency (no discharge
date), and the database allows at most one open residency per bed and per person.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices import (
    BedKind,
    DischargeReason,
    FacilityKind,
    FacilityStatus,
    LicenceState,
    OperatorKind,
    Ownership,
)

__all__ = ["Bed", "Facility", "FacilityQuerySet", "FacilityStaff", "Residency", "ResidencyQuerySet"]


class FacilityQuerySet(models.QuerySet["Facility"]):
    def visible_to(self, user: object, perm: str) -> FacilityQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))

    def operating(self) -> FacilityQuerySet:
        return self.filter(status=FacilityStatus.OPEN)


class Facility(models.Model):
    """One facility of any kind the plans count, in a village (or, for district-wide ones, a township)."""

    number = models.CharField("设施编号", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=FacilityKind.choices, db_index=True)
    # Only for 养老机构 (公办/公建民营/民办).
    ownership = models.CharField("性质", max_length=20, choices=Ownership.choices, blank=True)
    # 社区综合为老服务中心 branches (分中心) point at their centre.
    parent = models.ForeignKey(
        "self", verbose_name="所属中心", null=True, blank=True, on_delete=models.PROTECT, related_name="branches"
    )
    region = models.ForeignKey("core.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)
    operator_name = models.CharField("运营主体", max_length=100, blank=True)
    operator_kind = models.CharField("运营主体类型", max_length=20, choices=OperatorKind.choices, blank=True)
    operator_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    licence_state = models.CharField(
        "许可/备案状态", max_length=10, choices=LicenceState.choices, default=LicenceState.NONE
    )
    licence_number = models.CharField("许可/备案编号", max_length=50, blank=True)
    # 标准化: meets the municipal standard (每个乡镇至少有1个标准化养老机构; 标准化老年活动室).
    is_standard = models.BooleanField("标准化", default=False)
    floor_area = models.DecimalField("建筑面积（平方米）", max_digits=10, decimal_places=2, default=Decimal("0"))
    daily_meal_capacity = models.PositiveIntegerField("日供餐能力（客/日）", default=0)
    opened_on = models.DateField("开业日期", null=True, blank=True)
    closed_on = models.DateField("停业日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=FacilityStatus.choices, default=FacilityStatus.OPEN)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        verbose_name = "养老服务设施"
        verbose_name_plural = "养老服务设施"
        ordering = ["region_id", "kind", "number"]
        indexes = [models.Index(fields=["kind", "status", "region"], name="eldercare_facility_kind_region")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=FacilityKind.CARE_INSTITUTION) | ~Q(ownership=""),
                name="eldercare_facility_institution_ownership",
                violation_error_message="养老机构必须填写性质",
            ),
            models.CheckConstraint(condition=Q(floor_area__gte=0), name="eldercare_facility_area_nonnegative"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind=FacilityKind.SERVICE_CENTRE),
                name="eldercare_facility_parent_only_centres",
                violation_error_message="只有社区综合为老服务中心可以设分中心",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FacilityStaff(models.Model):
    """A user who works for a facility: the facility portal shows them that facility only."""

    user = models.ForeignKey("core.User", verbose_name="用户", on_delete=models.CASCADE, related_name="+")
    facility = models.ForeignKey(Facility, verbose_name="设施", on_delete=models.CASCADE, related_name="staff")
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "设施工作人员"
        verbose_name_plural = "设施工作人员"
        constraints = [models.UniqueConstraint(fields=["user", "facility"], name="eldercare_facilitystaff_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.facility_id}"


class Bed(models.Model):
    facility = models.ForeignKey(Facility, verbose_name="设施", on_delete=models.PROTECT, related_name="beds")
    number = models.CharField("床位号", max_length=20)
    kind = models.CharField("床位类型", max_length=10, choices=BedKind.choices, default=BedKind.GENERAL)
    # 保基本养老床位 (沪民规〔2022〕15号): allocated through the waiting list.
    is_basic = models.BooleanField("保基本床位", default=False)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "床位"
        verbose_name_plural = "床位"
        ordering = ["facility_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "number"], name="eldercare_bed_unique_number", violation_error_message="床位号重复"
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}-{self.number}"


class ResidencyQuerySet(models.QuerySet["Residency"]):
    def visible_to(self, user: object, perm: str) -> ResidencyQuerySet:
        return self.filter(region_filter(user, perm, "bed__facility__region__code"))

    def open(self) -> ResidencyQuerySet:
        return self.filter(discharged_on__isnull=True)

    def on(self, day: object) -> ResidencyQuerySet:
        """Residencies in force on a day (admitted that day or before, not yet discharged)."""
        return self.filter(Q(admitted_on__lte=day), Q(discharged_on__isnull=True) | Q(discharged_on__gt=day))


class Residency(models.Model):
    """A person living in a bed from admission to discharge (入住 / 退住)."""

    person = models.ForeignKey("core.Person", verbose_name="入住老人", on_delete=models.PROTECT, related_name="+")
    bed = models.ForeignKey(Bed, verbose_name="床位", on_delete=models.PROTECT, related_name="residencies")
    admitted_on = models.DateField("入住日期")
    discharged_on = models.DateField("退住日期", null=True, blank=True)
    discharge_reason = models.CharField("退住原因", max_length=10, choices=DischargeReason.choices, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    # Where the admission came from (e.g. "waitlist:123" for a 轮候 offer), for the audit trail.
    source = models.CharField("来源", max_length=50, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ResidencyQuerySet.as_manager()

    class Meta:
        verbose_name = "入住记录"
        verbose_name_plural = "入住记录"
        ordering = ["-admitted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(discharged_on__isnull=True),
                name="eldercare_residency_one_open_per_bed",
                violation_error_message="该床位已有在住老人",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(discharged_on__isnull=True),
                name="eldercare_residency_one_open_per_person",
                violation_error_message="该老人已在其他床位入住",
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=models.F("admitted_on")),
                name="eldercare_residency_dates_ordered",
                violation_error_message="退住日期不能早于入住日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.bed_id}"
