"""API of plans."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["规划指标"])

from plans.api_indicators import router as indicator_router  # noqa: E402

router.add_router("", indicator_router)

from plans.api_documents import router as document_router  # noqa: E402

router.add_router("", document_router)
