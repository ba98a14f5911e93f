"""API of plan documents: plans, versions, indicators, tasks, key projects, the version diff, import
(dry run and confirm), key-project progress and the evaluation report.

Mounted under /api/v1/plans/ by ``router.add_router("", document_router)`` in plans/api.py. Same
services, selectors and FilterSet as the web pages.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from core.api import _filtered, _page, _require
from core.models import Region, StoredFile
from core.scoping import has_perm
from core.services import stored_file_create
from plans.filtersets_documents import PlanFilterSet
from plans.forms_documents import MAX_UPLOAD_BYTES
from plans.models import Indicator, KeyProject, Plan, PlanVersion, Task
from plans.parsing import ExtractError, parse_file, public_view
from plans.permissions import PlanPerm
from plans.selectors import documents as sel
from plans.selectors.indicators import get_plan_or_404
from plans.services import documents as svc

router = Router(tags=["规划文件"])


class VersionOut(Schema):
    number: int
    label: str
    document_title: str
    document_number: str
    source_file_name: str
    source_format: str
    source_sha256: str
    imported_at: datetime.datetime
    imported_by: str | None
    is_current: bool
    problem_count: int
    indicator_count: int


class PlanOut(Schema):
    id: int
    region: str
    region_name: str
    title: str
    period: list[int]
    current_version: VersionOut | None


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[PlanOut]


class IndicatorOut(Schema):
    seq: int
    key: str
    name: str
    definition: str
    unit: str
    baseline: str
    baseline_year: int | None
    baseline_value: Decimal | None
    target: str
    target_year: int | None
    target_comparator: str
    target_value: Decimal | None
    secondary_targets: list[dict[str, Any]]
    kind: str
    kind_label: str
    source: str


class TaskOut(Schema):
    seq: int
    level: int
    number: str
    title: str
    parent_seq: int | None


class ProjectOut(Schema):
    seq: int
    key: str
    category: str
    name: str
    investment_wan_yuan: Decimal | None
    floor_area_m2: Decimal | None
    beds: int | None
    spent_wan_yuan: Decimal
    beds_delivered: int


class VersionDetailOut(Schema):
    plan_id: int
    version: VersionOut
    indicators: list[IndicatorOut]
    tasks: list[TaskOut]
    projects: list[ProjectOut]
    problems: list[dict[str, Any]]


class ImportOut(Schema):
    dry_run: bool
    created: bool
    plan_id: int | None
    version: int | None
    region_code: str
    stored_file: int | None = None
    parsed: dict[str, Any]


class ConfirmIn(Schema):
    stored_file: int
    region: str
    title: str = ""


class ProgressIn(Schema):
    year: int
    spent_wan_yuan: Decimal
    beds_delivered: int = 0
    note: str = ""


class NoteIn(Schema):
    note: str


class NoteOut(Schema):
    indicator_key: str
    stage: str
    note: str


class ProgressOut(Schema):
    project_key: str
    year: int
    spent_wan_yuan: Decimal
    beds_delivered: int
    note: str


def _version_out(version: PlanVersion) -> dict[str, Any]:
    user = version.imported_by
    return {
        "number": version.number,
        "label": version.label,
        "document_title": version.document_title,
        "document_number": version.document_number,
        "source_file_name": version.source_file_name,
        "source_format": version.source_format,
        "source_sha256": version.source_sha256,
        "imported_at": version.imported_at,
        "imported_by": user.get_username() if user else None,
        "is_current": version.is_current,
        "problem_count": version.problem_count,
        "indicator_count": version.indicators.count(),
    }


def _plan_out(plan: Plan) -> dict[str, Any]:
    current = next(iter(getattr(plan, "current_versions", [])), None) if hasattr(plan, "current_versions") else None
    if current is None and not hasattr(plan, "current_versions"):
        current = plan.versions.filter(is_current=True).first()
    return {
        "id": plan.pk,
        "region": plan.region_id,
        "region_name": plan.region.name,
        "title": plan.title,
        "period": [plan.period_start, plan.period_end],
        "current_version": _version_out(current) if current else None,
    }


def _indicator_out(i: Indicator) -> dict[str, Any]:
    return {
        "seq": i.seq,
        "key": i.key,
        "name": i.name,
        "definition": i.definition,
        "unit": i.unit,
        "baseline": i.baseline_text,
        "baseline_year": i.baseline_year,
        "baseline_value": i.baseline_value,
        "target": i.target_text,
        "target_year": i.target_year,
        "target_comparator": i.target_comparator,
        "target_value": i.target_value,
        "secondary_targets": i.secondary_targets,
        "kind": i.kind,
        "kind_label": i.get_kind_display() if i.kind else "",
        "source": i.source,
    }


def _task_out(task: Task, seq_of: dict[int, int]) -> dict[str, Any]:
    return {
        "seq": task.seq,
        "level": task.level,
        "number": task.number,
        "title": task.title,
        "parent_seq": seq_of.get(task.parent_id) if task.parent_id else None,
    }


def _project_out(row: dict[str, Any]) -> dict[str, Any]:
    project: KeyProject = row["project"]
    return {
        "seq": project.seq,
        "key": project.key,
        "category": project.category,
        "name": project.name,
        "investment_wan_yuan": project.investment_wan_yuan,
        "floor_area_m2": project.floor_area_m2,
        "beds": project.beds,
        "spent_wan_yuan": row["spent_wan_yuan"],
        "beds_delivered": row["beds_delivered"],
    }


@router.get("/documents", response=PlanPage, summary="规划清单（q、region、year）")
def plan_list(request: HttpRequest) -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    queryset = _filtered(PlanFilterSet, request, sel.plan_list(user))
    meta, rows = _page(request, queryset)
    return {**meta, "results": [_plan_out(p) for p in rows]}


@router.post(
    "/documents/import",
    response={200: ImportOut, 201: ImportOut},
    summary="导入规划文件（dry_run=true 只读取不保存；同一文件不重复保存）",
)
def plan_import(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    region: str = Form(""),
    title: str = Form(""),
    dry_run: bool = Form(False),
) -> Any:
    user = _require(request, PlanPerm.MANAGE_PLAN)
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": ["文件超过 20MB"]})
    content = file.read()
    try:
        parsed = parse_file(file.name or "upload.txt", content)
    except ExtractError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    target = (
        Region.objects.filter(code=region).first() if region else svc.resolve_region(parsed.get("region_name") or "")
    )
    if target is None:
        raise ValidationError({"region": ["未能从文件识别所属地区，请填写区划代码"]})
    if not has_perm(user, PlanPerm.MANAGE_PLAN, target.code):
        raise ValidationError({"region": [f"您无权为{target.name}导入规划"]})
    view = public_view(parsed)
    if dry_run:
        # The file is kept so that the preview can be confirmed without sending it again.
        stored = stored_file_create(name=file.name or "upload.txt", content=content, created_by=user)
        return Status(
            200,
            {
                "dry_run": True,
                "created": False,
                "plan_id": None,
                "version": None,
                "region_code": target.code,
                "stored_file": stored.pk,
                "parsed": view,
            },
        )
    version, created = svc.plan_version_import(
        parsed=parsed,
        region=target,
        file_name=file.name or "upload.txt",
        content=content,
        acting_user=user,
        title=title or None,
    )
    body = {
        "dry_run": False,
        "created": created,
        "plan_id": version.plan_id,
        "version": version.number,
        "region_code": target.code,
        "parsed": view,
    }
    return Status(201 if created else 200, body)


@router.post(
    "/documents/import/confirm",
    response={200: ImportOut, 201: ImportOut},
    summary="确认导入试读过的文件（stored_file 为试读返回的文件号）",
)
def plan_import_confirm(request: HttpRequest, data: ConfirmIn) -> Any:
    user = _require(request, PlanPerm.MANAGE_PLAN)
    stored = StoredFile.objects.filter(pk=data.stored_file, created_by=user).first()
    if stored is None:
        raise Http404("未找到试读的文件")
    target = Region.objects.filter(code=data.region).first()
    if target is None:
        raise ValidationError({"region": ["区划代码不存在"]})
    if not has_perm(user, PlanPerm.MANAGE_PLAN, target.code):
        raise ValidationError({"region": [f"您无权为{target.name}导入规划"]})
    with stored.file.open("rb") as handle:
        content = handle.read()
    try:
        parsed = parse_file(stored.original_name, content)
    except ExtractError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    version, created = svc.plan_version_import(
        parsed=parsed,
        region=target,
        file_name=stored.original_name,
        content=content,
        acting_user=user,
        title=data.title or None,
        source_file=stored,
    )
    body = {
        "dry_run": False,
        "created": created,
        "plan_id": version.plan_id,
        "version": version.number,
        "region_code": target.code,
        "stored_file": stored.pk,
        "parsed": public_view(parsed),
    }
    return Status(201 if created else 200, body)


@router.get(
    "/documents/{plan_id}/indicators",
    response=list[IndicatorOut],
    summary="规划指标（version 为版本号，缺省为现行版本）",
)
def indicator_list(request: HttpRequest, plan_id: int, version: int | None = None) -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    chosen = sel.get_version_or_404(plan, version)
    return [_indicator_out(i) for i in chosen.indicators.order_by("seq")]


@router.get("/documents/{plan_id}", response=PlanOut, summary="规划及其现行版本")
def plan_detail(request: HttpRequest, plan_id: int) -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    return _plan_out(get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN))


@router.get("/documents/{plan_id}/versions", response=list[VersionOut], summary="规划的全部版本")
def version_list(request: HttpRequest, plan_id: int) -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    return [_version_out(v) for v in plan.versions.order_by("number")]


@router.get(
    "/documents/{plan_id}/versions/{number}",
    response=VersionDetailOut,
    summary="一个版本的指标、章节任务与重点项目（number=current 为现行版本）",
)
def version_detail(request: HttpRequest, plan_id: int, number: str) -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    version = sel.get_version_or_404(plan, None if number == "current" else number)
    tasks = list(version.tasks.order_by("seq"))
    seq_of = {t.pk: t.seq for t in tasks}
    return {
        "plan_id": plan.pk,
        "version": _version_out(version),
        "indicators": [_indicator_out(i) for i in version.indicators.order_by("seq")],
        "tasks": [_task_out(t, seq_of) for t in tasks],
        "projects": [_project_out(r) for r in sel.project_progress_rows(plan, version)],
        "problems": version.parsed.get("problems") or [],
    }


@router.get("/documents/{plan_id}/diff", response=dict[str, Any], summary="两个版本的差异（old、new 为版本号）")
def version_diff(request: HttpRequest, plan_id: int, old: int | None = None, new: int | None = None) -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    numbers = list(plan.versions.order_by("number").values_list("number", flat=True))
    if len(numbers) < 2:
        raise ValidationError({"old": ["该规划只有一个版本，无法比较"]})
    new_version = sel.get_version_or_404(plan, new or numbers[-1])
    old_version = sel.get_version_or_404(
        plan, old or max((n for n in numbers if n < new_version.number), default=numbers[0])
    )
    diff = sel.version_diff(old_version, new_version)
    return {
        "old": old_version.number,
        "new": new_version.number,
        "indicators": diff["indicators"],
        "tasks": [{k: v for k, v in t.items() if k != "seq"} for t in diff["tasks"]],
        "projects": [
            {**p, "changes": [{**c, "old": _plain(c["old"]), "new": _plain(c["new"])} for c in p["changes"]]}
            for p in diff["projects"]
        ],
        "counts": diff["counts"],
    }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


@router.post(
    "/documents/{plan_id}/projects/{key}/progress",
    response={201: ProgressOut},
    summary="填报（或更正）重点项目某年度的完成投资与交付床位",
)
def project_progress(request: HttpRequest, plan_id: int, key: str, data: ProgressIn) -> Any:
    user = _require(request, PlanPerm.MANAGE_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    if not has_perm(user, PlanPerm.MANAGE_PLAN, plan.region_id):
        raise PermissionDenied("您无权填报该规划的项目进展")
    sel.current_project(plan, key)
    row = svc.key_project_progress_set(
        plan=plan,
        project_key=key,
        year=data.year,
        spent_wan_yuan=data.spent_wan_yuan,
        beds_delivered=data.beds_delivered,
        note=data.note,
        acting_user=user,
    )
    return Status(
        201,
        {
            "project_key": row.project_key,
            "year": row.year,
            "spent_wan_yuan": row.spent_wan_yuan,
            "beds_delivered": row.beds_delivered,
            "note": row.note,
        },
    )


@router.get(
    "/documents/{plan_id}/evaluation/{stage}",
    response=dict[str, Any],
    summary="中期（mid）或总结（final）评估：各指标历年值、状态，重点项目进展（region 可选）",
)
def evaluation(request: HttpRequest, plan_id: int, stage: str, region: str = "") -> Any:
    user = _require(request, PlanPerm.VIEW_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    report = sel.evaluation_report(user=user, plan=plan, stage=stage, region_code=region)
    totals = report["project_totals"]
    return {
        "plan_id": plan.pk,
        "stage": stage,
        "stage_label": report["stage_label"],
        "year": report["year"],
        "years": report["years"],
        "region": report["region_code"],
        "version": report["version"].number,
        "status_counts": report["status_counts"],
        "indicators": [
            {
                "seq": r["indicator"].seq,
                "key": r["indicator"].key,
                "name": r["indicator"].name,
                "kind": r["indicator"].kind,
                "unit": r["indicator"].unit,
                "baseline": r["indicator"].baseline_text,
                "target": r["indicator"].target_text,
                "values": {str(y): _plain(v) for y, v in zip(report["years"], r["values"], strict=True)},
                "status": r["status"],
                "status_label": r["status_label"],
                "progress": _plain(r["progress"]),
                "notes": r["notes"],
                "staff_note": r["staff_note"],
            }
            for r in report["rows"]
        ],
        "projects": [
            {
                **{k: _plain(v) for k, v in _project_out(p).items()},
                "spent_share": _plain(p["spent_share"]),
                "notes": p["notes"],
            }
            for p in report["projects"]
        ],
        "project_totals": {k: _plain(v) for k, v in totals.items()},
    }


@router.put(
    "/documents/{plan_id}/evaluation/{stage}/notes/{key}",
    response=NoteOut,
    summary="填写（或以空文本删除）某指标的评估说明",
)
def evaluation_note(request: HttpRequest, plan_id: int, stage: str, key: str, data: NoteIn) -> Any:
    user = _require(request, PlanPerm.MANAGE_PLAN)
    plan = get_plan_or_404(user, plan_id, PlanPerm.VIEW_PLAN)
    if not has_perm(user, PlanPerm.MANAGE_PLAN, plan.region_id):
        raise PermissionDenied("您无权填写该规划的评估说明")
    row = svc.evaluation_note_set(plan=plan, stage=stage, indicator_key=key, note=data.note, acting_user=user)
    return {"indicator_key": key, "stage": stage, "note": row.note if row else ""}
