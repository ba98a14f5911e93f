"""API of applications and case plans: every step, so an external intake system can drive the
whole flow (受理 → 核对 → 入户调查 → 评议 → 公示 → 审核确认). Same services, scoped querysets
and FilterSets as the web pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from assistance.filtersets_applications import ApplicationFilterSet, CasePlanFilterSet
from assistance.models import Application, CasePlan, Objection
from assistance.notices_applications import decision_notice_pdf
from assistance.permissions import AssistancePerm
from assistance.selectors_applications import applications_overdue, applications_visible, case_plans_visible
from assistance.services import applications as svc
from assistance.services import case_plans as plan_svc
from core.api import _filtered, _page, _require, _user
from core.models import Household, HouseholdMember, Person
from core.scoping import get_visible_or_404

applications_router = Router(tags=["社会救助·申请"])
TAG_PLAN = ["社会救助·救助方案"]


# ---------------------------------------------------------------- schemas


class MemberIn(Schema):
    person: int
    relation: str = "other"
    kind: str = "adult"
    addons: list[str] = []


class ItemIn(Schema):
    kind: str
    amount: Decimal
    person: int | None = None
    note: str = ""


class ApplicationIn(Schema):
    household: int
    category: str
    applicant: int
    members: list[MemberIn] = []
    declared_items: list[ItemIn] = []
    reason: str = ""


class MemberOut(Schema):
    person: int
    name: str
    relation: str
    kind: str
    addons: list[str]


class ApplicationBrief(Schema):
    id: int
    number: str
    category: str
    category_label: str
    status: str
    status_label: str
    channel: str
    household: int
    household_number: str
    applicant: int
    applicant_name: str
    region: str
    submitted_at: datetime.datetime
    due_date: datetime.date
    overdue: bool
    case: int | None


class ApplicationOut(ApplicationBrief):
    reason: str
    handler: str | None
    declared_monthly_income: Decimal
    declared_monetary_assets: Decimal
    assessed_monthly_income: Decimal | None
    verification_passed: bool | None
    members: list[MemberOut]
    declared_items: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    missing_documents: list[str]
    visits: list[dict[str, Any]]
    appraisal: dict[str, Any] | None
    publicity: dict[str, Any] | None
    decision: dict[str, Any] | None


class ApplicationPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[ApplicationBrief]


class VerificationIn(Schema):
    passed: bool
    monthly_income: Decimal
    summary: dict[str, Any] = {}


class VisitIn(Schema):
    visited_on: datetime.date
    visitors: str
    findings: str
    recommendation: str


class AppraisalIn(Schema):
    held_on: datetime.date
    participants: int
    votes_for: int
    votes_against: int
    opinion: str = ""


class ReasonIn(Schema):
    reason: str = ""


class PublicityIn(Schema):
    place: str
    starts_on: datetime.date | None = None


class ObjectionIn(Schema):
    received_on: datetime.date
    content: str
    objector: str = ""
    finding: str = ""
    upheld: bool | None = None


class ObjectionResolveIn(Schema):
    finding: str
    upheld: bool


class CloseIn(Schema):
    conclusion: str = ""


class DecisionIn(Schema):
    outcome: str
    reasons: str
    start_month: datetime.date | None = None


class MemberAddIn(Schema):
    person: int
    relation: str = "other"
    kind: str = "adult"
    addons: list[str] = []


# ---------------------------------------------------------------- helpers


def _brief(a: Application) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "id": a.pk,
        "number": a.number,
        "category": a.category,
        "category_label": a.get_category_display(),
        "status": a.status,
        "status_label": a.get_status_display(),
        "channel": a.channel,
        "household": a.household_id,
        "household_number": a.household.number,
        "applicant": a.applicant_id,
        "applicant_name": a.applicant.name,
        "region": a.region_id,
        "submitted_at": a.submitted_at,
        "due_date": a.due_date,
        "overdue": a.is_open and a.due_date < timezone.localdate(),
        "case": a.case_id,
    }


def _out(a: Application) -> dict[str, Any]:
    appraisal = getattr(a, "appraisal", None)
    publicity = getattr(a, "publicity", None)
    decision = getattr(a, "decision", None)
    return {
        **_brief(a),
        "reason": a.reason,
        "handler": a.handler.get_username() if a.handler else None,
        "declared_monthly_income": a.declared_monthly_income,
        "declared_monetary_assets": a.declared_monetary_assets,
        "assessed_monthly_income": a.assessed_monthly_income,
        "verification_passed": a.verification_passed,
        "members": [
            {"person": m.person_id, "name": m.person.name, "relation": m.relation, "kind": m.kind, "addons": m.addons}
            for m in a.members.select_related("person")
        ],
        "declared_items": [
            {"kind": i.kind, "amount": str(i.amount), "person": i.person_id, "note": i.note}
            for i in a.declared_items.all()
        ],
        "documents": [
            {"id": d.pk, "kind": d.kind, "file": d.file_id, "name": d.file.original_name}
            for d in a.documents.select_related("file")
        ],
        "missing_documents": svc.missing_documents(a),
        "visits": [
            {
                "visited_on": v.visited_on.isoformat(),
                "visitors": v.visitors,
                "findings": v.findings,
                "recommendation": v.recommendation,
            }
            for v in a.visits.all()
        ],
        "appraisal": None
        if appraisal is None
        else {
            "skipped": appraisal.skipped,
            "skip_reason": appraisal.skip_reason,
            "held_on": appraisal.held_on.isoformat() if appraisal.held_on else None,
            "participants": appraisal.participants,
            "votes_for": appraisal.votes_for,
            "votes_against": appraisal.votes_against,
        },
        "publicity": None
        if publicity is None
        else {
            "place": publicity.place,
            "starts_on": publicity.starts_on.isoformat(),
            "ends_on": publicity.ends_on.isoformat(),
            "days": publicity.days,
            "closed": publicity.closed_at is not None,
            "conclusion": publicity.conclusion,
            "objections": [
                {"id": o.pk, "received_on": o.received_on.isoformat(), "content": o.content, "upheld": o.upheld}
                for o in publicity.objections.all()
            ],
        },
        "decision": None
        if decision is None
        else {
            "outcome": decision.outcome,
            "level": decision.level,
            "reasons": decision.reasons,
            "monthly_amount": str(decision.monthly_amount),
            "start_month": decision.start_month.isoformat() if decision.start_month else None,
            "decided_by": decision.decided_by.get_username(),
            "parameters_used": decision.parameters_used,
        },
    }


def _get(request: HttpRequest, pk: int, perm: str) -> Application:
    user = _require(request, perm)
    return get_visible_or_404(
        Application.objects.select_related("household", "applicant", "handler"), user, perm, pk=pk
    )


def _reload(application: Application) -> dict[str, Any]:
    return _out(Application.objects.select_related("household", "applicant", "handler").get(pk=application.pk))


# ---------------------------------------------------------------- applications


@applications_router.get("/applications", response=ApplicationPage, summary="救助申请列表（筛选同网页）")
def application_list(request: HttpRequest) -> Any:
    user = _require(request, AssistancePerm.VIEW_APPLICATION)
    queryset = _filtered(ApplicationFilterSet, request, applications_visible(user)).order_by("-id")
    meta, rows = _page(request, queryset)
    return {**meta, "results": [_brief(a) for a in rows]}


@applications_router.get("/applications/overdue", response=ApplicationPage, summary="超期申请")
def application_overdue_list(request: HttpRequest) -> Any:
    user = _require(request, AssistancePerm.VIEW_APPLICATION)
    meta, rows = _page(request, applications_overdue(user))
    return {**meta, "results": [_brief(a) for a in rows]}


@applications_router.post("/applications", response={201: ApplicationOut}, summary="受理申请（成员取自家庭户登记）")
def application_submit(request: HttpRequest, data: ApplicationIn) -> Any:
    user = _require(request, AssistancePerm.HANDLE_APPLICATION)
    household = get_visible_or_404(Household.objects.all(), user, AssistancePerm.HANDLE_APPLICATION, pk=data.household)
    applicant = Person.objects.filter(pk=data.applicant).first()
    if applicant is None:
        raise ValidationError({"applicant": ["申请人不存在"]})
    application = svc.application_submit(
        household=household,
        category=data.category,
        applicant=applicant,
        acting_user=user,
        members=[m.dict() for m in data.members],
        declared_items=[i.dict() for i in data.declared_items],
        reason=data.reason,
    )
    return 201, _reload(application)


@applications_router.get("/applications/{pk}", response=ApplicationOut, summary="申请详情与各环节记录")
def application_detail(request: HttpRequest, pk: int) -> Any:
    return _out(_get(request, pk, AssistancePerm.VIEW_APPLICATION))


@applications_router.post("/applications/{pk}/members", response=ApplicationOut, summary="增加申请成员（核对前）")
def application_member_add(request: HttpRequest, pk: int, data: MemberAddIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    member = HouseholdMember.objects.filter(household_id=application.household_id, person_id=data.person).first()
    if member is None:
        raise ValidationError({"person": ["该人员不是该家庭户在户籍登记中的成员"]})
    person = member.person
    svc.application_member_add(
        application=application,
        person=person,
        relation=data.relation,
        kind=data.kind,
        addons=data.addons,
        acting_user=_user(request),
    )
    return _reload(application)


@applications_router.delete(
    "/applications/{pk}/members/{person_id}", response=ApplicationOut, summary="移除申请成员（核对前）"
)
def application_member_remove(request: HttpRequest, pk: int, person_id: int) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    person = application.members.select_related("person").filter(person_id=person_id).first()
    if person is None:
        raise Http404
    svc.application_member_remove(application=application, person=person.person, acting_user=_user(request))
    return _reload(application)


@applications_router.post("/applications/{pk}/documents", response={201: ApplicationOut}, summary="上传申请材料")
def application_document(
    request: HttpRequest,
    pk: int,
    kind: Form[str],
    file: File[UploadedFile],
) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.application_document_upload(
        application=application, kind=kind, content=file, name=file.name or "材料", acting_user=_user(request)
    )
    return 201, _reload(application)


@applications_router.post("/applications/{pk}/verification", response=ApplicationOut, summary="发起经济状况核对")
def application_verify(request: HttpRequest, pk: int) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.application_verify_request(application=application, acting_user=_user(request))
    return _reload(application)


@applications_router.post(
    "/applications/{pk}/verification-result", response=ApplicationOut, summary="登记经济状况核对结论"
)
def application_verification_result(request: HttpRequest, pk: int, data: VerificationIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.application_verification_result(
        application=application,
        passed=data.passed,
        monthly_income=data.monthly_income,
        summary=data.summary,
        acting_user=_user(request),
    )
    return _reload(application)


@applications_router.post("/applications/{pk}/visits", response={201: ApplicationOut}, summary="登记入户调查")
def application_visit(request: HttpRequest, pk: int, data: VisitIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.visit_record(application=application, acting_user=_user(request), **data.dict())
    return 201, _reload(application)


@applications_router.post("/applications/{pk}/appraisal", response={201: ApplicationOut}, summary="登记民主评议")
def application_appraisal(request: HttpRequest, pk: int, data: AppraisalIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.appraisal_record(application=application, acting_user=_user(request), **data.dict())
    return 201, _reload(application)


@applications_router.post(
    "/applications/{pk}/appraisal-skip", response={201: ApplicationOut}, summary="免于民主评议（无争议且本地政策允许）"
)
def application_appraisal_skip(request: HttpRequest, pk: int, data: ReasonIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.appraisal_skip(application=application, reason=data.reason, acting_user=_user(request))
    return 201, _reload(application)


@applications_router.post("/applications/{pk}/publicity", response={201: ApplicationOut}, summary="开始公示")
def application_publicity(request: HttpRequest, pk: int, data: PublicityIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.publicity_start(application=application, place=data.place, starts_on=data.starts_on, acting_user=_user(request))
    return 201, _reload(application)


@applications_router.post(
    "/applications/{pk}/publicity/objections", response={201: ApplicationOut}, summary="登记公示异议"
)
def application_objection(request: HttpRequest, pk: int, data: ObjectionIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.objection_record(application=application, acting_user=_user(request), **data.dict())
    return 201, _reload(application)


@applications_router.post(
    "/applications/{pk}/publicity/objections/{objection_id}", response=ApplicationOut, summary="核实公示异议"
)
def application_objection_resolve(request: HttpRequest, pk: int, objection_id: int, data: ObjectionResolveIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    objection = Objection.objects.filter(pk=objection_id, publicity__application=application).first()
    if objection is None:
        raise Http404
    svc.objection_resolve(objection=objection, finding=data.finding, upheld=data.upheld, acting_user=_user(request))
    return _reload(application)


@applications_router.post("/applications/{pk}/publicity/close", response=ApplicationOut, summary="结束公示")
def application_publicity_close(request: HttpRequest, pk: int, data: CloseIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.publicity_close(application=application, conclusion=data.conclusion, acting_user=_user(request))
    return _reload(application)


@applications_router.post(
    "/applications/{pk}/decision", response={201: ApplicationOut}, summary="审核确认（批准即建案；审批人须非经办人）"
)
def application_decision(request: HttpRequest, pk: int, data: DecisionIn) -> Any:
    application = _get(request, pk, AssistancePerm.DECIDE_APPLICATION)
    svc.decision_record(
        application=application,
        outcome=data.outcome,
        reasons=data.reasons,
        start_month=data.start_month,
        acting_user=_user(request),
    )
    return 201, _reload(application)


@applications_router.post("/applications/{pk}/withdraw", response=ApplicationOut, summary="撤回申请")
def application_withdraw(request: HttpRequest, pk: int, data: ReasonIn) -> Any:
    application = _get(request, pk, AssistancePerm.HANDLE_APPLICATION)
    svc.application_withdraw(application=application, reason=data.reason, acting_user=_user(request))
    return _reload(application)


@applications_router.get("/applications/{pk}/notice.pdf", summary="审核确认决定书（PDF）")
def application_notice(request: HttpRequest, pk: int) -> Any:
    application = _get(request, pk, AssistancePerm.VIEW_APPLICATION)
    if not hasattr(application, "decision"):
        raise Http404
    return HttpResponse(decision_notice_pdf(application), content_type="application/pdf")


# ---------------------------------------------------------------- case plans


class PlanIn(Schema):
    household: int
    needs: dict[str, str]
    summary: str = ""


class PlanItemIn(Schema):
    kind: str
    description: str
    due_date: datetime.date
    agency: str = ""


class PlanItemDoneIn(Schema):
    done_on: datetime.date
    outcome: str


class PlanCloseIn(Schema):
    note: str


class PlanOut(Schema):
    id: int
    household: int
    household_number: str
    region: str
    case: int | None
    advisor: str
    status: str
    needs: dict[str, str]
    summary: str
    items: list[dict[str, Any]]


def _plan_out(plan: CasePlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "household": plan.household_id,
        "household_number": plan.household.number,
        "region": plan.region_id,
        "case": plan.case_id,
        "advisor": plan.advisor.get_username(),
        "status": plan.status,
        "needs": plan.needs,
        "summary": plan.summary,
        "items": [
            {
                "id": i.pk,
                "kind": i.kind,
                "description": i.description,
                "agency": i.agency,
                "due_date": i.due_date.isoformat(),
                "done_on": i.done_on.isoformat() if i.done_on else None,
                "outcome": i.outcome,
            }
            for i in plan.items.all()
        ],
    }


def _plan(request: HttpRequest, pk: int, perm: str) -> CasePlan:
    user = _require(request, perm)
    return get_visible_or_404(CasePlan.objects.select_related("household", "advisor"), user, perm, pk=pk)


@applications_router.get("/case-plans", response=list[PlanOut], tags=TAG_PLAN, summary="救助方案（最近 100 个）")
def plan_list(request: HttpRequest) -> Any:
    user = _require(request, AssistancePerm.VIEW_CASE_PLAN)
    return [_plan_out(p) for p in _filtered(CasePlanFilterSet, request, case_plans_visible(user)).order_by("-id")[:100]]


@applications_router.post("/case-plans", response={201: PlanOut}, tags=TAG_PLAN, summary="建立救助方案")
def plan_create(request: HttpRequest, data: PlanIn) -> Any:
    from assistance.models import Case

    user = _require(request, AssistancePerm.MANAGE_CASE_PLAN)
    household = get_visible_or_404(Household.objects.all(), user, AssistancePerm.MANAGE_CASE_PLAN, pk=data.household)
    case = Case.objects.filter(household=household, status__in=["active", "suspended"]).first()
    plan = plan_svc.case_plan_open(
        household=household, case=case, needs=data.needs, summary=data.summary, acting_user=user
    )
    return 201, _plan_out(plan)


@applications_router.get("/case-plans/{pk}", response=PlanOut, tags=TAG_PLAN, summary="救助方案详情")
def plan_detail(request: HttpRequest, pk: int) -> Any:
    return _plan_out(_plan(request, pk, AssistancePerm.VIEW_CASE_PLAN))


@applications_router.post(
    "/case-plans/{pk}/items", response={201: PlanOut}, tags=TAG_PLAN, summary="添加服务、转介或跟进"
)
def plan_item_add(request: HttpRequest, pk: int, data: PlanItemIn) -> Any:
    plan = _plan(request, pk, AssistancePerm.MANAGE_CASE_PLAN)
    plan_svc.case_plan_item_add(plan=plan, acting_user=_user(request), **data.dict())
    return 201, _plan_out(plan)


@applications_router.post("/case-plans/{pk}/items/{item_id}/done", response=PlanOut, tags=TAG_PLAN, summary="完成事项")
def plan_item_done(request: HttpRequest, pk: int, item_id: int, data: PlanItemDoneIn) -> Any:
    plan = _plan(request, pk, AssistancePerm.MANAGE_CASE_PLAN)
    item = plan.items.filter(pk=item_id).first()
    if item is None:
        raise Http404
    plan_svc.case_plan_item_complete(item=item, acting_user=_user(request), **data.dict())
    return _plan_out(plan)


@applications_router.post("/case-plans/{pk}/close", response=PlanOut, tags=TAG_PLAN, summary="结案")
def plan_close(request: HttpRequest, pk: int, data: PlanCloseIn) -> Any:
    plan = _plan(request, pk, AssistancePerm.MANAGE_CASE_PLAN)
    plan_svc.case_plan_close(plan=plan, note=data.note, acting_user=_user(request))
    return _plan_out(plan)
