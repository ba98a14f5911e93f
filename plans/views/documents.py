"""Web pages of plan documents: list, detail (indicators, outline, key projects), upload (preview →
confirm), version diff, key-project progress, and the mid-term/final evaluation report with its exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.forms import apply_service_errors
from core.models import Region, StoredFile
from core.scoping import has_perm
from core.selectors import region_label, user_regions
from core.services import stored_file_create
from core.views.base import AuthedRequest, paginate, require_perm
from plans import exports_documents as exports
from plans.filtersets_documents import PlanFilterSet
from plans.forms_documents import PlanConfirmForm, PlanUploadForm, ProjectProgressForm
from plans.models import Plan
from plans.parsing import ExtractError, parse_file, public_view
from plans.permissions import PlanPerm
from plans.selectors import documents as sel
from plans.selectors.indicators import get_plan_or_404
from plans.services import documents as svc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(content: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_perm(PlanPerm.VIEW_PLAN)
def plan_list(request: AuthedRequest) -> HttpResponse:
    base = sel.plan_list(request.user)
    filterset = PlanFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx":
        return _attachment(exports.plan_list_workbook(list(queryset)), "规划清单.xlsx", XLSX)
    page, query = paginate(request, queryset)
    return render(
        request,
        "plans/plan_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "plans": page.object_list,
            "querystring_without_page": query,
            "can_import": has_perm(request.user, PlanPerm.MANAGE_PLAN),
        },
    )


@require_perm(PlanPerm.VIEW_PLAN)
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_plan_or_404(request.user, pk, PlanPerm.VIEW_PLAN)
    version = sel.get_version_or_404(plan, request.GET.get("version"))
    indicators = list(version.indicators.order_by("seq"))
    projects = sel.project_progress_rows(plan, version)
    if request.GET.get("export") == "xlsx":
        return _attachment(exports.plan_workbook(plan, version), f"{plan.title}-第{version.number}版.xlsx", XLSX)
    versions = list(plan.versions.order_by("number"))
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "version": version,
            "versions": versions,
            "indicators": [{"item": i, "target_display": sel.target_display(i)} for i in indicators],
            "tasks": sel.plan_outline(version),
            "projects": projects,
            "project_totals": exports.project_totals(projects),
            "tables": _completion_tables(version.parsed),
            "problems": version.parsed.get("problems") or [],
            "can_manage": has_perm(request.user, PlanPerm.MANAGE_PLAN, plan.region_id),
            "previous": next((v for v in reversed(versions) if v.number < version.number), None),
        },
    )


def _completion_tables(parsed: dict[str, Any]) -> list[dict[str, Any]]:
    """The previous plan's results tables, rows as cell lists in column order (jsonb keeps no key order)."""
    return [
        {
            "title": table.get("title") or "",
            "columns": table["columns"],
            "rows": [[row["cells"].get(column, "") for column in table["columns"]] for row in table["rows"]],
        }
        for table in parsed.get("tables") or []
        if table.get("kind") == "completion"
    ]


def _single_plan_of_period(region: Region, parsed: dict[str, Any]) -> bool:
    """A file without its title joins the region's plan of the same period, when there is exactly one."""
    period = parsed.get("period") or [0, 0]
    return Plan.objects.filter(region=region, period_start=period[0], period_end=period[1]).count() == 1


def _upload_regions(request: AuthedRequest) -> list[tuple[str, str]]:
    regions = user_regions(request.user, PlanPerm.MANAGE_PLAN, ("province", "city", "county", "township"))
    return [("", "按文件识别"), *((r.code, f"{r.name}（{r.code}）") for r in regions)]


