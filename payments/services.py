"""The payroll engine and the steps after it: approve, export to the bank, reconcile, reissue.

Generation is set-based: for each entitlement group of the scheme and each id range, one
``INSERT … SELECT … ON CONFLICT DO NOTHING`` writes the payments, each range in its own
transaction. The unique index (one payment per entitlement and month) makes a re-run — after
a crash, a killed worker, a double click — add only what is missing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from core.audit import audit_record
from core.crypto import encrypt
from core.models import Job, Person, Region, User
from core.scoping import has_perm
from core.services import job_create
from payments.choices import PaymentStatus, RunKind, RunStatus
from payments.models import PayeeAccount, Payment, PayrollRun
from payments.permissions import PaymentPerm
from payments.schemes import OUTPUT_COLUMNS, EntitlementGroup, get_scheme

COMPUTE_JOB = "payments.compute_run"
EXPORT_JOB = "payments.export_bank_file"
RETURN_JOB = "payments.bank_return"
# Entitlements per INSERT … SELECT: big enough that the statement dominates, small enough that
# progress moves and a crash loses little.
CHUNK_SIZE = 50_000


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _require(user: User | None, perm: str, region: Region) -> None:
    if user is not None and not has_perm(user, perm, region.code):
        raise ValidationError({"region": ["您无权在该区划办理此项发放业务"]})


# --- Generation -----------------------------------------------------------------------------


def payroll_run_create(*, scheme: str, region: Region, month: datetime.date, acting_user: User | None) -> PayrollRun:
    """Open the month's payroll of a scheme for a region and start generating it."""
    get_scheme(scheme)
    _require(acting_user, PaymentPerm.RUN_PAYROLL, region)
    month = month_start(month)
    latest = month_start(timezone.localdate()).replace(day=28) + datetime.timedelta(days=4)
    if month > month_start(latest):
        raise ValidationError({"month": ["只能生成本月或下月的发放批次"]})
    if PayrollRun.objects.filter(scheme=scheme, region=region, month=month, kind=RunKind.REGULAR).exists():
        raise ValidationError({"month": [f"{region.name} {month:%Y年%m月} 已有该项目的发放批次"]})
    with transaction.atomic():
        run = PayrollRun.objects.create(scheme=scheme, region=region, month=month, created_by=acting_user)
        audit_record(
            action="payroll.create",
            actor=acting_user,
            obj=run,
            region_code=region.code,
            changes={"scheme": scheme, "month": month.isoformat()},
        )
        run.job = job_create(
            kind=COMPUTE_JOB,
            title=f"生成发放批次：{run.scheme_label} {region.name} {month:%Y年%m月}",
            acting_user=acting_user,
            region=region,
            params={"run_id": run.pk},
        )
        run.save(update_fields=["job"])
    return run


def payroll_run_resume(*, run: PayrollRun, acting_user: User) -> Job:
    """Start generation again after a failure or a killed worker; only missing rows are added."""
    _require(acting_user, PaymentPerm.RUN_PAYROLL, run.region)
    if run.status not in (RunStatus.COMPUTING, RunStatus.FAILED):
        raise ValidationError({"status": ["该批次已生成完毕"]})
    if run.job and run.job.status in ("queued",):
        raise ValidationError({"status": ["生成任务正在排队，请稍候"]})
    with transaction.atomic():
        run.status = RunStatus.COMPUTING
        run.job = job_create(
            kind=COMPUTE_JOB,
            title=f"继续生成发放批次：{run.scheme_label} {run.region.name} {run.month:%Y年%m月}",
            acting_user=acting_user,
            region=run.region,
            params={"run_id": run.pk},
        )
        run.save(update_fields=["status", "job"])
        audit_record(action="payroll.resume", actor=acting_user, obj=run, region_code=run.region_id)
    return run.job


