"""Jobs of economic verification: loading an extract (validate, commit) and verifying households."""

from __future__ import annotations

import datetime
from typing import Any

from assistance.imports_verification import build_fact_plan, commit_fact_plan
from assistance.models import FactBatch
from assistance.services_verification import verify_households
from core.jobs import JobError, job_handler, register_count_labels, register_import
from core.models import Job
from core.policy import MissingPolicyParameter
from core.services import job_finish, job_progress, stored_file_create
from core.sheets import SheetError, error_workbook

FACT_IMPORT_VALIDATE = "assistance.fact_import_validate"
FACT_IMPORT_COMMIT = "assistance.fact_import_commit"
VERIFICATION_RUN = "assistance.verification_run"
register_import(FACT_IMPORT_VALIDATE, FACT_IMPORT_COMMIT)
register_count_labels(
    {
        "facts": "写入核对数据",
        "duplicates": "重复未写入",
        "matched": "匹配到人员",
        "households": "核对户数",
        "passed": "符合",
        "failed": "不符合",
        "reviews_raised": "触发复核",
    }
)


def _plan(job: Job) -> Any:
    if job.input_file is None or job.requested_by is None:
        raise JobError("任务缺少导入文件或发起人")
    # The commit job is created by core's generic confirm: its parameters are its parent's.
    source_kind = job.params.get("source_kind") or (job.parent.params.get("source_kind", "") if job.parent else "")
    try:
        with job.input_file.file.open("rb") as handle:
            return build_fact_plan(handle, source_kind)
    except SheetError as exc:
        raise JobError(str(exc)) from None


@job_handler(FACT_IMPORT_VALIDATE, "核对数据导入：校验")
def validate_fact_import(job: Job) -> None:
    plan = _plan(job)
    counts = plan.counts()
    result = None
    if plan.errors:
        result = stored_file_create(
            name=f"核对数据错误清单-{job.pk}.xlsx", content=error_workbook(plan.errors), created_by=job.requested_by
        )
    job_progress(job, plan.rows, total=plan.rows)
    message = f"共 {counts['rows']} 行：可导入 {counts['valid']} 行，有错误 {counts['invalid']} 行。"
    job_finish(job, counts=counts, errors=[e.as_dict() for e in plan.errors], message=message, result_file=result)


@job_handler(FACT_IMPORT_COMMIT, "核对数据导入：写入")
def commit_fact_import(job: Job) -> None:
    from assistance.services_reviews import reviews_raise_for_new_income

    assert job.requested_by is not None
    plan = _plan(job)
    job_progress(job, 0, total=len(plan.valid))
    batch = commit_fact_plan(
        plan,
        title=job.title.replace("核对数据导入写入：", ""),
        region=job.region,
        acting_user=job.requested_by,
        job=job,
        input_file=job.input_file,
        on_progress=lambda done: job_progress(job, done),
    )
    raised = reviews_raise_for_new_income(batch=batch, acting_user=job.requested_by)
    counts = {
        **plan.counts(),
        "facts": batch.row_count,
        "duplicates": batch.duplicate_count,
        "matched": batch.matched_count,
        "reviews_raised": raised,
    }
    message = (
        f"已写入 {batch.row_count} 条（重复未写入 {batch.duplicate_count} 条），"
        f"匹配到登记人员 {batch.matched_count} 条；触发复核 {raised} 件。"
    )
    job_finish(job, counts=counts, errors=[e.as_dict() for e in plan.errors], message=message)


@job_handler(VERIFICATION_RUN, "经济状况核对")
def run_verification(job: Job) -> None:
    """params: household_ids, on_date (ISO), category, purpose, review_ids (optional)."""
    from assistance.services_reviews import reviews_attach_reports

    household_ids = [int(h) for h in job.params.get("household_ids", [])]
    try:
        on_date = datetime.date.fromisoformat(job.params.get("on_date", ""))
    except ValueError:
        raise JobError("核对基准日无效") from None
    job_progress(job, 0, total=len(household_ids))
    # Idempotent: a re-run after a crash verifies only the households without a report of this job.
    done = set(job_reports(job).values_list("household_id", flat=True))
    try:
        verify_households(
            household_ids=[h for h in household_ids if h not in done],
            on_date=on_date,
            category=job.params.get("category", "dibao"),
            acting_user=job.requested_by,
            job=job,
            purpose=job.params.get("purpose", ""),
            on_progress=lambda n: job_progress(job, len(done) + n),
        )
    except MissingPolicyParameter as exc:
        raise JobError(str(exc)) from None
    reports = job_reports(job)
    if job.params.get("review_ids"):
        reviews_attach_reports(review_ids=job.params["review_ids"], job=job)
    if job.params.get("application_id"):
        _application_result(job)
    passed = reports.filter(passed=True).count()
    total = reports.count()
    job_finish(
        job,
        counts={"households": total, "passed": passed, "failed": total - passed},
        message=f"已核对 {total} 户：符合 {passed} 户，不符合 {total - passed} 户。",
    )


def job_reports(job: Job) -> Any:
    from assistance.models import VerificationReport

    return VerificationReport.objects.filter(job=job)


def _application_result(job: Job) -> None:
    """Hand the report to the application it was asked for (h3a's step)."""
    try:
        from assistance.models import Application
        from assistance.services.applications import application_verification_result
    except ImportError:
        return
    application = Application.objects.filter(pk=job.params["application_id"]).first()
    report = job_reports(job).filter(household_id=getattr(application, "household_id", None)).first()
    if application is None or report is None:
        return
    from assistance.selectors_verification import report_summary

    application_verification_result(
        application=application,
        passed=report.passed,
        summary=report_summary(report),
        monthly_income=report.monthly_income,
        acting_user=job.requested_by,
    )


__all__ = ["FACT_IMPORT_COMMIT", "FACT_IMPORT_VALIDATE", "VERIFICATION_RUN", "FactBatch"]
