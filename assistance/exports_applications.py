"""Excel export of the application list (the same filtered queryset as the page)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from assistance.models import Application
from core.selectors import region_label
from core.sheets import Column, write_workbook

COLUMNS = [
    Column("number", "申请编号", width=24),
    Column("category", "救助类别", width=16),
    Column("status", "办理状态", width=12),
    Column("channel", "受理渠道", width=12),
    Column("applicant", "申请人", width=10),
    Column("household", "户编号", width=14),
    Column("region", "所在村居", width=22),
    Column("submitted", "受理日期", width=12),
    Column("due", "办结时限", width=12),
    Column("overdue", "是否超期", width=8),
    Column("members", "申请人数", width=8),
    Column("income", "申报家庭月收入", width=14),
    Column("assets", "申报货币财产", width=14),
    Column("amount", "核定月救助金", width=12),
]


def application_export_workbook(queryset: QuerySet[Application], user: Any) -> tuple[bytes, int]:
    """Build the workbook; returns (xlsx bytes, number of rows). No ID numbers are exported."""
    today = timezone.localdate()
    count = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal count
        for a in (
            queryset.select_related("applicant", "household", "decision")
            .prefetch_related("members")
            .iterator(chunk_size=2000)
        ):
            count += 1
            decision = getattr(a, "decision", None)
            yield [
                a.number,
                a.get_category_display(),
                a.get_status_display(),
                a.get_channel_display(),
                a.applicant.name,
                a.household.number,
                region_label(a.region_id),
                timezone.localtime(a.submitted_at).date(),
                a.due_date,
                "是" if a.is_open and a.due_date < today else "",
                len(a.members.all()),
                a.declared_monthly_income,
                a.declared_monetary_assets,
                decision.monthly_amount if decision else "",
            ]

    content = write_workbook([("救助申请", COLUMNS, rows())])
    return content, count
