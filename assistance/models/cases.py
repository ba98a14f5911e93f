from __future__ import annotations

from decimal import Decimal

from django.db import models

from assistance.choices import CaseStatus, Category, MemberKind
from core.scoping import region_filter

__all__ = ["Case", "CaseMember", "CaseQuerySet"]


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: object, perm: str) -> CaseQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class Case(models.Model):
    """An approved entitlement (救助对象): a household in one category from a start month.

    The monthly amount is not frozen here: each payroll computes it from the household's
    assessed figures and the parameters in force that month (a new standard applies to the next
    payroll; past payments keep their own snapshot). ``monthly_amount`` is the amount of the
    latest decision or review, for lists and notices.
    """

    number = models.CharField("案件编号", max_length=30, unique=True)
    category = models.CharField("救助类别", max_length=30, choices=Category.choices)
    household = models.ForeignKey("core.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="+")
    payee = models.ForeignKey("core.Person", verbose_name="领取人", on_delete=models.PROTECT, related_name="+")
    # The village that handles the case (scoping): the household's village at decision time.
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=CaseStatus.choices, default=CaseStatus.ACTIVE)
    start_month = models.DateField("起始发放月份")
    end_month = models.DateField("终止月份", null=True, blank=True)
    member_count = models.PositiveSmallIntegerField("保障人数")
    household_monthly_income = models.DecimalField("家庭月收入", max_digits=12, decimal_places=2, default=Decimal("0"))
    monthly_amount = models.DecimalField("月救助金", max_digits=12, decimal_places=2, default=Decimal("0"))
    next_review_due = models.DateField("下次复核日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        "core.User", verbose_name="审批人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    created_at = models.DateTimeField("建档时间", auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "救助案件"
        verbose_name_plural = "救助案件"
        ordering = ["-id"]
        indexes = [models.Index(fields=["category", "status"], name="assistance_case_cat_status")]
        constraints = [
            # 应保尽保 but never twice: one live case per household and category.
            models.UniqueConstraint(
                fields=["household", "category"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="assistance_case_one_live_per_household",
                violation_error_message="该家庭已有同类别的在保案件",
            ),
            models.CheckConstraint(condition=models.Q(member_count__gte=1), name="assistance_case_members_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"


class CaseMember(models.Model):
    """A member covered by the case, with the standard and add-ons (分类施保) that apply to them."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("core.Person", verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("标准类别", max_length=10, choices=MemberKind.choices, default=MemberKind.ADULT)
    # Codes of add-on parameters (e.g. "severe_disability"), each an effective-dated amount.
    addons = models.JSONField("分类施保加发", default=list, blank=True)

    class Meta:
        verbose_name = "保障成员"
        verbose_name_plural = "保障成员"
        constraints = [
            models.UniqueConstraint(fields=["case", "person"], name="assistance_casemember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.person_id}"
