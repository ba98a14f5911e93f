"""Payroll schemes: each business line tells the engine which entitlements are payable in a
month and how much, as a queryset the engine turns into one INSERT … SELECT per id range.

A scheme's ``groups(region, month)`` returns one :class:`EntitlementGroup` per set of
parameter values (for example urban and rural 低保 standards). Each group's queryset must
annotate exactly these columns (the engine selects them by name):

- ``pay_entitlement`` — the entitlement's id (a case, a person's allowance);
- ``pay_person`` — the payee (core.Person id); ``pay_household`` — household id or NULL;
- ``pay_region`` — the region code used for scoping;
- ``pay_amount`` — the monthly amount (Decimal, 2 places, ≥ 0);
- ``pay_snapshot`` — JSON of what the amount was computed from.

Everything is computed in the database: no entitlement is ever loaded into Python.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from core.models import Region

OUTPUT_COLUMNS = ["pay_entitlement", "pay_person", "pay_household", "pay_region", "pay_amount", "pay_snapshot"]


@dataclass
class EntitlementGroup:
    label: str
    queryset: QuerySet[Any]
    # The primary key path used to cut the group into id ranges (keyset, never OFFSET).
    id_field: str = "id"
    # {"standard": {"id": 12, "value": "1330.00"}, …}: stored on every payment of the group.
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scheme:
    code: str
    label: str
    groups: Callable[[Region, datetime.date], list[EntitlementGroup]]
    # The permission that lets a user see the entitlements behind the payments.
    description: str = ""


_SCHEMES: dict[str, Scheme] = {}


def register_scheme(scheme: Scheme) -> None:
    _SCHEMES[scheme.code] = scheme


def get_scheme(code: str) -> Scheme:
    try:
        return _SCHEMES[code]
    except KeyError:
        raise ValueError(f"unknown payroll scheme {code!r}") from None


def scheme_label(code: str) -> str:
    scheme = _SCHEMES.get(code)
    return scheme.label if scheme else code


def scheme_choices() -> list[tuple[str, str]]:
    return [(s.code, s.label) for s in _SCHEMES.values()]
