"""FilterSets of applications and case plans, shared by the web pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from assistance.choices import ApplicationStatus, Category, Channel, PlanStatus
from assistance.models import Application, CasePlan
from core.filtersets import RegionCodeFilter


class ApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="申请编号、申请人姓名或户编号")
    category = django_filters.ChoiceFilter(choices=Category.choices, label="类别", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, label="状态", empty_label="全部")
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label="渠道", empty_label="全部")
    region = RegionCodeFilter("region__code")
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="受理日期从", widget=forms.DateInput({"type": "date"})
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label="至", widget=forms.DateInput({"type": "date"})
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="只看超期", widget=forms.CheckboxInput)

    class Meta:
        model = Application
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(number__startswith=text) | Q(applicant__name__startswith=text) | Q(household__number__startswith=text)
        )

    def filter_overdue(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.open().filter(due_date__lt=timezone.localdate())


class CasePlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="户编号")
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label="状态", empty_label="全部")
    region = RegionCodeFilter("region__code")

    class Meta:
        model = CasePlan
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        return qs.filter(household__number__startswith=text) if text else qs