@require_perm(PlanPerm.MANAGE_PLAN)
def plan_upload(request: AuthedRequest) -> HttpResponse:
    """Step 1: upload and preview (nothing is stored but the file); step 2 (plan_confirm): import."""
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    form.fields["region"].choices = _upload_regions(request)  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            parsed = parse_file(upload.name, content)
        except ExtractError as exc:
            form.add_error("file", str(exc))
        else:
            code = form.cleaned_data.get("region") or ""
            region = Region.objects.filter(code=code).first() if code else None
            region = region or svc.resolve_region(parsed.get("region_name") or "")
            if region is None:
                form.add_error("region", "未能从文件识别所属地区，请选择区划")
            elif not has_perm(request.user, PlanPerm.MANAGE_PLAN, region.code):
                form.add_error("region", f"您无权为{region.name}导入规划，请选择您管辖的区划")
            elif not (form.cleaned_data["title"] or parsed["title"]) and not _single_plan_of_period(region, parsed):
                form.add_error("title", "文件中没有规划名称，请填写规划名称")
            else:
                stored = stored_file_create(name=upload.name, content=content, created_by=request.user)
                confirm = PlanConfirmForm(
                    initial={"stored_file": stored.pk, "region": region.code, "title": form.cleaned_data["title"]}
                )
                title = form.cleaned_data["title"] or parsed["title"]
                existing = (
                    Plan.objects.filter(region=region, title=title).first()
                    if title
                    else Plan.objects.filter(
                        region=region, period_start=parsed["period"][0], period_end=parsed["period"][1]
                    ).first()
                )
                return render(
                    request,
                    "plans/plan_preview.html",
                    {
                        "parsed": public_view(parsed),
                        "tables": _completion_tables(parsed),
                        "region": region,
                        "confirm": confirm,
                        "existing": existing,
                        "duplicate": existing.versions.filter(source_sha256=parsed["sha256"]).first()
                        if existing
                        else None,
                    },
                )
    return render(request, "plans/plan_upload.html", {"form": form})


