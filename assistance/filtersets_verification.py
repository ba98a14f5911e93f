"""FilterSets of the verification and review lists, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from assistance.choices import Category
from assistance.choices_verification import FactSource, ReviewOutcome, ReviewStatus, ReviewTrigger
from assistance.models import FactBatch, Review, VerificationReport
from core.filtersets import RegionCodeFilter


class FactBatchFilterSet(django_filters.FilterSet):
    source_kind = django_filters.ChoiceFilter(choices=FactSource.choices, label="数据来源", empty_label="全部")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="批次名称")

    class Meta:
        model = FactBatch
        fields: list[str] = []


class ReportFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter("region__code")
    household = django_filters.CharFilter(field_name="household__number", lookup_expr="startswith", label="户编号")
    category = django_filters.ChoiceFilter(choices=Category.choices, label="救助类别", empty_label="全部")
    passed = django_filters.ChoiceFilter(
        choices=[("yes", "符合"), ("no", "不符合")], method="filter_passed", label="核对结论", empty_label="全部"
    )
    on_from = django_filters.DateFilter(field_name="on_date", lookup_expr="gte", label="基准日从")
    on_to = django_filters.DateFilter(field_name="on_date", lookup_expr="lte", label="基准日到")
    job = django_filters.NumberFilter(field_name="job_id", label="核对任务")

    class Meta:
        model = VerificationReport
        fields: list[str] = []

    def filter_passed(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(passed=value == "yes") if value else qs


class ReviewFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter("case__region__code")
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label="状态", empty_label="全部")
    trigger = django_filters.ChoiceFilter(choices=ReviewTrigger.choices, label="触发原因", empty_label="全部")
    outcome = django_filters.ChoiceFilter(choices=ReviewOutcome.choices, label="复核结论", empty_label="全部")
    category = django_filters.ChoiceFilter(
        field_name="case__category", choices=Category.choices, label="救助类别", empty_label="全部"
    )
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte", label="应复核日期截至")
    case = django_filters.CharFilter(field_name="case__number", lookup_expr="startswith", label="案件编号")

    class Meta:
        model = Review
        fields: list[str] = []
