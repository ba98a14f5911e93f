"""Filters of the plan list (shared by the page and the API)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from core.filtersets import RegionCodeFilter
from plans.models import Plan


class PlanFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="规划名称或地区")
    region = RegionCodeFilter("region__code")
    year = django_filters.NumberFilter(method="filter_year", label="规划期含年度", min_value=2000, max_value=2100)

    class Meta:
        model = Plan
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        return qs.filter(Q(title__icontains=value) | Q(region__name__icontains=value)) if value else qs

    def filter_year(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.filter(period_start__lte=value, period_end__gte=value) if value else qs
