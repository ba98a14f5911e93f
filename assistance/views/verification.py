"""Web pages of economic verification (data-source batches, imports, reports, verification jobs)
and of reviews (due list, detail with verification and decision, the notice)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import selectors_verification as sel
from assistance.choices import CaseStatus
from assistance.choices_verification import FactSource, ReviewStatus
from assistance.filtersets_verification import FactBatchFilterSet, ReportFilterSet, ReviewFilterSet
from assistance.forms_verification import FactImportForm, ReviewDecideForm, ReviewScheduleForm, VerificationStartForm
from assistance.imports_verification import FACT_COLUMNS, read_table, template_rows
from assistance.job_handlers_verification import FACT_IMPORT_VALIDATE
from assistance.models import Case, DataSourceFact, FactBatch, Review, VerificationReport
from assistance.permissions_verification import VerificationPerm as P
from assistance.services_reviews import (
    review_cancel,
    review_decide,
    review_schedule_start,
    review_verification_start,
)
from assistance.services_verification import verification_start
from core import services as core_services
from core.choices import JobStatus
from core.forms import apply_service_errors
from core.models import Household, Job, Region
from core.policy import MissingPolicyParameter
from core.scoping import get_visible_or_404, grant_prefixes, has_perm
from core.selectors import region_choices, region_label
from core.sheets import SheetError, write_workbook
from core.views.base import AuthedRequest, paginate, require_perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def scope_choices(user: Any, perm: str) -> list[Any]:
    """The regions granted (district or township) first, then townships and villages below."""
    granted = [(code, region_label(code)) for code in grant_prefixes(user, perm)]
    return [("授权范围", granted), *region_choices(user, perm)]


def _list(request: AuthedRequest, filterset_class: Any, base: Any) -> tuple[Any, Any]:
    filterset = filterset_class(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    return filterset, queryset


# ------------------------------------------------------------------ data-source batches


@require_perm(P.VIEW_VERIFICATION)
def fact_batch_list(request: AuthedRequest) -> HttpResponse:
    filterset, queryset = _list(request, FactBatchFilterSet, sel.fact_batches(request.user))
    page, query = paginate(request, queryset)
    imports = (
        Job.objects.filter(kind=FACT_IMPORT_VALIDATE, requested_by=request.user).order_by("-id")[:5]
        if has_perm(request.user, P.IMPORT_FACTS)
        else []
    )
    return render(
        request,
        "assistance/verification/fact_batch_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "querystring_without_page": query,
            "can_import": has_perm(request.user, P.IMPORT_FACTS),
            "imports": imports,
        },
    )


@require_perm(P.VIEW_VERIFICATION)
def fact_batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_visible_or_404(FactBatch.objects.select_related("created_by"), request.user, P.VIEW_VERIFICATION, pk=pk)
    facts = DataSourceFact.objects.filter(batch=batch).select_related("person").order_by("id")
    page, query = paginate(request, facts, per_page=50)
    return render(
        request,
        "assistance/verification/fact_batch_detail.html",
        {"batch": batch, "page_obj": page, "querystring_without_page": query},
    )


@require_perm(P.IMPORT_FACTS)
def fact_import(request: AuthedRequest) -> HttpResponse:
    """Upload -> a validation job; obvious file problems are answered at once."""
    form = FactImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read_table(upload, FACT_COLUMNS)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            job = fact_import_start(request.user, upload, form.cleaned_data["source_kind"])
            return redirect("assistance:fact_import_status", pk=job.pk)
    return render(request, "assistance/verification/fact_import.html", {"form": form, "columns": FACT_COLUMNS})


def fact_import_start(user: Any, upload: Any, source_kind: str) -> Job:
    """The import's validation job, scoped to the user's broadest granted region."""
    prefixes = grant_prefixes(user, P.IMPORT_FACTS)
    region = Region.objects.get(code=min(prefixes, key=len))
    name = upload.name or "extract"
    stored = core_services.stored_file_create(name=name, content=upload, created_by=user)
    return core_services.job_create(
        kind=FACT_IMPORT_VALIDATE,
        title=f"核对数据导入校验：{FactSource(source_kind).label} {name}",
        acting_user=user,
        region=region,
        params={"source_kind": source_kind},
        input_file=stored,
    )


def _import_job(request: AuthedRequest, pk: int) -> Job:
    job = get_visible_or_404(
        Job.objects.select_related("result_file"), request.user, P.IMPORT_FACTS, pk=pk, kind=FACT_IMPORT_VALIDATE
    )
    if job.requested_by_id != request.user.pk and not has_perm(request.user, P.IMPORT_FACTS, job.region_id):
        raise Http404
    return job


@require_perm(P.IMPORT_FACTS)
def fact_import_status(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _import_job(request, pk)
    commit = job.children.first()
    batch = FactBatch.objects.filter(job=commit).first() if commit else None
    confirmable = (
        job.status == JobStatus.SUCCEEDED
        and job.counts.get("valid", 0) > 0
        and job.requested_by_id == request.user.pk
        and commit is None
    )
    return render(
        request,
        "assistance/verification/fact_import_status.html",
        {"job": job, "commit": commit, "batch": batch, "confirmable": confirmable},
    )


@require_POST
@require_perm(P.IMPORT_FACTS)
def fact_import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _import_job(request, pk)
    try:
        _, created = core_services.import_confirm(validation_job=job, acting_user=request.user)
    except core_services.ImportConfirmRefused as refused:
        if refused.status == 403:
            raise PermissionDenied(str(refused)) from None
        messages.error(request, str(refused))
        return redirect("assistance:fact_import_status", pk=job.pk)
    if not created:
        messages.info(request, "该文件已确认导入")
    return redirect("assistance:fact_import_status", pk=job.pk)


@require_perm(P.IMPORT_FACTS)
def fact_import_template(request: AuthedRequest) -> HttpResponse:
    source_kind = request.GET.get("source_kind", FactSource.BANK_DEPOSIT)
    if source_kind not in FactSource.values:
        raise Http404
    label = FactSource(source_kind).label
    content = write_workbook([(label, FACT_COLUMNS, template_rows(source_kind))])
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'核对数据模板-{label}.xlsx')}"
    return response


# ------------------------------------------------------------------ reports and verification jobs


@require_perm(P.VIEW_VERIFICATION)
def report_list(request: AuthedRequest) -> HttpResponseBase:
    filterset, queryset = _list(request, ReportFilterSet, sel.reports(request.user))
    if request.GET.get("export") == "xlsx":
        return _report_export(request, queryset)
    page, query = paginate(request, queryset)
    return render(
        request,
        "assistance/verification/report_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "querystring_without_page": query,
            "can_run": has_perm(request.user, P.RUN_VERIFICATION),
        },
    )


def _report_export(request: AuthedRequest, queryset: Any) -> HttpResponse:
    from core.audit import audit_in_own_transaction
    from core.permissions import CorePerm
    from core.sheets import Column

    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied("您的账号没有导出权限")
    columns = [
        Column("id", "报告编号", width=10),
        Column("household", "户编号", width=16),
        Column("region", "村居", width=20),
        Column("category", "类别", width=16),
        Column("on_date", "基准日", width=12),
        Column("members", "人数", width=6),
        Column("income", "家庭月收入", width=12),
        Column("income_limit", "人均收入标准", width=12),
        Column("monetary", "货币财产", width=14),
        Column("monetary_limit", "人均限额", width=12),
        Column("vehicles", "车辆", width=6),
        Column("non_res", "非居住房屋", width=8),
        Column("passed", "结论", width=8),
    ]
    rows = (
        [
            r.pk,
            r.household.number,
            region_label(r.region_id),
            r.get_category_display(),
            r.on_date,
            r.member_count,
            r.monthly_income,
            r.income_limit,
            r.monetary_property,
            r.monetary_limit,
            r.vehicle_count,
            r.non_residential_count,
            "符合" if r.passed else "不符合",
        ]
        for r in queryset.iterator(chunk_size=2000)
    )
    content = write_workbook([("核对报告", columns, rows)])
    audit_in_own_transaction(
        action="assistance.verification.export",
        actor=request.user,
        object_type="assistance.verificationreport",
        object_repr="核对报告导出",
        changes={"query": request.GET.urlencode()},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('核对报告.xlsx')}"
    return response


@require_perm(P.VIEW_VERIFICATION)
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    report = get_visible_or_404(
        VerificationReport.objects.select_related("household", "region", "created_by"),
        request.user,
        P.VIEW_VERIFICATION,
        pk=pk,
    )
    items = report.items.select_related("person").order_by("person_id", "source_kind", "-as_of")
    return render(
        request,
        "assistance/verification/report_detail.html",
        {"report": report, "items": items, "parameters": sorted(report.parameters.items())},
    )


@require_perm(P.RUN_VERIFICATION)
def verification_new(request: AuthedRequest) -> HttpResponse:
    choices = scope_choices(request.user, P.RUN_VERIFICATION)
    form = VerificationStartForm(request.POST or None, region_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household_ids, region = _households_for(request, data)
            job = verification_start(
                household_ids=household_ids,
                on_date=data["on_date"],
                category=data["category"],
                acting_user=request.user,
                region=region,
                purpose="批量核对" if data["live_cases"] else "核对",
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect("core:job_detail", pk=job.pk)
    return render(request, "assistance/verification/verification_form.html", {"form": form})


def _households_for(request: AuthedRequest, data: dict[str, Any]) -> tuple[list[int], Region]:
    if data["live_cases"]:
        code = data["region"]
        if not code or not has_perm(request.user, P.RUN_VERIFICATION, code):
            raise ValidationError({"region": ["请选择您管辖范围内的区划"]})
        ids = list(
            Case.objects.filter(
                category=data["category"],
                status__in=[CaseStatus.ACTIVE, CaseStatus.SUSPENDED],
                region__code__startswith=code,
            ).values_list("household_id", flat=True)
        )
        if not ids:
            raise ValidationError({"category": ["该区划没有该类别的在保案件"]})
        return ids, Region.objects.get(code=code)
    numbers = [line.strip() for line in data["households"].splitlines() if line.strip()]
    if not numbers:
        raise ValidationError({"households": ["请填写户编号，或勾选核对全部在保案件"]})
    found = dict(Household.objects.filter(number__in=numbers).values_list("number", "pk"))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ValidationError({"households": [f"户编号不存在：{'、'.join(missing[:10])}"]})
    first = Household.objects.select_related("region").get(pk=found[numbers[0]])
    return list(found.values()), first.region


# ------------------------------------------------------------------ reviews


@require_perm(P.VIEW_REVIEW)
def review_list(request: AuthedRequest) -> HttpResponseBase:
    filterset, queryset = _list(request, ReviewFilterSet, sel.reviews(request.user))
    if request.GET.get("export") == "xlsx":
        return _review_export(request, queryset)
    page, query = paginate(request, queryset)
    can_schedule = has_perm(request.user, P.DECIDE_REVIEW)
    schedule_form = (
        ReviewScheduleForm(region_choices=scope_choices(request.user, P.DECIDE_REVIEW)) if can_schedule else None
    )
    return render(
        request,
        "assistance/verification/review_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "querystring_without_page": query,
            "schedule_form": schedule_form,
            "due_count": sel.reviews_due(request.user, timezone.localdate()).count(),
        },
    )


def _review_export(request: AuthedRequest, queryset: Any) -> HttpResponse:
    from core.audit import audit_in_own_transaction
    from core.permissions import CorePerm
    from core.sheets import Column

    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied("您的账号没有导出权限")
    columns = [
        Column("id", "复核编号", width=10),
        Column("case", "案件编号", width=26),
        Column("payee", "领取人", width=10),
        Column("category", "救助类别", width=16),
        Column("region", "村居", width=20),
        Column("trigger", "触发原因", width=18),
        Column("due", "应复核日期", width=12),
        Column("status", "状态", width=8),
        Column("outcome", "复核结论", width=12),
        Column("old", "原月救助金", width=12),
        Column("new", "新月救助金", width=12),
        Column("reason", "理由", width=40),
    ]
    rows = (
        [
            r.pk,
            r.case.number,
            r.case.payee.name,
            r.case.get_category_display(),
            region_label(r.case.region_id),
            r.get_trigger_display(),
            r.due_date,
            r.get_status_display(),
            r.get_outcome_display(),
            r.old_monthly_amount,
            r.new_monthly_amount,
            r.reason,
        ]
        for r in queryset.iterator(chunk_size=2000)
    )
    content = write_workbook([("复核", columns, rows)])
    audit_in_own_transaction(
        action="assistance.review.export",
        actor=request.user,
        object_type="assistance.review",
        object_repr="复核清单导出",
        changes={"query": request.GET.urlencode()},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('复核清单.xlsx')}"
    return response


@require_POST
@require_perm(P.DECIDE_REVIEW)
def review_schedule(request: AuthedRequest) -> HttpResponse:
    form = ReviewScheduleForm(request.POST, region_choices=scope_choices(request.user, P.DECIDE_REVIEW))
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("assistance:review_list")
    region = Region.objects.get(code=form.cleaned_data["region"])
    try:
        job = review_schedule_start(region=region, on=form.cleaned_data["on"], acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect("assistance:review_list")
    return redirect("core:job_detail", pk=job.pk)


def _review(request: AuthedRequest, pk: int, perm: str = P.VIEW_REVIEW) -> Review:
    return get_visible_or_404(
        Review.objects.select_related("case", "case__payee", "case__household", "report", "notice", "decided_by"),
        request.user,
        perm,
        pk=pk,
    )


@require_perm(P.VIEW_REVIEW)
def review_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    can_decide = review.status == ReviewStatus.OPEN and has_perm(request.user, P.DECIDE_REVIEW, review.case.region_id)
    form = ReviewDecideForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                review_decide(review=review, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            except MissingPolicyParameter as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "复核已办结，通知书已生成")
                return redirect("assistance:review_detail", pk=review.pk)
    return render(
        request,
        "assistance/verification/review_detail.html",
        {"review": review, "form": form, "can_decide": can_decide},
    )


@require_POST
@require_perm(P.DECIDE_REVIEW)
def review_verify(request: AuthedRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, P.DECIDE_REVIEW)
    try:
        job = review_verification_start(
            reviews=[review], on_date=timezone.localdate(), acting_user=request.user, region=review.case.region
        )
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
        return redirect("assistance:review_detail", pk=review.pk)
    return redirect("core:job_detail", pk=job.pk)


@require_POST
@require_perm(P.DECIDE_REVIEW)
def review_cancel_view(request: AuthedRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, P.DECIDE_REVIEW)
    try:
        review_cancel(review=review, reason=request.POST.get("reason", ""), acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
    return redirect("assistance:review_detail", pk=review.pk)


@require_perm(P.VIEW_REVIEW)
def review_notice(request: AuthedRequest, pk: int) -> HttpResponseBase:
    review = _review(request, pk)
    if review.notice is None:
        raise Http404
    response = FileResponse(review.notice.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(review.notice.original_name)}"
    return response
