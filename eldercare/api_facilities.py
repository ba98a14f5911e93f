"""API of the facility side: facilities, beds, residents (admit/discharge/transfer), caregivers,
inspections, coverage. Same filters as the pages (shared FilterSets), same services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router, Schema

from core.api import _filtered, _page, _require, _user
from core.models import Region
from core.scoping import get_visible_or_404, grant_prefixes, has_perm
from core.selectors import region_label
from eldercare import selectors, services
from eldercare.facility_people import person_by_id_number
from eldercare.filtersets import CaregiverFilterSet, FacilityFilterSet, InspectionFilterSet, ResidencyFilterSet
from eldercare.models import Bed, Caregiver, Facility, Inspection, Residency
from eldercare.permissions import FacilityPerm as P

router = Router(tags=["养老服务设施"])


class PageMeta(Schema):
    count: int
    page: int
    page_size: int
    pages: int


class FacilityOut(Schema):
    id: int
    number: str
    name: str
    kind: str
    kind_label: str
    ownership: str
    parent_id: int | None
    region_code: str
    region: str
    address: str
    operator_name: str
    operator_kind: str
    operator_uscc: str
    licence_state: str
    licence_number: str
    is_standard: bool
    floor_area: Decimal
    daily_meal_capacity: int
    opened_on: datetime.date | None
    status: str
    beds: int
    nursing_beds: int
    dementia_beds: int
    occupied: int


class FacilityPage(PageMeta):
    results: list[FacilityOut]


class FacilityIn(Schema):
    name: str
    kind: str
    region: str
    ownership: str = ""
    parent_id: int | None = None
    address: str = ""
    operator_name: str = ""
    operator_kind: str = ""
    operator_uscc: str = ""
    licence_state: str = "none"
    licence_number: str = ""
    is_standard: bool = False
    floor_area: Decimal = Decimal("0")
    daily_meal_capacity: int = 0
    opened_on: datetime.date | None = None
    status: str = "open"
    phone: str = ""


def _facility_out(f: Facility) -> dict[str, Any]:
    if not hasattr(f, "bed_total"):
        selectors.attach_bed_figures([f])
    return {
        "id": f.pk,
        "number": f.number,
        "name": f.name,
        "kind": f.kind,
        "kind_label": f.get_kind_display(),
        "ownership": f.ownership,
        "parent_id": f.parent_id,
        "region_code": f.region_id,
        "region": region_label(f.region_id),
        "address": f.address,
        "operator_name": f.operator_name,
        "operator_kind": f.operator_kind,
        "operator_uscc": f.operator_uscc,
        "licence_state": f.licence_state,
        "licence_number": f.licence_number,
        "is_standard": f.is_standard,
        "floor_area": f.floor_area,
        "daily_meal_capacity": f.daily_meal_capacity,
        "opened_on": f.opened_on,
        "status": f.status,
        "beds": f.bed_total,  # type: ignore[attr-defined]
        "nursing_beds": f.bed_nursing,  # type: ignore[attr-defined]
        "dementia_beds": f.bed_dementia,  # type: ignore[attr-defined]
        "occupied": f.occupied,  # type: ignore[attr-defined]
    }


def _facility_data(data: FacilityIn) -> services.FacilityData:
    region = Region.objects.filter(code=data.region).first()
    if region is None:
        raise ValidationError({"region": ["区划代码不存在"]})
    parent = Facility.objects.filter(pk=data.parent_id).first() if data.parent_id else None
    if data.parent_id and parent is None:
        raise ValidationError({"parent_id": ["所属中心不存在"]})
    fields = data.dict()
    fields.pop("parent_id")
    fields.update(region=region, parent=parent)
    return services.FacilityData(**fields)


@router.get("/facilities", response=FacilityPage, summary="养老服务设施列表（筛选同页面）")
def facility_list(
    request: HttpRequest,
    q: str = "",
    region: str = "",
    kind: str = "",
    ownership: str = "",
    status: str = "",
    licence_state: str = "",
    is_standard: bool | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Any:
    user = _require(request, P.VIEW_FACILITY)
    qs = _filtered(FacilityFilterSet, request, Facility.objects.visible_to(user, P.VIEW_FACILITY))
    meta, rows = _page(request, qs.order_by("region_id", "kind", "number"))
    return {**meta, "results": [_facility_out(f) for f in selectors.attach_bed_figures(rows)]}


@router.post("/facilities", response={201: FacilityOut}, summary="登记设施")
def facility_create(request: HttpRequest, data: FacilityIn) -> Any:
    user = _require(request, P.CHANGE_FACILITY)
    facility = services.facility_create(data=_facility_data(data), acting_user=user)
    return 201, _facility_out(facility)


@router.get("/facilities/{facility_id}", response=FacilityOut, summary="设施详情")
def facility_detail(request: HttpRequest, facility_id: int) -> Any:
    user = _require(request, P.VIEW_FACILITY)
    return _facility_out(get_visible_or_404(Facility.objects.all(), user, P.VIEW_FACILITY, pk=facility_id))


@router.put("/facilities/{facility_id}", response=FacilityOut, summary="修改设施")
def facility_update(request: HttpRequest, facility_id: int, data: FacilityIn) -> Any:
    user = _require(request, P.CHANGE_FACILITY)
    facility = get_visible_or_404(Facility.objects.all(), user, P.CHANGE_FACILITY, pk=facility_id)
    return _facility_out(services.facility_update(facility=facility, data=_facility_data(data), acting_user=user))


# --- beds and residents -------------------------------------------------------------------------


class BedOut(Schema):
    id: int
    facility_id: int
    number: str
    kind: str
    is_basic: bool
    is_active: bool
    resident_id: int | None


class BedsIn(Schema):
    count: int
    kind: str
    is_basic: bool = False
    prefix: str = ""


def _managed_facility(request: HttpRequest, facility_id: int) -> Facility:
    """Bureau staff in scope, or the facility's own staff (FacilityStaff link): else 404."""
    user = _user(request)
    if not (has_perm(user, P.MANAGE_RESIDENTS) or has_perm(user, P.USE_PORTAL)):
        raise PermissionDenied("您的账号没有此操作的权限")
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not services.may_act_for_facility(user, facility, P.MANAGE_RESIDENTS):
        if facility is not None and has_perm(user, P.VIEW_FACILITY, facility.region_id):
            raise PermissionDenied("您的账号没有此操作的权限")
        raise_not_found()
    assert facility is not None
    return facility


