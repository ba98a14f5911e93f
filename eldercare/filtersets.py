"""One FilterSet per facility-side list, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from core.filtersets import RegionCodeFilter
from eldercare.choices import (
    CaregiverLevel,
    FacilityKind,
    FacilityStatus,
    FindingStatus,
    InspectionStatus,
    LicenceState,
    Ownership,
    WorkerRole,
)
from eldercare.models import Caregiver, Facility, Inspection, Residency


class FacilityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="名称、编号、运营主体或统一社会信用代码")
    region = RegionCodeFilter("region__code")
    kind = django_filters.ChoiceFilter(choices=FacilityKind.choices, label="类型", empty_label="全部")
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label="性质", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=FacilityStatus.choices, label="状态", empty_label="全部")
    licence_state = django_filters.ChoiceFilter(choices=LicenceState.choices, label="许可/备案", empty_label="全部")
    is_standard = django_filters.BooleanFilter(label="标准化")

    class Meta:
        model = Facility
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return qs
        return qs.filter(
            Q(name__contains=text)
            | Q(number=text)
            | Q(operator_name__contains=text)
            | Q(operator_uscc=text.upper())
            | Q(address__contains=text)
        )


class ResidencyFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="老人姓名")
    region = RegionCodeFilter("bed__facility__region__code")
    facility = django_filters.NumberFilter(field_name="bed__facility_id", label="设施编号（ID）")
    state = django_filters.ChoiceFilter(
        choices=[("open", "在住"), ("closed", "已退住")], method="filter_state", label="状态", empty_label="全部"
    )

    class Meta:
        model = Residency
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        return qs.filter(person__name__contains=text) if text else qs

    def filter_state(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "open":
            return qs.filter(discharged_on__isnull=True)
        if value == "closed":
            return qs.filter(discharged_on__isnull=False)
        return qs


class CaregiverFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="查找", help_text="姓名或证书编号")
    region = RegionCodeFilter("facility__region__code")
    facility = django_filters.NumberFilter(field_name="facility_id", label="设施编号（ID）")
    role = django_filters.ChoiceFilter(choices=WorkerRole.choices, label="岗位", empty_label="全部")
    level = django_filters.ChoiceFilter(choices=CaregiverLevel.choices, label="证书等级", empty_label="全部")
    employed = django_filters.ChoiceFilter(
        choices=[("yes", "在职"), ("no", "已离职")], method="filter_employed", label="在职", empty_label="全部"
    )

    class Meta:
        model = Caregiver
        fields: list[str] = []

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        return qs.filter(Q(person__name__contains=text) | Q(certificate_number=text)) if text else qs

    def filter_employed(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        if value == "yes":
            return qs.filter(left_on__isnull=True)
        if value == "no":
            return qs.filter(left_on__isnull=False)
        return qs


class InspectionFilterSet(django_filters.FilterSet):
    region = RegionCodeFilter("facility__region__code")
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices, label="状态", empty_label="全部")
    facility = django_filters.NumberFilter(field_name="facility_id", label="设施编号（ID）")
    draw = django_filters.NumberFilter(field_name="draw_id", label="抽取批次")
    has_open_findings = django_filters.BooleanFilter(method="filter_open", label="有未整改问题")

    class Meta:
        model = Inspection
        fields: list[str] = []

    def filter_open(self, qs: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return qs
        open_q = Q(findings__status__in=[FindingStatus.OPEN, FindingStatus.OVERDUE])
        ids = Inspection.objects.filter(open_q).values("pk")
        return qs.filter(pk__in=ids) if value else qs.exclude(pk__in=ids)
