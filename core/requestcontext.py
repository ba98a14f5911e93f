"""Who is doing what in this request or job: read by the audit trail."""

from __future__ import annotations

import contextvars

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
client_ip: contextvars.ContextVar[str] = contextvars.ContextVar("client_ip", default="")
