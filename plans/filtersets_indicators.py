"""One FilterSet per list of computing indicators, shared by the web page and the API."""

from __future__ import annotations

import django_filters

from core.filtersets import RegionCodeFilter
from plans.forms_indicators import item_choices
from plans.models import ManualValue


class ManualValueFilterSet(django_filters.FilterSet):
    item = django_filters.ChoiceFilter(field_name="item_code", label="数据项", choices=item_choices, empty_label="全部")
    region = RegionCodeFilter("region__code")
    year = django_filters.NumberFilter(field_name="year", label="年度", min_value=1949, max_value=2100)

    class Meta:
        model = ManualValue
        fields: list[str] = []