def raise_not_found() -> None:
    from django.http import Http404

    raise Http404("未找到该记录")


def _viewable_facility(request: HttpRequest, facility_id: int) -> Facility:
    user = _user(request)
    if not (has_perm(user, P.VIEW_FACILITY) or has_perm(user, P.USE_PORTAL)):
        raise PermissionDenied("您的账号没有此操作的权限")
    facility = Facility.objects.filter(pk=facility_id).first()
    if facility is None or not services.may_act_for_facility(user, facility, P.VIEW_FACILITY):
        raise_not_found()
    assert facility is not None
    return facility


@router.get("/facilities/{facility_id}/beds", response=list[BedOut], summary="设施床位")
def bed_list(request: HttpRequest, facility_id: int) -> Any:
    facility = _viewable_facility(request, facility_id)
    occupied = dict(Residency.objects.open().filter(bed__facility=facility).values_list("bed_id", "person_id"))
    return [
        {
            "id": b.pk,
            "facility_id": b.facility_id,
            "number": b.number,
            "kind": b.kind,
            "is_basic": b.is_basic,
            "is_active": b.is_active,
            "resident_id": occupied.get(b.pk),
        }
        for b in facility.beds.order_by("number")
    ]


@router.post("/facilities/{facility_id}/beds", response={201: list[BedOut]}, summary="新增床位")
def bed_add(request: HttpRequest, facility_id: int, data: BedsIn) -> Any:
    facility = _managed_facility(request, facility_id)
    beds = services.beds_add(
        facility=facility,
        count=data.count,
        kind=data.kind,
        is_basic=data.is_basic,
        prefix=data.prefix,
        acting_user=_user(request),
    )
    return 201, [
        {
            "id": b.pk,
            "facility_id": facility.pk,
            "number": b.number,
            "kind": b.kind,
            "is_basic": b.is_basic,
            "is_active": True,
            "resident_id": None,
        }
        for b in Bed.objects.filter(facility=facility, number__in=[b.number for b in beds]).order_by("number")
    ]


