from __future__ import annotations

from django.db import models

from core.choices import CalendarDayKind

__all__ = ["CalendarDay"]


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a statutory holiday or a make-up workday (调休)."""

    date = models.DateField("日期", primary_key=True)
    kind = models.CharField("类型", max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "工作日历"
        verbose_name_plural = "工作日历"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"
