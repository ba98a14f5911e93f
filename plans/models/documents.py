"""Plan documents: a plan (one per region and title), its imported versions, and what each version says.

A version is the parse of one source file (the file's sha256 makes re-importing the same file a no-op).
Everything a version holds is immutable once imported; computing models (h4b, `indicators.py`) refer to an
indicator by its plan and stable `key`, so formulas and snapshots survive a new version of the document.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from plans.choices import Comparator, IndicatorKind, VersionLabel

__all__ = ["EvaluationNote", "Indicator", "KeyProject", "KeyProjectProgress", "Plan", "PlanVersion", "Task"]


class Plan(models.Model):
    """A five-year plan of one region (e.g. 崇明区民政事业发展"十四五"规划); its versions share it."""

    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("规划名称", max_length=200)
    period_start = models.PositiveSmallIntegerField("规划期起")
    period_end = models.PositiveSmallIntegerField("规划期止")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "规划"
        verbose_name_plural = "规划"
        ordering = ["region_id", "-period_start", "title"]
        constraints = [
            models.UniqueConstraint(fields=["region", "title"], name="plans_plan_region_title_uniq"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="plans_plan_period_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def current_version(self) -> PlanVersion | None:
        return self.versions.filter(is_current=True).first()


class PlanVersion(models.Model):
    """One imported document of a plan (征求意见稿, 草案, 正式稿 …); the newest import is current."""

    plan = models.ForeignKey(Plan, verbose_name="规划", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField("版本号")
    label = models.CharField("版本", max_length=20, choices=VersionLabel.choices, default=VersionLabel.OTHER)
    document_title = models.CharField("文件标题", max_length=300, blank=True)
    document_number = models.CharField("文号", max_length=100, blank=True)
    source_file_name = models.CharField("源文件名", max_length=255)
    source_format = models.CharField("文件格式", max_length=10)
    source_sha256 = models.CharField("源文件SHA-256", max_length=64)
    source_file = models.ForeignKey(
        "core.StoredFile", verbose_name="源文件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField("现行版本", default=True)
    parsed = models.JSONField("解析结果", default=dict)
    problem_count = models.PositiveIntegerField("未能解析的行数", default=0)

    class Meta:
        verbose_name = "规划版本"
        verbose_name_plural = "规划版本"
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plans_version_number_uniq"),
            models.UniqueConstraint(fields=["plan", "source_sha256"], name="plans_version_sha_uniq"),
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(is_current=True), name="plans_version_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} 第{self.number}版（{self.label}）"


class Indicator(models.Model):
    """One row of a plan's indicator table (or a target stated in prose).

    `baseline_text`/`target_text` are the cells exactly as printed (whitespace-normalised); the parsed
    numbers sit beside them and are null when the cell is words or missing ("——").
    """

    version = models.ForeignKey(PlanVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="indicators")
    seq = models.PositiveSmallIntegerField("序号")
    key = models.CharField("指标键", max_length=100, help_text="跨版本识别同一指标")
    name = models.CharField("指标名称", max_length=200)
    definition = models.TextField("指标定义", blank=True)
    unit = models.CharField("单位", max_length=40, blank=True)
    baseline_year = models.PositiveSmallIntegerField("基准年", null=True, blank=True)
    baseline_text = models.CharField("基准值（原文）", max_length=200, blank=True)
    baseline_value = models.DecimalField("基准值", max_digits=20, decimal_places=4, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField("目标年", null=True, blank=True)
    target_text = models.CharField("目标值（原文）", max_length=300, blank=True)
    target_comparator = models.CharField(
        "目标比较符", max_length=4, choices=Comparator.choices, blank=True, default=Comparator.NONE
    )
    target_value = models.DecimalField("目标值", max_digits=20, decimal_places=4, null=True, blank=True)
    secondary_targets = models.JSONField(
        "附加目标", default=list, blank=True, help_text='如 [{"name": "持等级证", "comparator": "ge", "value": "80"}]'
    )
    kind = models.CharField("指标类型", max_length=12, choices=IndicatorKind.choices, blank=True)
    source = models.CharField("来源", max_length=10, default="table", help_text="table 表格 / prose 正文")
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = "规划指标"
        verbose_name_plural = "规划指标"
        ordering = ["version_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["version", "seq"], name="plans_indicator_seq_uniq"),
            models.UniqueConstraint(fields=["version", "key"], name="plans_indicator_key_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.seq}. {self.name}"

    @property
    def is_binding(self) -> bool:
        return self.kind == IndicatorKind.BINDING


class Task(models.Model):
    """A heading of the plan's chapter/task outline (一、 → （一） → 1. → （1）)."""

    version = models.ForeignKey(PlanVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="tasks")
    seq = models.PositiveIntegerField("顺序")
    level = models.PositiveSmallIntegerField("层级")
    number = models.CharField("编号", max_length=20)
    title = models.CharField("标题", max_length=500)
    text = models.TextField("内容", blank=True, help_text="标题下至下一标题之间的正文")
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = "规划任务"
        verbose_name_plural = "规划任务"
        ordering = ["version_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["version", "seq"], name="plans_task_seq_uniq")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class KeyProject(models.Model):
    """A 重点建设项目 of the plan with its planned investment (万元), floor area and beds."""

    version = models.ForeignKey(PlanVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="projects")
    seq = models.PositiveIntegerField("顺序")
    key = models.CharField("项目键", max_length=200, help_text="跨版本识别同一项目")
    category = models.CharField("类别", max_length=100, blank=True)
    name = models.CharField("项目名称", max_length=300)
    description = models.TextField("建设内容", blank=True)
    investment_wan_yuan = models.DecimalField(
        "计划投资（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    floor_area_m2 = models.DecimalField("建筑面积（平方米）", max_digits=14, decimal_places=2, null=True, blank=True)
    beds = models.PositiveIntegerField("床位数", null=True, blank=True)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)

    class Meta:
        verbose_name = "重点建设项目"
        verbose_name_plural = "重点建设项目"
        ordering = ["version_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["version", "seq"], name="plans_project_seq_uniq"),
            models.CheckConstraint(
                condition=models.Q(investment_wan_yuan__isnull=True) | models.Q(investment_wan_yuan__gte=0),
                name="plans_project_investment_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class KeyProjectProgress(models.Model):
    """What a key project has spent and delivered in a year (entered by staff; keyed to the plan and the
    project's stable key, so it carries over to a new version of the document)."""

    plan = models.ForeignKey(Plan, verbose_name="规划", on_delete=models.CASCADE, related_name="project_progress")
    project_key = models.CharField("项目键", max_length=200)
    year = models.PositiveSmallIntegerField("年度")
    spent_wan_yuan = models.DecimalField("完成投资（万元）", max_digits=14, decimal_places=2)
    beds_delivered = models.PositiveIntegerField("交付床位数", default=0)
    note = models.CharField("说明", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "重点项目进展"
        verbose_name_plural = "重点项目进展"
        ordering = ["plan_id", "project_key", "year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "project_key", "year"], name="plans_progress_year_uniq"),
            models.CheckConstraint(condition=models.Q(spent_wan_yuan__gte=0), name="plans_progress_spent_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project_key} {self.year}年"


class EvaluationNote(models.Model):
    """Staff's written assessment of one indicator in the mid-term or final evaluation (评估说明)."""

    plan = models.ForeignKey(Plan, verbose_name="规划", on_delete=models.CASCADE, related_name="evaluation_notes")
    stage = models.CharField("评估阶段", max_length=10, choices=[("mid", "中期评估"), ("final", "总结评估")])
    indicator_key = models.CharField("指标键", max_length=100)
    note = models.TextField("评估说明")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "评估说明"
        verbose_name_plural = "评估说明"
        ordering = ["plan_id", "stage", "indicator_key"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "stage", "indicator_key"], name="plans_evaluation_note_uniq"),
            models.CheckConstraint(condition=models.Q(stage__in=["mid", "final"]), name="plans_evaluation_note_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_key}（{self.get_stage_display()}）"
