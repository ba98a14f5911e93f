"""The whole demo district (every app's builder, as `make demo` runs them): the 2020 snapshot of
the 崇明 plan, computed from the raw records the apps created, reproduces the plan's own 2020
baseline column — the indicators whose data the system holds come from live data, the rest
from the manual values the demo enters."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import call_command

from plans.models import Plan, Snapshot

pytestmark = pytest.mark.django_db(transaction=False)


def test_the_whole_demo_reproduces_the_2020_baseline_of_every_indicator(capsys: Any, settings: Any) -> None:
    settings.DEMO_MODE = True
    call_command("demo_setup", scale=0.02, seed=2026)  # what `make demo` builds
    capsys.readouterr()
    plan = Plan.objects.get(region_id="310151")
    version = plan.current_version
    assert version is not None
    snapshots = {s.indicator_key: s for s in Snapshot.objects.filter(plan=plan, region_id="310151", year=2020)}
    compared = []
    for indicator in version.indicators.order_by("seq"):
        snapshot = snapshots[indicator.key]
        assert snapshot.value is not None, (indicator.seq, indicator.name, snapshot.reason)
        places = Decimal(indicator.baseline_text).as_tuple().exponent
        shown = snapshot.value.quantize(Decimal(1).scaleb(places), rounding=ROUND_HALF_UP)  # type: ignore[arg-type]
        compared.append((indicator.seq, indicator.name, str(shown), indicator.baseline_text))
    assert [(seq, name, shown) for seq, name, shown, _ in compared] == [
        (seq, name, baseline) for seq, name, _, baseline in compared
    ]
    assert len(compared) == 17
