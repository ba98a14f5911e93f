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
