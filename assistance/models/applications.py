"""The application for assistance and its steps (一门受理、协同办理).

The steps follow 《最低生活保障审核确认办法》 (民发〔2021〕57号): 受理 → 经济状况核对 → 入户调查
→ 民主评议 (optional where local policy allows) → 公示 → 审核确认. Each step is its own row so
the timeline shows who did what and when; the application's ``status`` says which step is done.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from assistance.choices import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    Category,
    Channel,
    DecisionLevel,
    DecisionOutcome,
    DeclaredItemKind,
    DocumentKind,
    MemberKind,
    VisitRecommendation,
)
from core.choices import Relation
from core.scoping import region_filter

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationMember",
    "ApplicationQuerySet",
    "Appraisal",
    "Decision",
    "DeclaredItem",
    "HomeVisit",
    "Objection",
    "Publicity",
]

MONEY = {"max_digits": 12, "decimal_places": 2}


class ApplicationQuerySet(models.QuerySet["Application"]):
    def visible_to(self, user: object, perm: str) -> ApplicationQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))

    def open(self) -> ApplicationQuerySet:
        return self.filter(status__in=OPEN_APPLICATION_STATUSES)


class Application(models.Model):
    number = models.CharField("申请编号", max_length=30, unique=True)
    category = models.CharField("救助类别", max_length=30, choices=Category.choices)
    household = models.ForeignKey("core.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey("core.Person", verbose_name="申请人", on_delete=models.PROTECT, related_name="+")
    # The village that handles the application (scoping): the household's village at intake.
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("受理渠道", max_length=10, choices=Channel.choices, default=Channel.STAFF)
    status = models.CharField(
        "办理状态", max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    reason = models.TextField("申请理由", blank=True)
    # 急难型临时救助: decided first, the other steps done after (先行救助).
    urgent = models.BooleanField("急难先行救助", default=False)
    declared_monthly_income = models.DecimalField("申报家庭月收入", **MONEY, default=Decimal("0"))
    declared_monetary_assets = models.DecimalField("申报货币财产", **MONEY, default=Decimal("0"))
    submitted_at = models.DateTimeField("受理时间")
    submitted_by = models.ForeignKey(
        "core.User", verbose_name="受理人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handler = models.ForeignKey(
        "core.User", verbose_name="经办人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_date = models.DateField("办结时限")
    # Result of 经济状况核对, recorded from the verification report (h3c's services).
    verification_passed = models.BooleanField("核对结论（符合）", null=True, blank=True)
    verification_summary = models.JSONField("核对摘要", default=dict, blank=True)
    verified_at = models.DateTimeField("核对完成时间", null=True, blank=True)
    assessed_monthly_income = models.DecimalField("核定家庭月收入", **MONEY, null=True, blank=True)
    case = models.OneToOneField(
        "assistance.Case",
        verbose_name="救助案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = "救助申请"
        verbose_name_plural = "救助申请"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="assistance_app_status_due"),
            models.Index(fields=["region"], opclasses=["varchar_pattern_ops"], name="assistance_app_region"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "category"],
                condition=Q(status__in=OPEN_APPLICATION_STATUSES),
                name="assistance_application_one_open_per_household",
                violation_error_message="该家庭已有同类别的在办申请",
            ),
            models.CheckConstraint(
                condition=Q(declared_monthly_income__gte=0) & Q(declared_monetary_assets__gte=0),
                name="assistance_application_declared_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES


class ApplicationMember(models.Model):
    """A member of the applying household, taken from the registry (never typed in twice)."""

    application = models.ForeignKey(Application, verbose_name="申请", on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey("core.Person", verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField("与申请人关系", max_length=20, choices=Relation.choices, default=Relation.OTHER)
    kind = models.CharField("标准类别", max_length=10, choices=MemberKind.choices, default=MemberKind.ADULT)
    # Codes of add-on parameters (分类施保), e.g. "severe_disability".
    addons = models.JSONField("分类施保加发", default=list, blank=True)

    class Meta:
        verbose_name = "申请家庭成员"
        verbose_name_plural = "申请家庭成员"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "person"], name="assistance_appmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.person_id}"


class DeclaredItem(models.Model):
    """One line of declared income (per month) or assets (amount held), optionally a member's."""

    application = models.ForeignKey(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="declared_items"
    )
    person = models.ForeignKey(
        "core.Person", verbose_name="成员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("项目", max_length=20, choices=DeclaredItemKind.choices)
    amount = models.DecimalField("金额", **MONEY, default=Decimal("0"))
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "申报收入财产"
        verbose_name_plural = "申报收入财产"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="assistance_declared_non_negative")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class ApplicationDocument(models.Model):
    application = models.ForeignKey(Application, verbose_name="申请", on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("材料", max_length=30, choices=DocumentKind.choices)
    file = models.ForeignKey("core.StoredFile", verbose_name="文件", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        "core.User", verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class HomeVisit(models.Model):
    """入户调查: at least two staff, the living conditions seen, a recommendation."""

    application = models.ForeignKey(Application, verbose_name="申请", on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField("调查日期")
    visitors = models.CharField("调查人员", max_length=200)
    findings = models.TextField("调查情况")
    recommendation = models.CharField("调查意见", max_length=10, choices=VisitRecommendation.choices)
    recorded_by = models.ForeignKey("core.User", verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "入户调查"
        verbose_name_plural = "入户调查"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.visited_on}"


class Appraisal(models.Model):
    """民主评议, or the record that it was skipped (uncontested case, where local policy allows)."""

    application = models.OneToOneField(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="appraisal"
    )
    skipped = models.BooleanField("未评议", default=False)
    skip_reason = models.CharField("未评议原因", max_length=200, blank=True)
    held_on = models.DateField("评议日期", null=True, blank=True)
    participants = models.PositiveSmallIntegerField("参加人数", default=0)
    votes_for = models.PositiveSmallIntegerField("同意票", default=0)
    votes_against = models.PositiveSmallIntegerField("反对票", default=0)
    opinion = models.TextField("评议意见", blank=True)
    recorded_by = models.ForeignKey("core.User", verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "民主评议"
        verbose_name_plural = "民主评议"
        constraints = [
            models.CheckConstraint(
                condition=Q(votes_for__lte=models.F("participants"))
                & Q(votes_against__lte=models.F("participants")),
                name="assistance_appraisal_votes_within_participants",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {'未评议' if self.skipped else self.held_on}"


class Publicity(models.Model):
    """公示: from a working day for the configured number of working days."""

    application = models.OneToOneField(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="publicity"
    )
    place = models.CharField("公示地点", max_length=200)
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    days = models.PositiveSmallIntegerField("公示天数（工作日）")
    started_by = models.ForeignKey("core.User", verbose_name="发布人", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        "core.User", verbose_name="结束人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.TextField("公示结果", blank=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="assistance_publicity_order")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.starts_on}~{self.ends_on}"


class Objection(models.Model):
    publicity = models.ForeignKey(Publicity, verbose_name="公示", on_delete=models.CASCADE, related_name="objections")
    received_on = models.DateField("收到日期")
    objector = models.CharField("异议人", max_length=50, blank=True)
    content = models.TextField("异议内容")
    finding = models.TextField("核实情况", blank=True)
    upheld = models.BooleanField("异议成立", null=True, blank=True)
    recorded_by = models.ForeignKey("core.User", verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.publicity_id} {self.received_on}"


class Decision(models.Model):
    """审核确认: approve (amount, start month) or refuse (reasons), by a user other than the handler."""

    application = models.OneToOneField(
        Application, verbose_name="申请", on_delete=models.CASCADE, related_name="decision"
    )
    outcome = models.CharField("结论", max_length=10, choices=DecisionOutcome.choices)
    level = models.CharField("审核确认机关", max_length=10, choices=DecisionLevel.choices)
    reasons = models.TextField("理由")
    monthly_amount = models.DecimalField("月救助金", **MONEY, default=Decimal("0"))
    household_monthly_income = models.DecimalField("核定家庭月收入", **MONEY, default=Decimal("0"))
    start_month = models.DateField("起始发放月份", null=True, blank=True)
    # The parameter rows the amount was computed from ({code: parameter id}), for reproduction.
    parameters_used = models.JSONField("所用政策参数", default=dict, blank=True)
    decided_by = models.ForeignKey("core.User", verbose_name="审批人", on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("审批时间")

    class Meta:
        verbose_name = "审核确认"
        verbose_name_plural = "审核确认"
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="assistance_decision_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(outcome="refuse") | Q(start_month__isnull=False),
                name="assistance_decision_approval_has_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.get_outcome_display()}"
