from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import imports, services
from core.choices import JobStatus
from core.filtersets import JobFilterSet
from core.forms import ImportUploadForm
from core.job_handlers import PERSON_IMPORT_VALIDATE
from core.models import Job, StoredFile
from core.permissions import CorePerm
from core.scoping import get_visible_or_404
from core.selectors import home_region
from core.sheets import SheetError, read_sheet, write_workbook
from core.views.base import AuthedRequest, paginate, require_perm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_perm(CorePerm.VIEW_JOB)
def job_list(request: AuthedRequest) -> HttpResponse:
    base = Job.objects.visible_to(request.user, CorePerm.VIEW_JOB).select_related("requested_by")
    filterset = JobFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    page, query = paginate(request, queryset)
    return render(
        request, "core/job_list.html", {"filter": filterset, "page_obj": page, "querystring_without_page": query}
    )


def _job(request: AuthedRequest, pk: int) -> Job:
    if not request.user.is_authenticated:
        raise Http404
    return get_visible_or_404(
        Job.objects.select_related("requested_by", "input_file", "result_file"), request.user, CorePerm.VIEW_JOB, pk=pk
    )


@require_perm(CorePerm.VIEW_JOB)
def job_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    confirmable = (
        job.kind == PERSON_IMPORT_VALIDATE
        and job.status == JobStatus.SUCCEEDED
        and job.counts.get("valid", 0) > 0
        and job.requested_by_id == request.user.pk
        and not job.children.exists()
    )
    context = {"job": job, "confirmable": confirmable, "commit_job": job.children.first()}
    template = "core/job_detail.html#progress" if request.headers.get("HX-Request") else "core/job_detail.html"
    return render(request, template, context)


@require_perm(CorePerm.VIEW_JOB)
def stored_file_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A file is reachable only through a job the user may see."""
    visible_jobs = Job.objects.visible_to(request.user, CorePerm.VIEW_JOB)
    if not visible_jobs.filter(Q(input_file_id=pk) | Q(result_file_id=pk)).exists():
        raise Http404
    stored = StoredFile.objects.get(pk=pk)
    response = FileResponse(stored.file.open("rb"), content_type=stored.content_type or XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stored.original_name)}"
    return response


@require_perm(CorePerm.IMPORT_DATA)
def person_import(request: AuthedRequest) -> HttpResponse:
    """Upload → a validation job. Obvious file problems are answered at once, without a job."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            read_sheet(upload, imports.PERSON_COLUMNS)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            region = home_region(request.user)
            assert region is not None
            stored = services.stored_file_create(
                name=upload.name, content=upload, created_by=request.user, content_type=XLSX
            )
            job = services.job_create(
                kind=PERSON_IMPORT_VALIDATE,
                title=f"导入校验：{upload.name}",
                acting_user=request.user,
                region=region,
                input_file=stored,
            )
            return redirect("core:job_detail", pk=job.pk)
    return render(request, "core/person_import.html", {"form": form, "columns": imports.PERSON_COLUMNS})


@require_perm(CorePerm.IMPORT_DATA)
def person_import_template(request: AuthedRequest) -> HttpResponse:
    from core.sheets import Column

    note_columns = [Column("c", "列", width=16), Column("r", "是否必填", width=16), Column("d", "说明", width=70)]
    content = write_workbook(
        [
            ("人员与家庭户", imports.PERSON_COLUMNS, imports.template_rows()),
            ("填写说明", note_columns, imports.template_note()[1:]),
        ]
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('人员与家庭户导入模板.xlsx')}"
    return response


@require_POST
@require_perm(CorePerm.IMPORT_DATA)
def person_import_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        commit, created = services.import_confirm(validation_job=job, acting_user=request.user)
    except services.ImportConfirmRefused as refused:
        if refused.status == 403:
            raise PermissionDenied(str(refused)) from None
        if refused.status == 404 or job.status != JobStatus.SUCCEEDED:
            raise Http404 from None
        messages.error(request, str(refused))
        return redirect("core:job_detail", pk=job.pk)
    if not created:
        messages.info(request, "该文件已确认导入")
    return redirect("core:job_detail", pk=commit.pk)
