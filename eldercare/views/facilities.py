"""Pages of the facility side: registry, detail, coverage, dashboard, workforce, supervision,
the public results page and the facility portal."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import ImportUploadForm, apply_service_errors
from core.models import Region, User
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, grant_prefixes, has_perm
from core.selectors import home_region, region_choices, region_label, user_regions
from core.sheets import SheetError, read_sheet, write_workbook
from core.views.base import AuthedRequest, paginate, region_select, require_perm
from eldercare import exports_facilities as exports
from eldercare import imports_facilities as imports
from eldercare import selectors, services
from eldercare.choices import BED_HOLDING_KINDS, BedKind, FacilityKind, FindingStatus, InspectionStatus
from eldercare.facility_people import age_on, person_by_id_number
from eldercare.filtersets import CaregiverFilterSet, FacilityFilterSet, InspectionFilterSet, ResidencyFilterSet
from eldercare.forms import (
    AdmitForm,
    BedAddForm,
    BedEditForm,
    BlacklistForm,
    BlacklistRemoveForm,
    CaregiverForm,
    CaregiverLeaveForm,
    DischargeForm,
    DrawForm,
    FacilityForm,
    FacilityStaffForm,
    InspectionRecordForm,
    InspectorForm,
    RectifyForm,
    TransferForm,
)
from eldercare.models import (
    Bed,
    BlacklistEntry,
    Caregiver,
    Facility,
    Finding,
    Inspection,
    InspectionDraw,
    Inspector,
    Residency,
)
from eldercare.permissions import FacilityPerm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
P = FacilityPerm


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _today() -> datetime.date:
    return datetime.date.today()


# ---------------------------------------------------------------- facility registry


def _facility_list_queryset(request: AuthedRequest) -> tuple[FacilityFilterSet, QuerySet[Facility]]:
    base = Facility.objects.visible_to(request.user, P.VIEW_FACILITY).select_related("region")
    filterset = FacilityFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, P.VIEW_FACILITY)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    return filterset, queryset.order_by("region_id", "kind", "number")


@require_perm(P.VIEW_FACILITY)
def facility_list(request: AuthedRequest) -> HttpResponse:
    filterset, queryset = _facility_list_queryset(request)
    page, query = paginate(request, queryset)
    return render(
        request,
        "eldercare/facilities/facility_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": [
                {"f": f, "region": region_label(f.region_id)}
                for f in selectors.attach_bed_figures(list(page.object_list))
            ],
            "querystring_without_page": query,
            "can_create": has_perm(request.user, P.CHANGE_FACILITY),
            "can_import": has_perm(request.user, P.CHANGE_FACILITY) and has_perm(request.user, CorePerm.IMPORT_DATA),
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
        },
    )


@require_perm(P.VIEW_FACILITY)
def facility_export(request: AuthedRequest) -> HttpResponse:
    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied
    _, queryset = _facility_list_queryset(request)
    return _xlsx(
        exports.facility_workbook(request.user, selectors.annotate_occupancy(queryset), "设施名录"),
        "养老服务设施名录.xlsx",
    )


def _facility_data(form: FacilityForm) -> services.FacilityData:
    data = form.cleaned_data
    region = Region.objects.filter(code=data["region"]).first()
    parent = Facility.objects.filter(pk=data["parent"]).first() if data.get("parent") else None
    if data.get("parent") and parent is None:
        raise ValidationError({"parent": ["所属中心不存在"]})
    if region is None:
        raise ValidationError({"region": ["请选择所在区划"]})
    return services.FacilityData(
        name=data["name"],
        kind=data["kind"],
        region=region,
        ownership=data["ownership"] or "",
        parent=parent,
        address=data["address"],
        operator_name=data["operator_name"],
        operator_kind=data["operator_kind"] or "",
        operator_uscc=data["operator_uscc"],
        licence_state=data["licence_state"],
        licence_number=data["licence_number"],
        is_standard=data["is_standard"],
        floor_area=data["floor_area"],
        daily_meal_capacity=data["daily_meal_capacity"],
        opened_on=data["opened_on"],
        status=data["status"],
        phone=data["phone"],
    )


@require_perm(P.CHANGE_FACILITY)
def facility_create(request: AuthedRequest) -> HttpResponse:
    form = FacilityForm(request.POST or None, region_choices=region_choices(request.user, P.CHANGE_FACILITY))
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.facility_create(data=_facility_data(form), acting_user=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记 {facility.name}（{facility.number}）")
            return redirect("eldercare:facility_detail", pk=facility.pk)
    return render(request, "eldercare/facilities/facility_form.html", {"form": form, "title": "登记养老服务设施"})


@require_perm(P.CHANGE_FACILITY)
def facility_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = get_visible_or_404(Facility.objects.all(), request.user, P.CHANGE_FACILITY, pk=pk)
    initial = {f: getattr(facility, f) for f in services.FACILITY_FIELDS if f not in ("region", "parent")}
    initial.update(region=facility.region_id, parent=facility.parent_id)
    form = FacilityForm(
        request.POST or None, initial=initial, region_choices=region_choices(request.user, P.CHANGE_FACILITY)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.facility_update(facility=facility, data=_facility_data(form), acting_user=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("eldercare:facility_detail", pk=facility.pk)
    return render(request, "eldercare/facilities/facility_form.html", {"form": form, "title": f"修改 {facility.name}"})


def _facility_context(facility: Facility, user: User, portal: bool) -> dict[str, Any]:
    today = _today()
    beds = list(facility.beds.order_by("number"))
    open_stays = {r.bed_id: r for r in Residency.objects.open().filter(bed__facility=facility).select_related("person")}
    bed_rows = [{"bed": b, "stay": open_stays.get(b.pk)} for b in beds]
    by_kind = {k.label: sum(1 for b in beds if b.is_active and b.kind == k) for k in BedKind}
    residents = [
        {"stay": r, "age": age_on(r.person, today), "bed": r.bed}
        for r in Residency.objects.filter(bed__facility=facility)
        .select_related("person", "bed")
        .order_by("discharged_on", "-admitted_on")[:300]
    ]
    caregivers = list(Caregiver.objects.filter(facility=facility).select_related("person").order_by("left_on", "id"))
    certified = Caregiver.objects.employed_on(today).filter(
        Caregiver.objects.certified_q(today), facility=facility, role="caregiver"
    )
    employed = Caregiver.objects.employed_on(today).filter(facility=facility, role="caregiver")
    n_certified, n_employed = certified.count(), employed.count()
    free_beds = [
        (b.pk, f"{b.number}（{b.get_kind_display()}）") for b in beds if b.is_active and b.pk not in open_stays
    ]
    may_manage = services.may_act_for_facility(user, facility, P.MANAGE_RESIDENTS)
    context: dict[str, Any] = {
        "facility": facility,
        "region": region_label(facility.region_id),
        "portal": portal,
        "holds_beds": facility.kind in BED_HOLDING_KINDS,
        "bed_rows": bed_rows,
        "by_kind": by_kind,
        "bed_count": sum(1 for b in beds if b.is_active),
        "occupied": len(open_stays),
        "free_beds": sum(1 for b in beds if b.is_active) - len(open_stays),
        "residents": residents,
        "caregivers": caregivers,
        "cert": {"certified": n_certified, "employed": n_employed, "rate": selectors.ratio(n_certified, n_employed)},
        "may_manage": may_manage,
        "admit_form": AdmitForm(bed_choices=free_beds, initial={"admitted_on": today}),
        "discharge_form": DischargeForm(initial={"discharged_on": today}),
        "transfer_form": TransferForm(initial={"transferred_on": today}),
        "free_bed_choices": free_beds,
        "bed_form": BedAddForm(),
        "bed_edit_form": BedEditForm(),
        "bed_kinds": BedKind.choices,
        "caregiver_form": CaregiverForm(),
        "leave_form": CaregiverLeaveForm(initial={"left_on": today}),
        "prefix": "eldercare:portal_" if portal else "eldercare:facility_",
    }
    if not portal:
        context["inspections"] = list(
            facility.inspections.annotate(
                open_findings=Count(
                    "findings", filter=Q(findings__status__in=[FindingStatus.OPEN, FindingStatus.OVERDUE])
                )
            ).order_by("-planned_on")[:50]
        )
        context["blacklist"] = list(facility.blacklist_entries.all())
        context["blocked"] = selectors.facility_subsidy_blocked(facility, today)
        try:
            context["credit"] = selectors.credit_scores([facility.pk], today, facility.region_id)[facility.pk]
        except selectors.MissingPolicyParameter:
            context["credit"] = None
        context["can_edit"] = has_perm(user, P.CHANGE_FACILITY, facility.region_id)
        context["can_supervise"] = has_perm(user, P.MANAGE_SUPERVISION, facility.region_id)
        context["staff_form"] = FacilityStaffForm()
        context["blacklist_form"] = BlacklistForm(initial={"listed_on": today})
        context["staff"] = list(facility.staff.select_related("user"))
        context["branches"] = list(facility.branches.all())
    return context


@require_perm(P.VIEW_FACILITY)
def facility_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = get_visible_or_404(Facility.objects.select_related("parent"), request.user, P.VIEW_FACILITY, pk=pk)
    return render(
        request, "eldercare/facilities/facility_detail.html", _facility_context(facility, request.user, False)
    )


@require_POST
@require_perm(P.CHANGE_FACILITY)
def facility_staff_add(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = get_visible_or_404(Facility.objects.all(), request.user, P.CHANGE_FACILITY, pk=pk)
    form = FacilityStaffForm(request.POST)
    user = User.objects.filter(username=request.POST.get("username", "").strip()).first() if form.is_valid() else None
    if user is None:
        messages.error(request, "用户名不存在")
    else:
        services.facility_staff_add(facility=facility, user=user, acting_user=request.user)
        messages.success(request, f"已授权 {user.username} 使用机构端")
    return redirect("eldercare:facility_detail", pk=pk)


@require_POST
@require_perm(P.CHANGE_FACILITY)
def facility_staff_remove(request: AuthedRequest, pk: int, link_id: int) -> HttpResponse:
    facility = get_visible_or_404(Facility.objects.all(), request.user, P.CHANGE_FACILITY, pk=pk)
    link = facility.staff.select_related("user", "facility").filter(pk=link_id).first()
    if link is None:
        raise Http404("未找到该记录")
    services.facility_staff_remove(link=link, acting_user=request.user)
    messages.success(request, f"已取消 {link.user.username} 的机构端授权")
    return redirect("eldercare:facility_detail", pk=pk)


# ---------------------------------------------------------------- facility actions (bureau and portal)


def portal_facility_or_404(user: User, pk: int) -> Facility:
    """The one guarded getter of the portal: a facility the user is linked to (FacilityStaff)
    and holds the portal permission for; anything else is "not found"."""
    facility = Facility.objects.filter(pk=pk, staff__user=user).first() if str(pk).isdigit() else None
    if facility is None or not has_perm(user, P.USE_PORTAL, facility.region_id):
        raise Http404("未找到该记录")
    return facility


def _acting_facility(request: AuthedRequest, pk: int, portal: bool) -> Facility:
    if portal:
        if not has_perm(request.user, P.USE_PORTAL):
            raise PermissionDenied
        return portal_facility_or_404(request.user, pk)
    if not has_perm(request.user, P.MANAGE_RESIDENTS):
        raise PermissionDenied
    return get_visible_or_404(Facility.objects.all(), request.user, P.MANAGE_RESIDENTS, pk=pk)


def _back(pk: int, portal: bool) -> HttpResponse:
    return redirect("eldercare:portal_facility" if portal else "eldercare:facility_detail", pk=pk)


def _errors(request: AuthedRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: AuthedRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@require_POST
def bed_add(request: AuthedRequest, pk: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    form = BedAddForm(request.POST)
    if form.is_valid():
        try:
            beds = services.beds_add(
                facility=facility,
                count=form.cleaned_data["count"],
                kind=form.cleaned_data["kind"],
                is_basic=form.cleaned_data["is_basic"],
                prefix=form.cleaned_data["number_prefix"],
                acting_user=request.user,
            )
            messages.success(request, f"已新增 {len(beds)} 张床位")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


@require_POST
def bed_update(request: AuthedRequest, pk: int, bed_id: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    bed = Bed.objects.filter(pk=bed_id, facility=facility).select_related("facility").first()
    if bed is None:
        raise Http404("未找到该记录")
    form = BedEditForm(request.POST)
    if form.is_valid():
        try:
            services.bed_update(
                bed=bed,
                kind=form.cleaned_data["kind"],
                is_basic=form.cleaned_data["is_basic"],
                is_active=form.cleaned_data["is_active"],
                acting_user=request.user,
            )
            messages.success(request, f"已保存 {bed.number} 床")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


@require_POST
def resident_admit(request: AuthedRequest, pk: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    form = AdmitForm(request.POST, bed_choices=[(request.POST.get("bed", ""), "")])
    if form.is_valid():
        try:
            bed = Bed.objects.filter(pk=form.cleaned_data["bed"], facility=facility).first()
            if bed is None:
                raise ValidationError({"bed": ["床位不属于本设施"]})
            person = person_by_id_number(form.cleaned_data["id_number"])
            services.resident_admit(
                bed=bed,
                person=person,
                admitted_on=form.cleaned_data["admitted_on"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
            messages.success(request, f"{person.name} 已入住 {bed.number} 床")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


def _stay(facility: Facility, stay_id: int) -> Residency:
    stay = (
        Residency.objects.filter(pk=stay_id, bed__facility=facility).select_related("bed__facility", "person").first()
    )
    if stay is None:
        raise Http404("未找到该记录")
    return stay


@require_POST
def resident_discharge(request: AuthedRequest, pk: int, stay_id: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    stay = _stay(facility, stay_id)
    form = DischargeForm(request.POST)
    if form.is_valid():
        try:
            services.resident_discharge(
                residency=stay,
                discharged_on=form.cleaned_data["discharged_on"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
            messages.success(request, f"{stay.person.name} 已退住")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


@require_POST
def resident_transfer(request: AuthedRequest, pk: int, stay_id: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    stay = _stay(facility, stay_id)
    form = TransferForm(request.POST)
    if form.is_valid():
        to_bed = Bed.objects.filter(pk=form.cleaned_data["to_bed"]).select_related("facility").first()
        # The portal moves residents between its own beds only.
        if to_bed is None or (portal and to_bed.facility_id != facility.pk):
            messages.error(request, "目标床位不存在")
            return _back(pk, portal)
        try:
            services.resident_transfer(
                residency=stay,
                to_bed=to_bed,
                transferred_on=form.cleaned_data["transferred_on"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
            messages.success(request, f"{stay.person.name} 已转至 {to_bed.facility.name} {to_bed.number} 床")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


@require_POST
def caregiver_add(request: AuthedRequest, pk: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    form = CaregiverForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            person = person_by_id_number(d["id_number"])
            services.caregiver_create(
                data=services.CaregiverData(
                    person=person,
                    facility=facility,
                    role=d["role"],
                    level=d["level"],
                    certificate_number=d["certificate_number"],
                    certified_on=d["certified_on"],
                    valid_until=d["valid_until"],
                    hired_on=d["hired_on"],
                ),
                acting_user=request.user,
            )
            messages.success(request, f"已登记 {person.name}")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


@require_POST
def caregiver_leave(request: AuthedRequest, pk: int, caregiver_id: int, portal: bool = False) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('core:login')}?next={request.path}")
    facility = _acting_facility(request, pk, portal)
    caregiver = Caregiver.objects.filter(pk=caregiver_id, facility=facility).select_related("facility").first()
    if caregiver is None:
        raise Http404("未找到该记录")
    form = CaregiverLeaveForm(request.POST)
    if form.is_valid():
        try:
            services.caregiver_leave(
                caregiver=caregiver, left_on=form.cleaned_data["left_on"], acting_user=request.user
            )
            messages.success(request, "已登记离职")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return _back(pk, portal)


# ---------------------------------------------------------------- portal


@require_perm(P.USE_PORTAL)
def portal_home(request: AuthedRequest) -> HttpResponse:
    facilities = [
        f
        for f in Facility.objects.filter(staff__user=request.user).order_by("name")
        if has_perm(request.user, P.USE_PORTAL, f.region_id)
    ]
    if len(facilities) == 1:
        return redirect("eldercare:portal_facility", pk=facilities[0].pk)
    return render(request, "eldercare/facilities/portal_home.html", {"facilities": facilities})


@require_perm(P.USE_PORTAL)
def portal_facility(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = portal_facility_or_404(request.user, pk)
    return render(request, "eldercare/facilities/facility_detail.html", _facility_context(facility, request.user, True))


# ---------------------------------------------------------------- coverage and dashboard


def _scope_code(request: AuthedRequest, perm: str) -> str:
    """The region a page summarises: ?region= inside the user's scope, else their broadest grant."""
    prefixes = grant_prefixes(request.user, perm)
    wanted = request.GET.get("region", "").strip()
    if wanted and any(wanted.startswith(p) for p in prefixes):
        return wanted
    return prefixes[0] if prefixes else ""


