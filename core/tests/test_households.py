"""Households: composition changes are audited events; a person is in at most one household."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conftest import OTHER_TOWNSHIP_VILLAGE, OWN_VILLAGE, api_client, client_for
from core import services
from core.models import AuditEvent, Household, HouseholdMember, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(users: dict[str, Any], make_person: Any) -> dict[str, Any]:
    village = Region.objects.get(code=OWN_VILLAGE)
    father = make_person("陆建国", region=OWN_VILLAGE)
    mother = make_person("施秀英", region=OWN_VILLAGE)
    son = make_person("陆浩", region=OWN_VILLAGE)
    household = services.household_create(acting_user=users["own"], region=village, head=father, number="HH-1")
    services.household_add_member(acting_user=users["own"], household=household, person=mother, relation="spouse")
    services.household_add_member(acting_user=users["own"], household=household, person=son, relation="child")
    return {"village": village, "father": father, "mother": mother, "son": son, "household": household}


def _members(household: Household) -> set[tuple[str, str]]:
    return set(household.members.values_list("person__name", "relation"))


def test_household_is_built_with_relations(family: dict[str, Any]) -> None:
    assert _members(family["household"]) == {("陆建国", "head"), ("施秀英", "spouse"), ("陆浩", "child")}
    actions = list(
        AuditEvent.objects.filter(object_type="core.household", object_id=str(family["household"].pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["household.create", "household.member_add", "household.member_add"]


def test_person_cannot_join_a_second_household(users: dict[str, Any], family: dict[str, Any], make_person: Any) -> None:
    other_head = make_person("倪根宝", region=OWN_VILLAGE)
    other = services.household_create(acting_user=users["own"], region=family["village"], head=other_head)
    with pytest.raises(ValidationError) as caught:
        services.household_add_member(acting_user=users["own"], household=other, person=family["son"], relation="child")
    assert caught.value.message_dict == {"person": ["陆浩 已是户 HH-1 的成员，请使用“迁移成员”"]}
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(household=other, person=family["son"], relation="child", joined_on="2026-01-01")


def test_one_head_per_household_in_the_database(family: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.filter(person=family["son"]).update(relation="head")


def test_move_member_to_another_household(users: dict[str, Any], family: dict[str, Any], make_person: Any) -> None:
    new_head = make_person("顾美华", region=OWN_VILLAGE)
    new_home = services.household_create(
        acting_user=users["own"], region=family["village"], head=new_head, number="HH-2"
    )
    services.household_move_member(
        acting_user=users["own"], person=family["son"], to_household=new_home, relation="spouse"
    )
    assert _members(family["household"]) == {("陆建国", "head"), ("施秀英", "spouse")}
    assert _members(new_home) == {("顾美华", "head"), ("陆浩", "spouse")}
    event = AuditEvent.objects.get(action="household.member_move")
    assert event.changes == {
        "person": family["son"].pk,
        "name": "陆浩",
        "from": "HH-1",
        "to": "HH-2",
        "relation": "spouse",
    }


def test_head_must_be_replaced_before_leaving(users: dict[str, Any], family: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="户主不能直接移出，请先指定新户主"):
        services.household_remove_member(
            acting_user=users["own"], household=family["household"], person=family["father"]
        )
    services.household_set_head(
        acting_user=users["own"], household=family["household"], person=family["son"], former_head_relation="parent"
    )
    services.household_remove_member(
        acting_user=users["own"], household=family["household"], person=family["father"], reason="迁出本市"
    )
    assert _members(family["household"]) == {("施秀英", "spouse"), ("陆浩", "head")}
    event = AuditEvent.objects.get(action="household.member_remove")
    assert event.changes == {
        "person": family["father"].pk,
        "name": "陆建国",
        "relation": "parent",
        "reason": "迁出本市",
    }


def test_changes_outside_scope_are_refused(users: dict[str, Any], family: dict[str, Any], make_person: Any) -> None:
    stranger = make_person("龚强", region=OTHER_TOWNSHIP_VILLAGE)
    with pytest.raises(ValidationError):
        services.household_add_member(
            acting_user=users["other"], household=family["household"], person=stranger, relation="other"
        )
    assert _members(family["household"]) == {("陆建国", "head"), ("施秀英", "spouse"), ("陆浩", "child")}


def test_unknown_relation_lists_the_choices(users: dict[str, Any], family: dict[str, Any], make_person: Any) -> None:
    lodger = make_person("袁强", region=OWN_VILLAGE)
    with pytest.raises(ValidationError) as caught:
        services.household_add_member(
            acting_user=users["own"], household=family["household"], person=lodger, relation="表哥"
        )
    assert caught.value.message_dict["relation"][0].startswith("与户主关系“表哥”无效，可选：户主、配偶、子女")


def test_web_household_page_lists_members(users: dict[str, Any], family: dict[str, Any]) -> None:
    html = client_for(users["own"]).get(f"/households/{family['household'].pk}/").content.decode()
    assert "陆建国" in html and "施秀英" in html and "陆浩" in html
    assert "310230********" in html


def test_api_household_flow(users: dict[str, Any], api_token: Any, make_person: Any) -> None:
    import json

    client = api_client(api_token(users["parent"]))
    head = make_person("茅根生", region=OWN_VILLAGE)
    wife = make_person("郁桂芳", region=OWN_VILLAGE)
    created = client.post(
        "/api/v1/households",
        data=json.dumps({"region": OWN_VILLAGE, "head_id": head.pk}),
        content_type="application/json",
    )
    assert created.status_code == 201
    household = created.json()
    assert (household["head"], household["size"], household["number"]) == ("茅根生", 1, f"H{household['id']:09d}")
    added = client.post(
        f"/api/v1/households/{household['id']}/members",
        data=json.dumps({"person_id": wife.pk, "relation": "配偶"}),
        content_type="application/json",
    )
    assert [(m["name"], m["relation"]) for m in added.json()["members"]] == [("茅根生", "户主"), ("郁桂芳", "配偶")]
    again = client.post(
        f"/api/v1/households/{household['id']}/members",
        data=json.dumps({"person_id": wife.pk, "relation": "配偶"}),
        content_type="application/json",
    )
    assert again.status_code == 422
    assert again.json()["errors"] == {"person": [f"郁桂芳 已是户 {household['number']} 的成员，请使用“迁移成员”"]}
