"""Bulk inserts (COPY on PostgreSQL, bulk_create elsewhere) and the API pager that skips COUNT(*)."""

from __future__ import annotations

import datetime
import gc
from typing import Any

import pytest
from django.db import transaction

from conftest import DISTRICT, OWN_VILLAGE, api_client, next_id_number
from core.bulkload import bulk_insert, gc_paused
from core.models import AuditEvent, Household, HouseholdMember, Person, Region

pytestmark = pytest.mark.django_db


def test_bulk_insert_sets_ids_and_timestamps_like_bulk_create(make_person: Any) -> None:
    village = Region.objects.get(code=OWN_VILLAGE)
    existing = make_person("王五")
    households = [Household(number=f"BULK-{i}", region=village, address=f"{i}号") for i in range(3)]
    with transaction.atomic():
        saved = bulk_insert(Household, households)
        bulk_insert(
            HouseholdMember,
            [
                HouseholdMember(
                    household_id=saved[0].pk,
                    person_id=existing.pk,
                    relation="head",
                    joined_on=datetime.date(2001, 2, 3),
                )
            ],
        )
    assert [h.pk for h in saved] == [h.pk for h in households] and None not in [h.pk for h in saved]
    assert not any(h._state.adding for h in saved)
    stored = Household.objects.get(pk=saved[1].pk)
    assert (stored.number, stored.region_id, stored.address) == ("BULK-1", OWN_VILLAGE, "1号")
    assert stored.created_at is not None and stored.updated_at is not None
    member = HouseholdMember.objects.get(person=existing)
    assert (member.household_id, member.joined_on) == (saved[0].pk, datetime.date(2001, 2, 3))
    # Later ordinary inserts continue after the ids the bulk insert used.
    later = Household.objects.create(number="AFTER", region=village)
    assert later.pk > max(h.pk for h in saved)
    assert bulk_insert(Household, []) == []


def test_bulk_insert_converts_non_plain_fields() -> None:
    # JSONField is not sent as it is: it goes through get_db_prep_save (json) on PostgreSQL.
    event = AuditEvent(
        occurred_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        action="test.bulk",
        changes={"姓名": "张三", "count": 2},
        prev_hash="0" * 64,
        hash="f" * 64,
    )
    with transaction.atomic():
        bulk_insert(AuditEvent, [event])
    assert AuditEvent.objects.get(pk=event.pk).changes == {"姓名": "张三", "count": 2}


def test_gc_paused_restores_the_collector() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_api_pages_count_with_and_without_count_query(users: dict[str, Any], api_token: Any, make_person: Any) -> None:
    for i in range(7):
        make_person(f"陈{'甲乙丙丁戊己庚'[i]}", id_number=next_id_number(datetime.date(1940 + i, 3, 1)))
    client = api_client(api_token(users["district"]))
    everyone = client.get(f"/api/v1/persons?region={DISTRICT}&q=chen&page_size=3").json()
    assert (everyone["count"], everyone["pages"], everyone["page"], len(everyone["results"])) == (7, 3, 1, 3)
    last = client.get(f"/api/v1/persons?region={DISTRICT}&q=chen&page_size=3&page=3").json()
    assert (last["count"], last["pages"], last["page"], len(last["results"])) == (7, 3, 3, 1)
    past_end = client.get(f"/api/v1/persons?region={DISTRICT}&q=chen&page_size=3&page=9").json()
    assert (past_end["count"], past_end["page"], len(past_end["results"])) == (7, 3, 1)
    exactly_full = client.get(f"/api/v1/persons?region={DISTRICT}&q=chen&page_size=7").json()
    assert (exactly_full["count"], exactly_full["pages"]) == (7, 1)
    nobody = client.get(f"/api/v1/persons?region={DISTRICT}&q=zzz&page=4").json()
    assert (nobody["count"], nobody["pages"], nobody["page"], nobody["results"]) == (0, 1, 1, [])
    one = Person.objects.filter(name="陈丁").get()
    found = client.get(f"/api/v1/persons?q={one.id_number}").json()
    assert found["count"] == 1 and found["results"][0]["id"] == one.pk