@require_perm(P.VIEW_FACILITY)
def coverage(request: AuthedRequest) -> HttpResponse:
    code = _scope_code(request, P.VIEW_FACILITY)
    on = _today()
    rules = selectors.coverage_report(code, on) if code else []
    if request.GET.get("format") == "xlsx":
        if not has_perm(request.user, CorePerm.EXPORT_DATA):
            raise PermissionDenied
        return _xlsx(exports.coverage_workbook(rules), "设施覆盖未达标区划.xlsx")
    return render(
        request,
        "eldercare/facilities/coverage.html",
        {
            "rules": rules,
            "region": region_label(code),
            "on": on,
            "choices": region_choices(request.user, P.VIEW_FACILITY),
            "code": code,
        },
    )


@require_perm(P.VIEW_FACILITY)
def dashboard(request: AuthedRequest) -> HttpResponse:
    prefixes = grant_prefixes(request.user, P.VIEW_FACILITY)
    on = _today()
    townships = selectors.beds_by_township(prefixes, on)
    kinds = selectors.beds_by_facility_kind(prefixes, on)
    code = prefixes[0]
    counts = selectors.data_bed_counts(code, on) if len(prefixes) == 1 else None
    facility_counts = dict(
        Facility.objects.visible_to(request.user, P.VIEW_FACILITY)
        .filter(selectors.operating_on(on))
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    labels = [t["name"] for t in townships]
    cert_rows = selectors.certification_rates(prefixes, on, by="township")
    return render(
        request,
        "eldercare/facilities/dashboard.html",
        {
            "townships": townships,
            "kinds": kinds,
            "counts": counts,
            "facility_counts": [(k.label, facility_counts.get(k.value, 0)) for k in FacilityKind],
            "meal_capacity": selectors.data_meal_capacity(code, on) if len(prefixes) == 1 else None,
            "cert": selectors.data_caregiver_certification(code, on) if len(prefixes) == 1 else None,
            "beds_chart": {
                "type": "bar",
                "labels": labels,
                "stack": True,
                "rotate": 40,
                "unit": "张",
                "series": [
                    {"name": BedKind.GENERAL.label, "values": [t["general"] for t in townships]},
                    {"name": BedKind.NURSING.label, "values": [t["nursing"] for t in townships]},
                    {"name": BedKind.DEMENTIA.label, "values": [t["dementia"] for t in townships]},
                ],
            },
            "occupancy_chart": {
                "type": "bar",
                "labels": labels,
                "rotate": 40,
                "unit": "张",
                "series": [
                    {"name": "床位", "values": [t["total"] for t in townships]},
                    {"name": "在住", "values": [t["occupied"] for t in townships]},
                ],
            },
            "cert_chart": {
                "type": "bar",
                "labels": [c["name"] for c in cert_rows],
                "rotate": 40,
                "unit": "%",
                "name": "持证率",
                "values": [float(c["rate"] or 0) for c in cert_rows],
            },
            "kind_chart": {
                "type": "pie",
                "labels": [k["label"] for k in kinds],
                "values": [k["beds"] for k in kinds],
            },
        },
    )


# ---------------------------------------------------------------- residents


def _residency_queryset(request: AuthedRequest) -> tuple[ResidencyFilterSet, QuerySet[Residency]]:
    base = Residency.objects.visible_to(request.user, P.VIEW_FACILITY).select_related("person", "bed__facility")
    filterset = ResidencyFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, P.VIEW_FACILITY)
    return filterset, (filterset.qs if filterset.is_valid() else base.none()).order_by("-admitted_on", "-id")


