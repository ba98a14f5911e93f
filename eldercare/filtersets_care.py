"""FilterSets of the care lists, shared by the web pages and the API (same parameters, same meaning)."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.filtersets import PersonFilterSet, RegionCodeFilter
from core.models import Person
from eldercare.choices import BedKind
from eldercare.choices_care import (
    AllowanceScheme,
    ApplicationStatus,
    CareGrade,
    HomeCareOrderStatus,
    HomeCareService,
    SuspensionReason,
)
from eldercare.models import AllowanceSuspension, BedApplication, CareAssessment, HomeCareOrder


def _person_search(queryset: QuerySet[Any], value: str, path: str = "person") -> QuerySet[Any]:
    """The registry's own search (ID number, phone, name, pinyin) applied through ``path``."""
    value = (value or "").strip()
    if not value:
        return queryset
    people = PersonFilterSet({"q": value}, queryset=Person.objects.all())
    if not people.is_valid():
        return queryset.none()
    return queryset.filter(**{f"{path}__in": people.qs.values("pk")})


class CareAssessmentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="身份证号、姓名或拼音")
    region = RegionCodeFilter("region__code")
    grade = django_filters.ChoiceFilter(choices=CareGrade.choices, label="照护等级", empty_label="全部")
    status = django_filters.ChoiceFilter(
        choices=[("valid", "有效"), ("due", "待复评（即将到期或已过期）"), ("expired", "已过期")],
        method="filter_status",
        label="有效状态",
        empty_label="全部",
    )
    latest = django_filters.BooleanFilter(method="filter_latest", label="仅最近一次评估")
    assessed_from = django_filters.DateFilter(field_name="assessed_on", lookup_expr="gte", label="评估日期从")
    assessed_to = django_filters.DateFilter(field_name="assessed_on", lookup_expr="lte", label="评估日期到")

    class Meta:
        model = CareAssessment
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _person_search(queryset, value)

    def filter_status(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        today = timezone.localdate()
        if value == "valid":
            return queryset.filter(valid_until__gte=today)
        if value == "expired":
            return queryset.filter(valid_until__lt=today)
        if value == "due":
            # The notice period is a policy parameter (eldercare.reassessment_notice_days).
            from eldercare.selectors_care import notice_days

            user = getattr(self.request, "auth", None) or getattr(self.request, "user", None)
            days = notice_days(user, today) if user is not None else 60
            scoped: Any = queryset
            return scoped.latest_per_person().filter(
                valid_until__lte=today + datetime.timedelta(days=days), person__death_date__isnull=True
            )
        return queryset

    def filter_latest(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        scoped: Any = queryset
        return scoped.latest_per_person() if value else queryset


class AllowancePeopleFilterSet(django_filters.FilterSet):
    """Over the scheme's queryset of the month (people annotated with pay_amount)."""

    q = django_filters.CharFilter(method="search", label="查找", help_text="身份证号、姓名或拼音")
    region = RegionCodeFilter("hukou_region__code")
    amount = django_filters.NumberFilter(field_name="pay_amount", label="月标准（元）")

    class Meta:
        model = Person
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _person_search(queryset, value, "pk")


class AllowanceSuspensionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找")
    region = RegionCodeFilter("region__code")
    scheme = django_filters.ChoiceFilter(choices=AllowanceScheme.choices, label="津贴项目", empty_label="全部")
    reason = django_filters.ChoiceFilter(choices=SuspensionReason.choices, label="停发原因", empty_label="全部")
    active = django_filters.BooleanFilter(method="filter_active", label="本月停发中")

    class Meta:
        model = AllowanceSuspension
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return _person_search(queryset, value)

    def filter_active(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        month = timezone.localdate().replace(day=1)
        covering = Q(starts_on__lte=month) & (Q(ends_on__isnull=True) | Q(ends_on__gte=month))
        return queryset.filter(covering) if value else queryset.exclude(covering)


class BedApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找")
    region = RegionCodeFilter("region__code")
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices, label="状态", empty_label="全部")
    bed_kind = django_filters.ChoiceFilter(choices=BedKind.choices, label="床位类型", empty_label="全部")
    facility = django_filters.NumberFilter(method="filter_facility", label="意向机构编号")

    class Meta:
        model = BedApplication
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = (value or "").strip()
        if value.upper().startswith("CW"):
            return queryset.filter(number__startswith=value.upper())
        return _person_search(queryset, value)

    def filter_facility(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value in (None, ""):
            return queryset
        return queryset.filter(Q(preferred_facilities=value) | Q(preferred_facilities__isnull=True)).distinct()


class HomeCareOrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找")
    region = RegionCodeFilter("region__code")
    service = django_filters.ChoiceFilter(choices=HomeCareService.choices, label="服务类型", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=HomeCareOrderStatus.choices, label="状态", empty_label="全部")

    class Meta:
        model = HomeCareOrder
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = (value or "").strip()
        if value.upper().startswith("JJ"):
            return queryset.filter(number__startswith=value.upper())
        return _person_search(queryset, value)
