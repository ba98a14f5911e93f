"""Background tasks (django.tasks). Thin: load the Job, run its handler, record the outcome."""

from __future__ import annotations

import logging

from django.tasks import task

from core.jobs import JobError, get_handler
from core.models import Job
from core.services.jobs import job_fail, job_finish, job_start

logger = logging.getLogger("minzheng.jobs")


@task
def run_job(job_id: int) -> str:
    job = Job.objects.get(pk=job_id)
    if job.is_finished:
        # Delivered twice (a retry after a lost acknowledgement): nothing more to do.
        return job.status
    handler = get_handler(job.kind)
    job_start(job, total=job.progress_total)
    try:
        handler(job)
    except JobError as exc:
        job_fail(job, str(exc))
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        job_fail(job, f"任务执行出错：{exc.__class__.__name__}。请联系系统管理员，并提供任务编号 {job.pk}。")
    else:
        job.refresh_from_db()
        if job.status == "running":
            job_finish(job)
    job.refresh_from_db()
    return job.status
