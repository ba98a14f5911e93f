from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from assistance.choices import TemporaryGrantKind, TemporaryGrantStatus, TemporaryNeed
from core.scoping import region_filter

__all__ = ["TemporaryGrant", "TemporaryGrantQuerySet"]


class TemporaryGrantQuerySet(models.QuerySet["TemporaryGrant"]):
    def visible_to(self, user: object, perm: str) -> TemporaryGrantQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class TemporaryGrant(models.Model):
    """临时救助: a one-off grant for a sudden, urgent or expenditure-driven hardship.

    Ordinary grants are accepted, then decided by another user. The 急难 fast path (先行救助)
    decides at once — the township pays first — and the district reviews after, by a due date
    a set number of working days later (a review task). The amount may not exceed the cap, a
    multiple of the 低保 standard in force (policy parameters, recorded on the grant).
    """

    number = models.CharField("编号", max_length=30, unique=True)
    kind = models.CharField("类型", max_length=10, choices=TemporaryGrantKind.choices)
    status = models.CharField("状态", max_length=30, choices=TemporaryGrantStatus.choices)
    person = models.ForeignKey("core.Person", verbose_name="救助对象", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "core.Household", verbose_name="家庭户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    need = models.CharField("困难类型", max_length=20, choices=TemporaryNeed.choices)
    reason = models.TextField("困难情形")
    requested_amount = models.DecimalField("申请金额", max_digits=12, decimal_places=2)
    cap_amount = models.DecimalField("救助上限", max_digits=12, decimal_places=2)
    granted_amount = models.DecimalField("核准金额", max_digits=12, decimal_places=2, null=True, blank=True)
    parameters_used = models.JSONField("所用政策参数", default=dict, blank=True)
    accepted_by = models.ForeignKey(
        "core.User", verbose_name="受理人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField("受理时间")
    decided_by = models.ForeignKey(
        "core.User", verbose_name="审批人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    review_due = models.DateField("补审期限", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "core.User", verbose_name="补审人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("补审时间", null=True, blank=True)
    review_note = models.CharField("补审意见", max_length=300, blank=True)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    paid_by = models.ForeignKey(
        "core.User", verbose_name="发放经办人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TemporaryGrantQuerySet.as_manager()

    class Meta:
        verbose_name = "临时救助"
        verbose_name_plural = "临时救助"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["region"], opclasses=["varchar_pattern_ops"], name="assistance_tempgrant_region"),
            models.Index(fields=["status", "review_due"], name="assistance_tempgrant_review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(granted_amount__isnull=True) | Q(granted_amount__lte=F("cap_amount")),
                name="assistance_tempgrant_within_cap",
                violation_error_message="核准金额不能超过救助上限",
            ),
            models.CheckConstraint(
                condition=Q(granted_amount__isnull=True) | Q(granted_amount__gt=Decimal("0")),
                name="assistance_tempgrant_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gt=Decimal("0")), name="assistance_tempgrant_requested"
            ),
            # The review of a grant decided first is a second person's act.
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("decided_by")),
                name="assistance_tempgrant_reviewer_not_decider",
                violation_error_message="补审人不能是先行救助的审批人",
            ),
            models.CheckConstraint(
                condition=~Q(status="decided_pending_review") | Q(review_due__isnull=False),
                name="assistance_tempgrant_urgent_has_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"
