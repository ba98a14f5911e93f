"""API of cases, the payroll change report, 临时救助 and the dashboard figures (h3b)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from assistance import selectors_cases
from assistance.choices import Addon
from assistance.filtersets_cases import CaseFilterSet, TemporaryGrantFilterSet
from assistance.models import Case, TemporaryGrant
from assistance.permissions_cases import CasePerm
from assistance.schemes import SCHEME_CATEGORY
from assistance.services import cases as case_services
from assistance.services import temporary as grant_services
from assistance.views_cases import dashboard_region
from core.api import _filtered, _page, _require
from core.models import Person
from core.permissions import CorePerm
from core.scoping import get_visible_or_404
from payments.models import PayrollRun
from payments.permissions import PaymentPerm

cases_router = Router(tags=["社会救助：案件与临时救助"])


class MemberOut(Schema):
    person_id: int
    name: str
    kind: str
    addons: list[str]


class CaseOut(Schema):
    id: int
    number: str
    category: str
    category_label: str
    status: str
    status_label: str
    household_id: int
    payee_id: int
    payee_name: str
    region: str
    member_count: int
    adult_count: int
    minor_count: int
    addon_counts: dict[str, int]
    household_monthly_income: Decimal
    monthly_amount: Decimal
    start_month: datetime.date
    end_month: datetime.date | None
    next_review_due: datetime.date | None
    status_reason: str


class CaseDetailOut(CaseOut):
    members: list[MemberOut]
    events: list[dict[str, Any]]
    notices: list[dict[str, Any]]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[CaseOut]


def _case_out(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "category": case.category,
        "category_label": case.get_category_display(),
        "status": case.status,
        "status_label": case.get_status_display(),
        "household_id": case.household_id,
        "payee_id": case.payee_id,
        "payee_name": case.payee.name,
        "region": case.region_id,
        "member_count": case.member_count,
        "adult_count": case.adult_count,
        "minor_count": case.minor_count,
        "addon_counts": case.addon_counts,
        "household_monthly_income": case.household_monthly_income,
        "monthly_amount": case.monthly_amount,
        "start_month": case.start_month,
        "end_month": case.end_month,
        "next_review_due": case.next_review_due,
        "status_reason": case.status_reason,
    }


def _case(request: HttpRequest, case_id: int, perm: str) -> Case:
    user = _require(request, perm)
    return get_visible_or_404(Case.objects.select_related("payee"), user, perm, pk=case_id)


@cases_router.get("/cases", response=CasePage, summary="救助案件（筛选同页面）")
def case_list(request: HttpRequest) -> Any:
    user = _require(request, CasePerm.VIEW_CASE)
    base = selectors_cases.visible_cases(user).select_related("payee").order_by("-id")
    meta, rows = _page(request, _filtered(CaseFilterSet, request, base))
    return {**meta, "results": [_case_out(c) for c in rows]}


@cases_router.get("/cases/{case_id}", response=CaseDetailOut, summary="案件详情：成员、金额变动、告知书")
def case_detail(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id, CasePerm.VIEW_CASE)
    members = case.members.select_related("person").order_by("id")
    return {
        **_case_out(case),
        "members": [
            {"person_id": m.person_id, "name": m.person.name, "kind": m.kind, "addons": m.addons} for m in members
        ],
        "events": [
            {
                "kind": e.kind,
                "effective_month": e.effective_month,
                "old_amount": e.old_amount,
                "new_amount": e.new_amount,
                "old_income": e.old_income,
                "new_income": e.new_income,
                "reason": e.reason,
                "created_at": e.created_at,
            }
            for e in case.events.order_by("id")
        ],
        "notices": [
            {"id": n.pk, "title": n.title, "body": n.body, "issued_at": n.issued_at}
            for n in case.notices.order_by("id")
        ],
    }


@cases_router.get("/cases/{case_id}/payments", summary="案件的发放记录")
def case_payments(request: HttpRequest, case_id: int) -> Any:
    case = _case(request, case_id, CasePerm.VIEW_CASE)
    meta, rows = _page(request, selectors_cases.case_payments(case))
    return {
        **meta,
        "results": [
            {
                "id": p.pk,
                "run_id": p.run_id,
                "month": p.month,
                "amount": p.amount,
                "status": p.status,
                "failure_reason": p.failure_reason,
                "reissue_of": p.reissue_of_id,
                "snapshot": p.snapshot,
                "parameters": p.parameters,
            }
            for p in rows
        ],
    }


class ReasonIn(Schema):
    reason: str


class EndIn(Schema):
    reason: str
    end_month: datetime.date | None = None


class MemberIn(Schema):
    person_id: int
    kind: str = "adult"
    addons: list[str] = []


class ChangeIn(Schema):
    reason: str
    household_monthly_income: Decimal | None = None
    members: list[MemberIn] | None = None
    effective_month: datetime.date | None = None


@cases_router.post("/cases/{case_id}/suspend", response=CaseOut, summary="停保")
def case_suspend(request: HttpRequest, case_id: int, data: ReasonIn) -> Any:
    case = _case(request, case_id, CasePerm.MANAGE_CASE)
    return _case_out(case_services.case_suspend(case=case, reason=data.reason, acting_user=request.auth))  # type: ignore[attr-defined]


@cases_router.post("/cases/{case_id}/resume", response=CaseOut, summary="恢复发放")
def case_resume(request: HttpRequest, case_id: int, data: ReasonIn) -> Any:
    case = _case(request, case_id, CasePerm.MANAGE_CASE)
    return _case_out(case_services.case_resume(case=case, reason=data.reason, acting_user=request.auth))  # type: ignore[attr-defined]


@cases_router.post("/cases/{case_id}/end", response=CaseOut, summary="终止救助（end_month 为最后发放月份）")
def case_end(request: HttpRequest, case_id: int, data: EndIn) -> Any:
    case = _case(request, case_id, CasePerm.MANAGE_CASE)
    return _case_out(
        case_services.case_end(case=case, reason=data.reason, end_month=data.end_month, acting_user=request.auth)  # type: ignore[attr-defined]
    )


@cases_router.post("/cases/{case_id}/change-amount", response=CaseOut, summary="调整（收入或成员变化，金额按规则重算）")
def case_change_amount(request: HttpRequest, case_id: int, data: ChangeIn) -> Any:
    case = _case(request, case_id, CasePerm.MANAGE_CASE)
    members = (
        [{"person": m.person_id, "kind": m.kind, "addons": m.addons} for m in data.members]
        if data.members is not None
        else None
    )
    changed = case_services.case_change_amount(
        case=case,
        reason=data.reason,
        household_monthly_income=data.household_monthly_income,
        members=members,
        effective_month=data.effective_month,
        acting_user=request.auth,  # type: ignore[attr-defined]
    )
    return _case_out(changed)


@cases_router.get("/addons", summary="分类施保加发项目")
def addon_list(request: HttpRequest) -> Any:
    _require(request, CasePerm.VIEW_CASE)
    return [{"code": code, "label": label} for code, label in Addon.choices]


@cases_router.get("/payroll/{run_id}/changes", summary="发放批次的金额变动报告（按案件）")
def payroll_changes(request: HttpRequest, run_id: int) -> Any:
    user = _require(request, PaymentPerm.VIEW_PAYROLL)
    run = get_visible_or_404(PayrollRun.objects.all(), user, PaymentPerm.VIEW_PAYROLL, pk=run_id)
    if run.scheme not in SCHEME_CATEGORY:
        raise Http404
    return [
        {
            "case_id": r["case"].pk,
            "number": r["case"].number,
            "previous": r["previous"],
            "amount": r["amount"],
            "delta": r["delta"],
        }
        for r in selectors_cases.case_amount_changes(run)
    ]


# --- 临时救助 -------------------------------------------------------------------------------


class GrantOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    status_label: str
    person_id: int
    person_name: str
    region: str
    need: str
    reason: str
    requested_amount: Decimal
    cap_amount: Decimal
    granted_amount: Decimal | None
    review_due: datetime.date | None
    paid_on: datetime.date | None
    parameters_used: dict[str, Any]


class GrantPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[GrantOut]


def _grant_out(grant: TemporaryGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "number": grant.number,
        "kind": grant.kind,
        "status": grant.status,
        "status_label": grant.get_status_display(),
        "person_id": grant.person_id,
        "person_name": grant.person.name,
        "region": grant.region_id,
        "need": grant.need,
        "reason": grant.reason,
        "requested_amount": grant.requested_amount,
        "cap_amount": grant.cap_amount,
        "granted_amount": grant.granted_amount,
        "review_due": grant.review_due,
        "paid_on": grant.paid_on,
        "parameters_used": grant.parameters_used,
    }


def _grant(request: HttpRequest, grant_id: int, perm: str) -> TemporaryGrant:
    user = _require(request, perm)
    return get_visible_or_404(TemporaryGrant.objects.select_related("person"), user, perm, pk=grant_id)


class GrantIn(Schema):
    person_id: int
    kind: str
    need: str
    reason: str
    requested_amount: Decimal
    granted_amount: Decimal | None = None
    decision_note: str = ""


class GrantDecisionIn(Schema):
    approve: bool
    granted_amount: Decimal | None = None
    note: str = ""


@cases_router.get("/temporary-grants", response=GrantPage, summary="临时救助（筛选同页面）")
def grant_list(request: HttpRequest) -> Any:
    user = _require(request, CasePerm.VIEW_TEMPORARY)
    base = TemporaryGrant.objects.visible_to(user, CasePerm.VIEW_TEMPORARY).select_related("person").order_by("-id")
    meta, rows = _page(request, _filtered(TemporaryGrantFilterSet, request, base))
    return {**meta, "results": [_grant_out(g) for g in rows]}


@cases_router.post(
    "/temporary-grants", response={201: GrantOut}, summary="受理临时救助（kind=urgent 为急难型先行救助）"
)
def grant_create(request: HttpRequest, data: GrantIn) -> Any:
    user = _require(request, CasePerm.DECIDE_TEMPORARY)
    person = Person.objects.visible_to(user, CorePerm.VIEW_PERSON).filter(pk=data.person_id).first()
    if person is None:
        raise ValidationError({"person_id": ["在您的管辖范围内没有该人员"]})
    grant = grant_services.temporary_grant_create(
        person=person,
        kind=data.kind,
        need=data.need,
        reason=data.reason,
        requested_amount=data.requested_amount,
        granted_amount=data.granted_amount,
        decision_note=data.decision_note,
        acting_user=user,
    )
    return 201, _grant_out(grant)


@cases_router.get("/temporary-grants/{grant_id}", response=GrantOut, summary="临时救助详情")
def grant_detail(request: HttpRequest, grant_id: int) -> Any:
    return _grant_out(_grant(request, grant_id, CasePerm.VIEW_TEMPORARY))


@cases_router.post("/temporary-grants/{grant_id}/decide", response=GrantOut, summary="审批（审批人须不同于受理人）")
def grant_decide(request: HttpRequest, grant_id: int, data: GrantDecisionIn) -> Any:
    grant = _grant(request, grant_id, CasePerm.DECIDE_TEMPORARY)
    grant = grant_services.temporary_grant_decide(
        grant=grant,
        approve=data.approve,
        granted_amount=data.granted_amount,
        note=data.note,
        acting_user=request.auth,  # type: ignore[attr-defined]
    )
    return _grant_out(grant)


@cases_router.post("/temporary-grants/{grant_id}/review", response=GrantOut, summary="急难型事后补审")
def grant_review(request: HttpRequest, grant_id: int, data: GrantDecisionIn) -> Any:
    grant = _grant(request, grant_id, CasePerm.REVIEW_TEMPORARY)
    grant = grant_services.temporary_grant_review(
        grant=grant,
        confirm=data.approve,
        note=data.note,
        acting_user=request.auth,  # type: ignore[attr-defined]
    )
    return _grant_out(grant)


@cases_router.post("/temporary-grants/{grant_id}/pay", response=GrantOut, summary="登记发放")
def grant_pay(request: HttpRequest, grant_id: int) -> Any:
    grant = _grant(request, grant_id, CasePerm.DECIDE_TEMPORARY)
    return _grant_out(grant_services.temporary_grant_pay(grant=grant, acting_user=request.auth))  # type: ignore[attr-defined]


@cases_router.get("/dashboard", summary="救助统计：按月人次与金额、按区划、按类别")
def dashboard(request: HttpRequest, region: str = "") -> Any:
    user = _require(request, CasePerm.VIEW_DASHBOARD)
    target = dashboard_region(user, region or None)
    if target is None:
        raise Http404
    return selectors_cases.dashboard_figures(user, target.code)
