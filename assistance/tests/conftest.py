"""Fixtures of the assistance tests: the policy parameters seeded once the regions exist."""

from __future__ import annotations

from typing import Any

import pytest

from assistance.tests.application_fixtures import world  # noqa: F401


@pytest.fixture(autouse=True)
def assistance_parameters(db: Any) -> None:
    from assistance.parameters import ensure_parameters

    ensure_parameters()


from assistance.tests.case_fixtures import make_household, open_case, staff, temporary_parameters  # noqa: E402,F401  (h3b)