class ResidencyOut(Schema):
    id: int
    person_id: int
    name: str
    facility_id: int
    bed_id: int
    bed_number: str
    admitted_on: datetime.date
    discharged_on: datetime.date | None
    discharge_reason: str
    source: str


class ResidencyPage(PageMeta):
    results: list[ResidencyOut]


def _residency_out(r: Residency) -> dict[str, Any]:
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "name": r.person.name,
        "facility_id": r.bed.facility_id,
        "bed_id": r.bed_id,
        "bed_number": r.bed.number,
        "admitted_on": r.admitted_on,
        "discharged_on": r.discharged_on,
        "discharge_reason": r.discharge_reason,
        "source": r.source,
    }


class AdmitIn(Schema):
    bed_id: int
    id_number: str
    admitted_on: datetime.date
    note: str = ""


class DischargeIn(Schema):
    discharged_on: datetime.date
    reason: str
    note: str = ""


class TransferIn(Schema):
    to_bed_id: int
    transferred_on: datetime.date
    note: str = ""


@router.get("/residents", response=ResidencyPage, summary="入住记录（筛选同页面）")
def residency_list(
    request: HttpRequest, q: str = "", region: str = "", facility: int | None = None, state: str = "", page: int = 1
) -> Any:
    user = _require(request, P.VIEW_FACILITY)
    qs = _filtered(ResidencyFilterSet, request, Residency.objects.visible_to(user, P.VIEW_FACILITY))
    meta, rows = _page(request, qs.select_related("person", "bed").order_by("-admitted_on", "-id"))
    return {**meta, "results": [_residency_out(r) for r in rows]}


@router.post("/facilities/{facility_id}/residents", response={201: ResidencyOut}, summary="办理入住")
def resident_admit(request: HttpRequest, facility_id: int, data: AdmitIn) -> Any:
    facility = _managed_facility(request, facility_id)
    bed = Bed.objects.filter(pk=data.bed_id, facility=facility).first()
    if bed is None:
        raise ValidationError({"bed_id": ["床位不属于本设施"]})
    person = person_by_id_number(data.id_number)
    stay = services.resident_admit(
        bed=bed, person=person, admitted_on=data.admitted_on, note=data.note, acting_user=_user(request)
    )
    return 201, _residency_out(stay)


def _stay(request: HttpRequest, stay_id: int) -> Residency:
    stay = Residency.objects.select_related("bed__facility", "person").filter(pk=stay_id).first()
    if stay is None:
        raise_not_found()
    assert stay is not None
    _managed_facility(request, stay.bed.facility_id)
    return stay


@router.post("/residents/{stay_id}/discharge", response=ResidencyOut, summary="办理退住")
def resident_discharge(request: HttpRequest, stay_id: int, data: DischargeIn) -> Any:
    stay = _stay(request, stay_id)
    stay = services.resident_discharge(
        residency=stay, discharged_on=data.discharged_on, reason=data.reason, note=data.note, acting_user=_user(request)
    )
    return _residency_out(stay)


@router.post("/residents/{stay_id}/transfer", response=ResidencyOut, summary="转床（同机构或跨机构）")
def resident_transfer(request: HttpRequest, stay_id: int, data: TransferIn) -> Any:
    stay = _stay(request, stay_id)
    to_bed = Bed.objects.select_related("facility").filter(pk=data.to_bed_id).first()
    if to_bed is None:
        raise ValidationError({"to_bed_id": ["目标床位不存在"]})
    new = services.resident_transfer(
        residency=stay, to_bed=to_bed, transferred_on=data.transferred_on, note=data.note, acting_user=_user(request)
    )
    return _residency_out(new)


# --- caregivers -----------------------------------------------------------------------------------


