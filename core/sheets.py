"""Reading and writing Excel workbooks for imports and exports (openpyxl).

Reading is defensive: staff upload whatever they have, so every file-level problem (not an
xlsx file, too big, empty, headers missing) becomes a :class:`SheetError` with a Chinese
message, and every cell value comes back as a stripped string.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

# What openpyxl raises for a damaged or foreign file: a broken zip, a missing part, XML cut off
# (ParseError is a SyntaxError), a workbook without sheets.
_DAMAGED = (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, SyntaxError)
_UNREADABLE = "无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式"


class SheetError(ValueError):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""
    width: int = 16


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class SheetRows:
    header_row: int
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _cell_text(value: Any, header: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # Excel keeps only 15 significant digits: an ID number typed as a number is already
        # damaged, so refuse it rather than import a wrong number.
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise ValueError(f"“{header}”列是数字格式，长号码会被 Excel 截断，请把该列设为文本后重新填写")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _normalise_header(text: Any) -> str:
    return str(text or "").strip().replace("*", "").replace("＊", "").replace(" ", "").replace("\n", "")


def read_sheet(
    file: IO[bytes], columns: Sequence[Column], *, max_rows: int = 200_000
) -> tuple[SheetRows, list[RowError]]:
    """Read the first worksheet. Returns the data rows and the cell-level errors found while
    reading (e.g. numbers typed where text is needed); raises SheetError for the file as a whole."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    if size == 0:
        raise SheetError("文件是空的")
    if size > settings.MAX_UPLOAD_BYTES:
        raise SheetError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），最大 {settings.MAX_UPLOAD_BYTES // 1024 // 1024} MB"
        )
    if file.read(4) != b"PK\x03\x04":
        raise SheetError("文件不是 Excel 工作簿（.xlsx）。旧版 .xls 或 .csv 请先在 Excel 中另存为 .xlsx")
    file.seek(0)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except _DAMAGED as exc:
        raise SheetError(_UNREADABLE) from exc
    try:
        sheet = workbook.worksheets[0]
        rows_iter = sheet.iter_rows(values_only=True)
        header_row = 0
        headers: list[str] = []
        for index, values in enumerate(rows_iter, start=1):
            if values and any(v not in (None, "") for v in values):
                header_row = index
                headers = [_normalise_header(v) for v in values]
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
        errors: list[RowError] = []
        for index, values in enumerate(rows_iter, start=header_row + 1):
            if not values or all(v in (None, "") for v in values):
                continue
            if len(result.rows) >= max_rows:
                raise SheetError(f"数据行超过 {max_rows} 行，请拆分后分批导入")
            record: dict[str, str] = {}
            for col in columns:
                position = lookup.get(col.key)
                raw = values[position] if position is not None and position < len(values) else None
                try:
                    record[col.key] = _cell_text(raw, col.header)
                except ValueError as exc:
                    errors.append(RowError(index, col.header, str(exc)))
                    record[col.key] = ""
            result.rows.append((index, record))
        if not result.rows:
            raise SheetError("文件只有表头，没有数据行")
        return result, errors
    except SheetError:
        raise
    except _DAMAGED as exc:
        # A read-only workbook parses a sheet's XML while iterating: damage inside shows up here.
        raise SheetError(_UNREADABLE) from exc
    finally:
        workbook.close()


def write_workbook(
    sheets: Iterable[tuple[str, Sequence[Column], Iterable[Sequence[Any]]]],
) -> bytes:
    """A workbook with one sheet per (title, columns, rows); streamed (write-only) for big lists."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    for title, columns, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        for position, col in enumerate(columns, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = col.width
        sheet.freeze_panes = "A2"
        header_cells = []
        for col in columns:
            cell = WriteOnlyCell(sheet, value=col.header)
            cell.font = bold
            cell.fill = fill
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


ERROR_COLUMNS = [
    Column("row", "行号", width=8),
    Column("column", "列", width=18),
    Column("message", "错误说明", width=80),
]


def error_workbook(errors: Sequence[RowError]) -> bytes:
    return write_workbook([("错误清单", ERROR_COLUMNS, ([e.row, e.column, e.message] for e in errors))])
