"""Monthly 低保 payroll of assistance cases through the shared engine: exact amounts (the worked
examples of domain-rules §8), one row per case-month, approval, bank file, bank return,
reissue, and the report of amounts changed by a new standard."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from assistance import rules
from assistance.choices import Category
from assistance.models import Case
from assistance.schemes import case_amount
from assistance.selectors_cases import case_amount_changes
from assistance.services.cases import case_end, case_suspend
from conftest import DISTRICT, OTHER_TOWNSHIP_VILLAGE
from core import services as core_services
from core.models import Region
from payments import services as pay
from payments.choices import PaymentStatus, RunStatus
from payments.models import Payment, PayrollRun

pytestmark = pytest.mark.django_db
JUNE, JULY, AUGUST = datetime.date(2021, 6, 1), datetime.date(2021, 7, 1), datetime.date(2021, 8, 1)


def _run(month: datetime.date, user: Any, capture: Any, scheme: str = "assistance.dibao") -> PayrollRun:
    with capture(execute=True):
        run = pay.payroll_run_create(
            scheme=scheme, region=Region.objects.get(code=DISTRICT), month=month, acting_user=user
        )
    run.refresh_from_db()
    return run


def _amounts(run: PayrollRun) -> dict[int, Decimal]:
    return dict(Payment.objects.filter(run=run).values_list("entitlement_id", "amount"))


def test_worked_examples_through_the_payroll(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    three = open_case(adults=3, income="2000")  # §8 items 6 and 7
    rich = open_case(adults=3, income="4200")  # item 8: not eligible in 2021-08, payment 0
    single = open_case(adults=1, income="0")  # item 9
    june = _run(JUNE, staff["maker"], django_capture_on_commit_callbacks)
    # 3 × 1240 − 4200 < 0: no payment row at all for a zero amount.
    assert _amounts(june) == {three.pk: Decimal("1720.00"), single.pk: Decimal("1240.00")}
    august = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    assert _amounts(august) == {three.pk: Decimal("1990.00"), single.pk: Decimal("1330.00")}
    assert case_amount(rich, AUGUST) == Decimal("0.00")
    assert (august.total_count, august.total_amount) == (2, Decimal("3320.00"))


def test_minor_standard_example_pending_rule_confirmation(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """§8 item 10 — PENDING RULE CONFIRMATION: whether the minors' standard (1,730) enters the
    household's sum. The region enables it (assistance.minor_standard_enabled, tag [I])."""
    case = open_case(adults=2, minors=1, income="2000", start=AUGUST)
    run = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    assert _amounts(run) == {case.pk: Decimal("2390.00")}
    assert case.monthly_amount == Decimal("2390.00")


def test_the_sql_and_the_python_rule_agree(open_case: Any) -> None:
    """h3a's rules.dibao_amount and the payroll's SQL on the same figures and months."""
    examples = [
        open_case(adults=3, income="2000"),
        open_case(adults=3, income="4200"),
        open_case(adults=1, income="0"),
        open_case(adults=2, minors=1, income="2000"),
        open_case(adults=2, income="3000", addons={0: ["severe_disability"], 1: ["severe_disability"]}),
        open_case(adults=1, income="1000.55", addons={0: ["severe_disability"]}),
    ]
    for month in (JUNE, JULY, AUGUST, datetime.date(2023, 1, 1)):
        standards = rules.standards_on(examples[0].region_id, month)
        for case in examples:
            python = rules.dibao_amount(
                adult_count=case.adult_count,
                minor_count=case.minor_count,
                addon_counts=case.addon_counts,
                household_monthly_income=case.household_monthly_income,
                standards=standards,
            )
            assert case_amount(case, month) == python, (case.pk, month)
    # The add-on is paid on top of the difference, only from the month it exists (2021-07).
    disabled = examples[4]
    assert (case_amount(disabled, JUNE), case_amount(disabled, AUGUST)) == (Decimal("0.00"), Decimal("820.00"))
    assert case_amount(examples[5], AUGUST) == Decimal("739.45")


