"""Care workforce: 养老护理员 with certificates and levels, and 康复辅助技术咨询师."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices import CaregiverLevel, WorkerRole

__all__ = ["Caregiver", "CaregiverQuerySet"]


class CaregiverQuerySet(models.QuerySet["Caregiver"]):
    def visible_to(self, user: object, perm: str) -> CaregiverQuerySet:
        return self.filter(region_filter(user, perm, "facility__region__code"))

    def employed_on(self, day: datetime.date) -> CaregiverQuerySet:
        return self.filter(
            Q(hired_on__isnull=True) | Q(hired_on__lte=day), Q(left_on__isnull=True) | Q(left_on__gt=day)
        )

    @staticmethod
    def certified_q(day: datetime.date) -> Q:
        """Holds a certificate valid on the day (持证: a level, a number, not expired)."""
        return (
            ~Q(level=CaregiverLevel.NONE)
            & ~Q(certificate_number="")
            & Q(certified_on__lte=day)
            & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        )


class Caregiver(models.Model):
    person = models.ForeignKey("core.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    facility = models.ForeignKey(
        "eldercare.Facility", verbose_name="所在设施", on_delete=models.PROTECT, related_name="caregivers"
    )
    role = models.CharField("岗位", max_length=20, choices=WorkerRole.choices, default=WorkerRole.CAREGIVER)
    level = models.CharField("证书等级", max_length=20, choices=CaregiverLevel.choices, default=CaregiverLevel.NONE)
    certificate_number = models.CharField("证书编号", max_length=50, blank=True)
    certified_on = models.DateField("发证日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    hired_on = models.DateField("入职日期", null=True, blank=True)
    left_on = models.DateField("离职日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = CaregiverQuerySet.as_manager()

    class Meta:
        verbose_name = "养老护理员"
        verbose_name_plural = "养老护理员"
        ordering = ["facility_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "facility", "role"],
                condition=Q(left_on__isnull=True),
                name="eldercare_caregiver_one_current",
                violation_error_message="该人员已在本设施登记",
            ),
            models.CheckConstraint(
                condition=Q(level=CaregiverLevel.NONE) | (~Q(certificate_number="") & Q(certified_on__isnull=False)),
                name="eldercare_caregiver_certificate_complete",
                violation_error_message="有证书等级时须填写证书编号和发证日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.facility_id}"