@require_perm(P.VIEW_FACILITY)
def residency_list(request: AuthedRequest) -> HttpResponse:
    filterset, queryset = _residency_queryset(request)
    page, query = paginate(request, queryset)
    today = _today()
    return render(
        request,
        "eldercare/facilities/residency_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": [{"stay": r, "age": age_on(r.person, today)} for r in page.object_list],
            "querystring_without_page": query,
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
        },
    )


@require_perm(P.VIEW_FACILITY)
def residency_export(request: AuthedRequest) -> HttpResponse:
    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied
    _, queryset = _residency_queryset(request)
    return _xlsx(exports.residency_workbook(request.user, queryset), "入住老人名单.xlsx")


# ---------------------------------------------------------------- workforce


def _caregiver_queryset(request: AuthedRequest) -> tuple[CaregiverFilterSet, QuerySet[Caregiver]]:
    base = Caregiver.objects.visible_to(request.user, P.VIEW_FACILITY).select_related("person", "facility")
    filterset = CaregiverFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, P.VIEW_FACILITY)
    return filterset, (filterset.qs if filterset.is_valid() else base.none()).order_by("facility__region_id", "id")


@require_perm(P.VIEW_FACILITY)
def caregiver_list(request: AuthedRequest) -> HttpResponse:
    filterset, queryset = _caregiver_queryset(request)
    page, query = paginate(request, queryset)
    prefixes = grant_prefixes(request.user, P.VIEW_FACILITY)
    on = _today()
    return render(
        request,
        "eldercare/facilities/caregiver_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "caregivers": page.object_list,
            "querystring_without_page": query,
            "by_township": selectors.certification_rates(prefixes, on, by="township"),
            "levels": selectors.certification_by_level(prefixes, on),
            "can_import": has_perm(request.user, P.MANAGE_RESIDENTS) and has_perm(request.user, CorePerm.IMPORT_DATA),
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
            "on": on,
        },
    )


