"""Economic verification (经济状况核对): facts from data-source extracts, and the report per household.

A fact is one dated row of an extract (a bank balance, a month's wage, a car, a dwelling…),
keyed by the blind index of the ID number it names — the same keyed hash ``core.Person`` uses
— so facts for people not (yet) in the registry can be loaded and matched later. A report
freezes what a verification found: each fact used, the totals against each limit, pass/fail,
and the rule and parameter versions, so that a decision can always be traced back.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from assistance.choices import Category
from assistance.choices_verification import CountedAs, FactSource
from core.scoping import region_filter

__all__ = ["DataSourceFact", "FactBatch", "VerificationReport", "VerificationReportItem"]


class FactBatchQuerySet(models.QuerySet["FactBatch"]):
    def visible_to(self, user: object, perm: str) -> FactBatchQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class FactBatch(models.Model):
    """One loaded extract (a file from one data source)."""

    source_kind = models.CharField("数据来源", max_length=30, choices=FactSource.choices)
    title = models.CharField("批次名称", max_length=200)
    region = models.ForeignKey("core.Region", verbose_name="适用区划", on_delete=models.PROTECT, related_name="+")
    input_file = models.ForeignKey(
        "core.StoredFile", verbose_name="数据文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.OneToOneField(
        "core.Job", verbose_name="写入任务", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    row_count = models.PositiveIntegerField("写入条数", default=0)
    duplicate_count = models.PositiveIntegerField("重复未写入", default=0)
    matched_count = models.PositiveIntegerField("已匹配人员", default=0)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    objects = FactBatchQuerySet.as_manager()

    class Meta:
        verbose_name = "核对数据批次"
        verbose_name_plural = "核对数据批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class DataSourceFact(models.Model):
    """One dated fact about a person from a data source."""

    batch = models.ForeignKey(FactBatch, verbose_name="批次", on_delete=models.CASCADE, related_name="facts")
    source_kind = models.CharField("数据来源", max_length=30, choices=FactSource.choices)
    id_number_hash = models.CharField("身份证号索引", max_length=64)
    person = models.ForeignKey(
        "core.Person", verbose_name="匹配人员", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField("数据源姓名", max_length=50, blank=True)
    as_of = models.DateField("数据日期")
    item = models.CharField("明细类别", max_length=40, blank=True)
    # Account, plate, certificate or credit code: the same asset across extracts.
    reference = models.CharField("账号/编号", max_length=60, blank=True)
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2, default=Decimal("0"))
    # A disability vehicle (功能性补偿代步) or a 居改非 only home: recorded, not counted.
    exempt = models.BooleanField("豁免", default=False)
    detail = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "核对数据"
        verbose_name_plural = "核对数据"
        indexes = [
            models.Index(fields=["id_number_hash"], name="assistance_fact_hash"),
            models.Index(fields=["person", "source_kind", "as_of"], name="assistance_fact_person"),
        ]
        constraints = [
            # Loading the same extract twice adds nothing.
            models.UniqueConstraint(
                fields=["source_kind", "id_number_hash", "reference", "item", "as_of"],
                name="assistance_fact_unique",
                violation_error_message="该条核对数据已存在",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_kind_display()} {self.as_of} {self.amount}"


class VerificationReportQuerySet(models.QuerySet["VerificationReport"]):
    def visible_to(self, user: object, perm: str) -> VerificationReportQuerySet:
        return self.filter(region_filter(user, perm, "region__code"))


class VerificationReport(models.Model):
    """What the verification of one household found on a date, against the limits then in force."""

    household = models.ForeignKey(
        "core.Household", verbose_name="家庭户", on_delete=models.PROTECT, related_name="verification_reports"
    )
    region = models.ForeignKey("core.Region", verbose_name="所在村居", on_delete=models.PROTECT, related_name="+")
    category = models.CharField("救助类别", max_length=30, choices=Category.choices)
    on_date = models.DateField("核对基准日")
    job = models.ForeignKey(
        "core.Job", verbose_name="核对任务", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    purpose = models.CharField("核对事由", max_length=100, blank=True)
    member_count = models.PositiveSmallIntegerField("家庭人数")
    income_months = models.PositiveSmallIntegerField("收入计算月数")
    monthly_income = models.DecimalField("家庭月收入", max_digits=14, decimal_places=2)
    per_capita_income = models.DecimalField("人均月收入", max_digits=14, decimal_places=2)
    income_limit = models.DecimalField("人均收入标准", max_digits=14, decimal_places=2)
    monetary_property = models.DecimalField("货币财产合计", max_digits=16, decimal_places=2)
    per_capita_monetary = models.DecimalField("人均货币财产", max_digits=16, decimal_places=2)
    monetary_limit = models.DecimalField("人均货币财产限额", max_digits=14, decimal_places=2)
    vehicle_count = models.PositiveSmallIntegerField("机动车辆（不含豁免）", default=0)
    non_residential_count = models.PositiveSmallIntegerField("非居住类房屋（不含豁免）", default=0)
    income_passed = models.BooleanField("收入符合")
    property_passed = models.BooleanField("货币财产符合")
    vehicle_passed = models.BooleanField("车辆符合")
    housing_passed = models.BooleanField("房产符合")
    passed = models.BooleanField("核对结论：符合")
    notes = models.JSONField("提示", default=list, blank=True)
    rule_version = models.CharField("规则版本", max_length=30)
    # code -> {id, value, effective_from, region, source, certainty}
    parameters = models.JSONField("使用的政策参数", default=dict)
    created_by = models.ForeignKey("core.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    objects = VerificationReportQuerySet.as_manager()

    class Meta:
        verbose_name = "核对报告"
        verbose_name_plural = "核对报告"
        ordering = ["-id"]
        indexes = [models.Index(fields=["household", "-id"], name="assistance_vreport_household")]
        constraints = [
            # The conclusion is the conjunction of the four tests, never set apart from them.
            models.CheckConstraint(
                condition=Q(
                    passed=True, income_passed=True, property_passed=True, vehicle_passed=True, housing_passed=True
                )
                | (
                    Q(passed=False)
                    & (
                        Q(income_passed=False)
                        | Q(property_passed=False)
                        | Q(vehicle_passed=False)
                        | Q(housing_passed=False)
                    )
                ),
                name="assistance_vreport_passed_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"核对报告 {self.pk}（{self.household_id}，{self.on_date}）"


class VerificationReportItem(models.Model):
    """A fact as the report used it."""

    report = models.ForeignKey(VerificationReport, verbose_name="报告", on_delete=models.CASCADE, related_name="items")
    fact = models.ForeignKey(
        DataSourceFact, verbose_name="核对数据", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey("core.Person", verbose_name="成员", on_delete=models.PROTECT, related_name="+")
    source_kind = models.CharField("数据来源", max_length=30, choices=FactSource.choices)
    item = models.CharField("明细类别", max_length=40, blank=True)
    reference = models.CharField("账号/编号", max_length=60, blank=True)
    as_of = models.DateField("数据日期")
    amount = models.DecimalField("金额", max_digits=14, decimal_places=2)
    counted_as = models.CharField("计入", max_length=20, choices=CountedAs.choices)

    class Meta:
        verbose_name = "核对报告明细"
        verbose_name_plural = "核对报告明细"
        ordering = ["person_id", "source_kind", "as_of"]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.source_kind}"