def test_each_payment_keeps_its_household_figures_and_parameter_versions(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(adults=2, minors=1, income="2000", start=AUGUST, addons={0: ["severe_disability"]})
    run = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    payment = Payment.objects.get(run=run)
    assert (payment.amount, payment.person_id, payment.household_id, payment.region_code) == (
        Decimal("2800.00"),
        case.payee_id,
        case.household_id,
        case.region_id,
    )
    assert payment.snapshot == {
        "case": case.number,
        "members": 3,
        "adults": 2,
        "minors": 1,
        "addons": {"severe_disability": 1},
        "income": payment.snapshot["income"],
    }
    assert Decimal(str(payment.snapshot["income"])) == Decimal("2000")
    values = {key: (v["value"], v["effective_from"], v["region"]) for key, v in payment.parameters.items()}
    assert values == {
        "standard": ("1330", "2021-07-01", "31"),
        "minor_enabled": (True, "2019-01-01", "31"),
        "minor_standard": ("1730", "2021-07-01", "31"),
        "addon.severe_disability": ("410", "2021-07-01", "31"),
    }


def test_rerun_adds_nothing_and_an_interrupted_run_completes_once(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    cases = [open_case(adults=1 + i % 3, income=str(100 * i)) for i in range(7)]
    run = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    assert run.total_count == 7
    pay.compute_run(run)
    assert Payment.objects.filter(run=run).count() == 7

    killed = PayrollRun.objects.create(
        scheme="assistance.dibao", region=Region.objects.get(code=DISTRICT), month=JULY, created_by=staff["maker"]
    )
    low = min(c.pk for c in cases)
    with pytest.raises(RuntimeError):
        pay.compute_run(killed, chunk_size=2, stop_after_chunks=2)
    partial = Payment.objects.filter(run=killed).count()
    assert 0 < partial < 7
    assert set(Payment.objects.filter(run=killed).values_list("entitlement_id", flat=True)) <= set(range(low, low + 4))
    pay.compute_run(killed, chunk_size=2)
    rows = list(Payment.objects.filter(run=killed).values_list("entitlement_id", flat=True))
    assert sorted(rows) == sorted(c.pk for c in cases)
    killed.refresh_from_db()
    assert (killed.status, killed.total_count) == (RunStatus.COMPUTED, 7)


def test_suspended_and_ended_cases_are_not_paid(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    paid = open_case(adults=1, income="0")
    suspended = open_case(adults=1, income="0")
    ended_after_july = open_case(adults=1, income="0")
    not_started = open_case(adults=1, income="0", start=datetime.date(2021, 9, 1))
    case_suspend(case=suspended, reason="联系不上，待核实", acting_user=staff["maker"])
    case_end(case=ended_after_july, reason="家庭收入超过标准", end_month=JULY, acting_user=staff["maker"])
    july = _run(JULY, staff["maker"], django_capture_on_commit_callbacks)
    august = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    assert set(_amounts(july)) == {paid.pk, ended_after_july.pk}
    assert set(_amounts(august)) == {paid.pk}
    assert not_started.pk not in _amounts(august)


def test_a_case_outside_the_run_region_is_not_paid(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    inside = open_case(adults=1, income="0")
    outside = open_case(adults=1, income="0", region=OTHER_TOWNSHIP_VILLAGE)
    with django_capture_on_commit_callbacks(execute=True):
        run = pay.payroll_run_create(
            scheme="assistance.dibao",
            region=Region.objects.get(code=inside.region_id[:9]),
            month=AUGUST,
            acting_user=staff["maker"],
        )
    assert set(_amounts(run)) == {inside.pk} and outside.pk not in _amounts(run)


def test_a_region_with_its_own_standard_is_paid_with_it(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """A township that sets its own (higher) standard is a group of its own in the run."""
    own = open_case(adults=1, income="0")
    other = open_case(adults=1, income="0", region=OTHER_TOWNSHIP_VILLAGE)
    core_services.policy_parameter_set(
        acting_user=None,
        code="assistance.dibao_standard",
        name="低保标准（每人每月）",
        region=Region.objects.get(code=OTHER_TOWNSHIP_VILLAGE[:9]),
        effective_from=JULY,
        value="1400",
        source="测试：镇级标准",
    )
    run = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    assert _amounts(run) == {own.pk: Decimal("1330.00"), other.pk: Decimal("1400.00")}
    assert Payment.objects.get(entitlement_id=other.pk).parameters["standard"]["region"] == OTHER_TOWNSHIP_VILLAGE[:9]


def test_extreme_poverty_support_is_paid_at_the_multiple_of_the_standard(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(adults=1, income="0", category=Category.EXTREME_POVERTY_SUPPORT, start=AUGUST)
    run = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks, scheme="assistance.extreme_poverty_support")
    # 1.3 × 1,330 = 1,729 (国发〔2016〕14号 floor).
    assert _amounts(run) == {case.pk: Decimal("1729.00")}
    assert Payment.objects.get(run=run).parameters["extreme_multiplier"]["value"] == "1.3"


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


def test_approval_bank_file_return_reissue_and_reconciled_totals(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    cases = [open_case(adults=1, income="0"), open_case(adults=3, income="2000"), open_case(adults=2, income="660")]
    run = _run(AUGUST, staff["maker"], django_capture_on_commit_callbacks)
    assert (run.total_count, run.total_amount) == (3, Decimal("1330.00") + Decimal("1990.00") + Decimal("2000.00"))
    with pytest.raises(ValidationError, match="审核人不能是批次生成人"):
        pay.payroll_run_approve(run=run, acting_user=staff["maker"])
    pay.payroll_run_approve(run=run, acting_user=staff["checker"])
    with django_capture_on_commit_callbacks(execute=True):
        pay.payroll_run_export(run=run, acting_user=staff["checker"])
    run.refresh_from_db()
    sheet = openpyxl.load_workbook(run.bank_file.file.open("rb")).active
    _, *lines = list(sheet.iter_rows(values_only=True))
    assert sorted((Decimal(str(line[5])), line[6], line[7]) for line in lines) == [
        (Decimal("1330"), "低保金", "2021-08"),
        (Decimal("1990"), "低保金", "2021-08"),
        (Decimal("2000"), "低保金", "2021-08"),
    ]
    by_case = {p.entitlement_id: p for p in Payment.objects.filter(run=run)}
    failed = by_case[cases[1].pk]
    rows = [
        [by_case[cases[0].pk].pk, "1330.00", "成功", ""],
        [failed.pk, "1990.00", "失败", "账户冻结"],
        [by_case[cases[2].pk].pk, "2000", "成功", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        pay.bank_return_start(run=run, file=_return_file(rows), name="回盘.xlsx", acting_user=staff["checker"])
    run.refresh_from_db()
    assert (run.status, run.paid_count, run.paid_amount, run.failed_count, run.failed_amount) == (
        RunStatus.RECONCILED,
        2,
        Decimal("3330.00"),
        1,
        Decimal("1990.00"),
    )
    assert run.paid_amount + run.failed_amount == run.total_amount
    reissue = pay.payroll_reissue_create(run=run, acting_user=staff["maker"])
    again = Payment.objects.get(run=reissue)
    assert (again.entitlement_id, again.month, again.amount, again.reissue_of_id, again.status) == (
        cases[1].pk,
        AUGUST,
        Decimal("1990.00"),
        failed.pk,
        PaymentStatus.PENDING,
    )
    assert (reissue.total_count, reissue.total_amount) == (1, Decimal("1990.00"))


def test_a_new_standard_is_used_by_the_next_payroll_and_reported(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """1,240 → 1,330 on 2021-07-01: July pays the new standard; June keeps the old; the change
    report lists every case whose amount changed, old and new."""
    three = open_case(adults=3, income="2000")
    single = open_case(adults=1, income="0")
    rich = open_case(adults=3, income="3900")  # 0 in June (3720 − 3900 < 0), 90 in July
    june = _run(JUNE, staff["maker"], django_capture_on_commit_callbacks)
    july = _run(JULY, staff["maker"], django_capture_on_commit_callbacks)
    assert _amounts(june) == {three.pk: Decimal("1720.00"), single.pk: Decimal("1240.00")}
    assert _amounts(july) == {three.pk: Decimal("1990.00"), single.pk: Decimal("1330.00"), rich.pk: Decimal("90.00")}
    report = case_amount_changes(july)
    assert [(r["case"].number, r["previous"], r["amount"], r["delta"]) for r in report] == [
        (three.number, Decimal("1720.00"), Decimal("1990.00"), Decimal("270.00")),
        (single.number, Decimal("1240.00"), Decimal("1330.00"), Decimal("90.00")),
        (rich.number, None, Decimal("90.00"), Decimal("90.00")),
    ]
    # June's payments keep the old standard and its parameter row.
    june_rows = Payment.objects.filter(run=june)
    assert {p.parameters["standard"]["value"] for p in june_rows} == {"1240"}
    assert set(june_rows.values_list("amount", flat=True)) == {Decimal("1720.00"), Decimal("1240.00")}
    assert Case.objects.get(pk=single.pk).monthly_amount == Decimal("1240.00")
