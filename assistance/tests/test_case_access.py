"""Access matrix of the case, change-report, 临时救助 and dashboard endpoints (web and API):
anonymous / no permission / other region / own region / parent region. Refusals write nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from assistance.choices import Category
from assistance.models import Case, CaseEvent, CaseNotice, TemporaryGrant
from assistance.services.cases import case_open, case_suspend
from assistance.services.temporary import temporary_grant_create, temporary_grant_decide
from assistance.tests.case_fixtures import members_of
from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE
from core.models import AuditEvent, Person, Region, User
from core.tests.matrix import (
    COLUMNS,
    check,
    client_for_column,
    create_access,
    list_access,
    object_access,
)
from core.tests.matrix import (
    Case as Endpoint,
)
from payments import services as pay
from payments.models import Payment, PayrollRun

OTHER_TOWNSHIP = "310151102"
FAMILIES = {
    "view": {
        "noperm": ("viewer", OWN_VILLAGE),
        "other": ("village_worker", "310151102001"),
        "own": ("village_worker", OWN_VILLAGE),
        "parent": ("township_officer", OWN_TOWNSHIP),
    },
    "manage": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", OTHER_TOWNSHIP),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "review": {
        "noperm": ("township_officer", OWN_TOWNSHIP),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "payroll": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
}


@dataclass
class World:
    case: Case
    suspended: Case
    pending: TemporaryGrant
    urgent: TemporaryGrant
    approved: TemporaryGrant
    person: Person
    run: PayrollRun
    notice: CaseNotice


@pytest.fixture
def world(make_household: Any, make_user: Callable[..., User]) -> World:
    clerk = make_user("clerk", "district_staff", DISTRICT)
    second = make_user("second", "district_staff", DISTRICT)
    households = [make_household(2) for _ in range(3)]
    case, suspended = (
        case_open(
            household=h,
            category=Category.DIBAO,
            members=members_of(h),
            household_monthly_income="500",
            start_month=datetime.date(2026, 1, 1),
            acting_user=clerk,
        )
        for h in households[:2]
    )
    case_suspend(case=suspended, reason="待核实", acting_user=clerk)
    person = households[2].members.order_by("id").first().person
    grant = {"person": person, "need": "illness", "reason": "住院", "requested_amount": "1000", "acting_user": clerk}
    pending = temporary_grant_create(kind="ordinary", **grant)
    urgent = temporary_grant_create(kind="urgent", **grant)
    approved = temporary_grant_decide(
        grant=temporary_grant_create(kind="ordinary", **grant), approve=True, acting_user=second
    )
    run = PayrollRun.objects.create(
        scheme="assistance.dibao",
        region=Region.objects.get(code=OWN_TOWNSHIP),
        month=datetime.date(2026, 2, 1),
        created_by=clerk,
    )
    pay.compute_run(run)
    return World(case, suspended, pending, urgent, approved, person, run, CaseNotice.objects.get(case=suspended))


def _snapshot(world: World) -> tuple[Any, ...]:
    return (
        tuple(Case.objects.order_by("id").values_list("status", "monthly_amount", "household_monthly_income")),
        CaseEvent.objects.count(),
        CaseNotice.objects.count(),
        tuple(TemporaryGrant.objects.order_by("id").values_list("status", "granted_amount", "paid_on")),
        Payment.objects.count(),
        AuditEvent.objects.exclude(action="person.sensitive_read").count(),
    )


def _api(path: str) -> str:
    return f"/api/v1/assistance{path}"


CASES = [
    # Cases: lists, detail, notice, actions.
    Endpoint(
        "case_list", "view", "get", lambda w: "/assistance/cases/", expect=list_access(), marker=lambda w: w.case.number
    ),
    Endpoint("case_export", "view", "get", lambda w: "/assistance/cases/?export=xlsx", expect=list_access()),
    Endpoint(
        "case_notice_pdf",
        "view",
        "get",
        lambda w: f"/assistance/cases/{w.suspended.pk}/notices/{w.notice.pk}.pdf",
        expect=object_access(),
    ),
    Endpoint("case_detail", "view", "get", lambda w: f"/assistance/cases/{w.case.pk}/", expect=object_access()),
    Endpoint(
        "case_action_suspend",
        "manage",
        "post",
        lambda w: f"/assistance/cases/{w.case.pk}/action/",
        data=lambda w: {"action": "suspend", "reason": "外出"},
        expect=object_access(),
        success=302,
    ),
    Endpoint(
        "case_action_change",
        "manage",
        "post",
        lambda w: f"/assistance/cases/{w.case.pk}/action/",
        data=lambda w: {"action": "change", "reason": "复核", "household_monthly_income": "100"},
        expect=object_access(),
        success=302,
    ),
    Endpoint(
        "api_case_list",
        "view",
        "get",
        lambda w: _api("/cases"),
        api=True,
        expect=list_access(),
        marker=lambda w: w.case.number,
    ),
    Endpoint("api_case_detail", "view", "get", lambda w: _api(f"/cases/{w.case.pk}"), api=True, expect=object_access()),
    Endpoint(
        "api_case_payments",
        "view",
        "get",
        lambda w: _api(f"/cases/{w.case.pk}/payments"),
        api=True,
        expect=object_access(),
    ),
    Endpoint(
        "api_case_suspend",
        "manage",
        "post",
        lambda w: _api(f"/cases/{w.case.pk}/suspend"),
        api=True,
        data=lambda w: {"reason": "外出"},
        expect=object_access(),
    ),
    Endpoint(
        "api_case_resume",
        "manage",
        "post",
        lambda w: _api(f"/cases/{w.suspended.pk}/resume"),
        api=True,
        data=lambda w: {"reason": "已核实"},
        expect=object_access(),
    ),
    Endpoint(
        "api_case_end",
        "manage",
        "post",
        lambda w: _api(f"/cases/{w.case.pk}/end"),
        api=True,
        data=lambda w: {"reason": "收入超标"},
        expect=object_access(),
    ),
    Endpoint(
        "api_case_change",
        "manage",
        "post",
        lambda w: _api(f"/cases/{w.case.pk}/change-amount"),
        api=True,
        data=lambda w: {"reason": "复核", "household_monthly_income": "100"},
        expect=object_access(),
    ),
    # The assistance payrolls and the change report by case.
    Endpoint(
        "payroll_list",
        "payroll",
        "get",
        lambda w: "/assistance/payroll/",
        expect=list_access(),
        marker=lambda w: f'href="/assistance/payroll/{w.run.pk}/changes/"',
    ),
    Endpoint(
        "payroll_changes",
        "payroll",
        "get",
        lambda w: f"/assistance/payroll/{w.run.pk}/changes/",
        expect=object_access(),
    ),
    Endpoint(
        "api_payroll_changes",
        "payroll",
        "get",
        lambda w: _api(f"/payroll/{w.run.pk}/changes"),
        api=True,
        expect=object_access(),
    ),
    # 临时救助.
    Endpoint(
        "grant_list",
        "view",
        "get",
        lambda w: "/assistance/temporary/",
        expect=list_access(),
        marker=lambda w: w.pending.number,
    ),
    Endpoint("grant_export", "view", "get", lambda w: "/assistance/temporary/?export=xlsx", expect=list_access()),
    Endpoint("grant_detail", "view", "get", lambda w: f"/assistance/temporary/{w.pending.pk}/", expect=object_access()),
    Endpoint(
        "grant_create",
        "manage",
        "post",
        lambda w: "/assistance/temporary/new/",
        data=lambda w: {
            "id_number": w.person.id_number,
            "kind": "ordinary",
            "need": "illness",
            "reason": "住院",
            "requested_amount": "500",
        },
        expect=create_access(),
        success=302,
    ),
    Endpoint(
        "grant_decide",
        "manage",
        "post",
        lambda w: f"/assistance/temporary/{w.pending.pk}/decide/",
        data=lambda w: {"approve": "1", "granted_amount": "800"},
        expect=object_access(),
        success=302,
    ),
    Endpoint(
        "grant_pay",
        "manage",
        "post",
        lambda w: f"/assistance/temporary/{w.approved.pk}/pay/",
        expect=object_access(),
        success=302,
    ),
    Endpoint(
        "grant_review",
        "review",
        "post",
        lambda w: f"/assistance/temporary/{w.urgent.pk}/review/",
        data=lambda w: {"approve": "1", "note": "属实"},
        expect=object_access(),
        success=302,
    ),
    Endpoint(
        "api_grant_list",
        "view",
        "get",
        lambda w: _api("/temporary-grants"),
        api=True,
        expect=list_access(),
        marker=lambda w: w.pending.number,
    ),
    Endpoint(
        "api_grant_detail",
        "view",
        "get",
        lambda w: _api(f"/temporary-grants/{w.pending.pk}"),
        api=True,
        expect=object_access(),
    ),
    Endpoint(
        "api_grant_create",
        "manage",
        "post",
        lambda w: _api("/temporary-grants"),
        api=True,
        data=lambda w: {
            "person_id": w.person.pk,
            "kind": "ordinary",
            "need": "illness",
            "reason": "住院",
            "requested_amount": "500",
        },
        expect=create_access(),
        success=201,
    ),
    Endpoint(
        "api_grant_decide",
        "manage",
        "post",
        lambda w: _api(f"/temporary-grants/{w.pending.pk}/decide"),
        api=True,
        data=lambda w: {"approve": True, "granted_amount": "800"},
        expect=object_access(),
    ),
    Endpoint(
        "api_grant_review",
        "review",
        "post",
        lambda w: _api(f"/temporary-grants/{w.urgent.pk}/review"),
        api=True,
        data=lambda w: {"approve": False, "note": "不符合条件"},
        expect=object_access(),
    ),
    Endpoint(
        "api_grant_pay",
        "manage",
        "post",
        lambda w: _api(f"/temporary-grants/{w.approved.pk}/pay"),
        api=True,
        expect=object_access(),
    ),
    # Dashboard: everyone with the permission sees their own region's figures.
    Endpoint("dashboard", "manage", "get", lambda w: "/assistance/dashboard/", expect=list_access()),
    Endpoint(
        "dashboard_other_region",
        "manage",
        "get",
        lambda w: f"/assistance/dashboard/?region={OWN_TOWNSHIP}",
        expect=object_access(),
    ),
    Endpoint("api_dashboard", "manage", "get", lambda w: _api("/dashboard"), api=True, expect=list_access()),
    Endpoint(
        "api_dashboard_region",
        "manage",
        "get",
        lambda w: _api(f"/dashboard?region={OWN_TOWNSHIP}"),
        api=True,
        expect=object_access(),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_access_matrix(
    case: Endpoint, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    check(case, column, world, client, lambda: _snapshot(world))


def test_every_route_is_in_the_matrix() -> None:
    from assistance.urls_cases import urlpatterns

    names = {p.name for p in urlpatterns}
    covered = {
        "case_list",
        "case_detail",
        "case_action",
        "case_notice_pdf",
        "payroll_list",
        "payroll_changes",
        "temporary_list",
        "temporary_create",
        "temporary_detail",
        "temporary_decide",
        "temporary_review",
        "temporary_pay",
        "dashboard",
    }
    assert names == covered
    from types import SimpleNamespace

    from django.urls import resolve

    thing = SimpleNamespace(pk=1, number="x")
    fake = SimpleNamespace(**dict.fromkeys(World.__dataclass_fields__, thing))
    tested = {resolve(c.path(fake).split("?")[0]).url_name for c in CASES if not c.api}
    assert tested == covered
