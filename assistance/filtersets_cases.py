"""FilterSets of the case and temporary-grant lists, shared by the pages and the API."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from assistance.choices import CaseStatus, Category, TemporaryGrantKind, TemporaryGrantStatus, TemporaryNeed
from assistance.models import Case, TemporaryGrant
from core.filtersets import RegionCodeFilter
from core.idnumbers import normalize

_ID_LIKE = re.compile(r"^\d{17}[\dX]$")


def _person_or_number(qs: QuerySet[Any], value: str, number_field: str, person_path: str) -> QuerySet[Any]:
    from core.services.people import id_hash

    value = (value or "").strip()
    if not value:
        return qs
    number = normalize(value)
    if _ID_LIKE.match(number):
        return qs.filter(**{f"{person_path}__id_number_hash": id_hash(number)})
    return qs.filter(Q(**{f"{number_field}__istartswith": value}) | Q(**{f"{person_path}__name__startswith": value}))


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="案件编号、领取人姓名或身份证号")
    region = RegionCodeFilter("region__code")
    category = django_filters.ChoiceFilter(choices=Category.choices, label="救助类别", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label="状态", empty_label="全部")
    review_due_before = django_filters.DateFilter(
        field_name="next_review_due", lookup_expr="lte", label="复核到期（截至）"
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, qs: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return _person_or_number(qs, value, "number", "payee")


class TemporaryGrantFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="编号、姓名或身份证号")
    region = RegionCodeFilter("region__code")
    kind = django_filters.ChoiceFilter(choices=TemporaryGrantKind.choices, label="类型", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=TemporaryGrantStatus.choices, label="状态", empty_label="全部")
    need = django_filters.ChoiceFilter(choices=TemporaryNeed.choices, label="困难类型", empty_label="全部")
    review_overdue = django_filters.BooleanFilter(method="filter_overdue", label="补审逾期")

    class Meta:
        model = TemporaryGrant
        fields: list[str] = []

    def search(self, qs: QuerySet[TemporaryGrant], name: str, value: str) -> QuerySet[TemporaryGrant]:
        return _person_or_number(qs, value, "number", "person")

    def filter_overdue(self, qs: QuerySet[TemporaryGrant], name: str, value: bool | None) -> QuerySet[TemporaryGrant]:
        if value is None:
            return qs
        overdue = Q(status=TemporaryGrantStatus.DECIDED_PENDING_REVIEW, review_due__lt=datetime.date.today())
        return qs.filter(overdue) if value else qs.exclude(overdue)
