"""API of eldercare."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["养老服务"])
