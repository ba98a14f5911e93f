"""The access matrix: every endpoint, web and API, for anonymous / no permission / other region /
own region / parent region. A refused request answers like a missing record and writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from conftest import DISTRICT, OTHER_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core.models import (
    AuditEvent,
    CalendarDay,
    Household,
    HouseholdMember,
    Job,
    Person,
    PolicyParameter,
    Region,
    RoleGrant,
    StoredFile,
    User,
)
from core.tests.matrix import (
    COLUMNS,
    FORBIDDEN,
    FOUND_NOT,
    Case,
    check,
    client_for_column,
    create_access,
    everyone,
    list_access,
    object_access,
)

# Who stands in each column, per family of endpoints: (role, region).
FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "registry": {
        "noperm": ("auditor", OWN_VILLAGE),
        "other": ("village_worker", OTHER_VILLAGE),
        "own": ("village_worker", OWN_VILLAGE),
        "parent": ("township_officer", OWN_TOWNSHIP),
    },
    "import": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "jobs": {
        "noperm": ("viewer", OWN_VILLAGE),
        "other": ("auditor", OTHER_VILLAGE),
        "own": ("auditor", OWN_VILLAGE),
        "parent": ("auditor", OWN_TOWNSHIP),
    },
    "admin": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("district_admin", "310113"),
        "own": ("district_admin", DISTRICT),
        "parent": ("district_admin", "31"),
    },
}


@dataclass
class World:
    """What every case starts from, all in 城桥镇南门居委会 (the 'own' village)."""

    head: Person
    child: Person
    loner: Person
    other_head: Person
    household: Household
    other_household: Household
    job: Job
    file: StoredFile
    staff: User
    grant: RoleGrant
    users: dict[str, User | None] = field(default_factory=dict)


def _snapshot(world: World) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    world.head.refresh_from_db()
    return (
        Person.objects.count(),
        Household.objects.count(),
        tuple(HouseholdMember.objects.order_by("id").values_list("household_id", "person_id", "relation")),
        Job.objects.count(),
        PolicyParameter.objects.count(),
        tuple(CalendarDay.objects.order_by("date").values_list("date", "kind")),
        RoleGrant.objects.count(),
        User.objects.count(),
        AuditEvent.objects.count(),
        (world.head.name, world.head.address, world.head.death_date),
    )


@pytest.fixture
def world(make_person: Callable[..., Person], make_user: Callable[..., User]) -> World:
    from core import services

    head = make_person("张建国", region=OWN_VILLAGE, phone="13812345678")
    child = make_person("张小红", region=OWN_VILLAGE, id_number=next_id_number(datetime.date(1990, 3, 1), male=False))
    loner = make_person("李秀英", region=OWN_VILLAGE, id_number=next_id_number(datetime.date(1950, 1, 1), male=False))
    other_head = make_person("王根宝", region=OWN_VILLAGE)
    admin = User.objects.get(username="fixture-admin")
    village = Region.objects.get(code=OWN_VILLAGE)
    household = services.household_create(acting_user=admin, region=village, head=head, number="HH-OWN-1")
    services.household_add_member(acting_user=admin, household=household, person=child, relation="child")
    other_household = services.household_create(acting_user=admin, region=village, head=other_head, number="HH-OWN-2")
    stored = services.stored_file_create(name="结果.xlsx", content=b"PK\x03\x04 demo", created_by=admin)
    job = Job.objects.create(
        kind="core.person_export",
        title="导出",
        requested_by=admin,
        region=village,
        result_file=stored,
        status="succeeded",
    )
    staff = make_user("staff-in-village", "village_worker", OWN_VILLAGE)
    grant = staff.grants.get()
    PolicyParameter.objects.create(
        code="test.parameter",
        name="测试参数",
        region_id=DISTRICT,
        effective_from=datetime.date(2021, 7, 1),
        value="1330.00",
    )
    return World(head, child, loner, other_head, household, other_household, job, stored, staff, grant)


_object, _list, _create, _everyone = object_access, list_access, create_access, everyone


def _new_person(region: str = OWN_VILLAGE) -> Callable[[World], dict[str, str]]:
    return lambda w: {"name": "陈新登", "id_number": next_id_number(datetime.date(1970, 2, 2)), "hukou_region": region}


WEB_CASES = [
    Case("web person list", "registry", "get", lambda w: "/people/", expect=_list(), marker=lambda w: w.head.name),
    Case(
        "web person search",
        "registry",
        "get",
        lambda w: "/people/?q=zhang&region=310151101",
        expect=_list(),
        marker=lambda w: w.head.name,
    ),
    Case("web person detail", "registry", "get", lambda w: f"/people/{w.head.pk}/", expect=_object()),
    Case(
        "web person create",
        "registry",
        "post",
        lambda w: "/people/new/",
        data=_new_person(),
        expect=_create(),
        success=302,
    ),
    Case("web person edit form", "registry", "get", lambda w: f"/people/{w.head.pk}/edit/", expect=_object()),
    Case(
        "web person edit",
        "registry",
        "post",
        lambda w: f"/people/{w.head.pk}/edit/",
        data=lambda w: {
            "name": "张建国",
            "id_number": w.head.id_number,
            "hukou_region": OWN_VILLAGE,
            "address": "新地址1号",
        },
        expect=_object(),
        success=302,
    ),
    Case(
        "web person death",
        "registry",
        "post",
        lambda w: f"/people/{w.head.pk}/death/",
        data=lambda w: {"death_date": "2025-01-02"},
        expect=_object(),
        success=302,
    ),
    Case(
        "web person export",
        "registry",
        "get",
        lambda w: "/people/export/",
        expect=_list(),
        marker=lambda w: w.head.name,
    ),
    Case(
        "web household list",
        "registry",
        "get",
        lambda w: "/households/",
        expect=_list(),
        marker=lambda w: w.household.number,
    ),
    Case("web household detail", "registry", "get", lambda w: f"/households/{w.household.pk}/", expect=_object()),
    Case(
        "web household create",
        "registry",
        "post",
        lambda w: f"/households/new/?head={w.loner.pk}",
        data=lambda w: {"region": OWN_VILLAGE, "head": w.loner.pk, "address": "", "number": ""},
        expect=_object(),
        success=302,
    ),
    Case(
        "web household candidates",
        "registry",
        "get",
        lambda w: f"/households/{w.household.pk}/candidates/?q=李",
        expect=_object(),
    ),
    Case(
        "web household add member",
        "registry",
        "post",
        lambda w: f"/households/{w.household.pk}/members/add/",
        data=lambda w: {"person": w.loner.pk, "relation": "parent"},
        expect=_object(),
        success=302,
    ),
    Case(
        "web household remove member",
        "registry",
        "post",
        lambda w: f"/households/{w.household.pk}/members/{w.child.pk}/remove/",
        data=lambda w: {},
        expect=_object(),
        success=302,
    ),
    Case(
        "web household set head",
        "registry",
        "post",
        lambda w: f"/households/{w.household.pk}/members/{w.child.pk}/head/",
        data=lambda w: {"former_head_relation": "parent"},
        expect=_object(),
        success=302,
    ),
    Case(
        "web household move member",
        "registry",
        "post",
        lambda w: f"/households/{w.household.pk}/members/{w.child.pk}/move/",
        data=lambda w: {"to_household": w.other_household.number, "relation": "other"},
        expect=_object(),
        success=302,
    ),
    Case("web import page", "import", "get", lambda w: "/people/import/", expect=_list()),
    Case("web import template", "import", "get", lambda w: "/people/import/template/", expect=_list()),
    Case("web job list", "jobs", "get", lambda w: "/jobs/", expect=_list(), marker=lambda w: f"/jobs/{w.job.pk}/"),
    Case("web job detail", "jobs", "get", lambda w: f"/jobs/{w.job.pk}/", expect=_object()),
    Case("web file download", "jobs", "get", lambda w: f"/files/{w.file.pk}/", expect=_object()),
    Case("web region", "registry", "get", lambda w: f"/regions/{OWN_TOWNSHIP}/", expect=_everyone()),
    Case(
        "web audit list",
        "jobs",
        "get",
        lambda w: "/audit/?action=person.create",
        expect=_list(noperm=FORBIDDEN),
        marker=lambda w: "张建国",
    ),
    Case(
        "web audit verify", "jobs", "post", lambda w: "/audit/verify/", data=lambda w: {}, expect=_list(), success=302
    ),
    Case("web policy list", "admin", "get", lambda w: "/policy/", expect=_list()),
    Case(
        "web policy create",
        "admin",
        "post",
        lambda w: "/policy/",
        data=lambda w: {
            "code": "test.new",
            "name": "新参数",
            "region": DISTRICT,
            "effective_from": "2030-01-01",
            "value": "12.50",
            "certainty": "local",
        },
        expect=_create(),
        success=302,
    ),
    Case("web calendar", "admin", "get", lambda w: "/calendar/?year=2024", expect=_list()),
    Case(
        "web calendar set",
        "admin",
        "post",
        lambda w: "/calendar/",
        data=lambda w: {"date": "2030-10-01", "kind": "holiday", "name": "国庆节"},
        expect=_list(),
        success=302,
    ),
    Case(
        "web calendar delete",
        "admin",
        "post",
        lambda w: "/calendar/2024-10-01/delete/",
        data=lambda w: {},
        expect=_list(),
        success=302,
    ),
    Case("web user list", "admin", "get", lambda w: "/users/", expect=_list(), marker=lambda w: w.staff.username),
    Case("web user detail", "admin", "get", lambda w: f"/users/{w.staff.pk}/", expect=_object()),
    Case(
        "web user create",
        "admin",
        "post",
        lambda w: "/users/",
        data=lambda w: {"username": "newbie", "display_name": "新人", "password": "Strong-pass-2026"},
        expect=_list(),
        success=302,
    ),
    Case(
        "web grant create",
        "admin",
        "post",
        lambda w: f"/users/{w.staff.pk}/",
        data=lambda w: {"role": "viewer", "region": OWN_VILLAGE},
        expect=_object(),
        success=302,
    ),
    Case(
        "web grant revoke",
        "admin",
        "post",
        lambda w: f"/grants/{w.grant.pk}/revoke/",
        data=lambda w: {},
        expect=_object(),
        success=302,
    ),
]

API_CASES = [
    Case(
        "api person list",
        "registry",
        "get",
        lambda w: "/api/v1/persons?region=310151101",
        api=True,
        expect=_list(),
        marker=lambda w: f'"id": {w.head.pk}',
    ),
    Case(
        "api person search",
        "registry",
        "get",
        lambda w: "/api/v1/persons?q=%E5%BC%A0",
        api=True,
        expect=_list(),
        marker=lambda w: f'"id": {w.head.pk}',
    ),
    Case("api person detail", "registry", "get", lambda w: f"/api/v1/persons/{w.head.pk}", api=True, expect=_object()),
    Case(
        "api person create",
        "registry",
        "post",
        lambda w: "/api/v1/persons",
        api=True,
        data=_new_person(),
        expect=_create(),
        success=201,
    ),
    Case(
        "api person update",
        "registry",
        "patch",
        lambda w: f"/api/v1/persons/{w.head.pk}",
        api=True,
        data=lambda w: {"address": "接口新地址"},
        expect=_object(),
    ),
    Case(
        "api person death",
        "registry",
        "post",
        lambda w: f"/api/v1/persons/{w.head.pk}/death",
        api=True,
        data=lambda w: {"death_date": "2025-01-02"},
        expect=_object(),
    ),
    Case(
        "api person export",
        "registry",
        "get",
        lambda w: "/api/v1/persons/export",
        api=True,
        expect=_list(),
        marker=None,
    ),
    Case(
        "api household list",
        "registry",
        "get",
        lambda w: "/api/v1/households",
        api=True,
        expect=_list(),
        marker=lambda w: w.household.number,
    ),
    Case(
        "api household detail",
        "registry",
        "get",
        lambda w: f"/api/v1/households/{w.household.pk}",
        api=True,
        expect=_object(),
    ),
    Case(
        "api household create",
        "registry",
        "post",
        lambda w: "/api/v1/households",
        api=True,
        data=lambda w: {"region": OWN_VILLAGE, "head_id": w.loner.pk},
        expect=_object(),
        success=201,
    ),
    Case(
        "api household add member",
        "registry",
        "post",
        lambda w: f"/api/v1/households/{w.household.pk}/members",
        api=True,
        data=lambda w: {"person_id": w.loner.pk, "relation": "parent"},
        expect=_object(),
    ),
    Case(
        "api household remove member",
        "registry",
        "delete",
        lambda w: f"/api/v1/households/{w.household.pk}/members/{w.child.pk}",
        api=True,
        expect=_object(),
    ),
    Case(
        "api household move member",
        "registry",
        "post",
        lambda w: f"/api/v1/households/{w.household.pk}/members/{w.child.pk}/move",
        api=True,
        data=lambda w: {"to_household_id": w.other_household.pk, "relation": "other"},
        expect=_object(),
    ),
    Case(
        "api household set head",
        "registry",
        "post",
        lambda w: f"/api/v1/households/{w.household.pk}/head",
        api=True,
        data=lambda w: {"person_id": w.child.pk, "former_head_relation": "parent"},
        expect=_object(),
    ),
    Case("api region", "registry", "get", lambda w: f"/api/v1/regions/{OWN_VILLAGE}", api=True, expect=_everyone()),
    Case(
        "api region list",
        "registry",
        "get",
        lambda w: f"/api/v1/regions?parent={OWN_TOWNSHIP}",
        api=True,
        expect=_everyone(),
    ),
    Case(
        "api job list",
        "jobs",
        "get",
        lambda w: "/api/v1/jobs",
        api=True,
        expect=_list(),
        marker=lambda w: f'"id": {w.job.pk}',
    ),
    Case("api job detail", "jobs", "get", lambda w: f"/api/v1/jobs/{w.job.pk}", api=True, expect=_object()),
    Case("api file download", "jobs", "get", lambda w: f"/api/v1/files/{w.file.pk}", api=True, expect=_object()),
    Case(
        "api import confirm",
        "import",
        "post",
        lambda w: f"/api/v1/imports/{w.job.pk}/confirm",
        api=True,
        data=lambda w: {},
        expect=_object(own=FOUND_NOT, parent=FOUND_NOT),
    ),
    Case(
        "api audit list",
        "jobs",
        "get",
        lambda w: "/api/v1/audit-events?action=person.create",
        api=True,
        expect=_list(),
        marker=lambda w: "张建国",
    ),
    Case("api audit verify", "jobs", "get", lambda w: "/api/v1/audit-events/verify", api=True, expect=_list()),
    Case("api policy list", "admin", "get", lambda w: "/api/v1/policy-parameters", api=True, expect=_list()),
    Case(
        "api policy resolve",
        "admin",
        "get",
        lambda w: f"/api/v1/policy-parameters/resolve?code=test.parameter&region={OWN_VILLAGE}&on=2022-01-01",
        api=True,
        expect=_everyone(),
    ),
    Case(
        "api policy create",
        "admin",
        "post",
        lambda w: "/api/v1/policy-parameters",
        api=True,
        data=lambda w: {
            "code": "test.new",
            "name": "新参数",
            "region": DISTRICT,
            "effective_from": "2030-01-01",
            "value": "12.50",
        },
        expect=_create(),
        success=201,
    ),
    Case("api calendar", "admin", "get", lambda w: "/api/v1/calendar?year=2024", api=True, expect=_everyone()),
    Case(
        "api working days",
        "admin",
        "get",
        lambda w: "/api/v1/calendar/working-days?start=2024-09-30&days=1",
        api=True,
        expect=_everyone(),
    ),
    Case(
        "api calendar set",
        "admin",
        "put",
        lambda w: "/api/v1/calendar/2030-10-01",
        api=True,
        data=lambda w: {"kind": "holiday", "name": "国庆节"},
        expect=_list(),
    ),
    Case(
        "api calendar delete",
        "admin",
        "delete",
        lambda w: "/api/v1/calendar/2024-10-01",
        api=True,
        expect=_list(),
        success=204,
    ),
    Case(
        "api user list",
        "admin",
        "get",
        lambda w: "/api/v1/users",
        api=True,
        expect=_list(),
        marker=lambda w: w.staff.username,
    ),
    Case(
        "api user create",
        "admin",
        "post",
        lambda w: "/api/v1/users",
        api=True,
        data=lambda w: {"username": "newbie", "password": "Strong-pass-2026"},
        expect=_list(),
        success=201,
    ),
    Case(
        "api grant create",
        "admin",
        "post",
        lambda w: f"/api/v1/users/{w.staff.pk}/grants",
        api=True,
        data=lambda w: {"role": "viewer", "region": OWN_VILLAGE},
        expect=_object(),
        success=201,
    ),
    Case(
        "api grant delete",
        "admin",
        "delete",
        lambda w: f"/api/v1/grants/{w.grant.pk}",
        api=True,
        expect=_object(),
        success=204,
    ),
]

CASES = WEB_CASES + API_CASES


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_access_matrix(
    case: Case, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    check(case, column, world, client, lambda: _snapshot(world))
