"""Dynamic management (应保尽保、应退尽退): reviews (复核) of live cases.

A review is raised by the schedule (the interval of the case's category and household type)
or by an event (a member died, moved out or in, new income facts were loaded). It re-runs the
economic verification and ends in one outcome: continue, change the amount, suspend or end,
with a notice. A case has at most one open review: later triggers are added to it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from assistance.choices_verification import ReviewOutcome, ReviewStatus, ReviewTrigger
from core.scoping import region_filter

__all__ = ["Review", "ReviewQuerySet"]


class ReviewQuerySet(models.QuerySet["Review"]):
    def visible_to(self, user: object, perm: str) -> ReviewQuerySet:
        return self.filter(region_filter(user, perm, "case__region__code"))


class Review(models.Model):
    case = models.ForeignKey("assistance.Case", verbose_name="案件", on_delete=models.PROTECT, related_name="reviews")
    trigger = models.CharField("触发原因", max_length=20, choices=ReviewTrigger.choices)
    # Every trigger that reached this review: [{"trigger", "on", "detail"}].
    triggers = models.JSONField("触发记录", default=list, blank=True)
    due_date = models.DateField("应复核日期")
    status = models.CharField("状态", max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    report = models.ForeignKey(
        "assistance.VerificationReport",
        verbose_name="核对报告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.CharField("复核结论", max_length=20, choices=ReviewOutcome.choices, blank=True)
    old_monthly_amount = models.DecimalField("原月救助金", max_digits=12, decimal_places=2, null=True, blank=True)
    new_monthly_amount = models.DecimalField("新月救助金", max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)
    effective_month = models.DateField("生效月份", null=True, blank=True)
    notice = models.ForeignKey(
        "core.StoredFile", verbose_name="复核通知书", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        "core.User", verbose_name="复核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "复核"
        verbose_name_plural = "复核"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="assistance_review_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="open"),
                name="assistance_review_one_open_per_case",
                violation_error_message="该案件已有待办复核",
            ),
            models.CheckConstraint(
                condition=Q(status="done", outcome__gt="") | ~Q(status="done"),
                name="assistance_review_done_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"复核 {self.pk}（案件 {self.case_id}）"
