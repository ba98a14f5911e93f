"""The bank file (出盘) and the bank's return file (回盘), as Excel workbooks."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from core.models import Person
from core.sheets import Column, RowError, read_sheet, write_workbook
from payments.models import PayeeAccount, Payment, PayrollRun

BANK_COLUMNS = [
    Column("payment", "流水号", width=12),
    Column("name", "收款人", width=10),
    Column("id_number", "身份证号", width=22),
    Column("bank", "开户行", width=20),
    Column("account", "账号", width=24),
    Column("amount", "金额", width=12),
    Column("scheme", "发放项目", width=14),
    Column("month", "所属月份", width=10),
]
RETURN_COLUMNS = [
    Column("payment", "流水号", required=True),
    Column("amount", "金额", required=True),
    Column("result", "结果", required=True, help="成功/失败"),
    Column("reason", "失败原因"),
]
PAID_WORDS = {"成功", "已到账", "到账", "success", "ok", "paid"}
FAILED_WORDS = {"失败", "退回", "failed", "fail", "rejected"}
CHUNK = 2000


def bank_rows(run: PayrollRun) -> Iterator[list[Any]]:
    """Rows of the bank file, read in id order in chunks (never the whole run in memory)."""
    last = 0
    label = run.scheme_label
    while True:
        chunk = list(Payment.objects.filter(run=run, pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        people = Person.objects.in_bulk([p.person_id for p in chunk])
        accounts = {a.person_id: a for a in PayeeAccount.objects.filter(person_id__in=[p.person_id for p in chunk])}
        for payment in chunk:
            person = people[payment.person_id]
            account = accounts.get(payment.person_id)
            yield [
                payment.pk,
                person.name,
                person.id_number,
                account.bank_name if account else "",
                account.account_number if account else "",
                payment.amount,
                label,
                f"{payment.month:%Y-%m}",
            ]


def bank_workbook(run: PayrollRun) -> bytes:
    return write_workbook([("出盘", BANK_COLUMNS, bank_rows(run))])


def parse_return(file: IO[bytes], run: PayrollRun) -> tuple[dict[int, tuple[bool, str]], list[RowError]]:
    """Check every row of the return file against the run; returns the results and the errors."""
    sheet, errors = read_sheet(file, RETURN_COLUMNS)
    expected = dict(Payment.objects.filter(run=run).values_list("pk", "amount"))
    results: dict[int, tuple[bool, str]] = {}
    seen: dict[int, int] = {}
    for row, raw in sheet.rows:
        try:
            pk = int(raw["payment"])
        except ValueError:
            errors.append(RowError(row, "流水号", f"流水号“{raw['payment']}”不是数字"))
            continue
        if pk not in expected:
            errors.append(RowError(row, "流水号", f"流水号 {pk} 不属于本批次"))
            continue
        if pk in seen:
            errors.append(RowError(row, "流水号", f"与第 {seen[pk]} 行的流水号重复"))
            continue
        try:
            amount = Decimal(raw["amount"].replace(",", ""))
        except InvalidOperation:
            errors.append(RowError(row, "金额", f"金额“{raw['amount']}”不是数字"))
            continue
        if amount != expected[pk]:
            errors.append(RowError(row, "金额", f"金额 {amount} 与出盘金额 {expected[pk]} 不符"))
            continue
        result = raw["result"].strip().lower()
        if result in PAID_WORDS:
            results[pk] = (True, "")
        elif result in FAILED_WORDS:
            results[pk] = (False, raw["reason"] or "银行退回")
        else:
            errors.append(RowError(row, "结果", f"结果应为“成功”或“失败”，收到“{raw['result']}”"))
            continue
        seen[pk] = row
    return results, errors
