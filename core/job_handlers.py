"""Job kinds of the spine: person import (validate, commit) and person export."""

from __future__ import annotations

from django.http import QueryDict

from core import exports, imports
from core.jobs import JobError, job_handler, register_import
from core.models import Job
from core.services import job_finish, job_progress, stored_file_create
from core.sheets import SheetError, error_workbook

PERSON_IMPORT_VALIDATE = "core.person_import_validate"
PERSON_IMPORT_COMMIT = "core.person_import_commit"
PERSON_EXPORT = "core.person_export"
register_import(PERSON_IMPORT_VALIDATE, PERSON_IMPORT_COMMIT)


def _plan(job: Job) -> imports.ImportPlan:
    if job.input_file is None or job.requested_by is None:
        raise JobError("任务缺少导入文件或发起人")
    try:
        with job.input_file.file.open("rb") as handle:
            return imports.build_plan(handle, job.requested_by)
    except SheetError as exc:
        raise JobError(str(exc)) from None


@job_handler(PERSON_IMPORT_VALIDATE, "人员与家庭户导入：校验")
def validate_person_import(job: Job) -> None:
    plan = _plan(job)
    counts = plan.counts()
    result = None
    if plan.errors:
        result = stored_file_create(
            name=f"导入错误清单-{job.pk}.xlsx",
            content=error_workbook(plan.errors),
            created_by=job.requested_by,
        )
    job_progress(job, len(plan.rows), total=len(plan.rows))
    message = (
        f"共 {counts['rows']} 行：可导入 {counts['valid']} 行（新增 {counts['create']}，更新 {counts['update']}，"
        f"无变化 {counts['unchanged']}），有错误 {counts['invalid']} 行。"
    )
    job_finish(job, counts=counts, errors=[e.as_dict() for e in plan.errors], message=message, result_file=result)


@job_handler(PERSON_IMPORT_COMMIT, "人员与家庭户导入：写入")
def commit_person_import(job: Job) -> None:
    assert job.requested_by is not None
    plan = _plan(job)
    valid = len(plan.valid_rows)
    job_progress(job, 0, total=valid)
    applied = imports.commit_plan(plan, job.requested_by, on_progress=lambda done: job_progress(job, done))
    counts = {**plan.counts(), **applied}
    message = (
        f"已写入：新增人员 {applied['create']}，更新 {applied['update']}，无变化 {applied['unchanged']}；"
        f"新建家庭户 {applied['households_created']}，加入成员 {applied['members_added']}，迁移成员 {applied['members_moved']}。"
    )
    if plan.errors:
        message += f" 有错误的 {counts['invalid']} 行未导入。"
    job_finish(job, counts=counts, errors=[e.as_dict() for e in plan.errors], message=message)


@job_handler(PERSON_EXPORT, "人员名单导出")
def export_persons(job: Job) -> None:
    assert job.requested_by is not None
    query = QueryDict(job.params.get("query", ""))
    content, count = exports.person_export_workbook(job.requested_by, query, on_progress=lambda n: job_progress(job, n))
    result = stored_file_create(name=f"人员名单-{job.pk}.xlsx", content=content, created_by=job.requested_by)
    job_finish(job, counts={"rows": count}, message=f"已导出 {count} 人", result_file=result)
