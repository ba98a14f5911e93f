from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from core.choices import JobStatus
from core.scoping import grant_prefixes

if TYPE_CHECKING:
    from core.models.access import User

__all__ = ["Job", "StoredFile"]


class StoredFile(models.Model):
    """An uploaded or generated file (import workbook, error report, export, notice)."""

    file = models.FileField("文件", upload_to="files/%Y/%m/")
    original_name = models.CharField("文件名", max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField("大小", default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey("core.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"

    def __str__(self) -> str:
        return self.original_name


class JobQuerySet(models.QuerySet["Job"]):
    def visible_to(self, user: User, perm: str) -> JobQuerySet:
        """A user sees the jobs they asked for, and those scoped inside a region where they hold perm."""
        if not user.is_authenticated:
            return self.none()
        condition = Q(requested_by=user)
        for prefix in grant_prefixes(user, perm):
            condition |= Q(region__code__startswith=prefix)
        return self.filter(condition)


class Job(models.Model):
    """A batch of work (import, export, payroll, verification, recompute) as the user sees it."""

    kind = models.CharField("类型", max_length=60, db_index=True)
    title = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    requested_by = models.ForeignKey(
        "core.User", verbose_name="发起人", null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    region = models.ForeignKey("core.Region", verbose_name="范围", on_delete=models.PROTECT, related_name="+")
    params = models.JSONField("参数", default=dict, blank=True)
    progress_done = models.PositiveIntegerField("已处理", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    counts = models.JSONField("统计", default=dict, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    error_count = models.PositiveIntegerField("错误数", default=0)
    message = models.TextField("说明", blank=True)
    input_file = models.ForeignKey(
        StoredFile, verbose_name="输入文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result_file = models.ForeignKey(
        StoredFile, verbose_name="结果文件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    parent = models.ForeignKey(
        "self", verbose_name="上一步", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def kind_label(self) -> str:
        from core.jobs import kind_label

        return kind_label(self.kind)

    @property
    def counts_display(self) -> list[tuple[str, object]]:
        from core.jobs import COUNT_LABELS

        return [(COUNT_LABELS.get(key, key), value) for key, value in self.counts.items()]

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
