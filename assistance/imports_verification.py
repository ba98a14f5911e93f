"""Loading data-source extracts (经济状况核对数据) from xlsx or csv, in two phases.

``build_fact_plan`` reads and checks every row (ID number, date, amount, the source's item
values) and changes nothing; the validation job writes the error workbook from it. After the
user confirms, ``commit_fact_plan`` checks again and writes the valid rows in batches as one
:class:`FactBatch`, skipping rows already loaded (same source, person, reference, item and
date: a database constraint), then matches the batch to registered people in one UPDATE.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import IO, Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from assistance.choices_verification import FactSource, RealEstateUse
from assistance.models import DataSourceFact, FactBatch
from core.idnumbers import IdNumberError, parse_id_number
from core.models import Person, Region, User
from core.services.people import _id_extra_codes, id_hash
from core.sheets import Column, RowError, SheetError, SheetRows, read_sheet

FACT_COLUMNS = [
    Column("name", "姓名", width=12),
    Column("id_number", "身份证号", required=True, aliases=("公民身份号码", "身份证号码", "证件号码"), width=22),
    Column("as_of", "数据日期", required=True, aliases=("日期", "所属月份", "统计日期"), width=14),
    Column("item", "明细类别", aliases=("类别", "项目"), width=14),
    Column("reference", "账号/编号", aliases=("账号", "编号", "车牌号", "不动产权证号", "统一社会信用代码"), width=22),
    Column("amount", "金额", aliases=("金额（元）", "余额", "市值", "收入"), width=14),
    Column("exempt", "豁免", aliases=("是否豁免",), width=8),
    Column("detail", "说明", aliases=("备注",), width=30),
]
_HEADER = {c.key: c.header for c in FACT_COLUMNS}
BATCH_SIZE = 2000
MAX_BYTES_CSV_SNIFF = 4096

# Item values each source accepts (empty = free text). Real estate must say what the building is for.
REAL_ESTATE_ITEMS = {
    "居住": RealEstateUse.RESIDENTIAL,
    "住宅": RealEstateUse.RESIDENTIAL,
    "居住类房屋": RealEstateUse.RESIDENTIAL,
    RealEstateUse.RESIDENTIAL.value: RealEstateUse.RESIDENTIAL,
    "非居住": RealEstateUse.NON_RESIDENTIAL,
    "非住宅": RealEstateUse.NON_RESIDENTIAL,
    "非居住类房屋": RealEstateUse.NON_RESIDENTIAL,
    "商铺": RealEstateUse.NON_RESIDENTIAL,
    "办公": RealEstateUse.NON_RESIDENTIAL,
    "厂房": RealEstateUse.NON_RESIDENTIAL,
    RealEstateUse.NON_RESIDENTIAL.value: RealEstateUse.NON_RESIDENTIAL,
}
WAGE_ITEMS = ("工资", "养老金", "失业保险金", "其他社保待遇")
# Sources whose amount is needed (money); a vehicle or a dwelling may come without a value.
AMOUNT_REQUIRED = {
    FactSource.BANK_DEPOSIT,
    FactSource.SECURITIES,
    FactSource.WAGE_SOCIAL_INSURANCE,
    FactSource.TAX,
}
_YES = {"是", "Y", "y", "yes", "1", "true", "TRUE", "True"}
_NO = {"", "否", "N", "n", "no", "0", "false", "FALSE", "False"}
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"), True),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), True),
    (re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$"), False),
    (re.compile(r"^(\d{4})(\d{2})$"), False),
]


@dataclass
class FactRow:
    row: int
    id_hash: str
    name: str
    as_of: datetime.date
    item: str
    reference: str
    amount: Decimal
    exempt: bool
    detail: str


@dataclass
class FactPlan:
    source_kind: str
    rows: int = 0
    valid: list[FactRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        bad = {e.row for e in self.errors}
        return {"rows": self.rows, "valid": len(self.valid), "invalid": len(bad)}


def read_table(file: IO[bytes], columns: list[Column]) -> tuple[SheetRows, list[RowError]]:
    """An xlsx workbook (by its zip signature) or a csv file (UTF-8, UTF-8 with BOM or GBK)."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head == b"PK\x03\x04" or not head:
        return read_sheet(file, columns)
    raw = file.read()
    if len(raw) > 50 * 1024 * 1024:
        raise SheetError(f"文件过大（{len(raw) / 1024 / 1024:.1f} MB），最大 50 MB")
    if raw[:8].startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError("文件是旧版 .xls 格式，请在 Excel 中另存为 .xlsx 或 .csv（UTF-8）后上传")
    text = _decode(raw)
    reader = csv.reader(io.StringIO(text))
    header_row = 0
    headers: list[str] = []
    records = iter(enumerate(reader, start=1))
    for index, values in records:
        if any(v.strip() for v in values):
            header_row = index
            headers = [v.strip().replace("*", "").replace(" ", "") for v in values]
            break
    if not header_row:
        raise SheetError("文件中没有任何内容")
    lookup: dict[str, int] = {}
    for col in columns:
        for name in (col.header, *col.aliases):
            if name in headers:
                lookup[col.key] = headers.index(name)
                break
    missing = [c.header for c in columns if c.required and c.key not in lookup]
    if missing:
        expected = "、".join(c.header for c in columns)
        raise SheetError(f"表头缺少必填列：{'、'.join(missing)}。表头应包含：{expected}。请使用导入模板")
    result = SheetRows(header_row=header_row)
    for index, values in records:
        if not any(v.strip() for v in values):
            continue
        record = {}
        for col in columns:
            position = lookup.get(col.key)
            record[col.key] = values[position].strip() if position is not None and position < len(values) else ""
        result.rows.append((index, record))
    if not result.rows:
        raise SheetError("文件只有表头，没有数据行")
    return result, []


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("无法识别文件编码，请将 CSV 保存为 UTF-8 或 GBK 编码")


