"""Web pages of applications: list + export, intake, detail with the step timeline and the
current step's action, overdue list, the decision notice, and the resident's own pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import forms_applications as f
from assistance.choices import Addon, ApplicationStatus, Channel
from assistance.exports_applications import application_export_workbook
from assistance.filtersets_applications import ApplicationFilterSet
from assistance.models import Application, Objection
from assistance.notices_applications import decision_notice_pdf, decision_notice_text
from assistance.permissions import AssistancePerm
from assistance.selectors_applications import (
    application_counts,
    applications_of_resident,
    applications_overdue,
    applications_visible,
)
from assistance.services import applications as svc
from core.audit import audit_in_own_transaction
from core.forms import apply_service_errors
from core.models import Household, HouseholdMember
from core.permissions import CorePerm
from core.policy import MissingPolicyParameter
from core.scoping import get_visible_or_404, has_perm
from core.selectors import region_label
from core.views.base import AuthedRequest, paginate, region_select, require_perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
S = ApplicationStatus
ADDON_LABELS = dict(Addon.choices)
STATE_LABELS = {"done": "已完成", "current": "办理中", "pending": "待办", "skipped": "未经"}


# ---------------------------------------------------------------- list, export, overdue


def _filtered(request: AuthedRequest) -> tuple[ApplicationFilterSet, QuerySet[Application]]:
    base = applications_visible(request.user)
    filterset = ApplicationFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, AssistancePerm.VIEW_APPLICATION)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    return filterset, queryset


@require_perm(AssistancePerm.VIEW_APPLICATION)
def application_list(request: AuthedRequest) -> HttpResponse:
    filterset, queryset = _filtered(request)
    if request.GET.get("export") == "xlsx":
        if not has_perm(request.user, CorePerm.EXPORT_DATA):
            messages.error(request, "您的账号没有导出权限")
            return redirect("assistance:application_list")
        content, count = application_export_workbook(queryset, request.user)
        audit_in_own_transaction(
            action="application.export",
            actor=request.user,
            object_type="assistance.application",
            object_repr="救助申请导出",
            changes={"rows": count, "query": request.GET.urlencode()},
        )
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''applications-{timezone.localdate()}.xlsx"
        return response
    page, query = paginate(request, queryset)
    return render(
        request,
        "assistance/application_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": _rows(page.object_list),
            "querystring_without_page": query,
            "can_create": has_perm(request.user, AssistancePerm.HANDLE_APPLICATION),
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
            "title": "救助申请",
            "counts": application_counts(request.user),
        },
    )


def _rows(applications: Any) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "application": a,
            "region": region_label(a.region_id),
            "overdue": a.is_open and a.due_date < today,
        }
        for a in applications
    ]


@require_perm(AssistancePerm.VIEW_APPLICATION)
def application_overdue(request: AuthedRequest) -> HttpResponse:
    page, query = paginate(request, applications_overdue(request.user))
    today = timezone.localdate()
    rows = _rows(page.object_list)
    for row in rows:
        row["days_late"] = (today - row["application"].due_date).days
    return render(
        request,
        "assistance/application_overdue.html",
        {"page_obj": page, "rows": rows, "querystring_without_page": query},
    )


# ---------------------------------------------------------------- intake


@require_perm(AssistancePerm.HANDLE_APPLICATION)
def application_create(request: AuthedRequest) -> HttpResponse:
    """Find the household in the registry first; then the form with its members."""
    household_id = request.POST.get("household") or request.GET.get("household")
    if not household_id:
        q = request.GET.get("q", "").strip()
        households: list[Household] = []
        if q:
            households = list(
                Household.objects.visible_to(request.user, AssistancePerm.HANDLE_APPLICATION)
                .filter(number__startswith=q)
                .union(
                    Household.objects.visible_to(request.user, AssistancePerm.HANDLE_APPLICATION).filter(
                        members__person__name__startswith=q
                    )
                )[:20]
            )
        return render(request, "assistance/application_pick.html", {"q": q, "households": households})
    household = get_visible_or_404(
        Household.objects.select_related("region"), request.user, AssistancePerm.HANDLE_APPLICATION, pk=household_id
    )
    members = list(HouseholdMember.objects.filter(household=household).select_related("person").order_by("id"))
    form = f.IntakeForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        applicant = next(m.person for m in members if str(m.person_id) == form.cleaned_data["applicant"])
        try:
            application = svc.application_submit(
                household=household, applicant=applicant, acting_user=request.user, **form.service_kwargs()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已受理，申请编号 {application.number}，办结时限 {application.due_date}")
            return redirect("assistance:application_detail", application.pk)
    return render(
        request,
        "assistance/application_form.html",
        {"form": form, "household": household, "region": region_label(household.region_id)},
    )


# ---------------------------------------------------------------- detail and steps


def _timeline(application: Application) -> list[dict[str, Any]]:
    """The steps in order, each done / current / pending / not reached, from their records."""
    publicity = getattr(application, "publicity", None)
    appraisal = getattr(application, "appraisal", None)
    decision = getattr(application, "decision", None)
    steps = [
        ("受理", True, f"{timezone.localtime(application.submitted_at):%Y-%m-%d}"),
        (
            "经济状况核对",
            application.verified_at is not None,
            application.verified_at and f"{timezone.localtime(application.verified_at):%Y-%m-%d}",
        ),
        ("入户调查", application.visits.exists(), None),
        ("民主评议", appraisal is not None, "免于评议" if appraisal and appraisal.skipped else None),
        ("公示", bool(publicity and publicity.closed_at), publicity and f"{publicity.starts_on}～{publicity.ends_on}"),
        ("审核确认", decision is not None, decision and decision.get_outcome_display()),
    ]
    result = []
    current_found = False
    for label, done, note in steps:
        if done:
            state = "done"
        elif application.is_open and not current_found:
            state, current_found = "current", True
        else:
            state = "pending" if application.is_open else "skipped"
        result.append({"label": label, "state": state, "note": note or ""})
    return result


def _application(request: AuthedRequest, pk: int, perm: str = AssistancePerm.VIEW_APPLICATION) -> Application:
    return get_visible_or_404(
        Application.objects.select_related("household", "applicant", "region", "handler", "case"),
        request.user,
        perm,
        pk=pk,
    )


def _step_forms(application: Application) -> dict[str, forms.Form]:
    status = application.status
    available: dict[str, forms.Form] = {}
    if application.is_open:
        available["document"] = f.DocumentForm()
    if status == S.SUBMITTED:
        available["verify_request"] = forms.Form()
    elif status == S.VERIFYING:
        available["verification_result"] = f.VerificationResultForm()
    elif status in (S.VERIFIED, S.VISITED):
        available["visit"] = f.VisitForm()
    if status == S.VISITED:
        available["appraisal"] = f.AppraisalForm()
        available["appraisal_skip"] = f.SkipForm()
    elif status == S.APPRAISED:
        available["publicity_start"] = f.PublicityForm()
    elif status == S.PUBLICIZING:
        available["objection"] = f.ObjectionForm()
        available["objection_resolve"] = f.ObjectionResolveForm()
        available["publicity_close"] = f.PublicityCloseForm()
    if status == S.PUBLICIZED or (
        application.verification_passed is False and status in (S.VERIFIED, S.VISITED, S.APPRAISED)
    ):
        available["decide"] = f.DecisionForm()
    if application.is_open:
        available["withdraw"] = f.WithdrawForm()
    return available


def _assessment(application: Application) -> Any:
    if application.category not in svc.APPLICATION_CATEGORIES:
        return None
    try:
        return svc.application_assess(application)
    except (MissingPolicyParameter, ValueError) as exc:
        return {"error": str(exc)}


@require_perm(AssistancePerm.VIEW_APPLICATION)
def application_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    return _render_detail(request, application, _step_forms(application))


def _render_detail(request: AuthedRequest, application: Application, step_forms: dict[str, forms.Form]) -> HttpResponse:
    can_handle = has_perm(request.user, AssistancePerm.HANDLE_APPLICATION, application.region_id)
    can_decide = has_perm(request.user, AssistancePerm.DECIDE_APPLICATION, application.region_id)
    publicity = getattr(application, "publicity", None)
    decision = getattr(application, "decision", None)
    return render(
        request,
        "assistance/application_detail.html",
        {
            "application": application,
            "region": region_label(application.region_id),
            "members": [
                {"member": m, "addons": "、".join(ADDON_LABELS.get(a, a) for a in m.addons) or "—"}
                for m in application.members.select_related("person")
            ],
            "items": application.declared_items.select_related("person"),
            "documents": application.documents.select_related("file"),
            "missing_documents": svc.missing_documents(application),
            "visits": application.visits.select_related("recorded_by"),
            "appraisal": getattr(application, "appraisal", None),
            "publicity": publicity,
            "objections": publicity.objections.all() if publicity else [],
            "decision": decision,
            "notice_lines": decision_notice_text(application) if decision else [],
            "timeline": _timeline(application),
            "forms": step_forms if can_handle or can_decide else {},
            "can_handle": can_handle,
            "can_decide": can_decide,
            "assessment": _assessment(application),
            "today": timezone.localdate(),
        },
    )


def _run_step(request: AuthedRequest, application: Application, action: str, form: forms.Form) -> None:
    data = form.cleaned_data
    user = request.user
    if action == "document":
        svc.application_document_upload(
            application=application, kind=data["kind"], content=data["file"], name=data["file"].name, acting_user=user
        )
    elif action == "withdraw":
        svc.application_withdraw(application=application, reason=data["reason"], acting_user=user)
    elif action == "verify_request":
        svc.application_verify_request(application=application, acting_user=user)
    elif action == "verification_result":
        svc.application_verification_result(
            application=application,
            passed=data["passed"],
            monthly_income=data["monthly_income"],
            summary={"note": data["note"]} if data["note"] else None,
            acting_user=user,
        )
    elif action == "visit":
        svc.visit_record(application=application, acting_user=user, **data)
    elif action == "appraisal":
        svc.appraisal_record(application=application, acting_user=user, **data)
    elif action == "appraisal_skip":
        svc.appraisal_skip(application=application, reason=data["reason"], acting_user=user)
    elif action == "publicity_start":
        svc.publicity_start(application=application, place=data["place"], starts_on=data["starts_on"], acting_user=user)
    elif action == "objection":
        svc.objection_record(application=application, acting_user=user, **data)
    elif action == "objection_resolve":
        objection_id = request.POST.get("objection")
        objection = Objection.objects.filter(pk=objection_id or 0, publicity__application=application).first()
        if objection is None:
            raise ValidationError({"finding": ["未找到该异议"]})
        svc.objection_resolve(objection=objection, finding=data["finding"], upheld=data["upheld"], acting_user=user)
    elif action == "publicity_close":
        svc.publicity_close(application=application, conclusion=data["conclusion"], acting_user=user)
    elif action == "decide":
        svc.decision_record(
            application=application,
            outcome=data["outcome"],
            reasons=data["reasons"],
            start_month=f.month_value(data["start_month"]),
            acting_user=user,
        )


STEP_FORMS: dict[str, Callable[..., forms.Form]] = {
    "document": f.DocumentForm,
    "withdraw": f.WithdrawForm,
    "verify_request": forms.Form,
    "verification_result": f.VerificationResultForm,
    "visit": f.VisitForm,
    "appraisal": f.AppraisalForm,
    "appraisal_skip": f.SkipForm,
    "publicity_start": f.PublicityForm,
    "objection": f.ObjectionForm,
    "objection_resolve": f.ObjectionResolveForm,
    "publicity_close": f.PublicityCloseForm,
    "decide": f.DecisionForm,
}


@require_POST
@login_required
def application_step(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in STEP_FORMS:
        raise Http404("未知的办理环节")
    perm = AssistancePerm.DECIDE_APPLICATION if action == "decide" else AssistancePerm.HANDLE_APPLICATION
    if not has_perm(request.user, perm):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    application = _application(request, pk, perm)
    form = STEP_FORMS[action](request.POST, request.FILES)
    if form.is_valid():
        try:
            _run_step(request, application, action, form)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已办理")
            return redirect("assistance:application_detail", application.pk)
    application.refresh_from_db()
    step_forms = _step_forms(application)
    step_forms[action] = form
    response = _render_detail(request, application, step_forms)
    response.status_code = 400
    return response


@require_perm(AssistancePerm.VIEW_APPLICATION)
def application_document(request: AuthedRequest, pk: int, document_id: int) -> HttpResponseBase:
    """An uploaded document of an application the user may see (each download is audited)."""
    application = _application(request, pk)
    return _document_response(request, application, document_id)


def _document_response(request: AuthedRequest, application: Application, document_id: int) -> HttpResponseBase:
    from django.http import FileResponse

    document = application.documents.select_related("file").filter(pk=document_id).first()
    if document is None:
        raise Http404("未找到该材料")
    audit_in_own_transaction(
        action="application.document_view",
        actor=request.user,
        obj=application,
        region_code=application.region_id,
        changes={"document": document.pk, "kind": document.kind},
    )
    return FileResponse(
        document.file.file.open("rb"),
        as_attachment=True,
        filename=document.file.original_name,
        content_type=document.file.content_type or "application/octet-stream",
    )


@require_perm(AssistancePerm.VIEW_APPLICATION)
def application_notice(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    if not hasattr(application, "decision"):
        raise Http404("尚未作出审核确认决定")
    return _pdf(application)


def _pdf(application: Application) -> HttpResponse:
    response = HttpResponse(decision_notice_pdf(application), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename={application.number}.pdf"
    return response


# ---------------------------------------------------------------- resident pages


def _resident_household(request: AuthedRequest) -> Household | None:
    person_id = getattr(request.user, "person_id", None)
    if not person_id:
        return None
    membership = HouseholdMember.objects.filter(person_id=person_id).select_related("household").first()
    return membership.household if membership else None


@login_required
def resident_home(request: AuthedRequest) -> HttpResponse:
    """A resident's own applications and the online application form (一网通办)."""
    household = _resident_household(request)
    members = (
        list(HouseholdMember.objects.filter(household=household).select_related("person").order_by("id"))
        if household
        else []
    )
    form = f.IntakeForm(request.POST or None, members=members) if household else None
    if form is not None and household is not None and request.method == "POST" and form.is_valid():
        applicant = next(m.person for m in members if str(m.person_id) == form.cleaned_data["applicant"])
        try:
            application = svc.application_submit(
                household=household,
                applicant=applicant,
                acting_user=request.user,
                channel=Channel.ONLINE,
                **form.service_kwargs(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"申请已提交，编号 {application.number}。请上传申请材料。")
            return redirect("assistance:resident_application", application.pk)
    return render(
        request,
        "assistance/resident_home.html",
        {
            "household": household,
            "applications": _rows(applications_of_resident(request.user)),
            "form": form,
        },
    )


def _own_application(request: AuthedRequest, pk: int) -> Application:
    application = applications_of_resident(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404("未找到该申请")
    return application


@login_required
def resident_application(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    form = f.DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.application_document_upload(
                application=application,
                kind=form.cleaned_data["kind"],
                content=form.cleaned_data["file"],
                name=form.cleaned_data["file"].name,
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "材料已上传")
            return redirect("assistance:resident_application", application.pk)
    decision = getattr(application, "decision", None)
    return render(
        request,
        "assistance/resident_application.html",
        {
            "application": application,
            "timeline": _timeline(application),
            "documents": application.documents.all(),
            "missing_documents": svc.missing_documents(application),
            "form": form if application.is_open else None,
            "decision": decision,
            "notice_lines": decision_notice_text(application) if decision else [],
        },
    )


@login_required
def resident_document(request: AuthedRequest, pk: int, document_id: int) -> HttpResponseBase:
    return _document_response(request, _own_application(request, pk), document_id)


@login_required
def resident_notice(request: AuthedRequest, pk: int) -> HttpResponse:
    application = _own_application(request, pk)
    if not hasattr(application, "decision"):
        raise Http404("尚未作出审核确认决定")
    return _pdf(application)
