"""API of the care side (/api/v1/eldercare/care/…): the same services, scoped querysets and
FilterSets as the pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from core.api import _filtered, _page, _require
from core.models import Person
from core.scoping import get_visible_or_404
from core.selectors import home_region, region_label
from eldercare import services_care as svc
from eldercare.allowance import allowance_queryset
from eldercare.choices import BedKind
from eldercare.choices_care import AllowanceScheme, CareGrade
from eldercare.filtersets_care import (
    AllowancePeopleFilterSet,
    AllowanceSuspensionFilterSet,
    BedApplicationFilterSet,
    CareAssessmentFilterSet,
    HomeCareOrderFilterSet,
)
from eldercare.forms_care import person_in_scope
from eldercare.models import (
    AllowanceSuspension,
    Bed,
    BedApplication,
    BedOffer,
    CareAssessment,
    Facility,
    HomeCareOrder,
    HomeCareVisit,
)
from eldercare.permissions_care import CarePerm as P
from eldercare.policy_care import age_on
from eldercare.selectors_care import grade_counts, homecare_month_report, waitlist_queue

router = Router(tags=["养老服务：评估、津贴、轮候、居家照护"])


def _person(id_number: str, user: Any, perm: str) -> Person:
    person = person_in_scope(id_number, user, perm)
    if person is None:
        raise ValidationError({"id_number": ["您的管辖范围内没有该身份证号的人员"]})
    return person


def _brief(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "name": person.name, "birth_date": person.birth_date}


def _month(raw: str | None) -> datetime.date:
    if not raw:
        return timezone.localdate().replace(day=1)
    try:
        return datetime.date.fromisoformat(raw if len(raw) > 7 else f"{raw}-01").replace(day=1)
    except ValueError:
        raise ValidationError({"month": ["月份格式应为 YYYY-MM"]}) from None


# --- assessments ----------------------------------------------------------------------------


def _assessment_out(a: CareAssessment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person": _brief(a.person),
        "region": a.region_id,
        "region_label": region_label(a.region_id),
        "grade": a.grade,
        "grade_label": a.get_grade_display(),
        "assessed_on": a.assessed_on,
        "valid_until": a.valid_until,
        "agency": a.agency,
        "assessor": a.assessor,
        "dimensions": a.dimensions,
        "cognitive_impairment": a.cognitive_impairment,
        "notes": a.notes,
    }


@router.get("/care/assessments", summary="统一需求评估列表（status=due 为复评提醒）")
def assessment_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_ASSESSMENT)
    base = CareAssessment.objects.visible_to(user, P.VIEW_ASSESSMENT).select_related("person")
    meta, rows = _page(request, _filtered(CareAssessmentFilterSet, request, base).order_by("-assessed_on", "-id"))
    return {**meta, "results": [_assessment_out(a) for a in rows]}


class AssessmentIn(Schema):
    id_number: str
    grade: int
    assessed_on: datetime.date
    agency: str
    assessor: str
    dimensions: dict[str, Any] = {}
    cognitive_impairment: bool = False
    notes: str = ""


@router.post("/care/assessments", response={201: dict}, summary="登记评估结果")
def assessment_create(request: HttpRequest, data: AssessmentIn) -> Any:
    user = _require(request, P.CHANGE_ASSESSMENT)
    assessment = svc.care_assessment_create(
        person=_person(data.id_number, user, P.CHANGE_ASSESSMENT),
        grade=data.grade,
        assessed_on=data.assessed_on,
        agency=data.agency,
        assessor=data.assessor,
        dimensions=data.dimensions,
        cognitive_impairment=data.cognitive_impairment,
        notes=data.notes,
        acting_user=user,
    )
    return 201, _assessment_out(assessment)


@router.get("/care/assessments/grades", summary="有效评估按等级统计")
def assessment_grades(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_ASSESSMENT)
    return grade_counts(user, timezone.localdate())


@router.get("/care/assessments/{pk}", summary="评估详情")
def assessment_detail(request: HttpRequest, pk: int) -> Any:
    user = _require(request, P.VIEW_ASSESSMENT)
    return _assessment_out(
        get_visible_or_404(CareAssessment.objects.select_related("person"), user, P.VIEW_ASSESSMENT, pk=pk)
    )


# --- allowances -----------------------------------------------------------------------------


@router.get("/care/allowances", summary="津贴发放名单（scheme、month=YYYY-MM；与发放引擎同一查询）")
def allowance_list(request: HttpRequest, scheme: str = AllowanceScheme.SENIOR.value, month: str = "") -> Any:
    user = _require(request, P.VIEW_ALLOWANCE)
    if scheme not in AllowanceScheme.values:
        raise ValidationError({"scheme": ["津贴项目无效"]})
    day = _month(month)
    region = home_region(user)
    payable, rule = allowance_queryset(scheme, region.code if region else "31", day)
    scoped = payable.filter(pk__in=Person.objects.visible_to(user, P.VIEW_ALLOWANCE).values("pk"))
    meta, rows = _page(request, _filtered(AllowancePeopleFilterSet, request, scoped).order_by("hukou_region_id", "id"))
    reference = rule.reference_date(day) if rule else day
    return {
        **meta,
        "month": day,
        "reference_date": reference,
        "results": [
            {
                "person": _brief(p),
                "age": age_on(p.birth_date, reference),
                "region": p.hukou_region_id,
                "amount": str(Decimal(p.pay_amount).quantize(Decimal("0.01"))),
            }
            for p in rows
        ],
    }


def _suspension_out(s: AllowanceSuspension) -> dict[str, Any]:
    return {
        "id": s.pk,
        "person": _brief(s.person),
        "region": s.region_id,
        "scheme": s.scheme,
        "reason": s.reason,
        "reason_label": s.get_reason_display(),
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "note": s.note,
    }


@router.get("/care/allowance-suspensions", summary="津贴停发名单")
def suspension_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_ALLOWANCE)
    base = AllowanceSuspension.objects.visible_to(user, P.VIEW_ALLOWANCE).select_related("person")
    meta, rows = _page(request, _filtered(AllowanceSuspensionFilterSet, request, base).order_by("-starts_on", "-id"))
    return {**meta, "results": [_suspension_out(s) for s in rows]}


class SuspensionIn(Schema):
    id_number: str
    scheme: str = AllowanceScheme.SENIOR.value
    reason: str
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    note: str = ""


@router.post("/care/allowance-suspensions", response={201: dict}, summary="登记停发")
def suspension_create(request: HttpRequest, data: SuspensionIn) -> Any:
    user = _require(request, P.MANAGE_ALLOWANCE)
    suspension = svc.allowance_suspension_create(
        person=_person(data.id_number, user, P.MANAGE_ALLOWANCE),
        scheme=data.scheme,
        reason=data.reason,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        note=data.note,
        acting_user=user,
    )
    return 201, _suspension_out(suspension)


class SuspensionEndIn(Schema):
    last_month: datetime.date


@router.post("/care/allowance-suspensions/{pk}/end", summary="恢复发放（填最后停发月）")
def suspension_end(request: HttpRequest, pk: int, data: SuspensionEndIn) -> Any:
    user = _require(request, P.MANAGE_ALLOWANCE)
    suspension = get_visible_or_404(
        AllowanceSuspension.objects.select_related("person"), user, P.MANAGE_ALLOWANCE, pk=pk
    )
    return _suspension_out(
        svc.allowance_suspension_end(suspension=suspension, last_month=data.last_month, acting_user=user)
    )


# --- waiting list ---------------------------------------------------------------------------


def _application_out(a: BedApplication, points: Any = None) -> dict[str, Any]:
    out = {
        "id": a.pk,
        "number": a.number,
        "person": _brief(a.person),
        "region": a.region_id,
        "applied_on": a.applied_on,
        "bed_kind": a.bed_kind,
        "basic_bed": a.basic_bed,
        "extreme_poverty": a.extreme_poverty,
        "dibao": a.dibao,
        "priority_care": a.priority_care,
        "family_planning_special": a.family_planning_special,
        "status": a.status,
        "status_label": a.get_status_display(),
        "declines": a.declines,
        "residency": a.residency_id,
    }
    if points is not None:
        out["points"] = str(Decimal(points).quantize(Decimal("0.1")))
        out["current_grade"] = getattr(a, "current_grade", None)
    return out


@router.get("/care/waitlist", summary="轮候队列（按优先积分、申请日期排序）")
def waitlist(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_WAITLIST)
    base = BedApplication.objects.visible_to(user, P.VIEW_WAITLIST)
    region = home_region(user)
    queue = waitlist_queue(
        _filtered(BedApplicationFilterSet, request, base), timezone.localdate(), region.code if region else "31"
    )
    meta, rows = _page(request, queue)
    first = (meta["page"] - 1) * meta["page_size"]
    return {
        **meta,
        "results": [{"position": first + i + 1, **_application_out(a, a.points)} for i, a in enumerate(rows)],
    }


@router.get("/care/bed-applications", summary="床位申请列表")
def application_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_WAITLIST)
    base = BedApplication.objects.visible_to(user, P.VIEW_WAITLIST).select_related("person")
    meta, rows = _page(request, _filtered(BedApplicationFilterSet, request, base).order_by("-applied_on", "-id"))
    return {**meta, "results": [_application_out(a) for a in rows]}


class ApplicationIn(Schema):
    id_number: str
    applied_on: datetime.date
    bed_kind: str = BedKind.GENERAL.value
    basic_bed: bool = True
    facilities: list[int] = []
    extreme_poverty: bool = False
    dibao: bool = False
    priority_care: bool = False
    family_planning_special: bool = False


@router.post("/care/bed-applications", response={201: dict}, summary="受理床位申请")
def application_create(request: HttpRequest, data: ApplicationIn) -> Any:
    user = _require(request, P.MANAGE_WAITLIST)
    facilities = list(Facility.objects.filter(pk__in=data.facilities))
    if len(facilities) != len(set(data.facilities)):
        raise ValidationError({"facilities": ["意向机构不存在"]})
    application = svc.bed_application_create(
        person=_person(data.id_number, user, P.MANAGE_WAITLIST),
        applied_on=data.applied_on,
        bed_kind=data.bed_kind,
        basic_bed=data.basic_bed,
        preferred_facilities=facilities,
        extreme_poverty=data.extreme_poverty,
        dibao=data.dibao,
        priority_care=data.priority_care,
        family_planning_special=data.family_planning_special,
        acting_user=user,
    )
    return 201, _application_out(application)


@router.get("/care/bed-applications/{pk}", summary="床位申请详情（含通知）")
def application_detail(request: HttpRequest, pk: int) -> Any:
    user = _require(request, P.VIEW_WAITLIST)
    application = get_visible_or_404(BedApplication.objects.select_related("person"), user, P.VIEW_WAITLIST, pk=pk)
    offers = [_offer_out(o) for o in application.offers.order_by("-offered_on", "-id")]
    return {**_application_out(application), "offers": offers}


class WithdrawIn(Schema):
    reason: str


@router.post("/care/bed-applications/{pk}/withdraw", summary="撤回申请")
def application_withdraw(request: HttpRequest, pk: int, data: WithdrawIn) -> Any:
    user = _require(request, P.MANAGE_WAITLIST)
    application = get_visible_or_404(BedApplication.objects.select_related("person"), user, P.MANAGE_WAITLIST, pk=pk)
    return _application_out(
        svc.bed_application_withdraw(
            application=application, reason=data.reason, on=timezone.localdate(), acting_user=user
        )
    )


def _offer_out(o: BedOffer) -> dict[str, Any]:
    return {
        "id": o.pk,
        "application": o.application_id,
        "bed": o.bed_id,
        "offered_on": o.offered_on,
        "expires_on": o.expires_on,
        "status": o.status,
        "responded_on": o.responded_on,
        "decline_reason": o.decline_reason,
    }


class OfferIn(Schema):
    bed: int
    offered_on: datetime.date


@router.post("/care/bed-applications/{pk}/offers", response={201: dict}, summary="发床位通知")
def offer_create(request: HttpRequest, pk: int, data: OfferIn) -> Any:
    user = _require(request, P.MANAGE_WAITLIST)
    application = get_visible_or_404(BedApplication.objects.all(), user, P.MANAGE_WAITLIST, pk=pk)
    bed = Bed.objects.select_related("facility").filter(pk=data.bed).first()
    if bed is None:
        raise ValidationError({"bed": ["床位不存在"]})
    return 201, _offer_out(
        svc.bed_offer_create(application=application, bed=bed, offered_on=data.offered_on, acting_user=user)
    )


class AcceptIn(Schema):
    admitted_on: datetime.date


@router.post("/care/bed-offers/{pk}/accept", summary="接受通知并入住")
def offer_accept(request: HttpRequest, pk: int, data: AcceptIn) -> Any:
    user = _require(request, P.MANAGE_WAITLIST)
    offer = get_visible_or_404(
        BedOffer.objects.select_related("application__person", "bed__facility"), user, P.MANAGE_WAITLIST, pk=pk
    )
    residency = svc.bed_offer_accept(offer=offer, admitted_on=data.admitted_on, acting_user=user)
    offer.refresh_from_db()
    return {**_offer_out(offer), "residency": residency.pk}


class DeclineIn(Schema):
    on: datetime.date
    reason: str = ""


@router.post("/care/bed-offers/{pk}/decline", summary="放弃床位")
def offer_decline(request: HttpRequest, pk: int, data: DeclineIn) -> Any:
    user = _require(request, P.MANAGE_WAITLIST)
    offer = get_visible_or_404(BedOffer.objects.select_related("application"), user, P.MANAGE_WAITLIST, pk=pk)
    return _offer_out(svc.bed_offer_decline(offer=offer, on=data.on, reason=data.reason, acting_user=user))


# --- home care ------------------------------------------------------------------------------


def _order_out(o: HomeCareOrder) -> dict[str, Any]:
    return {
        "id": o.pk,
        "number": o.number,
        "person": _brief(o.person),
        "region": o.region_id,
        "service": o.service,
        "grade": o.grade,
        "grade_label": CareGrade(o.grade).label if o.grade in CareGrade.values else str(o.grade),
        "weekly_hours": str(o.weekly_hours),
        "yearly_hours": str(o.yearly_hours),
        "fund_share": str(o.fund_share),
        "provider_name": o.provider_name,
        "starts_on": o.starts_on,
        "ends_on": o.ends_on,
        "status": o.status,
    }


@router.get("/care/homecare-orders", summary="居家照护/喘息服务单列表")
def order_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_HOMECARE)
    base = HomeCareOrder.objects.visible_to(user, P.VIEW_HOMECARE).select_related("person")
    meta, rows = _page(request, _filtered(HomeCareOrderFilterSet, request, base).order_by("-starts_on", "-id"))
    return {**meta, "results": [_order_out(o) for o in rows]}


class OrderIn(Schema):
    id_number: str
    service: str
    starts_on: datetime.date
    provider_name: str


@router.post("/care/homecare-orders", response={201: dict}, summary="新建服务单（时数由评估等级确定）")
def order_create(request: HttpRequest, data: OrderIn) -> Any:
    user = _require(request, P.MANAGE_HOMECARE)
    order = svc.homecare_order_create(
        person=_person(data.id_number, user, P.MANAGE_HOMECARE),
        service=data.service,
        starts_on=data.starts_on,
        provider_name=data.provider_name,
        acting_user=user,
    )
    return 201, _order_out(order)


def _visit_out(v: HomeCareVisit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "order": v.order_id,
        "caregiver_name": v.caregiver_name,
        "scheduled_start": v.scheduled_start,
        "scheduled_minutes": v.scheduled_minutes,
        "status": v.status,
        "checked_in_at": v.checked_in_at,
        "checked_out_at": v.checked_out_at,
        "delivered_minutes": v.delivered_minutes,
        "services_done": v.services_done,
    }


@router.get("/care/homecare-orders/{pk}", summary="服务单详情（含上门记录）")
def order_detail(request: HttpRequest, pk: int) -> Any:
    user = _require(request, P.VIEW_HOMECARE)
    order = get_visible_or_404(HomeCareOrder.objects.select_related("person"), user, P.VIEW_HOMECARE, pk=pk)
    return {**_order_out(order), "visits": [_visit_out(v) for v in order.visits.order_by("-scheduled_start")[:200]]}


class VisitIn(Schema):
    scheduled_start: datetime.datetime
    minutes: int
    caregiver_name: str


@router.post("/care/homecare-orders/{pk}/visits", response={201: dict}, summary="排班")
def visit_create(request: HttpRequest, pk: int, data: VisitIn) -> Any:
    user = _require(request, P.MANAGE_HOMECARE)
    order = get_visible_or_404(HomeCareOrder.objects.all(), user, P.MANAGE_HOMECARE, pk=pk)
    visit = svc.homecare_visit_schedule(
        order=order, scheduled_start=data.scheduled_start, minutes=data.minutes, caregiver_name=data.caregiver_name,
        acting_user=user,
    )  # fmt: skip
    return 201, _visit_out(visit)


class VisitEventIn(Schema):
    at: datetime.datetime | None = None
    text: str = ""


@router.post("/care/homecare-visits/{pk}/check-in", summary="签到")
def visit_check_in(request: HttpRequest, pk: int, data: VisitEventIn) -> Any:
    user = _require(request, P.MANAGE_HOMECARE)
    visit = get_visible_or_404(HomeCareVisit.objects.select_related("order"), user, P.MANAGE_HOMECARE, pk=pk)
    return _visit_out(svc.homecare_visit_check_in(visit=visit, at=data.at or timezone.now(), acting_user=user))


@router.post("/care/homecare-visits/{pk}/check-out", summary="签退")
def visit_check_out(request: HttpRequest, pk: int, data: VisitEventIn) -> Any:
    user = _require(request, P.MANAGE_HOMECARE)
    visit = get_visible_or_404(HomeCareVisit.objects.select_related("order"), user, P.MANAGE_HOMECARE, pk=pk)
    return _visit_out(
        svc.homecare_visit_check_out(
            visit=visit, at=data.at or timezone.now(), services_done=data.text, acting_user=user
        )
    )


@router.post("/care/homecare-visits/{pk}/missed", summary="登记未上门（text 为原因）")
def visit_missed(request: HttpRequest, pk: int, data: VisitEventIn) -> Any:
    user = _require(request, P.MANAGE_HOMECARE)
    visit = get_visible_or_404(HomeCareVisit.objects.select_related("order"), user, P.MANAGE_HOMECARE, pk=pk)
    return _visit_out(svc.homecare_visit_mark_missed(visit=visit, note=data.text, acting_user=user))


class OrderCloseIn(Schema):
    ends_on: datetime.date


@router.post("/care/homecare-orders/{pk}/close", summary="结束服务单（此后的排班取消）")
def order_close(request: HttpRequest, pk: int, data: OrderCloseIn) -> Any:
    user = _require(request, P.MANAGE_HOMECARE)
    order = get_visible_or_404(HomeCareOrder.objects.select_related("person"), user, P.MANAGE_HOMECARE, pk=pk)
    return _order_out(svc.homecare_order_close(order=order, ends_on=data.ends_on, acting_user=user))


@router.get("/care/homecare-report", summary="月度应享与实际服务时数（month=YYYY-MM）")
def homecare_report(request: HttpRequest, month: str = "") -> Any:
    user = _require(request, P.VIEW_HOMECARE)
    day = _month(month)
    base = HomeCareOrder.objects.visible_to(user, P.VIEW_HOMECARE)
    rows = homecare_month_report(_filtered(HomeCareOrderFilterSet, request, base), day)
    return {
        "month": day,
        "results": [
            {
                "order": r.order.number,
                "person": _brief(r.order.person),
                "service": r.order.service,
                "entitled_hours": str(r.entitled_hours),
                "scheduled_hours": str(r.scheduled_hours),
                "delivered_hours": str(r.delivered_hours),
                "visits_done": r.visits_done,
                "visits_missed": r.visits_missed,
            }
            for r in rows
        ],
    }