def parse_date(text: str) -> datetime.date:
    for pattern, has_day in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            day = int(match.group(3)) if has_day else 1
            return datetime.date(year, month, day)
    raise ValueError(text)


def parse_amount(text: str) -> Decimal:
    cleaned = text.replace(",", "").replace("，", "").replace("元", "").replace("¥", "").strip()
    value = Decimal(cleaned)
    if not value.is_finite():
        raise InvalidOperation
    return value


def build_fact_plan(file: IO[bytes], source_kind: str, today: datetime.date | None = None) -> FactPlan:
    """Check every row; raises SheetError for the file as a whole. Changes nothing."""
    if source_kind not in FactSource.values:
        raise SheetError("数据来源无效")
    sheet, read_errors = read_table(file, FACT_COLUMNS)
    plan = FactPlan(source_kind=source_kind, rows=len(sheet.rows), errors=list(read_errors))
    today = today or datetime.date.today()
    extra_codes = _id_extra_codes()
    seen: dict[tuple[str, str, str, datetime.date], int] = {}
    bad_rows = {e.row for e in read_errors}
    for row_number, raw in sheet.rows:
        errors: list[tuple[str, str]] = []
        number_hash = ""
        try:
            number_hash = id_hash(parse_id_number(raw["id_number"], extra_codes=extra_codes).number)
        except IdNumberError as exc:
            errors.append(("id_number", str(exc)))
        as_of = None
        if not raw["as_of"]:
            errors.append(("as_of", "数据日期不能为空"))
        else:
            try:
                as_of = parse_date(raw["as_of"])
            except ValueError:
                errors.append(("as_of", f"数据日期“{raw['as_of']}”无法识别，应为 2021-08-31 或 2021-08 格式"))
            else:
                if as_of > today:
                    errors.append(("as_of", f"数据日期 {as_of:%Y-%m-%d} 晚于今天"))
        amount = Decimal("0")
        if raw["amount"]:
            try:
                amount = parse_amount(raw["amount"])
            except (InvalidOperation, ValueError):
                errors.append(("amount", f"金额“{raw['amount']}”不是有效数字"))
            else:
                if amount < 0:
                    errors.append(("amount", "金额不能为负数"))
                elif amount != amount.quantize(Decimal("0.01")):
                    errors.append(("amount", "金额最多保留两位小数"))
                elif amount >= Decimal("1e12"):
                    errors.append(("amount", "金额超出范围"))
                amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if amount.is_finite() else amount
        elif source_kind in AMOUNT_REQUIRED:
            errors.append(("amount", f"{FactSource(source_kind).label}数据必须填写金额"))
        item = raw["item"]
        if source_kind == FactSource.REAL_ESTATE:
            use = REAL_ESTATE_ITEMS.get(item)
            if use is None:
                errors.append(("item", "不动产的明细类别应为“居住”或“非居住”（商铺、办公、厂房等填“非居住”）"))
            else:
                item = use.value
        elif source_kind == FactSource.WAGE_SOCIAL_INSURANCE and item and item not in WAGE_ITEMS:
            errors.append(("item", f"工资与社会保险的明细类别应为：{'、'.join(WAGE_ITEMS)}"))
        if raw["exempt"] in _YES:
            exempt = True
        elif raw["exempt"] in _NO:
            exempt = False
        else:
            exempt = False
            errors.append(("exempt", "豁免一栏应填“是”或“否”"))
        if exempt and source_kind not in (FactSource.VEHICLE, FactSource.REAL_ESTATE):
            errors.append(("exempt", "只有机动车辆（残疾人代步车）和不动产（唯一住房居改非）可以豁免"))
        if len(raw["reference"]) > 60:
            errors.append(("reference", "账号/编号不能超过 60 个字符"))
        if len(raw["name"]) > 50:
            errors.append(("name", "姓名不能超过 50 个字符"))
        if not errors and as_of is not None:
            key = (number_hash, raw["reference"], item, as_of)
            if key in seen:
                errors.append(("as_of", f"与第 {seen[key]} 行重复（同一人、账号/编号、明细类别和日期）"))
            else:
                seen[key] = row_number
        if errors:
            for key_name, message in errors:
                plan.errors.append(RowError(row_number, _HEADER[key_name], message))
            continue
        if row_number in bad_rows:
            continue
        assert as_of is not None
        plan.valid.append(
            FactRow(
                row=row_number,
                id_hash=number_hash,
                name=raw["name"],
                as_of=as_of,
                item=item,
                reference=raw["reference"],
                amount=amount,
                exempt=exempt,
                detail=raw["detail"][:200],
            )
        )
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def commit_fact_plan(
    plan: FactPlan,
    *,
    title: str,
    region: Region,
    acting_user: User,
    job: Any = None,
    input_file: Any = None,
    on_progress: Any = None,
) -> FactBatch:
    """Write the valid rows as one batch (a transaction per chunk), then match people set-based."""
    from core.audit import audit_record

    with transaction.atomic():
        batch, created = (
            FactBatch.objects.get_or_create(
                job=job,
                defaults={
                    "source_kind": plan.source_kind,
                    "title": title,
                    "region": region,
                    "input_file": input_file,
                    "created_by": acting_user,
                },
            )
            if job is not None
            else (
                FactBatch.objects.create(
                    source_kind=plan.source_kind,
                    title=title,
                    region=region,
                    input_file=input_file,
                    created_by=acting_user,
                ),
                True,
            )
        )
        audit_record(
            action="assistance.fact_batch.create" if created else "assistance.fact_batch.resume",
            actor=acting_user,
            obj=batch,
            region_code=region.code,
            changes={"source_kind": plan.source_kind, "rows": len(plan.valid)},
        )
    done = 0
    for start in range(0, len(plan.valid), BATCH_SIZE):
        chunk = plan.valid[start : start + BATCH_SIZE]
        with transaction.atomic():
            DataSourceFact.objects.bulk_create(
                [
                    DataSourceFact(
                        batch=batch,
                        source_kind=plan.source_kind,
                        id_number_hash=r.id_hash,
                        name=r.name,
                        as_of=r.as_of,
                        item=r.item,
                        reference=r.reference,
                        amount=r.amount,
                        exempt=r.exempt,
                        detail=r.detail,
                    )
                    for r in chunk
                ],
                ignore_conflicts=True,
            )
        done += len(chunk)
        if on_progress:
            on_progress(done)
    facts = DataSourceFact.objects.filter(batch=batch)
    with transaction.atomic():
        match_facts(facts.filter(person__isnull=True))
        batch.row_count = facts.count()
        batch.duplicate_count = len(plan.valid) - batch.row_count
        batch.matched_count = facts.filter(person__isnull=False).count()
        batch.save(update_fields=["row_count", "duplicate_count", "matched_count"])
    return batch