class CaregiverOut(Schema):
    id: int
    name: str
    facility_id: int
    role: str
    level: str
    certificate_number: str
    certified_on: datetime.date | None
    valid_until: datetime.date | None
    hired_on: datetime.date | None
    left_on: datetime.date | None


class CaregiverPage(PageMeta):
    results: list[CaregiverOut]


class CaregiverIn(Schema):
    id_number: str
    role: str = "caregiver"
    level: str = "none"
    certificate_number: str = ""
    certified_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    hired_on: datetime.date | None = None


def _caregiver_out(c: Caregiver) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.person.name,
        "facility_id": c.facility_id,
        "role": c.role,
        "level": c.level,
        "certificate_number": c.certificate_number,
        "certified_on": c.certified_on,
        "valid_until": c.valid_until,
        "hired_on": c.hired_on,
        "left_on": c.left_on,
    }


@router.get("/caregivers", response=CaregiverPage, summary="养老护理员（筛选同页面）")
def caregiver_list(
    request: HttpRequest,
    q: str = "",
    region: str = "",
    facility: int | None = None,
    role: str = "",
    level: str = "",
    employed: str = "",
    page: int = 1,
) -> Any:
    user = _require(request, P.VIEW_FACILITY)
    qs = _filtered(CaregiverFilterSet, request, Caregiver.objects.visible_to(user, P.VIEW_FACILITY))
    meta, rows = _page(request, qs.select_related("person").order_by("facility_id", "id"))
    return {**meta, "results": [_caregiver_out(c) for c in rows]}


@router.post("/facilities/{facility_id}/caregivers", response={201: CaregiverOut}, summary="登记护理员")
def caregiver_create(request: HttpRequest, facility_id: int, data: CaregiverIn) -> Any:
    facility = _managed_facility(request, facility_id)
    fields = data.dict()
    person = person_by_id_number(fields.pop("id_number"))
    caregiver = services.caregiver_create(
        data=services.CaregiverData(person=person, facility=facility, **fields), acting_user=_user(request)
    )
    return 201, _caregiver_out(caregiver)


class RateOut(Schema):
    code: str
    name: str
    total: int
    certified: int
    rate: Decimal | None


@router.get("/caregivers/certification", response=list[RateOut], summary="各乡镇养老护理员持证率")
def certification(request: HttpRequest, on: datetime.date | None = None) -> Any:
    user = _require(request, P.VIEW_FACILITY)
    return selectors.certification_rates(grant_prefixes(user, P.VIEW_FACILITY), on or datetime.date.today(), "township")


# --- inspections -----------------------------------------------------------------------------------


class FindingOut(Schema):
    id: int
    item: str
    severity: str
    description: str
    deadline: datetime.date
    status: str
    rectified_on: datetime.date | None


class InspectionOut(Schema):
    id: int
    facility_id: int
    facility: str
    draw_id: int | None
    planned_on: datetime.date
    inspected_on: datetime.date | None
    status: str
    summary: str
    is_published: bool
    findings: list[FindingOut]


class InspectionPage(PageMeta):
    results: list[InspectionOut]


def _inspection_out(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "facility_id": i.facility_id,
        "facility": i.facility.name,
        "draw_id": i.draw_id,
        "planned_on": i.planned_on,
        "inspected_on": i.inspected_on,
        "status": i.status,
        "summary": i.summary,
        "is_published": i.is_published,
        "findings": [
            {
                "id": f.pk,
                "item": f.item,
                "severity": f.severity,
                "description": f.description,
                "deadline": f.deadline,
                "status": f.status,
                "rectified_on": f.rectified_on,
            }
            for f in i.findings.all()
        ],
    }


@router.get("/inspections", response=InspectionPage, summary="监督检查（筛选同页面）")
def inspection_list(
    request: HttpRequest,
    region: str = "",
    status: str = "",
    facility: int | None = None,
    draw: int | None = None,
    has_open_findings: bool | None = None,
    page: int = 1,
) -> Any:
    user = _require(request, P.VIEW_SUPERVISION)
    qs = _filtered(InspectionFilterSet, request, Inspection.objects.visible_to(user, P.VIEW_SUPERVISION))
    meta, rows = _page(
        request, qs.select_related("facility").prefetch_related("findings").order_by("-planned_on", "-id")
    )
    return {**meta, "results": [_inspection_out(i) for i in rows]}


