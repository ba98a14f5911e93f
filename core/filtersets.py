"""One FilterSet per list, shared by the web page and the API (same parameters, same meaning)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from core.choices import JobStatus, Sex
from core.idnumbers import IdNumberError, convert_15_to_18, normalize
from core.models import AuditEvent, Household, Job, Person, PolicyParameter, Region

_ID_LIKE = re.compile(r"^(\d{15}|\d{17}[\dX])$")
_PHONE_LIKE = re.compile(r"^1\d{10}$")
_LETTERS = re.compile(r"^[a-z]+$")


def years_ago(years: int, today: datetime.date | None = None) -> datetime.date:
    today = today or datetime.date.today()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def region_prefix_q(code: str, *paths: str) -> Q:
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path}__startswith": code})
    return condition


class RegionCodeFilter(django_filters.CharFilter):
    """``region=CODE``: that region and everything below it."""

    def __init__(self, *paths: str, **kwargs: Any) -> None:
        self.paths = paths
        kwargs.setdefault("label", "区划")
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(region_prefix_q(value, *self.paths))


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="身份证号、手机号、姓名或拼音/首字母")
    region = RegionCodeFilter("hukou_region__code", "residence_region__code")
    sex = django_filters.ChoiceFilter(choices=Sex.choices, label="性别", empty_label="全部")
    age_min = django_filters.NumberFilter(method="filter_age_min", label="年龄从", min_value=0, max_value=150)
    age_max = django_filters.NumberFilter(method="filter_age_max", label="年龄到", min_value=0, max_value=150)
    status = django_filters.ChoiceFilter(
        choices=[("alive", "在世"), ("dead", "已故")], method="filter_status", label="状态", empty_label="全部"
    )
    in_household = django_filters.ChoiceFilter(
        choices=[("yes", "已入户"), ("no", "未入户")], method="filter_household", label="入户", empty_label="全部"
    )

    class Meta:
        model = Person
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        from core.services.people import id_hash, phone_hash

        text = value.strip()
        if not text:
            return qs
        number = normalize(text)
        if _ID_LIKE.match(number):
            if len(number) == 15:
                try:
                    number = convert_15_to_18(number)
                except IdNumberError:
                    return qs.none()
            return qs.filter(id_number_hash=id_hash(number))
        if _PHONE_LIKE.match(number):
            return qs.filter(phone_hash=phone_hash(number))
        lowered = text.lower().replace(" ", "")
        if _LETTERS.match(lowered):
            return qs.filter(Q(name_pinyin__startswith=lowered) | Q(name_initials__startswith=lowered))
        return qs.filter(name__startswith=text)

    def filter_age_min(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return qs.filter(birth_date__lte=years_ago(int(value)))

    def filter_age_max(self, qs: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        # Aged at most N: born after the day N+1 years ago.
        return qs.filter(birth_date__gt=years_ago(int(value) + 1))

    def filter_status(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(death_date__isnull=value == "alive")

    def filter_household(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(membership__isnull=value == "no")


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="户编号或户主姓名")
    region = RegionCodeFilter("region__code")

    class Meta:
        model = Household
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(number__startswith=text) | Q(members__relation="head", members__person__name__startswith=text)
        ).distinct()


class JobFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label="状态", empty_label="全部")
    kind = django_filters.CharFilter(label="类型")
    mine = django_filters.BooleanFilter(method="filter_mine", label="只看我发起的", widget=forms.CheckboxInput)

    class Meta:
        model = Job
        fields: list[str] = []

    def filter_mine(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs.filter(requested_by=self.request.user) if value and self.request else qs


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.CharFilter(lookup_expr="startswith", label="操作")
    actor = django_filters.CharFilter(field_name="actor_username", label="操作人账号")
    object_type = django_filters.CharFilter(label="对象类型")
    object_id = django_filters.CharFilter(label="对象编号")
    region = RegionCodeFilter("region_code")
    date_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label="起始日期")
    date_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label="截止日期")

    class Meta:
        model = AuditEvent
        fields: list[str] = []


class PolicyParameterFilterSet(django_filters.FilterSet):
    code = django_filters.CharFilter(lookup_expr="startswith", label="参数代码")
    region = django_filters.CharFilter(field_name="region__code", label="区划")

    class Meta:
        model = PolicyParameter
        fields: list[str] = []


class RegionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="名称或代码")
    parent = django_filters.CharFilter(field_name="parent__code", label="上级区划")
    level = django_filters.CharFilter(label="层级")
    include_retired = django_filters.BooleanFilter(method="filter_retired", label="含已撤销")

    class Meta:
        model = Region
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if text.isdigit():
            return qs.filter(code__startswith=text)
        return qs.filter(name__contains=text) if text else qs

    def filter_retired(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs if value else qs.filter(is_retired=False)