def match_facts(facts: Any) -> int:
    """Link facts to registered people by the ID number's blind index: one UPDATE."""
    return int(
        facts.update(
            person_id=Subquery(Person.objects.filter(id_number_hash=OuterRef("id_number_hash")).values("pk")[:1])
        )
    )


def template_rows(source_kind: str) -> list[list[str]]:
    examples: dict[str, list[list[str]]] = {
        FactSource.BANK_DEPOSIT: [
            ["张三", "310230195001010011", "2021-08-31", "活期", "6222020000000001", "12000.00", "", ""]
        ],
        FactSource.SECURITIES: [["张三", "310230195001010011", "2021-08-31", "基金", "A123456789", "8000.00", "", ""]],
        FactSource.VEHICLE: [["张三", "310230195001010011", "2021-08-31", "小型轿车", "沪C12345", "50000", "否", ""]],
        FactSource.REAL_ESTATE: [
            ["张三", "310230195001010011", "2021-08-31", "居住", "沪(2019)崇字不动产权第001号", "", "否", "宅基地房屋"]
        ],
        FactSource.WAGE_SOCIAL_INSURANCE: [
            ["张三", "310230195001010011", "2021-07", "养老金", "", "1800.00", "", ""],
            ["张三", "310230195001010011", "2021-08", "养老金", "", "1800.00", "", ""],
        ],
        FactSource.TAX: [
            ["张三", "310230195001010011", "2020-12-31", "综合所得", "", "36000.00", "", "年度应纳税所得额"]
        ],
        FactSource.BUSINESS: [
            ["张三", "310230195001010011", "2021-08-31", "个体工商户", "92310230MA1G000000", "100000", "", "注册资金"]
        ],
    }
    return examples.get(source_kind, [])
