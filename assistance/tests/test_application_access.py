"""Access matrix of the application and case-plan endpoints (web and API): anonymous / no
permission / other region / own region / parent region; refused requests write nothing."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from freezegun import freeze_time

from assistance.models import (
    Application,
    ApplicationDocument,
    Appraisal,
    CasePlan,
    CasePlanItem,
    Decision,
    HomeVisit,
    Objection,
    Publicity,
)
from assistance.models import (
    Case as AssistanceCase,
)
from assistance.services import applications as svc
from assistance.services import case_plans as plan_svc
from assistance.tests.application_fixtures import World as StepWorld
from assistance.tests.application_fixtures import walk_to
from conftest import DISTRICT, OTHER_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core import services as core_services
from core.models import AuditEvent, Region, User
from core.tests.matrix import COLUMNS, Case, check, client_for_column, list_access, object_access

FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "view": {
        "noperm": ("viewer", OWN_VILLAGE),
        "other": ("village_worker", OTHER_VILLAGE),
        "own": ("village_worker", OWN_VILLAGE),
        "parent": ("township_officer", OWN_TOWNSHIP),
    },
    "handle": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "decide": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_staff", "31"),
    },
    "plan": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
}

PAST = "2026-01-05 10:00:00+08:00"
_numbers = itertools.count(1)


@dataclass
class AccessWorld:
    make_person: Callable[..., Any]
    admin: User
    handler: User
    approver: User
    apps: dict[str, Application] = field(default_factory=dict)
    plan: CasePlan | None = None
    households: list[Any] = field(default_factory=list)

    def household(self) -> Any:
        n = next(_numbers)
        head = self.make_person("赵大", id_number=next_id_number(datetime.date(1970, 1, 1)))
        spouse = self.make_person("钱二", id_number=next_id_number(datetime.date(1972, 1, 1), male=False))
        child = self.make_person("赵小", id_number=next_id_number(datetime.date(2016, 1, 1)))
        household = core_services.household_create(
            acting_user=self.admin, region=Region.objects.get(code=OWN_VILLAGE), head=head, number=f"HH-A{n}"
        )
        for person, relation in ((spouse, "spouse"), (child, "child")):
            core_services.household_add_member(
                acting_user=self.admin, household=household, person=person, relation=relation
            )
        self.households.append(household)
        return StepWorld(household, head, spouse, child, self.handler, self.approver, self.handler)

    def app(self, state: str) -> Application:
        """An application in ``state`` (created once, before the request's snapshot)."""
        if state in self.apps:
            return self.apps[state]
        from assistance.tests.application_fixtures import submit

        world = self.household()
        if state == "submitted":
            application = submit(world)
        elif state == "documented":
            application = submit(world)
            from assistance.tests.application_fixtures import upload_required

            upload_required(application, self.handler)
        elif state in ("publicizing", "publicized", "approved"):
            with freeze_time(PAST):
                application = walk_to(submit(world), world, "publicizing")
            if state != "publicizing":
                svc.publicity_close(application=application, conclusion="", acting_user=self.handler)
            if state == "approved":
                svc.decision_record(
                    application=application, outcome="approve", reasons="符合", acting_user=self.approver
                )
        else:
            application = walk_to(submit(world), world, state)
        application.refresh_from_db()
        self.apps[state] = application
        return application

    def open_plan(self) -> CasePlan:
        if self.plan is None:
            world = self.household()
            self.plan = plan_svc.case_plan_open(
                household=world.household, needs={"income": "失业"}, acting_user=self.handler
            )
        return self.plan


@pytest.fixture
def access_world(make_person: Any, make_user: Any) -> AccessWorld:
    return AccessWorld(
        make_person=make_person,
        admin=make_user("access-admin", "district_admin", DISTRICT),
        handler=make_user("access-handler", "township_officer", OWN_TOWNSHIP),
        approver=make_user("access-approver", "district_staff", DISTRICT),
    )


def _snapshot(w: AccessWorld) -> tuple[Any, ...]:
    return (
        tuple(Application.objects.order_by("id").values_list("id", "status", "handler_id")),
        ApplicationDocument.objects.count(),
        HomeVisit.objects.count(),
        Appraisal.objects.count(),
        tuple(Publicity.objects.order_by("id").values_list("id", "closed_at")),
        Objection.objects.count(),
        Decision.objects.count(),
        AssistanceCase.objects.count(),
        tuple(CasePlan.objects.order_by("id").values_list("id", "status")),
        tuple(CasePlanItem.objects.order_by("id").values_list("id", "done_on")),
        AuditEvent.objects.count(),
    )


def today() -> str:
    return datetime.date.today().isoformat()


def _intake(w: AccessWorld) -> dict[str, Any]:
    world = w.household()
    return {
        "household": world.household.pk,
        "category": "dibao",
        "applicant": world.head.pk,
        f"include_{world.head.pk}": "on",
        f"kind_{world.head.pk}": "adult",
        "item_wages": "800",
    }


def _api_intake(w: AccessWorld) -> dict[str, Any]:
    world = w.household()
    return {"household": world.household.pk, "category": "dibao", "applicant": world.head.pk}


VISIT = {"visited_on": None, "visitors": "甲、乙", "findings": "属实", "recommendation": "support"}


def _visit(w: AccessWorld) -> dict[str, Any]:
    return {**VISIT, "visited_on": today()}


def _objection(w: AccessWorld) -> dict[str, Any]:
    return {"received_on": w.app("publicizing").publicity.starts_on.isoformat(), "content": "有异议"}


def web(id: str, family: str, method: str, path: Callable[[AccessWorld], str], **kw: Any) -> Case:
    return Case(id, family, method, path, **kw)


def api(id: str, family: str, method: str, path: Callable[[AccessWorld], str], **kw: Any) -> Case:
    return Case(id, family, method, lambda w: "/api/v1/assistance" + path(w), api=True, **kw)


A = "/assistance/applications"

CASES = [
    web(
        "web list",
        "view",
        "get",
        lambda w: f"{A}/?q=SQ&x={w.app('submitted').pk}",
        expect=list_access(),
        marker=lambda w: w.app("submitted").number,
    ),
    web(
        "web export",
        "view",
        "get",
        lambda w: f"{A}/?export=xlsx&x={w.app('submitted').pk}",
        expect=list_access(),
    ),
    web(
        "web overdue",
        "view",
        "get",
        lambda w: f"{A}/overdue/?x={w.app('publicizing').pk}",
        expect=list_access(),
        marker=lambda w: w.app("publicizing").number,
    ),
    web(
        "web detail",
        "view",
        "get",
        lambda w: f"{A}/{w.app('submitted').pk}/",
        expect=object_access(),
        marker=lambda w: w.app("submitted").number,
    ),
    web("web intake", "handle", "post", lambda w: f"{A}/new/", data=_intake, expect=object_access(), success=302),
    web(
        "web verify",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('documented').pk}/verify_request/",
        expect=object_access(),
        success=302,
    ),
    web(
        "web verification result",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('verifying').pk}/verification_result/",
        data=lambda w: {"passed": "1", "monthly_income": "2000"},
        expect=object_access(),
        success=302,
    ),
    web(
        "web visit",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('verified').pk}/visit/",
        data=_visit,
        expect=object_access(),
        success=302,
    ),
    web(
        "web appraisal",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('visited').pk}/appraisal/",
        data=lambda w: {"held_on": today(), "participants": 7, "votes_for": 7, "votes_against": 0},
        expect=object_access(),
        success=302,
    ),
    web(
        "web publicity",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('appraised').pk}/publicity_start/",
        data=lambda w: {"place": "公示栏"},
        expect=object_access(),
        success=302,
    ),
    web(
        "web objection",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('publicizing').pk}/objection/",
        data=_objection,
        expect=object_access(),
        success=302,
    ),
    web(
        "web publicity close",
        "handle",
        "post",
        lambda w: f"{A}/{w.app('publicizing').pk}/publicity_close/",
        data=lambda w: {"conclusion": ""},
        expect=object_access(),
        success=302,
    ),
    web(
        "web decide",
        "decide",
        "post",
        lambda w: f"{A}/{w.app('publicized').pk}/decide/",
        data=lambda w: {"outcome": "approve", "reasons": "符合"},
        expect=object_access(),
        success=302,
    ),
    web("web notice", "view", "get", lambda w: f"{A}/{w.app('approved').pk}/notice.pdf", expect=object_access()),
    web(
        "web plan list",
        "plan",
        "get",
        lambda w: f"/assistance/plans/?x={w.open_plan().pk}",
        expect=list_access(noperm="ok"),
        marker=lambda w: f"方案 {w.open_plan().pk}<",
    ),
    web(
        "web plan create",
        "plan",
        "post",
        lambda w: "/assistance/plans/new/",
        data=lambda w: {"household_number": w.household().household.number, "need_income": "失业"},
        expect=object_access(other="rejected"),
        success=302,
    ),
    web(
        "web plan item",
        "plan",
        "post",
        lambda w: f"/assistance/plans/{w.open_plan().pk}/item/",
        data=lambda w: {"kind": "service", "description": "送餐", "due_date": today()},
        expect=object_access(),
        success=302,
    ),
    api(
        "api list",
        "view",
        "get",
        lambda w: f"/applications?x={w.app('submitted').pk}",
        expect=list_access(),
        marker=lambda w: w.app("submitted").number,
    ),
    api(
        "api overdue",
        "view",
        "get",
        lambda w: f"/applications/overdue?x={w.app('publicizing').pk}",
        expect=list_access(),
        marker=lambda w: w.app("publicizing").number,
    ),
    api("api detail", "view", "get", lambda w: f"/applications/{w.app('submitted').pk}", expect=object_access()),
    api(
        "api submit", "handle", "post", lambda w: "/applications", data=_api_intake, expect=object_access(), success=201
    ),
    api(
        "api verify",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('documented').pk}/verification",
        expect=object_access(),
    ),
    api(
        "api verification result",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('verifying').pk}/verification-result",
        data=lambda w: {"passed": True, "monthly_income": "2000"},
        expect=object_access(),
    ),
    api(
        "api visit",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('verified').pk}/visits",
        data=_visit,
        expect=object_access(),
        success=201,
    ),
    api(
        "api appraisal skip",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('visited').pk}/appraisal-skip",
        data=lambda w: {"reason": ""},
        expect=object_access(),
        success=201,
    ),
    api(
        "api publicity",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('appraised').pk}/publicity",
        data=lambda w: {"place": "公示栏"},
        expect=object_access(),
        success=201,
    ),
    api(
        "api objection",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('publicizing').pk}/publicity/objections",
        data=_objection,
        expect=object_access(),
        success=201,
    ),
    api(
        "api publicity close",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('publicizing').pk}/publicity/close",
        data=lambda w: {},
        expect=object_access(),
    ),
    api(
        "api decision",
        "decide",
        "post",
        lambda w: f"/applications/{w.app('publicized').pk}/decision",
        data=lambda w: {"outcome": "approve", "reasons": "符合"},
        expect=object_access(),
        success=201,
    ),
    api(
        "api withdraw",
        "handle",
        "post",
        lambda w: f"/applications/{w.app('submitted').pk}/withdraw",
        data=lambda w: {"reason": "不再需要"},
        expect=object_access(),
    ),
    api(
        "api notice",
        "view",
        "get",
        lambda w: f"/applications/{w.app('approved').pk}/notice.pdf",
        expect=object_access(),
    ),
    api(
        "api plan create",
        "plan",
        "post",
        lambda w: "/case-plans",
        data=lambda w: {"household": w.household().household.pk, "needs": {"income": "失业"}},
        expect=object_access(),
        success=201,
    ),
    api(
        "api plan item",
        "plan",
        "post",
        lambda w: f"/case-plans/{w.open_plan().pk}/items",
        data=lambda w: {"kind": "follow_up", "description": "回访", "due_date": today()},
        expect=object_access(),
        success=201,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_access_matrix(
    case: Case, column: str, access_world: AccessWorld, make_user: Any, api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    # Build the objects the request needs before the snapshot (paths and data create them once).
    case.path(access_world)
    data = case.data(access_world) if case.data else None
    frozen = Case(
        case.id,
        case.family,
        case.method,
        case.path,
        case.api,
        (lambda w: data) if case.data else None,
        case.expect,
        case.success,
        case.marker,
        case.multipart,
    )
    check(frozen, column, access_world, client, lambda: _snapshot(access_world))
