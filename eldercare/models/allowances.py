"""Exclusions from the allowance payrolls (停发名单).

Who is entitled is derived from the registry by the payroll scheme (hukou, alive, age on the
policy's rule); the only stored records are the exceptions: a person away from Shanghai, paid
elsewhere, under verification… A suspension covers whole months from ``starts_on`` to
``ends_on`` (open-ended while blank).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices_care import AllowanceScheme, SuspensionReason

__all__ = ["AllowanceSuspension", "AllowanceSuspensionQuerySet"]


class AllowanceSuspensionQuerySet(models.QuerySet["AllowanceSuspension"]):
    def visible_to(self, user: object, perm: str) -> AllowanceSuspensionQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))

    def covering(self, month: object) -> AllowanceSuspensionQuerySet:
        return self.filter(Q(starts_on__lte=month), Q(ends_on__isnull=True) | Q(ends_on__gte=month))


class AllowanceSuspension(models.Model):
    person = models.ForeignKey("core.Person", verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField("津贴项目", max_length=60, choices=AllowanceScheme.choices)
    reason = models.CharField("停发原因", max_length=10, choices=SuspensionReason.choices)
    # First day of the first month not paid; first day of the last month not paid.
    starts_on = models.DateField("停发起始月")
    ends_on = models.DateField("停发截止月", null=True, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AllowanceSuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = "津贴停发记录"
        verbose_name_plural = "津贴停发记录"
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["person", "scheme"], name="eldercare_suspension_person")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="eldercare_suspension_dates_ordered",
                violation_error_message="停发截止月不能早于起始月",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.scheme} {self.starts_on}"