def _insert_sql(group: EntitlementGroup, lower: int, upper: int) -> tuple[str, list[Any]]:
    select = group.queryset.filter(**{f"{group.id_field}__gte": lower, f"{group.id_field}__lt": upper}).values(
        *OUTPUT_COLUMNS
    )
    sql, params = select.query.sql_with_params()
    # PostgreSQL types an untyped NULL or literal in a subquery as text: cast every column.
    pg = connection.vendor == "postgresql"
    household = "q.pay_household::bigint" if pg else "q.pay_household"
    snapshot = "q.pay_snapshot::jsonb" if pg else "q.pay_snapshot"
    parameters = "%s::jsonb" if pg else "%s"
    statement = (
        "INSERT INTO payments_payment (run_id, scheme, month, entitlement_id, person_id, household_id, region_code, "
        "amount, snapshot, parameters, status, failure_reason, created_at) "
        f"SELECT %s, %s, %s, q.pay_entitlement, q.pay_person, {household}, q.pay_region, q.pay_amount, "
        f"{snapshot}, {parameters}, %s, '', %s FROM ({sql}) q WHERE q.pay_amount > 0 "
        "ON CONFLICT DO NOTHING"
    )
    return statement, list(params)


def compute_run(
    run: PayrollRun,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    stop_after_chunks: int | None = None,
) -> int:
    """Write the run's payments. Idempotent: rows already there are left alone.

    ``stop_after_chunks`` exists for tests of crash recovery: it raises after that many
    committed chunks, as a killed worker would stop.
    """
    scheme = get_scheme(run.scheme)
    groups = scheme.groups(run.region, run.month)
    ranges: list[tuple[EntitlementGroup, int, int]] = []
    for group in groups:
        bounds = group.queryset.aggregate(low=Min(group.id_field), high=Max(group.id_field))
        if bounds["low"] is None:
            continue
        for lower in range(bounds["low"], bounds["high"] + 1, chunk_size):
            ranges.append((group, lower, lower + chunk_size))
    now = timezone.now()
    for done, (group, lower, upper) in enumerate(ranges, start=1):
        sql, params = _insert_sql(group, lower, upper)
        parameters = json.dumps(group.parameters, ensure_ascii=False, default=str)
        with transaction.atomic(), connection.cursor() as cursor:
            # Placeholders in order: the constant columns, then the SELECT's own parameters.
            cursor.execute(sql, [run.pk, run.scheme, run.month, parameters, PaymentStatus.PENDING, now, *params])
        if on_progress:
            on_progress(done, len(ranges))
        if stop_after_chunks is not None and done >= stop_after_chunks:
            raise RuntimeError("generation stopped (test of an interrupted worker)")
    with transaction.atomic():
        run.status = RunStatus.COMPUTED
        run.save(update_fields=["status"])
        refresh_totals(run)
        audit_record(
            action="payroll.computed",
            actor=None,
            obj=run,
            region_code=run.region_id,
            changes={"count": run.total_count, "amount": str(run.total_amount)},
        )
    return run.total_count


def refresh_totals(run: PayrollRun) -> None:
    figures = Payment.objects.filter(run=run).aggregate(
        total_count=Count("id"),
        total_amount=Sum("amount"),
        paid_count=Count("id", filter=Q(status=PaymentStatus.PAID)),
        paid_amount=Sum("amount", filter=Q(status=PaymentStatus.PAID)),
        failed_count=Count("id", filter=Q(status=PaymentStatus.FAILED)),
        failed_amount=Sum("amount", filter=Q(status=PaymentStatus.FAILED)),
    )
    for key, value in figures.items():
        setattr(run, key, value if value is not None else (Decimal("0") if key.endswith("amount") else 0))
    run.save(update_fields=list(figures))


# --- Approval, export, reconciliation -------------------------------------------------------


