"""The access matrix for the payroll pages and API."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

import payments.tests.flat_scheme  # noqa: F401  (registers the test scheme)
from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core import services as core_services
from core.models import AuditEvent, Job, Person, Region, User
from core.tests.matrix import COLUMNS, Case, check, client_for_column, create_access, list_access, object_access
from payments import services
from payments.choices import PaymentStatus, RunStatus
from payments.models import PayeeAccount, Payment, PayrollRun

FAMILIES = {
    "payroll": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    }
}


@dataclass
class World:
    computed: PayrollRun
    approved: PayrollRun
    exported: PayrollRun
    failed: PayrollRun
    broken: PayrollRun
    person: Person


def _run(month: datetime.date, maker: User, status: str) -> PayrollRun:
    run = PayrollRun.objects.create(
        scheme="test.flat", region=Region.objects.get(code=OWN_TOWNSHIP), month=month, created_by=maker
    )
    services.compute_run(run)
    run.status = status
    run.save(update_fields=["status"])
    return run


@pytest.fixture
def world(make_person: Callable[..., Person], make_user: Callable[..., User]) -> World:
    core_services.policy_parameter_set(
        acting_user=None,
        code="test.flat_amount",
        name="测试定额",
        region=Region.objects.get(code=DISTRICT),
        effective_from=datetime.date(2020, 1, 1),
        value="75",
    )
    person = make_person("陆阿婆", region=OWN_VILLAGE, id_number=next_id_number(datetime.date(1938, 1, 1), male=False))
    maker = make_user("payroll-maker", "district_staff", DISTRICT)
    computed = _run(datetime.date(2026, 1, 1), maker, RunStatus.COMPUTED)
    approved = _run(datetime.date(2026, 2, 1), maker, RunStatus.APPROVED)
    exported = _run(datetime.date(2026, 3, 1), maker, RunStatus.EXPORTED)
    Payment.objects.filter(run=exported).update(status=PaymentStatus.EXPORTED)
    failed = _run(datetime.date(2026, 4, 1), maker, RunStatus.RECONCILED)
    Payment.objects.filter(run=failed).update(status=PaymentStatus.FAILED, failure_reason="账户冻结")
    services.refresh_totals(failed)
    broken = PayrollRun.objects.create(
        scheme="test.flat",
        region=Region.objects.get(code=OWN_TOWNSHIP),
        month=datetime.date(2026, 5, 1),
        created_by=maker,
        status=RunStatus.FAILED,
    )
    return World(computed, approved, exported, failed, broken, person)


def _snapshot(world: World) -> tuple[Any, ...]:
    return (
        tuple(PayrollRun.objects.order_by("id").values_list("status", "approved_by_id", "total_count")),
        tuple(Payment.objects.order_by("id").values_list("status", "amount")),
        Job.objects.count(),
        PayeeAccount.objects.count(),
        AuditEvent.objects.count(),
    )


def _return_file(world: World) -> io.BytesIO:
    book = openpyxl.Workbook()
    book.active.append(["流水号", "金额", "结果", "失败原因"])
    payment = Payment.objects.filter(run=world.exported).first()
    assert payment is not None
    book.active.append([payment.pk, str(payment.amount), "成功", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "回盘.xlsx"
    return buffer


CASES = [
    Case(
        "web run list",
        "payroll",
        "get",
        lambda w: "/payroll/",
        expect=list_access(),
        marker=lambda w: f"/payroll/{w.computed.pk}/",
    ),
    Case(
        "web run create",
        "payroll",
        "post",
        lambda w: "/payroll/",
        data=lambda w: {"scheme": "test.flat", "region": OWN_TOWNSHIP, "month": "2026-06"},
        expect=create_access(),
        success=302,
    ),
    Case("web run detail", "payroll", "get", lambda w: f"/payroll/{w.computed.pk}/", expect=object_access()),
    Case("web run changes", "payroll", "get", lambda w: f"/payroll/{w.approved.pk}/changes/", expect=object_access()),
    Case(
        "web run approve",
        "payroll",
        "post",
        lambda w: f"/payroll/{w.computed.pk}/approve/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "web run export",
        "payroll",
        "post",
        lambda w: f"/payroll/{w.approved.pk}/export/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "web run return",
        "payroll",
        "post",
        lambda w: f"/payroll/{w.exported.pk}/return/",
        data=lambda w: {"file": _return_file(w)},
        expect=object_access(),
        success=302,
        multipart=True,
    ),
    Case(
        "web run reissue",
        "payroll",
        "post",
        lambda w: f"/payroll/{w.failed.pk}/reissue/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "web run resume",
        "payroll",
        "post",
        lambda w: f"/payroll/{w.broken.pk}/resume/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "web account",
        "payroll",
        "post",
        lambda w: f"/payroll/accounts/{w.person.pk}/",
        data=lambda w: {"bank_name": "农商银行", "account_number": "6228480012345678"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "api run list",
        "payroll",
        "get",
        lambda w: "/api/v1/payroll/runs",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"id": {w.computed.pk}',
    ),
    Case(
        "api run create",
        "payroll",
        "post",
        lambda w: "/api/v1/payroll/runs",
        api=True,
        data=lambda w: {"scheme": "test.flat", "region": OWN_TOWNSHIP, "month": "2026-06-01"},
        expect=create_access(),
        success=202,
    ),
    Case(
        "api run detail",
        "payroll",
        "get",
        lambda w: f"/api/v1/payroll/runs/{w.computed.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api run payments",
        "payroll",
        "get",
        lambda w: f"/api/v1/payroll/runs/{w.computed.pk}/payments",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api run changes",
        "payroll",
        "get",
        lambda w: f"/api/v1/payroll/runs/{w.approved.pk}/changes",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api run approve",
        "payroll",
        "post",
        lambda w: f"/api/v1/payroll/runs/{w.computed.pk}/approve",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api run export",
        "payroll",
        "post",
        lambda w: f"/api/v1/payroll/runs/{w.approved.pk}/export",
        api=True,
        expect=object_access(),
        success=202,
    ),
    Case(
        "api run return",
        "payroll",
        "post",
        lambda w: f"/api/v1/payroll/runs/{w.exported.pk}/return",
        api=True,
        data=lambda w: {"file": _return_file(w)},
        expect=object_access(),
        success=202,
        multipart=True,
    ),
    Case(
        "api run reissue",
        "payroll",
        "post",
        lambda w: f"/api/v1/payroll/runs/{w.failed.pk}/reissue",
        api=True,
        expect=object_access(),
        success=201,
    ),
    Case(
        "api run resume",
        "payroll",
        "post",
        lambda w: f"/api/v1/payroll/runs/{w.broken.pk}/resume",
        api=True,
        expect=object_access(),
        success=202,
    ),
    Case(
        "api account",
        "payroll",
        "put",
        lambda w: f"/api/v1/payee-accounts/{w.person.pk}",
        api=True,
        data=lambda w: {"bank_name": "农商银行", "account_number": "6228480012345678"},
        expect=object_access(),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_payroll_access_matrix(
    case: Case, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    check(case, column, world, client, lambda: _snapshot(world))


@pytest.mark.django_db
def test_run_totals_in_the_list(world: World, make_user: Callable[..., User]) -> None:
    from conftest import client_for

    html = client_for(make_user("viewer-staff", "district_staff", DISTRICT)).get("/payroll/").content.decode()
    assert "测试定额补贴" in html and str(Decimal("75.00")) in html
