"""API of assistance."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["社会救助"])
