"""The payroll engine on a simple test scheme: a flat amount from a policy parameter to every
living person born before a date in the region."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conftest import DISTRICT, OTHER_TOWNSHIP_VILLAGE, OWN_VILLAGE, next_id_number
from core import services as core_services
from core.models import AuditEvent, Region
from payments import selectors, services
from payments.choices import RunStatus
from payments.models import Payment, PayrollRun

pytestmark = pytest.mark.django_db
MONTH = datetime.date(2026, 9, 1)


import payments.tests.flat_scheme  # noqa: F401,E402  (registers the test scheme)


@pytest.fixture
def setup(make_person: Any, make_user: Any) -> dict[str, Any]:
    core_services.policy_parameter_set(
        acting_user=None,
        code="test.flat_amount",
        name="测试定额",
        region=Region.objects.get(code=DISTRICT),
        effective_from=datetime.date(2020, 1, 1),
        value="75",
    )
    people = [
        make_person(
            "老人" + "甲乙丙丁戊己庚"[i], region=OWN_VILLAGE, id_number=next_id_number(datetime.date(1940 + i, 1, 1))
        )
        for i in range(7)
    ]
    make_person("年轻人", region=OWN_VILLAGE, id_number=next_id_number(datetime.date(1990, 1, 1)))
    make_person("外镇老人", region=OTHER_TOWNSHIP_VILLAGE, id_number=next_id_number(datetime.date(1941, 1, 1)))
    return {
        "people": people,
        "maker": make_user("maker", "district_staff", DISTRICT),
        "checker": make_user("checker", "district_staff", DISTRICT),
        "township": Region.objects.get(code="310151101"),
    }


def _run(setup: dict[str, Any], capture: Any) -> PayrollRun:
    with capture(execute=True):
        run = services.payroll_run_create(
            scheme="test.flat", region=setup["township"], month=MONTH, acting_user=setup["maker"]
        )
    run.refresh_from_db()
    return run


def test_run_pays_each_entitlement_once_with_its_basis(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(setup, django_capture_on_commit_callbacks)
    assert (run.status, run.total_count, run.total_amount) == (RunStatus.COMPUTED, 7, Decimal("525.00"))
    payment = Payment.objects.get(run=run, person=setup["people"][0])
    assert payment.amount == Decimal("75.00")
    assert payment.snapshot == {"name": "老人甲", "birth_date": payment.person.birth_date.isoformat()}
    assert payment.parameters["flat_amount"]["value"] == "75"
    assert run.job is not None and run.job.status == "succeeded"
    # A second generation adds nothing.
    services.compute_run(run)
    assert Payment.objects.filter(run=run).count() == 7


def test_interrupted_generation_completes_without_duplicates(setup: dict[str, Any]) -> None:
    run = PayrollRun.objects.create(
        scheme="test.flat", region=setup["township"], month=MONTH, created_by=setup["maker"]
    )
    with pytest.raises(RuntimeError):
        services.compute_run(run, chunk_size=2, stop_after_chunks=2)
    partial = Payment.objects.filter(run=run).count()
    assert 0 < partial < 7
    services.compute_run(run, chunk_size=2)
    assert Payment.objects.filter(run=run).count() == 7
    assert Payment.objects.filter(run=run).values("entitlement_id").distinct().count() == 7


def test_the_database_refuses_a_second_payment_for_the_same_month(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    run = _run(setup, django_capture_on_commit_callbacks)
    payment = Payment.objects.filter(run=run).first()
    assert payment is not None
    payment.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        payment.save()


def test_one_regular_run_per_month(setup: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    _run(setup, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="已有该项目的发放批次"):
        services.payroll_run_create(
            scheme="test.flat", region=setup["township"], month=MONTH, acting_user=setup["maker"]
        )


def test_approval_needs_a_second_person(setup: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    run = _run(setup, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="审核人不能是批次生成人"):
        services.payroll_run_approve(run=run, acting_user=setup["maker"])
    services.payroll_run_approve(run=run, acting_user=setup["checker"])
    assert (run.status, run.approved_by) == (RunStatus.APPROVED, setup["checker"])
    with pytest.raises(ValidationError, match="不能审核"):
        services.payroll_run_approve(run=run, acting_user=setup["checker"])


def _return_file(rows: list[list[Any]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["流水号", "金额", "结果", "失败原因"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_export_return_reconcile_and_reissue(setup: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    run = _run(setup, django_capture_on_commit_callbacks)
    services.payroll_run_approve(run=run, acting_user=setup["checker"])
    with django_capture_on_commit_callbacks(execute=True):
        job = services.payroll_run_export(run=run, acting_user=setup["checker"])
    job.refresh_from_db()
    run.refresh_from_db()
    assert run.status == RunStatus.EXPORTED and job.result_file_id == run.bank_file_id
    sheet = openpyxl.load_workbook(run.bank_file.file.open("rb")).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert header == ("流水号", "收款人", "身份证号", "开户行", "账号", "金额", "发放项目", "所属月份")
    assert len(lines) == 7 and {line[6] for line in lines} == {"测试定额补贴"}
    ids = sorted(line[0] for line in lines)

    # The bank pays five, refuses one, and has not answered for one; two lines are wrong.
    rows = [[pk, "75.00", "成功", ""] for pk in ids[:5]] + [
        [ids[5], "75", "失败", "账户已销户"],
        [999999, "75", "成功", ""],
        [ids[6], "70", "成功", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        back = services.bank_return_start(
            run=run, file=_return_file(rows), name="回盘.xlsx", acting_user=setup["checker"]
        )
    back.refresh_from_db()
    run.refresh_from_db()
    assert (run.paid_count, run.paid_amount, run.failed_count, run.failed_amount, run.unsettled_count) == (
        5,
        Decimal("375.00"),
        1,
        Decimal("75.00"),
        1,
    )
    assert run.status == RunStatus.EXPORTED  # one row still has no answer
    assert [(e["row"], e["column"], e["message"]) for e in back.errors] == [
        (8, "流水号", "流水号 999999 不属于本批次"),
        (9, "金额", "金额 70 与出盘金额 75.00 不符"),
    ]
    assert Payment.objects.get(pk=ids[5]).failure_reason == "账户已销户"

    with django_capture_on_commit_callbacks(execute=True):
        services.bank_return_start(
            run=run, file=_return_file([[ids[6], "75", "成功", ""]]), name="回盘2.xlsx", acting_user=setup["checker"]
        )
    run.refresh_from_db()
    assert run.status == RunStatus.RECONCILED and run.unsettled_count == 0

    reissue = services.payroll_reissue_create(run=run, acting_user=setup["maker"])
    assert (reissue.kind, reissue.total_count, reissue.total_amount, reissue.reissue_of_id) == (
        "reissue",
        1,
        Decimal("75.00"),
        run.pk,
    )
    again = Payment.objects.get(run=reissue)
    assert (again.entitlement_id, again.month, again.reissue_of_id) == (
        Payment.objects.get(pk=ids[5]).entitlement_id,
        MONTH,
        ids[5],
    )
    with pytest.raises(ValidationError, match="没有需要补发"):
        services.payroll_reissue_create(run=run, acting_user=setup["maker"])
    actions = list(
        AuditEvent.objects.filter(object_type="payments.payrollrun", object_id=str(run.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "payroll.create",
        "payroll.computed",
        "payroll.approve",
        "payroll.export",
        "payroll.bank_return",
        "payroll.bank_return",
    ]


def test_a_changed_standard_shows_in_the_next_month(
    setup: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    first = _run(setup, django_capture_on_commit_callbacks)
    core_services.policy_parameter_set(
        acting_user=None,
        code="test.flat_amount",
        name="测试定额",
        region=Region.objects.get(code=DISTRICT),
        effective_from=datetime.date(2026, 10, 1),
        value="80",
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.payroll_run_create(
            scheme="test.flat", region=setup["township"], month=datetime.date(2026, 10, 1), acting_user=setup["maker"]
        )
    changes = list(selectors.amount_changes(second))
    assert [(p.previous, p.amount, p.delta) for p in changes] == [
        (Decimal("75.00"), Decimal("80.00"), Decimal("5.00"))
    ] * 7
    # The first month's payments keep what they were computed from.
    assert set(Payment.objects.filter(run=first).values_list("amount", flat=True)) == {Decimal("75.00")}
    summary = selectors.change_summary(second)
    assert (summary["previous"], summary["changed"], summary["new"], summary["ended"]) == (first, 7, 0, 0)


def test_payee_account_is_encrypted_and_validated(setup: dict[str, Any]) -> None:
    person = setup["people"][0]
    with pytest.raises(ValidationError) as caught:
        services.payee_account_set(person=person, bank_name="", account_number="12", acting_user=setup["maker"])
    assert caught.value.message_dict == {
        "bank_name": ["开户行不能为空"],
        "account_number": ["银行账号应为 12–30 位数字"],
    }
    account = services.payee_account_set(
        person=person, bank_name="上海农商银行", account_number="6228 4800 1234 5678", acting_user=setup["maker"]
    )
    assert account.account_number == "6228480012345678" and "6228480012345678" not in account.account_encrypted
    assert account.account_last4 == "5678"
