"""Batch jobs of the facility side."""

from __future__ import annotations

import datetime

from core.jobs import job_handler
from core.models import Job
from core.services import job_finish
from eldercare.services import findings_mark_overdue

FINDINGS_OVERDUE = "eldercare.findings_overdue"


@job_handler(FINDINGS_OVERDUE, "监督检查：标记逾期未整改问题")
def mark_findings_overdue(job: Job) -> None:
    """Idempotent: open findings past their deadline become overdue; a rerun finds none left."""
    on = datetime.date.fromisoformat(job.params.get("on") or datetime.date.today().isoformat())
    count = findings_mark_overdue(on=on, region_code=job.region_id)
    job_finish(job, counts={"overdue": count}, message=f"{count} 个问题逾期未整改")
