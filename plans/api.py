"""API of plans."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["规划指标"])
