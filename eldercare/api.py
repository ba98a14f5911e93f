"""API of eldercare."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["养老服务"])

from eldercare.api_community import router as community_router  # noqa: E402

router.add_router("", community_router)

from eldercare.api_facilities import router as facility_router  # noqa: E402

router.add_router("", facility_router)

from eldercare.api_care import router as care_router  # noqa: E402

router.add_router("", care_router)
