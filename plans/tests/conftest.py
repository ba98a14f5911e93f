"""Fixtures of the plans tests.

The indicator tests fill data items by hand (ManualValue) to check the engine's arithmetic;
with the assistance and eldercare apps installed, those items are live (computed from cases,
beds…). Each test therefore starts with the other apps' items manual again, and the tests of
the live switch register their providers explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest


@pytest.fixture(autouse=True)
def app_items_manual() -> Iterator[None]:
    from plans import data_items

    saved = dict(data_items._ITEMS)
    for code, item in saved.items():
        if item.pending_app and item.provider is not None:
            data_items._ITEMS[code] = replace(item, provider=None, live_source="")
    yield
    data_items._ITEMS.clear()
    data_items._ITEMS.update(saved)
