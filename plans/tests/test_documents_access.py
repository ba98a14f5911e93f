"""Access matrix of the plan-document endpoints, web and API: anonymous / no permission / other
district / own district / parent (city). A refused request answers like a missing record and
writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import DISTRICT, client_for
from core.models import AuditEvent, Region, StoredFile, User
from core.tests.matrix import (
    COLUMNS,
    Case,
    check,
    client_for_column,
    create_access,
    list_access,
    object_access,
)
from plans.models import EvaluationNote, Indicator, KeyProjectProgress, Plan, PlanVersion
from plans.services.documents import plan_import_file

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "seeds"
SEED = {k: next(FIXTURES.glob(f"{k}_*.txt")) for k in ("000", "001", "002", "003")}
TITLE = "崇明区民政事业发展“十四五”规划"

FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "plans": {
        "noperm": ("auditor", DISTRICT),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_staff", "31"),
    },
}


@dataclass
class World:
    plan: Plan
    projects_plan: Plan
    project_key: str


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    actor = make_user("importer", "district_staff", DISTRICT)
    region = Region.objects.get(code=DISTRICT)
    plan_import_file(path=SEED["001"], region=region, acting_user=actor)
    version, _ = plan_import_file(path=SEED["002"], region=region, acting_user=actor)
    lufeng, _ = plan_import_file(path=SEED["003"], region=region, acting_user=actor)
    return World(plan=version.plan, projects_plan=lufeng.plan, project_key=lufeng.projects.get(seq=1).key)


def _snapshot(world: World) -> tuple[Any, ...]:
    return (
        Plan.objects.count(),
        PlanVersion.objects.count(),
        Indicator.objects.count(),
        tuple(KeyProjectProgress.objects.order_by("id").values_list("year", "spent_wan_yuan", "beds_delivered")),
        AuditEvent.objects.count(),
        StoredFile.objects.count(),
        tuple(EvaluationNote.objects.order_by("id").values_list("stage", "indicator_key", "note")),
    )


def _upload(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"file": SimpleUploadedFile(f"{name}.txt", SEED[name].read_bytes()), "region": "", "title": ""}


def _progress(w: World) -> dict[str, Any]:
    return {"year": 2022, "spent_wan_yuan": "100.00", "beds_delivered": 10, "note": "matrix"}


WEB = [
    Case("web-plan-list", "plans", "get", lambda w: "/plans/", expect=list_access(), marker=lambda w: TITLE),
    Case("web-plan-detail", "plans", "get", lambda w: f"/plans/{w.plan.pk}/", expect=object_access()),
    Case("web-plan-export", "plans", "get", lambda w: f"/plans/{w.plan.pk}/?export=xlsx", expect=object_access()),
    Case("web-diff", "plans", "get", lambda w: f"/plans/{w.plan.pk}/diff/", expect=object_access()),
    Case("web-evaluation", "plans", "get", lambda w: f"/plans/{w.plan.pk}/evaluation/mid/", expect=object_access()),
    Case(
        "web-evaluation-xlsx",
        "plans",
        "get",
        lambda w: f"/plans/{w.plan.pk}/evaluation/final/export.xlsx",
        expect=object_access(),
    ),
    Case(
        "web-evaluation-pdf",
        "plans",
        "get",
        lambda w: f"/plans/{w.plan.pk}/evaluation/final/export.pdf",
        expect=object_access(),
    ),
    Case("web-upload-form", "plans", "get", lambda w: "/plans/upload/", expect=list_access()),
    Case(
        "web-upload-preview",
        "plans",
        "post",
        lambda w: "/plans/upload/",
        data=_upload("002"),
        multipart=True,
        expect=create_access(),
    ),
    Case(
        "web-progress-form",
        "plans",
        "get",
        lambda w: f"/plans/{w.projects_plan.pk}/projects/{w.project_key}/progress/",
        expect=object_access(),
    ),
    Case(
        "web-progress-save",
        "plans",
        "post",
        lambda w: f"/plans/{w.projects_plan.pk}/projects/{w.project_key}/progress/",
        data=_progress,
        expect=object_access(),
        success=302,
    ),
]

WEB += [
    Case(
        "web-evaluation-note",
        "plans",
        "post",
        lambda w: f"/plans/{w.plan.pk}/evaluation/mid/notes/低保人数占户籍人口数比重/",
        data=lambda w: {"note": "低保动态管理，比重基本稳定"},
        expect=object_access(),
        success=302,
    ),
]

API = [
    Case("api-plan-list", "plans", "get", lambda w: "/api/v1/plans/documents", api=True, expect=list_access()),
    Case(
        "api-plan-detail",
        "plans",
        "get",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-versions",
        "plans",
        "get",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}/versions",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-version-detail",
        "plans",
        "get",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}/versions/current",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-indicators",
        "plans",
        "get",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}/indicators?version=1",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-diff",
        "plans",
        "get",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}/diff",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-evaluation",
        "plans",
        "get",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}/evaluation/final",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-import",
        "plans",
        "post",
        lambda w: "/api/v1/plans/documents/import",
        api=True,
        data=lambda w: {"file": SimpleUploadedFile("000.txt", SEED["000"].read_bytes()), "title": TITLE},
        multipart=True,
        expect=create_access(),
        success=201,
    ),
    Case(
        "api-progress",
        "plans",
        "post",
        lambda w: f"/api/v1/plans/documents/{w.projects_plan.pk}/projects/{w.project_key}/progress",
        api=True,
        data=_progress,
        expect=object_access(),
        success=201,
    ),
]

API += [
    Case(
        "api-evaluation-note",
        "plans",
        "put",
        lambda w: f"/api/v1/plans/documents/{w.plan.pk}/evaluation/final/notes/低保人数占户籍人口数比重",
        api=True,
        data=lambda w: {"note": "已达标"},
        expect=object_access(),
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
def test_a_preview_can_be_confirmed_only_by_who_uploaded_it(world: World, make_user: Callable[..., User]) -> None:
    own = make_user("uploader", "district_staff", DISTRICT)
    colleague = make_user("colleague", "district_staff", DISTRICT)
    other = make_user("baoshan", "district_staff", "310113")
    preview = client_for(own).post("/plans/upload/", _upload("000")(world) | {"region": DISTRICT, "title": TITLE})
    assert preview.status_code == 200
    stored = StoredFile.objects.get(created_by=own)
    before = _snapshot(world)
    refused = client_for(colleague).post(
        "/plans/upload/confirm/", {"stored_file": stored.pk, "region": DISTRICT, "title": TITLE}
    )
    assert refused.status_code == 404
    assert _snapshot(world) == before
    assert (
        client_for(other).post("/plans/upload/confirm/", {"stored_file": stored.pk, "region": DISTRICT}).status_code
        == 404
    )
    assert _snapshot(world) == before
    done = client_for(own).post(
        "/plans/upload/confirm/", {"stored_file": stored.pk, "region": DISTRICT, "title": TITLE}
    )
    assert done.status_code == 302
    assert PlanVersion.objects.filter(plan=world.plan).count() == 3
