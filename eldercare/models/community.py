"""养老顾问 advice sessions, 老伙伴计划 peer visits and 适老化改造 home adaptations."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from eldercare.choices_community import (
    AdaptationItemKind,
    AdaptationStatus,
    PersonCategory,
    VisitMode,
)
from eldercare.models.meals import RegionScopedQuerySet

__all__ = [
    "LIVE_ADAPTATION_STATUSES",
    "AdviceSession",
    "ChildlessRecord",
    "HomeAdaptation",
    "HomeAdaptationItem",
    "PeerPair",
    "PeerVisit",
]


class AdviceSession(models.Model):
    """One consultation of an eldercare advisor (养老顾问) with an older person or their family."""

    person = models.ForeignKey("core.Person", verbose_name="咨询老人", on_delete=models.PROTECT, related_name="+")
    # The person's village (scoping).
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    advisor = models.ForeignKey(
        "core.User", verbose_name="养老顾问", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    advisor_name = models.CharField("顾问姓名", max_length=50)
    point = models.ForeignKey(
        "eldercare.Facility",
        verbose_name="养老顾问点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="advice_sessions",
    )
    held_on = models.DateField("咨询日期")
    topics = models.JSONField("咨询事项", default=list)
    recommended = models.JSONField("推荐服务", default=list, blank=True)
    notes = models.TextField("咨询记录", blank=True)
    follow_up_on = models.DateField("回访日期", null=True, blank=True)
    followed_up_on = models.DateField("已回访日期", null=True, blank=True)
    follow_up_result = models.CharField("回访结果", max_length=300, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "养老顾问咨询"
        verbose_name_plural = "养老顾问咨询"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["follow_up_on"], name="eldercare_advice_followup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True) | Q(follow_up_on__gte=F("held_on")),
                name="eldercare_advice_followup_after",
                violation_error_message="回访日期不能早于咨询日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.held_on}"


class ChildlessRecord(models.Model):
    """The registry cannot tell "has no children" from "children not registered here": it is a
    recorded fact (村居 verification), one per person, used by the peer-visit target group."""

    person = models.OneToOneField("core.Person", verbose_name="老人", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    recorded_on = models.DateField("核实日期")
    note = models.CharField("说明", max_length=200, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "无子女老人登记"
        verbose_name_plural = "无子女老人登记"

    def __str__(self) -> str:
        return str(self.person_id)


class PeerPair(models.Model):
    """老伙伴计划: a younger older volunteer paired with an older person to visit."""

    volunteer = models.ForeignKey("core.Person", verbose_name="志愿者", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey("core.Person", verbose_name="结对老人", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("解除日期", null=True, blank=True)
    # Why the target is in the group when paired (snapshot of the derived reasons).
    reasons = models.JSONField("结对原因", default=list, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "老伙伴结对"
        verbose_name_plural = "老伙伴结对"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(ended_on__isnull=True),
                name="eldercare_peerpair_one_open_per_target",
                violation_error_message="该老人已有结对志愿者",
            ),
            models.CheckConstraint(
                condition=~Q(volunteer=F("target")),
                name="eldercare_peerpair_not_self",
                violation_error_message="志愿者不能与本人结对",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="eldercare_peerpair_end_after_start",
                violation_error_message="解除日期不能早于结对日期",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id}→{self.target_id}"


class PeerVisit(models.Model):
    pair = models.ForeignKey(PeerPair, verbose_name="结对", on_delete=models.PROTECT, related_name="visits")
    # Copied from the pair: the coverage report counts distinct targets visited, set-based.
    target = models.ForeignKey("core.Person", verbose_name="探访对象", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        "core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    visited_on = models.DateField("探访日期")
    mode = models.CharField("方式", max_length=10, choices=VisitMode.choices, default=VisitMode.HOME)
    notes = models.CharField("探访情况", max_length=300, blank=True)
    concern = models.CharField("发现问题", max_length=300, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "老伙伴探访记录"
        verbose_name_plural = "老伙伴探访记录"
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["target", "visited_on"], name="eldercare_peervisit_target"),
            models.Index(fields=["region", "visited_on"], name="eldercare_peervisit_region"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.visited_on}"


LIVE_ADAPTATION_STATUSES = [
    AdaptationStatus.APPLIED,
    AdaptationStatus.ASSESSED,
    AdaptationStatus.APPROVED,
    AdaptationStatus.COMPLETED,
]


class HomeAdaptation(models.Model):
    """An application for 适老化改造 through assessment, works and the subsidy settlement."""

    number = models.CharField("申请编号", max_length=30, unique=True)
    person = models.ForeignKey("core.Person", verbose_name="申请老人", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("补贴类别", max_length=20, choices=PersonCategory.choices)
    status = models.CharField("状态", max_length=10, choices=AdaptationStatus.choices, default=AdaptationStatus.APPLIED)
    applied_on = models.DateField("申请日期")
    address = models.CharField("改造地址", max_length=200, blank=True)
    needs = models.CharField("改造需求", max_length=500, blank=True)
    assessed_on = models.DateField("评估日期", null=True, blank=True)
    assessor_name = models.CharField("评估人", max_length=50, blank=True)
    assessment = models.TextField("评估意见", blank=True)
    estimated_cost = models.DecimalField("预估费用", max_digits=12, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decision_note = models.CharField("审批意见", max_length=300, blank=True)
    completed_on = models.DateField("完工日期", null=True, blank=True)
    total_cost = models.DecimalField("改造总费用", max_digits=12, decimal_places=2, default=Decimal("0"))
    subsidy_share = models.DecimalField("补贴比例", max_digits=5, decimal_places=4, null=True, blank=True)
    subsidy_cap = models.DecimalField("补贴上限", max_digits=12, decimal_places=2, null=True, blank=True)
    subsidy_amount = models.DecimalField("补贴金额", max_digits=12, decimal_places=2, default=Decimal("0"))
    self_pay = models.DecimalField("个人自付", max_digits=12, decimal_places=2, default=Decimal("0"))
    parameters = models.JSONField("计算依据", default=dict, blank=True)
    settled_on = models.DateField("结算日期", null=True, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "适老化改造"
        verbose_name_plural = "适老化改造"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status"], name="eldercare_adaptation_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["applied", "assessed", "approved", "completed"]),
                name="eldercare_adaptation_one_live",
                violation_error_message="该老人已有办理中的适老化改造申请",
            ),
            models.CheckConstraint(
                condition=Q(subsidy_amount__gte=0) & Q(self_pay__gte=0) & Q(subsidy_amount__lte=F("total_cost")),
                name="eldercare_adaptation_amounts",
                violation_error_message="补贴金额不能超过改造总费用",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class HomeAdaptationItem(models.Model):
    adaptation = models.ForeignKey(
        HomeAdaptation, verbose_name="改造申请", on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField("改造项目", max_length=20, choices=AdaptationItemKind.choices)
    description = models.CharField("说明", max_length=200, blank=True)
    quantity = models.PositiveIntegerField("数量", default=1)
    cost = models.DecimalField("费用", max_digits=12, decimal_places=2)
    done_on = models.DateField("完成日期")

    class Meta:
        verbose_name = "改造项目"
        verbose_name_plural = "改造项目"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="eldercare_adaptationitem_cost"),
        ]

    def __str__(self) -> str:
        return f"{self.adaptation_id} {self.kind}"