def payroll_run_approve(*, run: PayrollRun, acting_user: User) -> PayrollRun:
    """The second pair of eyes: the approver may not be whoever generated the run."""
    _require(acting_user, PaymentPerm.APPROVE_PAYROLL, run.region)
    if run.status != RunStatus.COMPUTED:
        raise ValidationError({"status": [f"批次状态为“{run.get_status_display()}”，不能审核"]})
    if run.created_by_id == acting_user.pk:
        raise ValidationError({"approved_by": ["审核人不能是批次生成人，请由另一名工作人员审核"]})
    with transaction.atomic():
        run.status = RunStatus.APPROVED
        run.approved_by = acting_user
        run.approved_at = timezone.now()
        run.save(update_fields=["status", "approved_by", "approved_at"])
        audit_record(
            action="payroll.approve",
            actor=acting_user,
            obj=run,
            region_code=run.region_id,
            changes={"count": run.total_count, "amount": str(run.total_amount)},
        )
    return run


def payroll_run_export(*, run: PayrollRun, acting_user: User) -> Job:
    """Build the bank file (a Job: a month of a district is many rows)."""
    _require(acting_user, PaymentPerm.EXPORT_BANK_FILE, run.region)
    if run.status not in (RunStatus.APPROVED, RunStatus.EXPORTED):
        raise ValidationError({"status": ["批次审核通过后才能出盘"]})
    return job_create(
        kind=EXPORT_JOB,
        title=f"出盘：{run.scheme_label} {run.region.name} {run.month:%Y年%m月}",
        acting_user=acting_user,
        region=run.region,
        params={"run_id": run.pk},
    )


def mark_exported(run: PayrollRun, bank_file: Any, acting_user: User | None) -> None:
    with transaction.atomic():
        Payment.objects.filter(run=run, status=PaymentStatus.PENDING).update(status=PaymentStatus.EXPORTED)
        run.status = RunStatus.EXPORTED
        run.exported_at = timezone.now()
        run.bank_file = bank_file
        run.save(update_fields=["status", "exported_at", "bank_file"])
        audit_record(
            action="payroll.export",
            actor=acting_user,
            obj=run,
            region_code=run.region_id,
            changes={"count": run.total_count, "amount": str(run.total_amount), "file": bank_file.pk},
        )


def bank_return_start(*, run: PayrollRun, file: IO[bytes], name: str, acting_user: User) -> Job:
    """Upload the bank's return file; a Job applies it (paid / failed per row)."""
    from core.services import stored_file_create
    from core.sheets import SheetError, read_sheet
    from payments.bankfile import RETURN_COLUMNS

    _require(acting_user, PaymentPerm.EXPORT_BANK_FILE, run.region)
    if run.status not in (RunStatus.EXPORTED, RunStatus.RECONCILED):
        raise ValidationError({"file": ["批次出盘后才能导入回盘文件"]})
    try:
        read_sheet(file, RETURN_COLUMNS)
    except SheetError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    stored = stored_file_create(name=name, content=file, created_by=acting_user)  # type: ignore[arg-type]
    return job_create(
        kind=RETURN_JOB,
        title=f"回盘对账：{run.scheme_label} {run.region.name} {run.month:%Y年%m月}",
        acting_user=acting_user,
        region=run.region,
        params={"run_id": run.pk},
        input_file=stored,
    )


