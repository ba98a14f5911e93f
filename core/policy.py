"""Reading policy parameters: the value in force for a region on a date."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.models import PolicyParameter
from core.models.regions import ancestor_codes


class MissingPolicyParameter(LookupError):
    """No value of a parameter applies to the region on the date: configure it, never guess."""


def policy_value(code: str, region_code: str, on: datetime.date) -> PolicyParameter | None:
    """The row in force: the nearest region up the tree, then the latest effective date <= on."""
    candidates = list(
        PolicyParameter.objects.filter(code=code, region__code__in=ancestor_codes(region_code), effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("pk", "region_id")
    )
    if not candidates:
        return None
    longest = max(len(region) for _, region in candidates)
    pk = next(pk for pk, region in candidates if len(region) == longest)
    return PolicyParameter.objects.get(pk=pk)


def policy_decimal(code: str, region_code: str, on: datetime.date) -> Decimal:
    parameter = policy_value(code, region_code, on)
    if parameter is None:
        raise MissingPolicyParameter(f"政策参数 {code} 在 {region_code} 于 {on} 没有适用的取值")
    return Decimal(str(parameter.value))


def policy_table(code: str, region_code: str, on: datetime.date) -> Any:
    parameter = policy_value(code, region_code, on)
    if parameter is None:
        raise MissingPolicyParameter(f"政策参数 {code} 在 {region_code} 于 {on} 没有适用的取值")
    return parameter.value
