"""Registering and changing people through the services, the web form and the API."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import OTHER_TOWNSHIP_VILLAGE, OWN_VILLAGE, api_client, client_for, next_id_number
from core import services
from core.crypto import decrypt
from core.models import AuditEvent, Person

pytestmark = pytest.mark.django_db


def _create(actor: Any, **fields: Any) -> Person:
    data = services.clean_person_input(**fields)
    return services.person_create(acting_user=actor, data=data)


def test_create_derives_sex_birth_and_pinyin(users: dict[str, Any]) -> None:
    person = _create(
        users["own"], name="单田芳", id_number="310230195001010011", hukou_region=OWN_VILLAGE, phone="138 1234 5678"
    )
    person.refresh_from_db()
    assert (person.sex, person.birth_date) == ("M", datetime.date(1950, 1, 1))
    assert (person.name_pinyin, person.name_initials) == ("shantianfang", "stf")
    assert person.id_number == "310230195001010011"
    assert person.phone == "13812345678"
    event = AuditEvent.objects.filter(action="person.create", object_id=str(person.pk)).get()
    assert event.actor_username == "own"
    assert event.changes["after"]["id_number"] == "310230********0011"
    assert event.changes["after"]["phone"] == "138****5678"


def test_numbers_are_encrypted_at_rest(users: dict[str, Any]) -> None:
    person = _create(
        users["own"], name="李梅", id_number="310230195001010011", hukou_region=OWN_VILLAGE, phone="13812345678"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_encrypted, id_number_hash, phone_encrypted FROM core_person WHERE id = %s", [person.pk]
        )
        stored_id, stored_hash, stored_phone = cursor.fetchone()
    assert "310230195001010011" not in stored_id and "19500101" not in stored_id
    assert "310230195001010011" not in stored_hash
    assert "13812345678" not in stored_phone
    assert decrypt(stored_id) == "310230195001010011"


def test_fifteen_digit_number_is_stored_as_eighteen(users: dict[str, Any]) -> None:
    person = _create(users["own"], name="赵伟", id_number="310230500101001", hukou_region=OWN_VILLAGE)
    assert person.id_number == "310230195001010011"


def test_duplicate_id_names_the_existing_region(users: dict[str, Any]) -> None:
    _create(users["district"], name="王一", id_number="310230195001010011", hukou_region=OTHER_TOWNSHIP_VILLAGE)
    with pytest.raises(ValidationError) as caught:
        _create(users["own"], name="王二", id_number="310230195001010011", hukou_region=OWN_VILLAGE)
    assert caught.value.message_dict == {"id_number": ["该身份证号已登记，登记地：上海市崇明区堡镇解放社区居委会"]}
    assert Person.objects.filter(name="王二").count() == 0


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        services.clean_person_input(name="", id_number="123", hukou_region="999999999999", phone="12345")
    assert caught.value.message_dict == {
        "name": ["姓名不能为空"],
        "id_number": ["身份证号应为 18 位（或旧版 15 位），当前为 3 位"],
        "phone": ["手机号码应为 11 位手机号或带区号的固定电话"],
        "hukou_region": ["户籍地区划代码 999999999999 不存在"],
    }


def test_retired_region_is_refused_as_a_place_of_registration() -> None:
    with pytest.raises(ValidationError) as caught:
        services.clean_person_input(name="张三", id_number="310230195001010011", hukou_region="310230")
    assert caught.value.message_dict["hukou_region"] == ["户籍地 上海市崇明县（310230）已撤销，请填写现行区划"]


def test_village_worker_cannot_register_in_another_village(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        _create(users["own"], name="钱七", id_number=next_id_number(), hukou_region=OTHER_TOWNSHIP_VILLAGE)
    assert caught.value.message_dict == {"hukou_region": ["户籍地和居住地都不在您的管辖范围内，无权登记"]}
    assert Person.objects.filter(name="钱七").count() == 0


def test_update_records_only_what_changed(users: dict[str, Any], make_person: Any) -> None:
    person = make_person("孙八", region=OWN_VILLAGE)
    number = person.id_number
    data = services.clean_person_input(name="孙捌", id_number=number, hukou_region=OWN_VILLAGE, address="南门路1号")
    services.person_update(person=person, acting_user=users["own"], data=data)
    event = AuditEvent.objects.filter(action="person.update", object_id=str(person.pk)).get()
    assert event.changes == {
        "before": {"name": "孙八", "address": ""},
        "after": {"name": "孙捌", "address": "南门路1号"},
    }
    assert Person.objects.get(pk=person.pk).name_pinyin == "sunba"


def test_death_is_recorded_once_and_announced(
    users: dict[str, Any], make_person: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from core import events

    person = make_person("周九", region=OWN_VILLAGE)
    heard: list[Any] = []

    def receiver(**kwargs: Any) -> None:
        heard.append((kwargs["person"].pk, kwargs["death_date"]))

    events.person_died.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.person_mark_dead(person=person, death_date=datetime.date(2025, 3, 1), acting_user=users["own"])
    finally:
        events.person_died.disconnect(receiver)
    assert heard == [(person.pk, datetime.date(2025, 3, 1))]
    with pytest.raises(ValidationError, match="已于 2025-03-01 登记死亡"):
        services.person_mark_dead(person=person, death_date=datetime.date(2025, 3, 2), acting_user=users["own"])


def test_death_before_birth_is_refused(users: dict[str, Any], make_person: Any) -> None:
    person = make_person("吴十", region=OWN_VILLAGE, id_number=next_id_number(datetime.date(1980, 1, 1)))
    with pytest.raises(ValidationError, match="死亡日期不能早于出生日期"):
        services.person_mark_dead(person=person, death_date=datetime.date(1979, 1, 1), acting_user=users["own"])
    assert Person.objects.get(pk=person.pk).death_date is None


# --- the web form ---------------------------------------------------------------------------


def test_web_form_shows_chinese_errors_next_to_fields(users: dict[str, Any]) -> None:
    response = client_for(users["own"]).post(
        "/people/new/", {"name": "张三", "id_number": "310230195001010012", "hukou_region": OWN_VILLAGE}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "身份证号校验位错误，请核对号码" in html
    assert Person.objects.filter(name="张三").count() == 0


def test_web_form_creates_and_redirects(users: dict[str, Any]) -> None:
    response = client_for(users["own"]).post(
        "/people/new/",
        {"name": "张三", "id_number": "310230195001010011", "hukou_region": OWN_VILLAGE, "phone": "13900000000"},
    )
    person = Person.objects.get(name="张三")
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"


# --- the API --------------------------------------------------------------------------------


def test_api_create_refuses_with_chinese_message_per_field(users: dict[str, Any], api_token: Any) -> None:
    client = api_client(api_token(users["own"]))
    response = client.post(
        "/api/v1/persons",
        data=json.dumps({"name": "张三", "id_number": "31023019500101001X"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": "身份证号校验位错误，请核对号码",
        "errors": {"id_number": ["身份证号校验位错误，请核对号码"], "hukou_region": ["户籍地不能为空"]},
    }
    assert Person.objects.count() == 0


def test_api_create_refuses_non_json(users: dict[str, Any], api_token: Any) -> None:
    client = api_client(api_token(users["own"]))
    response = client.post("/api/v1/persons", data="not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_api_create_and_read_back(users: dict[str, Any], api_token: Any) -> None:
    client = api_client(api_token(users["own"]))
    payload = {"name": "张三", "id_number": "310230195001010011", "hukou_region": OWN_VILLAGE, "phone": "13900000000"}
    created = client.post("/api/v1/persons", data=json.dumps(payload), content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["id_number"] == "310230********0011"  # village worker: masked
    assert body["phone"] == "139****0000"
    assert (body["sex"], body["birth_date"], body["hukou_region"]) == ("男", "1950-01-01", "城桥镇南门居委会")
    listed = client.get("/api/v1/persons?q=310230195001010011").json()
    assert [p["id"] for p in listed["results"]] == [body["id"]]


def test_api_list_pages_and_filters(users: dict[str, Any], api_token: Any, make_person: Any) -> None:
    for i in range(25):
        make_person(
            f"张{'甲乙丙丁戊己庚辛壬癸'[i % 10]}",
            region=OWN_VILLAGE,
            id_number=next_id_number(datetime.date(1950 + i, 1, 1), male=i % 2 == 0),
        )
    make_person("李四", region=OTHER_TOWNSHIP_VILLAGE)
    client = api_client(api_token(users["parent"]))
    first = client.get("/api/v1/persons?region=310151101&page_size=10").json()
    assert (first["count"], first["pages"], len(first["results"])) == (25, 3, 10)
    women = client.get("/api/v1/persons?region=310151101&sex=F").json()
    assert women["count"] == 12
    older = client.get("/api/v1/persons?region=310151101&age_min=70").json()
    assert {p["birth_date"] < "1957-01-01" for p in older["results"]} == {True}
    by_pinyin = client.get("/api/v1/persons?q=zhang").json()
    assert by_pinyin["count"] == 25
    by_initials = client.get("/api/v1/persons?q=zj").json()  # 张甲 ×3 and 张己 ×2
    assert by_initials["count"] == 5
    bad = client.get("/api/v1/persons?age_min=abc")
    assert bad.status_code == 422 and bad.json()["errors"]


def test_openapi_schema_is_served() -> None:
    from django.test import Client

    response = Client().get("/api/openapi.json")
    schema = response.json()
    assert response.status_code == 200
    assert {"/api/v1/auth/token", "/api/v1/persons", "/api/v1/regions/{code}"} <= set(schema["paths"])