def apply_bank_results(
    run: PayrollRun, results: dict[int, tuple[bool, str]], acting_user: User | None, return_file: Any = None
) -> dict[str, int]:
    """Mark payments paid or failed from the bank's answers {payment id: (paid, reason)}."""
    now = timezone.now()
    paid_ids = [pk for pk, (paid, _) in results.items() if paid]
    failed = {pk: reason for pk, (paid, reason) in results.items() if not paid}
    with transaction.atomic():
        settled = Payment.objects.filter(
            run=run, status__in=[PaymentStatus.EXPORTED, PaymentStatus.PAID, PaymentStatus.FAILED]
        )
        for start in range(0, len(paid_ids), 5000):
            settled.filter(pk__in=paid_ids[start : start + 5000]).update(
                status=PaymentStatus.PAID, failure_reason="", settled_at=now
            )
        by_reason: dict[str, list[int]] = {}
        for pk, reason in failed.items():
            by_reason.setdefault(reason or "银行退回", []).append(pk)
        for reason, ids in by_reason.items():
            for start in range(0, len(ids), 5000):
                settled.filter(pk__in=ids[start : start + 5000]).update(
                    status=PaymentStatus.FAILED, failure_reason=reason[:200], settled_at=now
                )
        refresh_totals(run)
        if run.unsettled_count == 0:
            run.status = RunStatus.RECONCILED
            run.reconciled_at = now
        if return_file is not None:
            run.return_file = return_file
        run.save(update_fields=["status", "reconciled_at", "return_file"])
        counts = {"paid": len(paid_ids), "failed": len(failed), "unsettled": run.unsettled_count}
        audit_record(
            action="payroll.bank_return", actor=acting_user, obj=run, region_code=run.region_id, changes=counts
        )
    return counts


def payroll_reissue_create(*, run: PayrollRun, acting_user: User) -> PayrollRun:
    """A reissue run for the payments of ``run`` that the bank returned as failed."""
    _require(acting_user, PaymentPerm.RUN_PAYROLL, run.region)
    failed = Payment.objects.filter(run=run, status=PaymentStatus.FAILED, reissue__isnull=True)
    if not failed.exists():
        raise ValidationError({"run": ["该批次没有需要补发的失败记录"]})
    now = timezone.now()
    with transaction.atomic():
        reissue = PayrollRun.objects.create(
            scheme=run.scheme,
            kind=RunKind.REISSUE,
            region=run.region,
            month=month_start(timezone.localdate()),
            status=RunStatus.COMPUTED,
            created_by=acting_user,
            reissue_of=run,
        )
        rows = [
            Payment(
                run=reissue,
                scheme=p.scheme,
                month=p.month,
                entitlement_id=p.entitlement_id,
                person_id=p.person_id,
                household_id=p.household_id,
                region_code=p.region_code,
                amount=p.amount,
                snapshot=p.snapshot,
                parameters=p.parameters,
                reissue_of=p,
                created_at=now,
            )
            for p in failed.iterator(chunk_size=2000)
        ]
        Payment.objects.bulk_create(rows, batch_size=2000)
        refresh_totals(reissue)
        audit_record(
            action="payroll.reissue",
            actor=acting_user,
            obj=reissue,
            region_code=run.region_id,
            changes={"from_run": run.pk, "count": reissue.total_count, "amount": str(reissue.total_amount)},
        )
    return reissue


# --- Accounts -------------------------------------------------------------------------------


def payee_account_set(*, person: Person, bank_name: str, account_number: str, acting_user: User | None) -> PayeeAccount:
    number = "".join(account_number.split())
    errors: dict[str, list[str]] = {}
    if not bank_name.strip():
        errors["bank_name"] = ["开户行不能为空"]
    if not number.isdigit() or not 12 <= len(number) <= 30:
        errors["account_number"] = ["银行账号应为 12–30 位数字"]
    if errors:
        raise ValidationError(errors)
    if acting_user is not None and not has_perm(acting_user, PaymentPerm.MANAGE_ACCOUNTS, person.hukou_region_id):
        raise ValidationError({"person": ["该人员不在您的管辖范围内"]})
    with transaction.atomic():
        account, created = PayeeAccount.objects.update_or_create(
            person=person,
            defaults={
                "bank_name": bank_name.strip(),
                "account_encrypted": encrypt(number),
                "account_last4": number[-4:],
            },
        )
        audit_record(
            action="payee_account.set",
            actor=acting_user,
            obj=account,
            region_code=person.hukou_region_id,
            changes={
                "person": person.pk,
                "bank_name": account.bank_name,
                "account": f"****{number[-4:]}",
                "created": created,
            },
        )
    return account