@require_perm(P.VIEW_FACILITY)
def caregiver_export(request: AuthedRequest) -> HttpResponse:
    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied
    _, queryset = _caregiver_queryset(request)
    return _xlsx(exports.caregiver_workbook(request.user, queryset), "养老护理员名单.xlsx")


@require_perm(P.VIEW_FACILITY)
def certification_by_facility(request: AuthedRequest) -> HttpResponse:
    rows = selectors.certification_rates(grant_prefixes(request.user, P.VIEW_FACILITY), _today())
    if request.GET.get("format") == "xlsx":
        if not has_perm(request.user, CorePerm.EXPORT_DATA):
            raise PermissionDenied
        return _xlsx(exports.certification_workbook(rows), "护理员持证率.xlsx")
    return render(request, "eldercare/facilities/certification.html", {"rows": rows})


# ---------------------------------------------------------------- imports


def _import_view(request: AuthedRequest, kind: str) -> HttpResponse:
    spec = imports.SPECS[kind]
    if not (has_perm(request.user, spec.perm) and has_perm(request.user, CorePerm.IMPORT_DATA)):
        raise PermissionDenied
    if request.GET.get("template"):
        return _xlsx(write_workbook([(spec.title, spec.columns, spec.example_rows)]), f"{spec.title}导入模板.xlsx")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read_sheet(upload, spec.columns)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            from core import services as core_services

            region = home_region(request.user)
            assert region is not None
            stored = core_services.stored_file_create(
                name=upload.name, content=upload, created_by=request.user, content_type=XLSX
            )
            job = core_services.job_create(
                kind=spec.validate_kind,
                title=f"{spec.title}导入校验：{upload.name}",
                acting_user=request.user,
                region=region,
                input_file=stored,
            )
            return redirect("core:job_detail", pk=job.pk)
    return render(
        request,
        "eldercare/facilities/import.html",
        {"form": form, "spec": spec, "template_url": f"{request.path}?template=1"},
    )


