"""ID and phone numbers: masked unless the user may see them, and every unmasked read audited."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import OWN_VILLAGE, api_client, client_for
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_person: Any) -> Any:
    return make_person("施建国", region=OWN_VILLAGE, id_number="310230195001010011", phone="13812345678")


def _reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="person.sensitive_read").order_by("id"))


def test_masked_for_staff_without_the_right(users: dict[str, Any], person: Any, api_token: Any) -> None:
    html = client_for(users["own"]).get("/people/").content.decode()
    assert "310230********0011" in html and "138****5678" in html
    assert "310230195001010011" not in html and "13812345678" not in html
    detail = api_client(api_token(users["parent"])).get(f"/api/v1/persons/{person.pk}").json()
    assert (detail["id_number"], detail["phone"], detail["unmasked"]) == ("310230********0011", "138****5678", False)
    assert _reads() == []


def test_edit_form_does_not_reveal_the_number(users: dict[str, Any], person: Any) -> None:
    html = client_for(users["own"]).get(f"/people/{person.pk}/edit/").content.decode()
    assert "310230195001010011" not in html and "13812345678" not in html
    assert 'placeholder="310230********0011"' in html
    # Saving with the number left empty keeps it.
    response = client_for(users["own"]).post(
        f"/people/{person.pk}/edit/",
        {"name": "施建国", "id_number": "", "phone": "", "hukou_region": OWN_VILLAGE, "address": "新址"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.id_number, person.phone, person.address) == ("310230195001010011", "13812345678", "新址")


def test_clear_for_district_admin_and_audited(users: dict[str, Any], person: Any, api_token: Any) -> None:
    admin = users["district"]
    html = client_for(admin).get(f"/people/{person.pk}/").content.decode()
    assert "310230195001010011" in html and "13812345678" in html
    api = api_client(api_token(admin)).get("/api/v1/persons?q=shijianguo").json()
    assert api["results"][0]["id_number"] == "310230195001010011"
    reads = _reads()
    assert [(r.actor_username, r.changes["purpose"], r.changes["person_ids"]) for r in reads] == [
        ("district", "人员详情", [person.pk]),
        ("district", "接口人员列表", [person.pk]),
    ]
