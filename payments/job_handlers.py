"""Job kinds of the payroll engine: generate a run, build the bank file, apply a bank return."""

from __future__ import annotations

from core.jobs import JobError, job_handler, register_count_labels
from core.models import Job
from core.services import job_finish, job_progress, stored_file_create
from core.sheets import SheetError, error_workbook
from payments import bankfile, services
from payments.choices import RunStatus
from payments.models import PayrollRun

register_count_labels(
    {"payments": "发放笔数", "amount": "发放金额", "paid": "到账", "failed": "失败", "unsettled": "未回盘"}
)


def _run(job: Job) -> PayrollRun:
    run = PayrollRun.objects.select_related("region").filter(pk=job.params.get("run_id")).first()
    if run is None:
        raise JobError("发放批次不存在")
    return run


@job_handler(services.COMPUTE_JOB, "生成发放批次")
def compute(job: Job) -> None:
    run = _run(job)
    try:
        services.compute_run(run, on_progress=lambda done, total: job_progress(job, done, total=total))
    except Exception:
        PayrollRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED)
        raise
    job_finish(
        job,
        counts={"payments": run.total_count, "amount": str(run.total_amount)},
        message=f"已生成 {run.total_count} 笔，合计 {run.total_amount} 元，待审核",
    )


@job_handler(services.EXPORT_JOB, "发放出盘")
def export(job: Job) -> None:
    run = _run(job)
    content = bankfile.bank_workbook(run)
    stored = stored_file_create(
        name=f"出盘-{run.scheme_label}-{run.region.name}-{run.month:%Y%m}-{run.pk}.xlsx",
        content=content,
        created_by=job.requested_by,
    )
    services.mark_exported(run, stored, job.requested_by)
    job_finish(
        job,
        counts={"payments": run.total_count, "amount": str(run.total_amount)},
        message="出盘文件已生成",
        result_file=stored,
    )


@job_handler(services.RETURN_JOB, "银行回盘对账")
def bank_return(job: Job) -> None:
    run = _run(job)
    if job.input_file is None:
        raise JobError("缺少回盘文件")
    try:
        with job.input_file.file.open("rb") as handle:
            results, errors = bankfile.parse_return(handle, run)
    except SheetError as exc:
        raise JobError(str(exc)) from None
    counts = services.apply_bank_results(run, results, job.requested_by, return_file=job.input_file)
    result_file = None
    if errors:
        result_file = stored_file_create(
            name=f"回盘错误清单-{job.pk}.xlsx", content=error_workbook(errors), created_by=job.requested_by
        )
    run.refresh_from_db()
    job_finish(
        job,
        counts=counts,
        errors=[e.as_dict() for e in errors],
        message=f"到账 {run.paid_count} 笔 {run.paid_amount} 元，失败 {run.failed_count} 笔 {run.failed_amount} 元，未回盘 {run.unsettled_count} 笔",
        result_file=result_file,
    )
