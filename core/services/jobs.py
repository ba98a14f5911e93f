"""Jobs: batches of work the user can watch (progress, counts, errors, result file)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.choices import JobStatus
from core.models import Job, Region, StoredFile, User

logger = logging.getLogger("minzheng.jobs")
# Errors kept on the job row for display; the full list goes into the result workbook.
MAX_STORED_ERRORS = 200


def stored_file_create(
    *, name: str, content: bytes | File, created_by: User | None, content_type: str = ""
) -> StoredFile:
    if isinstance(content, bytes):
        data = content
        upload: File = ContentFile(content, name=name)
    else:
        content.seek(0)
        data = content.read()
        upload = ContentFile(data, name=name)
    stored = StoredFile(
        original_name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_by=created_by,
    )
    stored.file.save(name, upload, save=False)
    stored.save()
    return stored


def job_create(
    *,
    kind: str,
    title: str,
    acting_user: User | None,
    region: Region,
    params: dict[str, Any] | None = None,
    input_file: StoredFile | None = None,
    parent: Job | None = None,
) -> Job:
    """Record a job and hand it to the task backend once the transaction commits."""
    from core.jobs import get_handler
    from core.tasks import run_job

    get_handler(kind)  # fail early on an unknown kind
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            title=title,
            requested_by=acting_user,
            region=region,
            params=params or {},
            input_file=input_file,
            parent=parent,
        )
        audit_record(
            action="job.create",
            actor=acting_user,
            obj=job,
            region_code=region.code,
            changes={"kind": kind, "params": params or {}},
        )

        def enqueue() -> None:
            result = run_job.enqueue(job.pk)
            Job.objects.filter(pk=job.pk, task_id="").update(task_id=str(result.id)[:64])

        transaction.on_commit(enqueue)
    return job


def job_start(job: Job, total: int = 0) -> None:
    job.status = JobStatus.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.progress_total = total
    job.progress_done = 0
    Job.objects.filter(pk=job.pk).update(
        status=job.status, started_at=job.started_at, progress_total=total, progress_done=0
    )


def job_progress(job: Job, done: int, total: int | None = None, counts: dict[str, Any] | None = None) -> None:
    """Progress is written straight away (outside the batch's transaction) so the page sees it."""
    job.progress_done = done
    fields: dict[str, Any] = {"progress_done": done}
    if total is not None:
        job.progress_total = total
        fields["progress_total"] = total
    if counts is not None:
        job.counts = counts
        fields["counts"] = counts
    Job.objects.filter(pk=job.pk).update(**fields)


def job_finish(
    job: Job,
    *,
    counts: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    message: str = "",
    result_file: StoredFile | None = None,
) -> None:
    job.status = JobStatus.SUCCEEDED
    job.finished_at = timezone.now()
    if counts is not None:
        job.counts = counts
    if errors is not None:
        job.error_count = len(errors)
        job.errors = errors[:MAX_STORED_ERRORS]
    job.message = message
    if result_file is not None:
        job.result_file = result_file
    if job.progress_total:
        job.progress_done = job.progress_total
    job.save()


def job_fail(job: Job, message: str) -> None:
    job.status = JobStatus.FAILED
    job.finished_at = timezone.now()
    job.message = message
    Job.objects.filter(pk=job.pk).update(status=job.status, finished_at=job.finished_at, message=message)


class ImportConfirmRefused(Exception):
    """Why a validated import cannot be confirmed, with the HTTP status that says it best."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def import_confirm(*, validation_job: Job, acting_user: User) -> tuple[Job, bool]:
    """Confirm a validated import: start its commit job, once. Returns (commit job, created).

    The validation job's row is locked so that two clicks at the same moment start one commit.
    """
    from core.jobs import IMPORT_COMMIT_KINDS

    commit_kind = IMPORT_COMMIT_KINDS.get(validation_job.kind)
    if commit_kind is None:
        raise ImportConfirmRefused("未找到该导入", 404)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=validation_job.pk)
        if job.requested_by_id != acting_user.pk:
            raise ImportConfirmRefused("只有上传该文件的用户可以确认导入", 403)
        if job.status != JobStatus.SUCCEEDED:
            raise ImportConfirmRefused("校验尚未完成或已失败，不能确认", 409)
        existing = job.children.filter(kind=commit_kind).first()
        if existing is not None:
            return existing, False
        if not job.counts.get("valid"):
            raise ImportConfirmRefused("没有可导入的行，请修改后重新上传", 409)
        commit = job_create(
            kind=commit_kind,
            title=job.title.replace("导入校验", "导入写入"),
            acting_user=acting_user,
            region=job.region,
            input_file=job.input_file,
            parent=job,
        )
    return commit, True
