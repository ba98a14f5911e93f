"""API of assistance."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["社会救助"])

from assistance.api_applications import applications_router  # noqa: E402

router.add_router("", applications_router)
from assistance.api_cases import cases_router  # noqa: E402

router.add_router("", cases_router)

from assistance.api_verification import router as _verification_router  # noqa: E402

router.add_router("", _verification_router)
