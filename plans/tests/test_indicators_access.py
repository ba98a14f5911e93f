"""Access matrix of the indicator endpoints, web and API: anonymous / no permission / other
district / own district / parent (city). A refused request answers like a missing record (or a
field error for a write into another region) and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import DISTRICT
from core.models import AuditEvent, Job, Region, User
from core.tests.matrix import COLUMNS, Case, check, client_for_column, create_access, list_access, object_access
from plans.models import Formula, ManualValue, Plan, Snapshot
from plans.services.indicators import compute_plan, ensure_formulas, manual_value_set
from plans.tests.indicator_world import make_plan

FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "indicators": {
        "noperm": ("auditor", DISTRICT),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_staff", "31"),
    },
}
MARKER = "矩阵测试来源"
NURSING = "护理型床位占比"


@dataclass
class World:
    plan: Plan
    value_id: int


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    actor = make_user("planner", "district_staff", DISTRICT)
    plan, version = make_plan(actor)
    ensure_formulas(version, acting_user=actor)
    value = manual_value_set(
        item_code="social_orgs",
        region=Region.objects.get(code=DISTRICT),
        year=2020,
        value="517",
        source=MARKER,
        acting_user=actor,
    )
    compute_plan(plan)
    return World(plan=plan, value_id=value.pk)


def _snapshot(world: World) -> tuple[Any, ...]:
    return (
        tuple(Formula.objects.order_by("id").values_list("indicator_key", "version", "is_current", "numerator")),
        tuple(ManualValue.objects.order_by("id").values_list("item_code", "region_id", "year", "value")),
        Snapshot.objects.count(),
        Job.objects.count(),
        AuditEvent.objects.count(),
    )


def _formula(w: World) -> dict[str, Any]:
    return {
        "numerator": "护理型床位数",
        "denominator": "养老床位总数",
        "factor": "100",
        "missing_rule": "zero",
        "decimals": 1,
        "note": "",
    }


def _value(w: World) -> dict[str, Any]:
    return {"item_code": "resident_population", "region": DISTRICT, "year": 2021, "value": "636800", "source": "公报"}


WEB = [
    Case(
        "web-home", "indicators", "get", lambda w: "/plans/indicators/", expect=list_access(), marker=lambda w: "崇明区"
    ),
    Case("web-dashboard", "indicators", "get", lambda w: f"/plans/{w.plan.pk}/indicators/", expect=object_access()),
    Case(
        "web-export",
        "indicators",
        "get",
        lambda w: f"/plans/{w.plan.pk}/indicators/export.xlsx",
        expect=object_access(),
    ),
    Case(
        "web-detail",
        "indicators",
        "get",
        lambda w: f"/plans/{w.plan.pk}/indicators/{NURSING}/",
        expect=object_access(),
    ),
    Case(
        "web-formula",
        "indicators",
        "post",
        lambda w: f"/plans/{w.plan.pk}/indicators/{NURSING}/formula/",
        data=_formula,
        expect=object_access(),
        success=302,
    ),
    Case(
        "web-recompute",
        "indicators",
        "post",
        lambda w: f"/plans/{w.plan.pk}/indicators/recompute/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "web-manual-list",
        "indicators",
        "get",
        lambda w: "/plans/manual-values/",
        expect=list_access(),
        marker=lambda w: MARKER,
    ),
    Case(
        "web-manual-export",
        "indicators",
        "get",
        lambda w: "/plans/manual-values/?export=xlsx",
        expect=list_access(),
    ),
    Case(
        "web-manual-create",
        "indicators",
        "post",
        lambda w: "/plans/manual-values/new/",
        data=_value,
        expect=create_access(),
        success=302,
    ),
    Case(
        "web-manual-delete",
        "indicators",
        "post",
        lambda w: f"/plans/manual-values/{w.value_id}/delete/",
        expect=object_access(),
        success=302,
    ),
    Case("web-manual-template", "indicators", "get", lambda w: "/plans/manual-values/template/", expect=list_access()),
    Case("web-data-items", "indicators", "get", lambda w: "/plans/data-items/", expect=list_access()),
]

API = [
    Case("api-data-items", "indicators", "get", lambda w: "/api/v1/plans/data-items", api=True, expect=list_access()),
    Case(
        "api-formulas",
        "indicators",
        "get",
        lambda w: f"/api/v1/plans/{w.plan.pk}/formulas",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-formula-put",
        "indicators",
        "put",
        lambda w: f"/api/v1/plans/{w.plan.pk}/formulas/{NURSING}",
        api=True,
        data=_formula,
        expect=object_access(),
    ),
    Case(
        "api-dashboard",
        "indicators",
        "get",
        lambda w: f"/api/v1/plans/{w.plan.pk}/dashboard",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-snapshots",
        "indicators",
        "get",
        lambda w: f"/api/v1/plans/{w.plan.pk}/snapshots",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-recompute",
        "indicators",
        "post",
        lambda w: f"/api/v1/plans/{w.plan.pk}/recompute",
        api=True,
        expect=object_access(),
        success=202,
    ),
    Case(
        "api-manual-list",
        "indicators",
        "get",
        lambda w: "/api/v1/plans/manual-values",
        api=True,
        expect=list_access(),
        marker=lambda w: MARKER,
    ),
    Case(
        "api-manual-create",
        "indicators",
        "post",
        lambda w: "/api/v1/plans/manual-values",
        api=True,
        data=_value,
        expect=create_access(),
        success=201,
    ),
    Case(
        "api-manual-delete",
        "indicators",
        "delete",
        lambda w: f"/api/v1/plans/manual-values/{w.value_id}",
        api=True,
        expect=object_access(),
        success=204,
    ),
]

CASES = WEB + API


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_access_matrix(
    case: Case, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    check(case, column, world, client, lambda: _snapshot(world))


@pytest.mark.django_db
def test_a_township_officer_sees_only_their_township(world: World, make_user: Callable[..., User]) -> None:
    from conftest import api_client
    from core.auth import api_token_issue

    officer = make_user("officer", "township_officer", "310151101")
    token, _ = api_token_issue(officer)
    client = api_client(token)
    rows = client.get(f"/api/v1/plans/{world.plan.pk}/snapshots", {"page_size": 100}).json()
    assert rows["count"] > 0
    assert all(r["region"].startswith("310151101") for r in rows["results"])
    assert client.get(f"/api/v1/plans/{world.plan.pk}/dashboard", {"region": DISTRICT}).status_code == 404
    assert client.get(f"/api/v1/plans/{world.plan.pk}/dashboard").json()["region"] == "310151101"
