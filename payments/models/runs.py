from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from core.scoping import region_filter
from payments.choices import PaymentStatus, RunKind, RunStatus

if TYPE_CHECKING:
    from core.models import User

__all__ = ["Payment", "PayrollRun"]


class PayrollRunQuerySet(models.QuerySet["PayrollRun"]):
    def visible_to(self, user: User, perm: str) -> PayrollRunQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class PayrollRun(models.Model):
    """One month's payroll of one scheme (低保金, 特困供养金, 老年综合津贴…) in one region.

    Generated as a Job (set-based, in id-range chunks), approved by a second person, exported
    to the bank as a file, then reconciled with the bank's return file. A reissue run pays again
    the rows that failed in an earlier run.
    """

    scheme = models.CharField("发放项目", max_length=60)
    kind = models.CharField("批次类型", max_length=10, choices=RunKind.choices, default=RunKind.REGULAR)
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("发放月份")
    status = models.CharField("状态", max_length=12, choices=RunStatus.choices, default=RunStatus.COMPUTING)
    created_by = models.ForeignKey(
        "core.User", verbose_name="生成人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        "core.User", verbose_name="审核人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField("审核时间", null=True, blank=True)
    exported_at = models.DateTimeField("出盘时间", null=True, blank=True)
    reconciled_at = models.DateTimeField("对账时间", null=True, blank=True)
    job = models.ForeignKey(
        "core.Job", verbose_name="生成任务", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bank_file = models.ForeignKey(
        "core.StoredFile", verbose_name="出盘文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_file = models.ForeignKey(
        "core.StoredFile", verbose_name="回盘文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reissue_of = models.ForeignKey(
        "self", verbose_name="补发自", null=True, blank=True, on_delete=models.PROTECT, related_name="reissues"
    )
    # Totals, refreshed after each step (reading them must not scan a million rows).
    total_count = models.PositiveIntegerField("笔数", default=0)
    total_amount = models.DecimalField("金额", max_digits=16, decimal_places=2, default=Decimal("0"))
    paid_count = models.PositiveIntegerField("到账笔数", default=0)
    paid_amount = models.DecimalField("到账金额", max_digits=16, decimal_places=2, default=Decimal("0"))
    failed_count = models.PositiveIntegerField("失败笔数", default=0)
    failed_amount = models.DecimalField("失败金额", max_digits=16, decimal_places=2, default=Decimal("0"))

    objects = PayrollRunQuerySet.as_manager()

    class Meta:
        verbose_name = "发放批次"
        verbose_name_plural = "发放批次"
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "region", "month"],
                condition=Q(kind="regular"),
                name="payments_payrollrun_one_regular_per_month",
                violation_error_message="该区划该月份已有此项目的发放批次",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.region_id} {self.month:%Y-%m}"

    @property
    def scheme_label(self) -> str:
        from payments.schemes import scheme_label

        return scheme_label(self.scheme)

    @property
    def unsettled_count(self) -> int:
        return self.total_count - self.paid_count - self.failed_count


class PaymentQuerySet(models.QuerySet["Payment"]):
    def visible_to(self, user: User, perm: str) -> PaymentQuerySet:
        return self.filter(region_filter(user, perm, "region_code"))


class Payment(models.Model):
    """One payment of one entitlement (a 低保 case, a person's allowance) for one month.

    It keeps what it was computed from: ``snapshot`` (the household or person as decided) and
    ``parameters`` (the policy parameter rows used), so a later change of rules or of the
    household never rewrites what was paid. The database allows one payment per entitlement and
    month; a failed payment may be reissued once by a row pointing back to it.
    """

    run = models.ForeignKey(PayrollRun, verbose_name="批次", on_delete=models.PROTECT, related_name="payments")
    scheme = models.CharField("发放项目", max_length=60)
    month = models.DateField("所属月份")
    entitlement_id = models.BigIntegerField("待遇编号")
    person = models.ForeignKey("core.Person", verbose_name="收款人", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "core.Household", verbose_name="家庭户", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField("区划", max_length=12)
    amount = models.DecimalField("金额", max_digits=12, decimal_places=2)
    snapshot = models.JSONField("计算依据", default=dict)
    parameters = models.JSONField("政策参数版本", default=dict)
    status = models.CharField("状态", max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    failure_reason = models.CharField("失败原因", max_length=200, blank=True)
    settled_at = models.DateTimeField("回盘时间", null=True, blank=True)
    reissue_of = models.OneToOneField(
        "self", verbose_name="补发自", null=True, blank=True, on_delete=models.PROTECT, related_name="reissue"
    )
    created_at = models.DateTimeField("生成时间")

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "entitlement_id", "month"],
                condition=Q(reissue_of__isnull=True),
                name="payments_payment_one_per_entitlement_month",
                violation_error_message="该待遇该月份已有发放记录",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_payment_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["run", "status"], name="payments_payment_run_status"),
            models.Index(fields=["region_code"], opclasses=["varchar_pattern_ops"], name="payments_payment_region"),
            models.Index(fields=["scheme", "month"], name="payments_payment_scheme_month"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.entitlement_id}:{self.month:%Y-%m}"