@require_perm(PlanPerm.MANAGE_PLAN)
def plan_confirm(request: AuthedRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("plans:plan_upload")
    form = PlanConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "确认信息不完整，请重新上传")
        return redirect("plans:plan_upload")
    stored = StoredFile.objects.filter(pk=form.cleaned_data["stored_file"], created_by=request.user).first()
    region = Region.objects.filter(code=form.cleaned_data["region"]).first()
    if stored is None or region is None:
        raise Http404("未找到上传的文件")
    if not has_perm(request.user, PlanPerm.MANAGE_PLAN, region.code):
        raise PermissionDenied
    with stored.file.open("rb") as handle:
        content = handle.read()
    try:
        parsed = parse_file(stored.original_name, content)
        version, created = svc.plan_version_import(
            parsed=parsed,
            region=region,
            file_name=stored.original_name,
            content=content,
            acting_user=request.user,
            title=form.cleaned_data["title"] or None,
            source_file=stored,
        )
    except (ExtractError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            text = (
                "；".join(m for ms in exc.message_dict.values() for m in ms)
                if hasattr(exc, "error_dict")
                else "；".join(exc.messages)
            )
        else:
            text = str(exc)
        messages.error(request, f"导入失败：{text}")
        return redirect("plans:plan_upload")
    if created:
        messages.success(request, f"已导入 {version.plan.title} 第{version.number}版（{version.label}）")
    else:
        messages.info(request, f"该文件已于 {version.imported_at:%Y-%m-%d} 导入为第{version.number}版，未重复保存")
    return redirect("plans:plan_detail", pk=version.plan_id)


@require_perm(PlanPerm.VIEW_PLAN)
def version_diff(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_plan_or_404(request.user, pk, PlanPerm.VIEW_PLAN)
    versions = list(plan.versions.order_by("number"))
    if len(versions) < 2:
        return render(request, "plans/version_diff.html", {"plan": plan, "versions": versions, "diff": None})
    new = sel.get_version_or_404(plan, request.GET.get("new") or versions[-1].number)
    old_number = request.GET.get("old") or next(
        (v.number for v in reversed(versions) if v.number < new.number), versions[0].number
    )
    old = sel.get_version_or_404(plan, old_number)
    return render(
        request,
        "plans/version_diff.html",
        {"plan": plan, "versions": versions, "diff": sel.version_diff(old, new)},
    )


@require_perm(PlanPerm.MANAGE_PLAN)
def project_progress(request: AuthedRequest, pk: int, key: str) -> HttpResponse:
    plan = get_plan_or_404(request.user, pk, PlanPerm.VIEW_PLAN)
    if not has_perm(request.user, PlanPerm.MANAGE_PLAN, plan.region_id):
        raise PermissionDenied
    project = sel.current_project(plan, key)
    form = ProjectProgressForm(request.POST or None, initial={"year": min(plan.period_end, _this_year())})
    if request.method == "POST" and form.is_valid():
        try:
            svc.key_project_progress_set(plan=plan, project_key=key, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已保存 {project.name} {form.cleaned_data['year']}年进展")
            return redirect(f"{plan_detail_url(plan)}#projects")
    rows = [r for r in sel.project_progress_rows(plan, project.version) if r["project"].pk == project.pk]
    return render(
        request, "plans/project_progress.html", {"plan": plan, "project": project, "row": rows[0], "form": form}
    )


def plan_detail_url(plan: Plan) -> str:
    return reverse("plans:plan_detail", args=[plan.pk])


def _this_year() -> int:
    import datetime

    return datetime.date.today().year


def _evaluation(request: AuthedRequest, pk: int, stage: str) -> dict[str, Any]:
    plan = get_plan_or_404(request.user, pk, PlanPerm.VIEW_PLAN)
    return sel.evaluation_report(user=request.user, plan=plan, stage=stage, region_code=request.GET.get("region", ""))


@require_perm(PlanPerm.VIEW_PLAN)
def evaluation(request: AuthedRequest, pk: int, stage: str) -> HttpResponse:
    report = _evaluation(request, pk, stage)
    chart = exports.evaluation_chart_data(report)
    plan = report["plan"]
    # The plan's region and the townships in it that the user may see (an evaluation per township).
    regions = [
        r
        for r in user_regions(request.user, PlanPerm.VIEW_PLAN, ("county", "township"))
        if r.code.startswith(plan.region_id)
    ]
    if not any(r.code == plan.region_id for r in regions) and has_perm(
        request.user, PlanPerm.VIEW_PLAN, plan.region_id
    ):
        regions.insert(0, plan.region)
    return render(
        request,
        "plans/evaluation.html",
        {
            "report": report,
            "chart": chart,
            "region_label": region_label(report["region_code"]),
            "regions": regions,
            "query": request.GET.urlencode(),
            "can_manage": has_perm(request.user, PlanPerm.MANAGE_PLAN, report["plan"].region_id),
        },
    )


@require_perm(PlanPerm.MANAGE_PLAN)
def evaluation_note(request: AuthedRequest, pk: int, stage: str, key: str) -> HttpResponse:
    """Save staff's assessment of one indicator (a POST from the evaluation page)."""
    plan = get_plan_or_404(request.user, pk, PlanPerm.VIEW_PLAN)
    if not has_perm(request.user, PlanPerm.MANAGE_PLAN, plan.region_id):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("plans:evaluation", pk=plan.pk, stage=stage)
    try:
        svc.evaluation_note_set(
            plan=plan, stage=stage, indicator_key=key, note=request.POST.get("note", ""), acting_user=request.user
        )
    except ValidationError as exc:
        messages.error(request, "；".join(m for ms in exc.message_dict.values() for m in ms))
    else:
        messages.success(request, "评估说明已保存")
    region = request.POST.get("region", "")
    suffix = f"?region={quote(region)}" if region else ""
    return redirect(f"{reverse('plans:evaluation', args=[plan.pk, stage])}{suffix}#ind-{quote(key)}")


@require_perm(PlanPerm.VIEW_PLAN)
def evaluation_xlsx(request: AuthedRequest, pk: int, stage: str) -> HttpResponse:
    report = _evaluation(request, pk, stage)
    name = f"{report['plan'].title}-{report['stage_label']}（{report['year']}年）.xlsx"
    return _attachment(exports.evaluation_workbook(report), name, XLSX)


@require_perm(PlanPerm.VIEW_PLAN)
def evaluation_pdf(request: AuthedRequest, pk: int, stage: str) -> HttpResponse:
    report = _evaluation(request, pk, stage)
    name = f"{report['plan'].title}-{report['stage_label']}（{report['year']}年）.pdf"
    return _attachment(exports.evaluation_pdf(report, region_label(report["region_code"])), name, "application/pdf")
