"""Home-care service orders (居家照护 / 喘息服务), the visits scheduled under them and what was delivered.

An order fixes its entitlement when it is opened (the grade of the assessment it rests on and
the hours that grade gave under the policy then in force): a later assessment opens a new
order, so the report of a past month never moves.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from eldercare.choices_care import HomeCareOrderStatus, HomeCareService, VisitStatus

__all__ = ["HomeCareOrder", "HomeCareOrderQuerySet", "HomeCareVisit", "HomeCareVisitQuerySet"]


class HomeCareOrderQuerySet(models.QuerySet["HomeCareOrder"]):
    def visible_to(self, user: object, perm: str) -> HomeCareOrderQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class HomeCareOrder(models.Model):
    number = models.CharField("服务单号", max_length=30, unique=True)
    person = models.ForeignKey("core.Person", verbose_name="服务对象", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    service = models.CharField("服务类型", max_length=10, choices=HomeCareService.choices)
    assessment = models.ForeignKey(
        "eldercare.CareAssessment", verbose_name="评估依据", on_delete=models.PROTECT, related_name="+"
    )
    grade = models.PositiveSmallIntegerField("照护等级")
    # Home care: hours per week from the grade. Respite: hours per year (days × hours per day).
    weekly_hours = models.DecimalField("每周服务时数", max_digits=5, decimal_places=1, default=Decimal("0"))
    yearly_hours = models.DecimalField("每年服务时数上限", max_digits=6, decimal_places=1, default=Decimal("0"))
    fund_share = models.DecimalField("基金支付比例", max_digits=4, decimal_places=2)
    provider = models.ForeignKey(
        "eldercare.Facility", verbose_name="服务机构", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_name = models.CharField("服务机构名称", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=HomeCareOrderStatus.choices, default=HomeCareOrderStatus.ACTIVE
    )
    entitlement = models.JSONField("待遇依据", default=dict)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = HomeCareOrderQuerySet.as_manager()

    class Meta:
        verbose_name = "居家照护服务单"
        verbose_name_plural = "居家照护服务单"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(status="active"),
                name="eldercare_homecareorder_one_active",
                violation_error_message="该老人已有同类型的服务中服务单",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="eldercare_homecareorder_dates_ordered",
                violation_error_message="结束日期不能早于开始日期",
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gte=0) & Q(yearly_hours__gte=0), name="eldercare_homecareorder_hours"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class HomeCareVisitQuerySet(models.QuerySet["HomeCareVisit"]):
    def visible_to(self, user: object, perm: str) -> HomeCareVisitQuerySet:
        return self.filter(region_filter(user, perm, "order__region__code"))


class HomeCareVisit(models.Model):
    order = models.ForeignKey(HomeCareOrder, verbose_name="服务单", on_delete=models.PROTECT, related_name="visits")
    caregiver = models.ForeignKey(
        "eldercare.Caregiver", verbose_name="护理员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    caregiver_name = models.CharField("护理员姓名", max_length=50)
    scheduled_start = models.DateTimeField("计划上门时间")
    scheduled_minutes = models.PositiveIntegerField("计划时长（分钟）")
    status = models.CharField("状态", max_length=12, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    # Minutes between check-in and check-out, written at check-out: the report sums this column.
    delivered_minutes = models.PositiveIntegerField("实际服务（分钟）", default=0)
    services_done = models.CharField("服务内容", max_length=300, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = HomeCareVisitQuerySet.as_manager()

    class Meta:
        verbose_name = "上门服务记录"
        verbose_name_plural = "上门服务记录"
        ordering = ["-scheduled_start", "-id"]
        indexes = [models.Index(fields=["order", "scheduled_start"], name="eldercare_visit_order_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="eldercare_visit_checkout_after_checkin",
                violation_error_message="签退时间不能早于签到时间",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(checked_out_at__isnull=False), name="eldercare_visit_done_has_checkout"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.scheduled_start:%Y-%m-%d %H:%M}"