class FindingIn(Schema):
    item: str
    severity: str
    description: str
    deadline: datetime.date | None = None


class RecordIn(Schema):
    inspected_on: datetime.date
    summary: str
    findings: list[FindingIn] = []


@router.post("/inspections/{inspection_id}/record", response=InspectionOut, summary="记录检查结果与发现问题")
def inspection_record(request: HttpRequest, inspection_id: int, data: RecordIn) -> Any:
    user = _require(request, P.MANAGE_SUPERVISION)
    inspection = get_visible_or_404(
        Inspection.objects.select_related("facility"), user, P.MANAGE_SUPERVISION, pk=inspection_id
    )
    services.inspection_record(
        inspection=inspection,
        inspected_on=data.inspected_on,
        summary=data.summary,
        findings=[services.FindingData(f.item, f.severity, f.description, f.deadline) for f in data.findings],
        acting_user=user,
    )
    return _inspection_out(inspection)


class DrawIn(Schema):
    title: str
    region: str
    facility_kinds: list[str]
    facility_count: int
    inspectors_per_facility: int = 2
    planned_on: datetime.date


class DrawOut(Schema):
    id: int
    seed: int
    result: list[list[Any]]
    candidate_facilities: int
    candidate_inspectors: int
    verified: bool


@router.post("/inspection-draws", response={201: DrawOut}, summary="双随机抽取（留存候选名单与种子）")
def draw_create(request: HttpRequest, data: DrawIn) -> Any:
    user = _require(request, P.MANAGE_SUPERVISION)
    region = Region.objects.filter(code=data.region).first()
    if region is None:
        raise ValidationError({"region": ["区划代码不存在"]})
    draw = services.inspection_draw_create(
        title=data.title,
        region=region,
        facility_kinds=data.facility_kinds,
        facility_count=data.facility_count,
        inspectors_per_facility=data.inspectors_per_facility,
        planned_on=data.planned_on,
        acting_user=user,
    )
    return 201, {
        "id": draw.pk,
        "seed": draw.seed,
        "result": draw.result,
        "candidate_facilities": len(draw.candidate_facility_ids),
        "candidate_inspectors": len(draw.candidate_inspector_ids),
        "verified": services.inspection_draw_verify(draw),
    }


# --- coverage -----------------------------------------------------------------------------------


class CoverageRowOut(Schema):
    code: str
    name: str
    actual: Decimal
    required: Decimal
    basis: int | None
    short: bool


class CoverageRuleOut(Schema):
    code: str
    title: str
    level: str
    unit: str
    threshold: Decimal | None
    source: str
    certainty: str
    covered: int
    regions: int
    shortfalls: list[CoverageRowOut]


@router.get("/coverage", response=list[CoverageRuleOut], summary="设施覆盖：各项标准的未达标区划")
def coverage(request: HttpRequest, region: str = "", on: datetime.date | None = None) -> Any:
    user = _require(request, P.VIEW_FACILITY)
    prefixes = grant_prefixes(user, P.VIEW_FACILITY)
    code = region or prefixes[0]
    if not any(code.startswith(p) for p in prefixes):
        raise PermissionDenied("您无权查看该区划")
    rules = selectors.coverage_report(code, on or datetime.date.today())
    return [
        {
            "code": r.code,
            "title": r.title,
            "level": r.level,
            "unit": r.unit,
            "threshold": r.threshold,
            "source": r.source,
            "certainty": r.certainty,
            "covered": r.covered,
            "regions": len(r.rows),
            "shortfalls": [
                {
                    "code": s.code,
                    "name": s.name,
                    "actual": s.actual,
                    "required": s.required,
                    "basis": s.basis,
                    "short": True,
                }
                for s in r.shortfalls
            ],
        }
        for r in rules
    ]
