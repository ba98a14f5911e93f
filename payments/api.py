"""API of the payroll engine: runs, their payments, approval, bank file, bank return, reissue."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from core.api import JobOut, _filtered, _job_out, _page, _require
from core.models import Person, Region
from core.permissions import CorePerm
from core.scoping import get_visible_or_404
from payments import selectors, services
from payments.filtersets import PaymentFilterSet, PayrollRunFilterSet
from payments.models import PayrollRun
from payments.permissions import PaymentPerm

router = Router(tags=["待遇发放"])


class RunOut(Schema):
    id: int
    scheme: str
    scheme_label: str
    kind: str
    region: str
    month: datetime.date
    status: str
    status_label: str
    created_by: str | None
    approved_by: str | None
    total_count: int
    total_amount: Decimal
    paid_count: int
    paid_amount: Decimal
    failed_count: int
    failed_amount: Decimal
    unsettled_count: int
    job_id: int | None
    bank_file: int | None
    reissue_of: int | None


def _run_out(run: PayrollRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "scheme": run.scheme,
        "scheme_label": run.scheme_label,
        "kind": run.kind,
        "region": run.region_id,
        "month": run.month,
        "status": run.status,
        "status_label": run.get_status_display(),
        "created_by": run.created_by.username if run.created_by else None,
        "approved_by": run.approved_by.username if run.approved_by else None,
        "total_count": run.total_count,
        "total_amount": run.total_amount,
        "paid_count": run.paid_count,
        "paid_amount": run.paid_amount,
        "failed_count": run.failed_count,
        "failed_amount": run.failed_amount,
        "unsettled_count": run.unsettled_count,
        "job_id": run.job_id,
        "bank_file": run.bank_file_id,
        "reissue_of": run.reissue_of_id,
    }


class RunIn(Schema):
    scheme: str
    region: str
    month: datetime.date


class PaymentOut(Schema):
    id: int
    entitlement_id: int
    person_id: int
    person_name: str
    household_id: int | None
    region_code: str
    month: datetime.date
    amount: Decimal
    previous_amount: Decimal | None = None
    snapshot: Any
    parameters: Any
    status: str
    failure_reason: str


class PaymentPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[PaymentOut]


def _payment_out(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "entitlement_id": p.entitlement_id,
        "person_id": p.person_id,
        "person_name": p.person.name,
        "household_id": p.household_id,
        "region_code": p.region_code,
        "month": p.month,
        "amount": p.amount,
        "previous_amount": getattr(p, "previous", None),
        "snapshot": p.snapshot,
        "parameters": p.parameters,
        "status": p.status,
        "failure_reason": p.failure_reason,
    }


class AccountIn(Schema):
    bank_name: str
    account_number: str


def _visible_run(request: HttpRequest, run_id: int, perm: str) -> PayrollRun:
    user = _require(request, perm)
    return get_visible_or_404(
        PayrollRun.objects.select_related("region", "created_by", "approved_by"), user, perm, pk=run_id
    )


@router.get("/payroll/runs", response=list[RunOut], summary="发放批次（最近 200 个）")
def run_list(request: HttpRequest, scheme: str = "", status: str = "", month: str = "", region: str = "") -> Any:
    user = _require(request, PaymentPerm.VIEW_PAYROLL)
    base = PayrollRun.objects.visible_to(user, PaymentPerm.VIEW_PAYROLL).select_related("created_by", "approved_by")
    return [_run_out(r) for r in _filtered(PayrollRunFilterSet, request, base)[:200]]


@router.post("/payroll/runs", response={202: RunOut}, summary="生成月度发放批次")
def run_create(request: HttpRequest, data: RunIn) -> Any:
    user = _require(request, PaymentPerm.RUN_PAYROLL)
    region = Region.objects.filter(code=data.region).first()
    if region is None:
        raise ValidationError({"region": [f"区划代码 {data.region} 不存在"]})
    run = services.payroll_run_create(scheme=data.scheme, region=region, month=data.month, acting_user=user)
    run.refresh_from_db()
    return 202, _run_out(run)


@router.get("/payroll/runs/{run_id}", response=RunOut, summary="批次状态与合计")
def run_detail(request: HttpRequest, run_id: int) -> Any:
    return _run_out(_visible_run(request, run_id, PaymentPerm.VIEW_PAYROLL))


@router.get("/payroll/runs/{run_id}/payments", response=PaymentPage, summary="批次明细")
def run_payments(request: HttpRequest, run_id: int, status: str = "", page: int = 1) -> Any:
    run = _visible_run(request, run_id, PaymentPerm.VIEW_PAYROLL)
    queryset = _filtered(PaymentFilterSet, request, run.payments.select_related("person").order_by("id"))
    meta, rows = _page(request, queryset)
    return {**meta, "results": [_payment_out(p) for p in rows]}


@router.get("/payroll/runs/{run_id}/changes", response=PaymentPage, summary="与上月相比金额变化的对象")
def run_changes(request: HttpRequest, run_id: int, page: int = 1) -> Any:
    run = _visible_run(request, run_id, PaymentPerm.VIEW_PAYROLL)
    meta, rows = _page(request, selectors.amount_changes(run))
    return {**meta, "results": [_payment_out(p) for p in rows]}


@router.post("/payroll/runs/{run_id}/approve", response=RunOut, summary="审核（审核人须不同于生成人）")
def run_approve(request: HttpRequest, run_id: int) -> Any:
    run = _visible_run(request, run_id, PaymentPerm.APPROVE_PAYROLL)
    services.payroll_run_approve(run=run, acting_user=request.auth)  # type: ignore[attr-defined]
    return _run_out(run)


@router.post("/payroll/runs/{run_id}/export", response={202: JobOut}, summary="生成出盘文件（后台任务）")
def run_export(request: HttpRequest, run_id: int) -> Any:
    run = _visible_run(request, run_id, PaymentPerm.EXPORT_BANK_FILE)
    job = services.payroll_run_export(run=run, acting_user=request.auth)  # type: ignore[attr-defined]
    job.refresh_from_db()
    return 202, _job_out(job)


@router.post("/payroll/runs/{run_id}/return", response={202: JobOut}, summary="导入银行回盘文件（后台任务）")
def run_return(request: HttpRequest, run_id: int, file: UploadedFile = File(...)) -> Any:  # noqa: B008
    run = _visible_run(request, run_id, PaymentPerm.EXPORT_BANK_FILE)
    job = services.bank_return_start(run=run, file=file, name=file.name or "return.xlsx", acting_user=request.auth)  # type: ignore[attr-defined]
    job.refresh_from_db()
    return 202, _job_out(job)


@router.post("/payroll/runs/{run_id}/reissue", response={201: RunOut}, summary="为失败记录生成补发批次")
def run_reissue(request: HttpRequest, run_id: int) -> Any:
    run = _visible_run(request, run_id, PaymentPerm.RUN_PAYROLL)
    return 201, _run_out(services.payroll_reissue_create(run=run, acting_user=request.auth))  # type: ignore[attr-defined]


@router.post("/payroll/runs/{run_id}/resume", response={202: JobOut}, summary="继续生成（中断后）")
def run_resume(request: HttpRequest, run_id: int) -> Any:
    run = _visible_run(request, run_id, PaymentPerm.RUN_PAYROLL)
    job = services.payroll_run_resume(run=run, acting_user=request.auth)  # type: ignore[attr-defined]
    job.refresh_from_db()
    return 202, _job_out(job)


@router.put("/payee-accounts/{person_id}", summary="设置收款账户")
def account_set(request: HttpRequest, person_id: int, data: AccountIn) -> Any:
    user = _require(request, PaymentPerm.MANAGE_ACCOUNTS)
    person = get_visible_or_404(Person.objects.all(), user, CorePerm.VIEW_PERSON, pk=person_id)
    account = services.payee_account_set(
        person=person, bank_name=data.bank_name, account_number=data.account_number, acting_user=user
    )
    return {"person_id": person.pk, "bank_name": account.bank_name, "account": f"****{account.account_last4}"}
