"""The hash-chained audit trail and `manage.py verify_audit`."""

from __future__ import annotations

import itertools
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from conftest import OWN_VILLAGE
from core.audit import GENESIS_HASH, compute_hash, verify_chain
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_events_link_to_their_predecessor(make_person: Any) -> None:
    make_person("张一", region=OWN_VILLAGE)
    make_person("张二", region=OWN_VILLAGE)
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == GENESIS_HASH
    for previous, current in itertools.pairwise(events):
        assert current.prev_hash == previous.hash
        assert current.hash == compute_hash(current)


def test_verify_reports_an_intact_chain(make_person: Any) -> None:
    make_person("张一", region=OWN_VILLAGE)
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().strip() == f"审计链完好：共 {AuditEvent.objects.count()} 条事件"


def test_an_edited_event_is_found(make_person: Any) -> None:
    person = make_person("张一", region=OWN_VILLAGE)
    make_person("张二", region=OWN_VILLAGE)
    target = AuditEvent.objects.get(action="person.create", object_id=str(person.pk))
    checked_before = AuditEvent.objects.filter(id__lt=target.id).count()
    # Someone with database access rewrites history.
    AuditEvent.objects.filter(pk=target.pk).update(actor_username="someone-else")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert (
        str(caught.value)
        == f"审计链在事件 #{target.pk} 处断裂：事件内容与其哈希不符（事件被修改）（此前 {checked_before} 条完好）"
    )


def test_a_deleted_event_is_found(make_person: Any) -> None:
    make_person("张一", region=OWN_VILLAGE)
    make_person("张二", region=OWN_VILLAGE)
    events = list(AuditEvent.objects.order_by("id"))
    events[-2].delete()
    checked, broken = verify_chain()
    assert broken is not None
    assert (broken.event_id, broken.reason) == (events[-1].id, "与上一条事件的链接断开（上一条被修改或删除）")
    assert checked == len(events) - 2


def test_a_recomputed_hash_still_breaks_the_next_link(make_person: Any) -> None:
    make_person("张一", region=OWN_VILLAGE)
    make_person("张二", region=OWN_VILLAGE)
    events = list(AuditEvent.objects.order_by("id"))
    forged = events[-2]
    forged.changes = {"forged": True}
    forged.hash = compute_hash(forged)
    forged.save()
    _, broken = verify_chain()
    assert broken is not None and broken.event_id == events[-1].id


def test_audit_list_and_api_show_events_in_scope(users: dict[str, Any], make_person: Any, api_token: Any) -> None:
    from conftest import api_client, client_for

    make_person("张一", region=OWN_VILLAGE)
    auditor = users["noperm"]  # the auditor role at the own village
    html = client_for(auditor).get("/audit/?action=person.create").content.decode()
    assert "张一" in html
    verify = api_client(api_token(auditor)).get("/api/v1/audit-events/verify").json()
    assert verify == {"ok": True, "checked": AuditEvent.objects.count(), "broken_event_id": None, "reason": ""}