@require_perm(P.VIEW_FACILITY)
def facility_import(request: AuthedRequest) -> HttpResponse:
    return _import_view(request, "facility")


@require_perm(P.VIEW_FACILITY)
def caregiver_import(request: AuthedRequest) -> HttpResponse:
    return _import_view(request, "caregiver")


# ---------------------------------------------------------------- supervision


def _inspection_queryset(request: AuthedRequest) -> tuple[InspectionFilterSet, QuerySet[Inspection]]:
    base = Inspection.objects.visible_to(request.user, P.VIEW_SUPERVISION).select_related("facility", "draw")
    filterset = InspectionFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, P.VIEW_SUPERVISION)
    queryset = (filterset.qs if filterset.is_valid() else base.none()).annotate(
        finding_count=Count("findings", distinct=True),
        open_findings=Count(
            "findings", filter=Q(findings__status__in=[FindingStatus.OPEN, FindingStatus.OVERDUE]), distinct=True
        ),
    )
    return filterset, queryset.order_by("-planned_on", "-id")


@require_perm(P.VIEW_SUPERVISION)
def inspection_list(request: AuthedRequest) -> HttpResponse:
    filterset, queryset = _inspection_queryset(request)
    page, query = paginate(request, queryset)
    prefixes = grant_prefixes(request.user, P.VIEW_SUPERVISION)
    return render(
        request,
        "eldercare/facilities/inspection_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "inspections": page.object_list,
            "querystring_without_page": query,
            "can_manage": has_perm(request.user, P.MANAGE_SUPERVISION),
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
            "draws": InspectionDraw.objects.filter(selectors.in_prefixes("region__code", prefixes))[:10],
        },
    )


