from __future__ import annotations

from decimal import Decimal

from django.db import models

from assistance.choices import CaseEventKind, CaseStatus, Category, MemberKind
from core.scoping import region_filter

__all__ = ["Case", "CaseEvent", "CaseMember", "CaseNotice", "CaseQuerySet"]


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
    # Denormalised from the members so the payroll computes every case's amount in one
    # set-based statement without touching CaseMember: members on the adult standard, members
    # on the minors' standard, and {add-on code: number of members carrying it}.
    adult_count = models.PositiveSmallIntegerField("成年人数", default=0)
    minor_count = models.PositiveSmallIntegerField("未成年人数", default=0)
    addon_counts = models.JSONField("分类施保加发人数", default=dict, blank=True)
    household_monthly_income = models.DecimalField("家庭月收入", max_digits=12, decimal_places=2, default=Decimal("0"))
    monthly_amount = models.DecimalField("月救助金", max_digits=12, decimal_places=2, default=Decimal("0"))
    next_review_due = models.DateField("下次复核日期", null=True, blank=True)
    status_reason = models.CharField("停保/终止原因", max_length=300, blank=True)
    suspended_at = models.DateTimeField("停保时间", null=True, blank=True)
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
        indexes = [
            models.Index(fields=["category", "status"], name="assistance_case_cat_status"),
            # The payroll's scan: one category's live cases under a region prefix.
            models.Index(
                fields=["category", "region"],
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
                name="assistance_case_cat_region",
            ),
        ]
        constraints = [
            # 应保尽保 but never twice: one live case per household and category.
            models.UniqueConstraint(
                fields=["household", "category"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="assistance_case_one_live_per_household",
                violation_error_message="该家庭已有同类别的在保案件",
            ),
            models.CheckConstraint(condition=models.Q(member_count__gte=1), name="assistance_case_members_positive"),
            models.CheckConstraint(
                condition=models.Q(member_count=models.F("adult_count") + models.F("minor_count")),
                name="assistance_case_member_count_sum",
                violation_error_message="保障人数应等于成年人数与未成年人数之和",
            ),
            # An end is the last month paid; an end before the start means "never paid".
            models.CheckConstraint(
                condition=models.Q(end_month__isnull=True) | models.Q(status="ended"),
                name="assistance_case_end_only_when_ended",
            ),
            models.CheckConstraint(
                condition=models.Q(household_monthly_income__gte=0), name="assistance_case_income_not_negative"
            ),
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


class CaseEvent(models.Model):
    """The case's history: opening, each amount change, suspension, resumption, end — with the
    amount before and after (金额变动记录). Written only by the case services."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=10, choices=CaseEventKind.choices)
    effective_month = models.DateField("生效月份")
    old_amount = models.DecimalField("原月救助金", max_digits=12, decimal_places=2, null=True, blank=True)
    new_amount = models.DecimalField("新月救助金", max_digits=12, decimal_places=2, null=True, blank=True)
    old_income = models.DecimalField("原家庭月收入", max_digits=12, decimal_places=2, null=True, blank=True)
    new_income = models.DecimalField("新家庭月收入", max_digits=12, decimal_places=2, null=True, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    acting_user = models.ForeignKey(
        "core.User", verbose_name="经办人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "案件变动"
        verbose_name_plural = "案件变动"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.effective_month:%Y-%m}"


class CaseNotice(models.Model):
    """A written notice to the household (告知书): the text is frozen when issued; the PDF is
    rendered from it on demand."""

    case = models.ForeignKey(Case, verbose_name="案件", on_delete=models.CASCADE, related_name="notices")
    event = models.OneToOneField(
        CaseEvent, verbose_name="对应变动", null=True, blank=True, on_delete=models.SET_NULL, related_name="notice"
    )
    title = models.CharField("标题", max_length=100)
    body = models.TextField("正文")
    issued_by = models.ForeignKey(
        "core.User", verbose_name="出具人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = "告知书"
        verbose_name_plural = "告知书"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title
