"""The audit trail: every state change and every unmasked read of personal data.

Events form a hash chain: each stores the hash of the one before it, and its own hash covers
its content and that link. Appending takes a lock for the rest of the transaction
(PostgreSQL advisory lock; SQLite transactions already hold the database write lock), so the
chain order is the id order even with many writers.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from core import requestcontext
from core.models.audit import AuditEvent

GENESIS_HASH = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK_KEY = 0x6D696E7A68656E67 & 0x7FFFFFFFFFFFFFFF


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "occurred_at": event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "region_code": event.region_code,
        "changes": event.changes,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def audit_record(
    *,
    action: str,
    actor: Any,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    region_code: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Must be called inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)[:200]
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    _lock_chain()
    prev = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor if authenticated else None,
        actor_username=actor.get_username() if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        object_repr=object_repr,
        region_code=region_code,
        changes=json.loads(json.dumps(changes or {}, ensure_ascii=False, default=str)),
        request_id=requestcontext.request_id.get(),
        ip_address=requestcontext.client_ip.get(),
        prev_hash=prev,
    )
    event.hash = compute_hash(event)
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def verify_chain(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk the chain in id order; return (events checked, first broken link or None)."""
    expected_prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch_size])
        if not batch:
            return checked, None
        for event in batch:
            if event.prev_hash != expected_prev:
                return checked, BrokenLink(event.id, "与上一条事件的链接断开（上一条被修改或删除）")
            if compute_hash(event) != event.hash:
                return checked, BrokenLink(event.id, "事件内容与其哈希不符（事件被修改）")
            expected_prev = event.hash
            checked += 1
            last_id = event.id


def audit_in_own_transaction(**kwargs: Any) -> AuditEvent:
    """For events that are not part of a data change (a read, a login)."""
    with transaction.atomic():
        return audit_record(**kwargs)