@require_perm(P.VIEW_SUPERVISION)
def inspection_export(request: AuthedRequest) -> HttpResponse:
    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied
    _, queryset = _inspection_queryset(request)
    return _xlsx(exports.inspection_workbook(queryset), "监督检查记录.xlsx")


@require_perm(P.VIEW_SUPERVISION)
def inspection_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_visible_or_404(
        Inspection.objects.select_related("facility", "draw"), request.user, P.VIEW_SUPERVISION, pk=pk
    )
    can_manage = has_perm(request.user, P.MANAGE_SUPERVISION, inspection.facility.region_id)
    record_form = InspectionRecordForm(request.POST or None, initial={"inspected_on": _today()})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if record_form.is_valid():
            d = record_form.cleaned_data
            try:
                services.inspection_record(
                    inspection=inspection,
                    inspected_on=d["inspected_on"],
                    summary=d["summary"],
                    findings=[services.FindingData(i, s, t) for i, s, t in d["findings"]],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(record_form, exc)
            else:
                messages.success(request, "已记录检查结果")
                return redirect("eldercare:inspection_detail", pk=pk)
    return render(
        request,
        "eldercare/facilities/inspection_detail.html",
        {
            "inspection": inspection,
            "inspectors": list(inspection.inspectors.all()),
            "findings": list(inspection.findings.all()),
            "can_manage": can_manage,
            "record_form": record_form,
            "rectify_form": RectifyForm(initial={"rectified_on": _today()}),
            "planned": inspection.status == InspectionStatus.PLANNED,
            "today": _today(),
        },
    )


@require_POST
@require_perm(P.MANAGE_SUPERVISION)
def finding_rectify(request: AuthedRequest, pk: int) -> HttpResponse:
    finding = (
        Finding.objects.filter(pk=pk, inspection__in=Inspection.objects.visible_to(request.user, P.MANAGE_SUPERVISION))
        .select_related("inspection__facility")
        .first()
    )
    if finding is None:
        raise Http404("未找到该记录")
    form = RectifyForm(request.POST)
    if form.is_valid():
        try:
            services.finding_rectify(
                finding=finding,
                rectified_on=form.cleaned_data["rectified_on"],
                follow_up=form.cleaned_data["follow_up"],
                acting_user=request.user,
            )
            messages.success(request, "已登记整改复查")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("eldercare:inspection_detail", pk=finding.inspection_id)


@require_POST
@require_perm(P.MANAGE_SUPERVISION)
def inspection_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    inspection = get_visible_or_404(
        Inspection.objects.select_related("facility"), request.user, P.MANAGE_SUPERVISION, pk=pk
    )
    try:
        services.inspection_publish(inspection=inspection, published_on=_today(), acting_user=request.user)
        messages.success(request, "检查结果已公开")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("eldercare:inspection_detail", pk=pk)


@require_POST
@require_perm(P.MANAGE_SUPERVISION)
def findings_overdue_run(request: AuthedRequest) -> HttpResponse:
    from core import services as core_services
    from eldercare.jobs_facilities import FINDINGS_OVERDUE

    region = home_region(request.user)
    assert region is not None
    job = core_services.job_create(
        kind=FINDINGS_OVERDUE,
        title="标记逾期未整改问题",
        acting_user=request.user,
        region=region,
        params={"on": _today().isoformat()},
    )
    return redirect("core:job_detail", pk=job.pk)


@require_perm(P.MANAGE_SUPERVISION)
def draw_create(request: AuthedRequest) -> HttpResponse:
    scopes = grant_prefixes(request.user, P.MANAGE_SUPERVISION)
    below = user_regions(request.user, P.MANAGE_SUPERVISION, ("county", "township"))
    choices = [(c, region_label(c)) for c in scopes] + [(r.code, r.display_name) for r in below if r.code not in scopes]
    form = DrawForm(
        request.POST or None, region_choices=choices, initial={"facility_kinds": [FacilityKind.CARE_INSTITUTION]}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            draw = services.inspection_draw_create(
                title=d["title"],
                region=Region.objects.get(code=d["region"]),
                facility_kinds=d["facility_kinds"],
                facility_count=d["facility_count"],
                inspectors_per_facility=d["inspectors_per_facility"],
                planned_on=d["planned_on"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已抽取 {len(draw.result)} 家设施")
            return redirect("eldercare:draw_detail", pk=draw.pk)
    return render(request, "eldercare/facilities/draw_form.html", {"form": form})


@require_perm(P.VIEW_SUPERVISION)
def draw_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    prefixes = grant_prefixes(request.user, P.VIEW_SUPERVISION)
    draw = InspectionDraw.objects.filter(selectors.in_prefixes("region__code", prefixes), pk=pk).first()
    if draw is None:
        raise Http404("未找到该记录")
    facilities = {f.pk: f for f in Facility.objects.filter(pk__in=[fid for fid, _ in draw.result])}
    inspectors = {i.pk: i for i in Inspector.objects.filter(pk__in={i for _, ids in draw.result for i in ids})}
    rows = [
        {"facility": facilities.get(fid), "inspectors": [inspectors.get(i) for i in ids]} for fid, ids in draw.result
    ]
    return render(
        request,
        "eldercare/facilities/draw_detail.html",
        {
            "draw": draw,
            "rows": rows,
            "verified": services.inspection_draw_verify(draw),
            "region": region_label(draw.region_id),
        },
    )


@require_perm(P.VIEW_SUPERVISION)
def inspector_list(request: AuthedRequest) -> HttpResponse:
    can_manage = has_perm(request.user, P.MANAGE_SUPERVISION)
    choices = [(c, region_label(c)) for c in grant_prefixes(request.user, P.MANAGE_SUPERVISION)]
    form = InspectorForm(request.POST or None, region_choices=choices)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.inspector_create(
                    name=form.cleaned_data["name"],
                    unit=form.cleaned_data["unit"],
                    certificate_number=form.cleaned_data["certificate_number"],
                    region=Region.objects.get(code=form.cleaned_data["region"]),
                    acting_user=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "已加入检查人员库")
                return redirect("eldercare:inspector_list")
    page, query = paginate(request, Inspector.objects.visible_to(request.user, P.VIEW_SUPERVISION).order_by("id"))
    return render(
        request,
        "eldercare/facilities/inspector_list.html",
        {
            "page_obj": page,
            "inspectors": page.object_list,
            "querystring_without_page": query,
            "form": form,
            "can_manage": can_manage,
        },
    )


@require_POST
@require_perm(P.MANAGE_SUPERVISION)
def inspector_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    inspector = get_visible_or_404(Inspector.objects.all(), request.user, P.MANAGE_SUPERVISION, pk=pk)
    try:
        services.inspector_set_active(inspector=inspector, is_active=not inspector.is_active, acting_user=request.user)
        messages.success(request, f"{inspector.name} 已{'恢复入库' if inspector.is_active else '移出检查人员库'}")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("eldercare:inspector_list")


@require_perm(P.VIEW_SUPERVISION)
def credit_list(request: AuthedRequest) -> HttpResponse:
    """Credit score of every institution in scope, with the blacklist."""
    on = _today()
    code = _scope_code(request, P.VIEW_SUPERVISION)
    facilities = list(
        Facility.objects.visible_to(request.user, P.VIEW_SUPERVISION)
        .filter(kind__in=BED_HOLDING_KINDS, status="open")
        .order_by("region_id", "number")
    )
    try:
        scores = selectors.credit_scores([f.pk for f in facilities], on, code)
    except selectors.MissingPolicyParameter as exc:
        scores = {}
        messages.error(request, str(exc))
    rows = sorted(
        ({"facility": f, "region": region_label(f.region_id), **scores.get(f.pk, {})} for f in facilities),
        key=lambda r: r.get("score", Decimal(0)),
    )
    entries = BlacklistEntry.objects.visible_to(request.user, P.VIEW_SUPERVISION).select_related("facility")
    if request.GET.get("format") == "xlsx":
        if not has_perm(request.user, CorePerm.EXPORT_DATA):
            raise PermissionDenied
        return _xlsx(exports.credit_workbook(rows, entries), "养老机构信用与黑名单.xlsx")
    return render(
        request,
        "eldercare/facilities/credit.html",
        {"rows": rows, "entries": entries, "on": on, "remove_form": BlacklistRemoveForm(initial={"removed_on": on})},
    )


@require_POST
@require_perm(P.MANAGE_SUPERVISION)
def blacklist_add(request: AuthedRequest, pk: int) -> HttpResponse:
    facility = get_visible_or_404(Facility.objects.all(), request.user, P.MANAGE_SUPERVISION, pk=pk)
    form = BlacklistForm(request.POST)
    if form.is_valid():
        try:
            services.blacklist_add(
                facility=facility,
                listed_on=form.cleaned_data["listed_on"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
            messages.success(request, "已列入黑名单：列入期间不得享受各项补贴")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("eldercare:facility_detail", pk=pk)


@require_POST
@require_perm(P.MANAGE_SUPERVISION)
def blacklist_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    entry = get_visible_or_404(
        BlacklistEntry.objects.select_related("facility"), request.user, P.MANAGE_SUPERVISION, pk=pk
    )
    form = BlacklistRemoveForm(request.POST)
    if form.is_valid():
        try:
            services.blacklist_remove(
                entry=entry,
                removed_on=form.cleaned_data["removed_on"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
            messages.success(request, "已移出黑名单")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        _form_errors(request, form)
    return redirect("eldercare:credit_list")


def published_results(request: AuthedRequest) -> HttpResponse:
    """一公开: results of inspections the bureau published, open to the public (no personal data)."""
    inspections = (
        Inspection.objects.filter(is_published=True)
        .select_related("facility")
        .annotate(
            finding_count=Count("findings", distinct=True),
            rectified=Count("findings", filter=Q(findings__status=FindingStatus.RECTIFIED), distinct=True),
        )
        .order_by("-published_on", "-id")
    )
    page, query = paginate(request, inspections)
    rows = [{"i": i, "region": region_label(i.facility.region_id)} for i in page.object_list]
    return render(
        request,
        "eldercare/facilities/published.html",
        {"page_obj": page, "rows": rows, "querystring_without_page": query},
    )
