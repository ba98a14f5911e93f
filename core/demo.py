"""Demo data builders: each app registers how it fills the demo district after the people
and households exist (cases and payrolls, facilities, plans…). ``manage.py demo_setup`` runs
them in order; each must be idempotent (a second ``make demo`` must change nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoBuilder:
    order: int
    label: str
    build: Callable[[str, int], str]  # (profile, seed) -> a line for the console


_BUILDERS: list[DemoBuilder] = []


def register_demo_builder(order: int, label: str, build: Callable[[str, int], str]) -> None:
    _BUILDERS.append(DemoBuilder(order, label, build))


def builders() -> list[DemoBuilder]:
    return sorted(_BUILDERS, key=lambda b: b.order)
