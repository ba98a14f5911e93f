"""The demo calibration: the 2020 snapshot of the demo district reproduces Chongming's 2020 baseline."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.management import call_command

from conftest import client_for
from plans import data_items
from plans.demo_indicators import build_demo
from plans.models import Formula, ManualValue, Plan, Snapshot
from plans.services.indicators import parse_formula

pytestmark = pytest.mark.django_db


def test_demo_reproduces_the_2020_baseline_column_and_is_idempotent(make_user: Callable[..., Any]) -> None:
    call_command("generate_district", profile="chongming", scale=0.02, seed=2026, verbosity=0)
    message = build_demo("chongming", 2026)
    assert "公式新增 17 个" in message
    plan = Plan.objects.get(region_id="310151")
    indicators = list(plan.current_version.indicators.order_by("seq"))  # type: ignore[union-attr]
    assert len(indicators) == 17
    rows = {s.indicator_key: s for s in Snapshot.objects.filter(plan=plan, region_id="310151", year=2020)}
    formulas = {f.indicator_key: parse_formula(f) for f in Formula.objects.filter(plan=plan, is_current=True)}
    for indicator in indicators:
        snapshot = rows[indicator.key]
        items = [data_items.effective_item(code) for code in formulas[indicator.key].item_codes]
        if any(item.is_live and item.pending_app for item in items):
            continue  # provided by another app now: its own demo builder calibrates it
        assert snapshot.value is not None, indicator.name
        places = Decimal(indicator.baseline_text).as_tuple().exponent
        shown = snapshot.value.quantize(Decimal(1).scaleb(places), rounding=ROUND_HALF_UP)  # type: ignore[arg-type]
        assert shown == Decimal(indicator.baseline_text), (indicator.seq, indicator.name, snapshot.value)
    dibao = rows["低保人数占户籍人口数比重"]
    assert dibao.inputs["户籍人口数"] == str(dibao.denominator.normalize())  # type: ignore[union-attr]
    # The pages show it: 17 cards, binding indicators behind first, every detail page answers.
    client = client_for(make_user("demo-viewer", "district_staff", "310151"))
    page = client.get(f"/plans/{plan.pk}/indicators/")
    assert page.status_code == 200 and len(page.context["cards"]) == 17
    for card in page.context["cards"]:
        assert client.get(f"/plans/{plan.pk}/indicators/{card['key']}/", {"region": "310151101"}).status_code == 200
    # A second run changes nothing.
    counts = (Formula.objects.count(), ManualValue.objects.count(), Snapshot.objects.count())
    assert "人工数据写入 0 条" in build_demo("chongming", 2026)
    assert (Formula.objects.count(), ManualValue.objects.count(), Snapshot.objects.count()) == counts
