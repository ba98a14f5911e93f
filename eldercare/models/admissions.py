"""Applications for a bed and the waiting list (轮候).

The queue order is never stored: it is computed when asked, from the priority rules (policy
parameter ``eldercare.waitlist_priority``: 特困, 低保, care grade, age → points), the person's
current assessment and birth date, then the date of application. An offer reserves one bed
for one application until it is accepted (admission), declined or expired.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices import BedKind
from eldercare.choices_care import ApplicationStatus, OfferStatus

__all__ = ["BedApplication", "BedApplicationQuerySet", "BedOffer", "BedOfferQuerySet"]


class BedApplicationQuerySet(models.QuerySet["BedApplication"]):
    def visible_to(self, user: object, perm: str) -> BedApplicationQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))

    def waiting(self) -> BedApplicationQuerySet:
        return self.filter(status=ApplicationStatus.WAITING)


class BedApplication(models.Model):
    number = models.CharField("申请编号", max_length=30, unique=True)
    person = models.ForeignKey("core.Person", verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="户籍区划", on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField("申请日期")
    bed_kind = models.CharField("床位类型", max_length=10, choices=BedKind.choices, default=BedKind.GENERAL)
    basic_bed = models.BooleanField("申请保基本床位", default=True)
    preferred_facilities = models.ManyToManyField(
        "eldercare.Facility", verbose_name="意向机构", blank=True, related_name="+"
    )
    # Conditions declared and checked at intake (their proof stays with the paper file).
    extreme_poverty = models.BooleanField("特困供养人员", default=False)
    dibao = models.BooleanField("低保对象", default=False)
    priority_care = models.BooleanField("重点优抚对象", default=False)
    family_planning_special = models.BooleanField("计生特殊家庭", default=False)
    status = models.CharField(
        "状态", max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.WAITING, db_index=True
    )
    declines = models.PositiveSmallIntegerField("放弃次数", default=0)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    close_reason = models.CharField("办结说明", max_length=200, blank=True)
    residency = models.ForeignKey(
        "eldercare.Residency",
        verbose_name="入住记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = BedApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "养老床位申请"
        verbose_name_plural = "养老床位申请"
        ordering = ["-applied_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["waiting", "offered"]),
                name="eldercare_bedapplication_one_open_per_person",
                violation_error_message="该老人已有轮候中的床位申请",
            )
        ]

    def __str__(self) -> str:
        return self.number


class BedOfferQuerySet(models.QuerySet["BedOffer"]):
    def visible_to(self, user: object, perm: str) -> BedOfferQuerySet:
        return self.filter(region_filter(user, perm, "application__region__code", "bed__facility__region__code"))


class BedOffer(models.Model):
    application = models.ForeignKey(
        BedApplication, verbose_name="申请", on_delete=models.PROTECT, related_name="offers"
    )
    bed = models.ForeignKey("eldercare.Bed", verbose_name="床位", on_delete=models.PROTECT, related_name="+")
    offered_on = models.DateField("通知日期")
    expires_on = models.DateField("答复截止日期")
    status = models.CharField("状态", max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    responded_on = models.DateField("答复日期", null=True, blank=True)
    decline_reason = models.CharField("放弃原因", max_length=200, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = BedOfferQuerySet.as_manager()

    class Meta:
        verbose_name = "床位通知"
        verbose_name_plural = "床位通知"
        ordering = ["-offered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(status="pending"),
                name="eldercare_bedoffer_one_pending_per_bed",
                violation_error_message="该床位已有待答复的通知",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="pending"),
                name="eldercare_bedoffer_one_pending_per_application",
                violation_error_message="该申请已有待答复的通知",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gte=models.F("offered_on")),
                name="eldercare_bedoffer_expiry_after_offer",
                violation_error_message="答复截止日期不能早于通知日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}→{self.bed_id}"
