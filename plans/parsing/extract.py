"""Text out of a plan document file, in a shape the structure parser reads.

Plain text is kept as it is. Tables of the other formats (Word, HTML, Excel) come out as one
tab-separated line per row — the layout of the issued Chongming plan (seed 002) — so a single
table reader handles every format. PDFs are read through their text layer only.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import PurePath
from typing import Any

FORMATS = ("txt", "docx", "html", "xlsx", "pdf")


class ExtractError(ValueError):
    """The file cannot be read as a plan document (wrong type, damaged, or no text layer)."""


def file_format(file_name: str) -> str:
    suffix = PurePath(file_name).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    if suffix not in FORMATS:
        raise ExtractError(f"不支持的文件类型“.{suffix}”，请上传 txt、docx、html、xlsx 或带文字层的 pdf 文件")
    return suffix


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (which every GBK/GB2312 file also is)."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ExtractError("文本文件既不是 UTF-8 也不是 GB18030 编码") from exc


def extract_text(file_name: str, content: bytes) -> tuple[str, str]:
    """(text, format) of a document file."""
    fmt = file_format(file_name)
    try:
        if fmt == "txt":
            text = decode_text(content)
        elif fmt == "docx":
            text = _docx_text(content)
        elif fmt == "html":
            text = _html_text(decode_text(content))
        elif fmt == "xlsx":
            text = _xlsx_text(content)
        else:
            text = _pdf_text(content)
    except ExtractError:
        raise
    except Exception as exc:  # a damaged file of the right extension: say so, do not crash
        raise ExtractError(f"无法读取 {fmt} 文件：{exc}") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ExtractError("文件中没有可读取的文字（扫描件 PDF 需先进行文字识别）")
    return text, fmt


def _cell_text(text: str) -> str:
    """A table cell on one line: its own line breaks and tabs become spaces."""
    return re.sub(r"\s+", " ", text).strip()


def _row_line(cells: list[str]) -> str:
    while cells and not cells[-1]:
        cells.pop()
    return "\t".join(cells)


def _docx_text(content: bytes) -> str:
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(content))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.append("")
            for row in block.rows:
                cells: list[str] = []
                previous = None
                for cell in row.cells:
                    # A merged cell is returned once per grid column it spans; keep it once.
                    if previous is not None and cell._tc is previous:
                        continue
                    previous = cell._tc
                    cells.append(_cell_text(cell.text))
                lines.append(_row_line(cells))
            lines.append("")
    return "\n".join(lines)


class _HTMLText(HTMLParser):
    BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "title", "tr"}
    SKIP = {"script", "style", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.skipping = 0

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        if text.strip():
            self.lines.append(text.strip("\n"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "table":
            self._flush()
            self.lines.append("")
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        elif tag in self.BLOCKS and self.cell is None:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append(_cell_text("".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.lines.append(_row_line(self.row))
            self.row = None
        elif tag == "table":
            self.lines.append("")
        elif tag in self.BLOCKS and self.cell is None:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.cell is not None:
            self.cell.append(data)
        else:
            self.current.append(data.replace("\n", " ") if self.current else data.lstrip("\n").replace("\n", " "))

    def close(self) -> None:
        super().close()
        self._flush()


def _html_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.lines)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    lines: list[str] = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if value is None else _cell_text(_xlsx_value(value)) for value in row]
            lines.append(_row_line(cells))
        lines.append("")
    workbook.close()
    return "\n".join(lines)


def _xlsx_value(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    for page in reader.pages:
        _identity_encoding(page)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    lines = (_unspace(line) for line in text.split("\n"))
    # Running page numbers ("第 3 页", "- 3 -") are the page's furniture, not the document's text.
    return "\n".join(line for line in lines if not _PAGE_NUMBER_RE.match(line))


_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|[-—–]\s*\d+\s*[-—–]|\d+\s*/\s*\d+)\s*$"
)


def _identity_encoding(page: object) -> None:
    """Some writers (fpdf2 among them) give a Type0 font an embedded Identity CMap stream instead of the
    name /Identity-H; pypdf then reads the two-byte codes one byte at a time. Name it what it is."""
    from pypdf.generic import NameObject

    try:
        fonts = page["/Resources"]["/Font"]  # type: ignore[index]
    except (KeyError, TypeError):
        return
    for ref in fonts.values():
        font = ref.get_object()
        if font.get("/Subtype") != "/Type0":
            continue
        encoding: Any = font.get("/Encoding")
        encoding = encoding.get_object() if encoding is not None else None
        if isinstance(encoding, dict) and "Identity" in str(encoding.get("/CMapName", "")):
            font[NameObject("/Encoding")] = NameObject("/Identity-H")


def _unspace(line: str) -> str:
    """Undo letter-spacing: some PDF text layers come out as "3 2 . 6 3" / "低 保 人 数"; there a single
    space is a glyph gap and a wider one is a real space."""
    stripped = line.strip()
    gaps = re.findall(r"(?<=\S)( +)(?=\S)", stripped)
    if len(gaps) < 2 or sum(1 for gap in gaps if gap == " ") < 0.8 * len(gaps):
        return line
    return re.sub(r" {2,}", " ", re.sub(r"(?<=\S) (?=\S)", "", stripped))
