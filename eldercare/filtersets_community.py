"""FilterSets of the community-service lists, shared by the web pages and the API."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from core.filtersets import RegionCodeFilter
from eldercare.choices_community import (
    AdaptationStatus,
    AdviceTopic,
    PersonCategory,
    SettlementStatus,
    VisitMode,
)
from eldercare.models import (
    AdviceSession,
    ChildlessRecord,
    HomeAdaptation,
    MealCount,
    MealEnrolment,
    MealSettlement,
    PeerPair,
    PeerVisit,
)


def _person_q(value: str, path: str = "person") -> Q:
    text = value.strip()
    if not text:
        return Q()
    return (
        Q(**{f"{path}__name__startswith": text})
        | Q(**{f"{path}__name_pinyin__startswith": text.lower()})
        | Q(**{f"{path}__name_initials__startswith": text.lower()})
    )


class _PersonSearch(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="姓名", help_text="姓名、拼音或首字母")
    person_path = "person"

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(_person_q(value, self.person_path))


class MealEnrolmentFilterSet(_PersonSearch):
    region = RegionCodeFilter("region__code")
    meal_point = django_filters.CharFilter(field_name="meal_point__number", label="助餐点编号")
    category = django_filters.ChoiceFilter(choices=PersonCategory.choices, label="补贴类别", empty_label="全部")
    status = django_filters.ChoiceFilter(
        choices=[("open", "在册"), ("ended", "已终止")], method="filter_status", label="状态", empty_label="全部"
    )

    class Meta:
        model = MealEnrolment
        fields: list[str] = []

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(ended_on__isnull=(value == "open")) if value else qs


class MealCountFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter("region__code")
    meal_point = django_filters.CharFilter(field_name="meal_point__number", label="助餐点编号")
    category = django_filters.ChoiceFilter(choices=PersonCategory.choices, label="补贴类别", empty_label="全部")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte", label="日期从")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte", label="日期到")

    class Meta:
        model = MealCount
        fields: list[str] = []


class MonthFilter(django_filters.CharFilter):
    """``month=YYYY-MM``."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        value = (value or "").strip()
        if not value:
            return qs
        try:
            month = datetime.date.fromisoformat(f"{value[:7]}-01")
        except ValueError:
            return qs.none()
        return qs.filter(**{self.field_name: month})


class MealSettlementFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter("region__code")
    month = MonthFilter(field_name="month", label="月份", help_text="YYYY-MM")
    status = django_filters.ChoiceFilter(choices=SettlementStatus.choices, label="状态", empty_label="全部")
    blocked = django_filters.ChoiceFilter(
        choices=[("yes", "有停发")], method="filter_blocked", label="黑名单停发", empty_label="全部"
    )

    class Meta:
        model = MealSettlement
        fields: list[str] = []

    def filter_blocked(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(blocked_meals__gt=0) if value == "yes" else qs


class AdviceSessionFilterSet(_PersonSearch):
    region = RegionCodeFilter("region__code")
    held_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label="咨询日期从")
    held_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label="咨询日期到")
    topic = django_filters.ChoiceFilter(
        choices=AdviceTopic.choices, method="filter_topic", label="咨询事项", empty_label="全部"
    )
    follow_up = django_filters.ChoiceFilter(
        choices=[("due", "待回访（已到期）"), ("pending", "待回访（全部）"), ("done", "已回访")],
        method="filter_follow_up",
        label="回访",
        empty_label="全部",
    )

    class Meta:
        model = AdviceSession
        fields: list[str] = []

    def filter_topic(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        # JSON list membership, portable: the stored list is ["a", "b"].
        return qs.filter(topics__icontains=f'"{value}"') if value else qs

    def filter_follow_up(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        pending = qs.filter(follow_up_on__isnull=False, followed_up_on__isnull=True)
        if value == "due":
            return pending.filter(follow_up_on__lte=datetime.date.today())
        if value == "pending":
            return pending
        if value == "done":
            return qs.filter(followed_up_on__isnull=False)
        return qs


class PeerPairFilterSet(_PersonSearch):
    person_path = "target"
    region = RegionCodeFilter("region__code")
    status = django_filters.ChoiceFilter(
        choices=[("open", "结对中"), ("ended", "已解除")], method="filter_status", label="状态", empty_label="全部"
    )

    class Meta:
        model = PeerPair
        fields: list[str] = []

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(ended_on__isnull=(value == "open")) if value else qs


class PeerVisitFilterSet(_PersonSearch):
    person_path = "target"
    region = RegionCodeFilter("region__code")
    visited_from = django_filters.DateFilter(field_name="visited_on", lookup_expr="gte", label="探访日期从")
    visited_to = django_filters.DateFilter(field_name="visited_on", lookup_expr="lte", label="探访日期到")
    mode = django_filters.ChoiceFilter(choices=VisitMode.choices, label="方式", empty_label="全部")
    concern = django_filters.ChoiceFilter(
        choices=[("yes", "发现问题")], method="filter_concern", label="发现问题", empty_label="全部"
    )

    class Meta:
        model = PeerVisit
        fields: list[str] = []

    def filter_concern(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.exclude(concern="") if value == "yes" else qs


class ChildlessRecordFilterSet(_PersonSearch):
    region = RegionCodeFilter("region__code")

    class Meta:
        model = ChildlessRecord
        fields: list[str] = []


class HomeAdaptationFilterSet(_PersonSearch):
    region = RegionCodeFilter("region__code")
    status = django_filters.ChoiceFilter(choices=AdaptationStatus.choices, label="状态", empty_label="全部")
    category = django_filters.ChoiceFilter(choices=PersonCategory.choices, label="补贴类别", empty_label="全部")
    applied_from = django_filters.DateFilter(field_name="applied_on", lookup_expr="gte", label="申请日期从")
    applied_to = django_filters.DateFilter(field_name="applied_on", lookup_expr="lte", label="申请日期到")

    class Meta:
        model = HomeAdaptation
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if text.upper().startswith("SLH"):
            return qs.filter(number__startswith=text.upper())
        return super().search(qs, name, value)
