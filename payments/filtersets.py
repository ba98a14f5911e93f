from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from core.filtersets import RegionCodeFilter
from payments.choices import PaymentStatus, RunStatus
from payments.models import Payment, PayrollRun
from payments.schemes import scheme_choices


class PayrollRunFilterSet(django_filters.FilterSet):
    scheme = django_filters.ChoiceFilter(choices=scheme_choices, label="发放项目", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=RunStatus.choices, label="状态", empty_label="全部")
    month = django_filters.CharFilter(method="filter_month", label="月份", help_text="YYYY-MM")
    region = RegionCodeFilter("region__code")

    class Meta:
        model = PayrollRun
        fields: list[str] = []

    def filter_month(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        try:
            year, month = (int(part) for part in value.split("-"))
            return qs.filter(month__year=year, month__month=month)
        except ValueError:
            return qs.none()


class PaymentFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PaymentStatus.choices, label="状态", empty_label="全部")
    region = RegionCodeFilter("region_code")
    q = django_filters.CharFilter(field_name="person__name", lookup_expr="startswith", label="收款人")

    class Meta:
        model = Payment
        fields: list[str] = []
