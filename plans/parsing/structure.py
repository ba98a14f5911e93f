"""The structure of a plan document's text: title, region, period, indicator tables, prose targets,
chapter/task outline and key projects.

Pure functions over text (no database). Every line that looks like part of a structure but cannot be
read goes to `problems` with its line number; nothing is dropped silently and nothing is made up.

Table layouts read (see the seeds' INDEX.md):
- one cell per line, blank lines between cells (Chongming 000), header cells split over lines;
- one cell per line starting with a tab (Chongming 001, Baoshan 004), cells continued on following lines;
- one tab-separated row per line (Chongming 002, and what docx/html/xlsx extraction produces), a table
  split by a page break with its header repeated, cells broken with spaces;
- any column order, recognised from the header (Baoshan puts 单位 and 属性 before the definition);
- a table of the previous plan's results (已完成值, 完成度) kept as a second table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

CN_NUM = "一二三四五六七八九十"
# Characters next to which a space is layout, not content (CJK, full-width punctuation, math signs).
_TIGHT = "\u2014\u2026\u2018\u2019\u201c\u201d\u3000-\u303f\u3400-\u9fff\uff00-\uffef≥≤×÷/()%+=<>〈〉·"
_TIGHT_RE = re.compile(rf"(?<=[{_TIGHT}]) +| +(?=[{_TIGHT}])")
_BOOKMARK_RE = re.compile(r"\[bookmark: [^\]]*\]")
_INT_RE = re.compile(r"\d{1,3}")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
EMPTY_MARKS = {"", "——", "—", "--", "-", "/", "无", "－", "——————"}


def norm(text: str) -> str:
    """Whitespace-normalised text: runs collapsed, and spaces next to Chinese text or signs removed
    (PDF-to-text puts them where a cell wrapped: "康复辅助技术咨询 师数量" → "康复辅助技术咨询师数量")."""
    text = text.replace("\u3000", " ").replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text).strip()
    return _TIGHT_RE.sub("", text)


def indicator_key(name: str) -> str:
    """The name without spaces and punctuation: the default key matching an indicator across versions."""
    return re.sub(r"[\W_]+", "", name)[:100]


def to_decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


# --- values --------------------------------------------------------------------------------------

_CMP_WORDS = [
    ("ge", r"≥|>=|＞=|以上|不低于|不少于|至少|及以上"),
    ("le", r"≤|<=|＜=|不超过|不高于|以下|以内|不多于"),
    ("gt", r">|＞|超过|高于"),
    ("lt", r"<|＜|低于|少于"),
]


@dataclass
class Value:
    text: str
    comparator: str = ""
    value: Decimal | None = None
    unit: str = ""
    secondary: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "comparator": self.comparator,
            "value": None if self.value is None else str(self.value),
            "unit": self.unit,
            "secondary": self.secondary,
        }


def _comparator(text: str) -> str:
    for code, pattern in _CMP_WORDS:
        if re.search(pattern, text):
            return code
    return ""


def parse_value(text: str) -> Value:
    """A baseline or target cell: `≥35` → (ge, 35); `24%` → (eq, 24, %); `——` → nothing;
    `持证率≥98%〈其中持等级证≥80%〉` → (ge, 98) with the part in brackets as a secondary target;
    words without a single number → a text target."""
    shown = norm(text)
    if shown in EMPTY_MARKS:
        return Value(text=shown)
    secondary: list[dict[str, Any]] = []
    main = shown
    for match in re.finditer(r"[〈<（(]\s*(其中[^〉>）)]*|[≥≤><][^〉>）)]*)[〉>）)]", shown):
        inner = match.group(1)
        sub = parse_value(inner.removeprefix("其中"))
        name = re.split(r"≥|≤|>|<|不低于|不少于|不超过|达到|\d", inner.removeprefix("其中"), maxsplit=1)[0]
        secondary.append(
            {
                "text": inner,
                "name": name,
                "comparator": sub.comparator,
                "value": None if sub.value is None else str(sub.value),
                "unit": sub.unit,
            }
        )
        main = main.replace(match.group(0), "")
    numbers = _NUMBER_RE.findall(main)
    unit_match = re.search(r"\d(%|‰|张|个|名|人|所|家|万元|亿元|平方米|㎡)", main)
    unit = unit_match.group(1) if unit_match else ""
    if len(numbers) != 1:
        return Value(text=shown, comparator="text", secondary=secondary)
    comparator = _comparator(main) or "eq"
    return Value(text=shown, comparator=comparator, value=Decimal(numbers[0]), unit=unit, secondary=secondary)


def parse_kind(text: str) -> str:
    shown = norm(text)
    if "约束" in shown:
        return "binding"
    if "预期" in shown:
        return "indicative"
    return ""


# --- tables --------------------------------------------------------------------------------------

HEADER_ROLES: list[tuple[str, re.Pattern[str]]] = [
    ("seq", re.compile(r"序号")),
    ("name", re.compile(r"指标(?:名称|内容)")),
    ("definition", re.compile(r"指标定义(?:[(（]计算公式[)）])?|计算公式|指标解释")),
    (
        "baseline",
        re.compile(r"(?:(?P<y1>\d{4})年)?基准值(?:[(（](?P<y2>\d{4})年[)）])?|(?P<y3>\d{4})年(?:基期|现状)值?"),
    ),
    ("target", re.compile(r"(?:(?P<y1>\d{4})年)?目标值(?:[(（](?P<y2>\d{4})年[)）])?")),
    ("achieved", re.compile(r"已?完成值|实际完成值?")),
    ("completion", re.compile(r"完成度|完成率")),
    ("unit", re.compile(r"单位|计量单位")),
    ("kind", re.compile(r"指标(?:类型|属性|特征|性质)|属性|类型")),
]
_HEAD_TIGHT = re.compile(r"\s+")


def header_role(text: str) -> tuple[str, int | None] | None:
    """(role, year) of a header cell, or None when the text is not (yet) a complete header label."""
    cell = _HEAD_TIGHT.sub("", text)
    for role, pattern in HEADER_ROLES:
        match = pattern.fullmatch(cell)
        if match:
            years = [g for g in match.groupdict().values() if g] if match.groupdict() else []
            return role, int(years[0]) if years else None
    return None


def merge_header_cells(cells: list[str]) -> list[str]:
    """Header labels split over lines ("指标定义" + "（计算公式）", "指标" + "类型") joined back."""
    merged: list[str] = []
    current = ""
    for raw in cells:
        text = norm(raw)
        if not text:
            continue
        if current and (text[0] in "(（" or header_role(current) is None):
            current += text
            continue
        if current:
            merged.append(current)
        current = text
    if current:
        merged.append(current)
    return merged


@dataclass
class Cell:
    text: str
    line: int


@dataclass
class Table:
    title: str
    kind: str  # "indicators" or "completion"
    columns: list[str]
    roles: list[str]
    years: dict[str, int | None]
    rows: list[list[Cell]]
    first_line: int
    last_line: int


def _is_seq(text: str, expected: int) -> bool:
    return bool(_INT_RE.fullmatch(text)) and int(text) == expected


def _looks_like_heading(text: str) -> bool:
    return bool(re.match(rf"^(第[{CN_NUM}]+[章节]|[{CN_NUM}]+、|[(（][{CN_NUM}]+[)）]|表[{CN_NUM}\d])", text))


def _header_info(
    labels: list[str], line: int, problems: list[dict[str, Any]]
) -> tuple[list[str], dict[str, int | None]]:
    roles: list[str] = []
    years: dict[str, int | None] = {}
    for label in labels:
        found = header_role(label)
        if found is None:
            problems.append({"line": line, "message": f"表头“{label}”无法识别，该列按文字保留"})
            roles.append(f"column{len(roles) + 1}")
            continue
        role, year = found
        if role in roles:
            role = f"{role}{roles.count(role) + 1}"
        roles.append(role)
        years[role] = year
    return roles, years


def _group_rows(cells: list[Cell], width: int, problems: list[dict[str, Any]]) -> tuple[list[list[Cell]], int]:
    """Cells after the header grouped into rows of `width`, each starting with the next sequence number.
    Returns the rows and how many cells they used."""
    rows: list[list[Cell]] = []
    expected = 1
    index = 0
    while index < len(cells) and _is_seq(cells[index].text, expected):
        row = cells[index : index + width]
        # A row missing a cell shows as the next sequence number inside it: report, do not shift columns.
        early = next((k for k in range(1, len(row)) if _is_seq(row[k].text, expected + 1) and k < width), None)
        if early is not None and index + early < len(cells) and _looks_like_row_start(cells, index + early, width):
            problems.append(
                {"line": row[0].line, "message": f"第{expected}行只有{early}个单元格（应为{width}个），未作为指标读取"}
            )
            index += early
            expected += 1
            continue
        if len(row) < width:
            problems.append(
                {
                    "line": row[0].line,
                    "message": f"第{expected}行只有{len(row)}个单元格（应为{width}个），未作为指标读取",
                }
            )
            index += len(row)
            break
        rows.append(row)
        index += width
        expected += 1
    if index < len(cells) and _INT_RE.fullmatch(cells[index].text) and int(cells[index].text) > expected:
        # A skipped number (a row lost in conversion) ends the table here: say so rather than stop quietly.
        problems.append(
            {
                "line": cells[index].line,
                "message": f"序号应为{expected}，此处为{cells[index].text}：表格在此中断，其后的行未作为指标读取",
            }
        )
    return rows, index


def _looks_like_row_start(cells: list[Cell], index: int, width: int) -> bool:
    # The next row starts here if the cell `width` further on is the number after it (or the table ends).
    after = index + width
    return after >= len(cells) or _is_seq(cells[after].text, int(cells[index].text) + 1)


def _table_title(lines: list[str], start: int) -> str:
    for back in range(start - 1, max(-1, start - 4), -1):
        text = norm(_BOOKMARK_RE.sub("", lines[back]))
        if text:
            return text if len(text) <= 60 else ""
    return ""


def _cells_line_layout(lines: list[str], start: int) -> list[Cell]:
    """One cell per non-blank line, to the end of the text (row grouping decides where the table ends)."""
    cells: list[Cell] = []
    for number in range(start, min(len(lines), start + 2000)):
        text = norm(_BOOKMARK_RE.sub("", lines[number]))
        if text:
            cells.append(Cell(text, number + 1))
    return cells


def _cells_tab_layout(lines: list[str], start: int) -> list[Cell]:
    """A cell begins on a line starting with a tab and goes on over following lines without one
    (one blank line may sit inside a cell); two blank lines or a heading end the table."""
    cells: list[Cell] = []
    blanks = 0
    for number in range(start, len(lines)):
        raw = _BOOKMARK_RE.sub("", lines[number])
        if raw.startswith("\t"):
            cells.append(Cell(norm(raw), number + 1))
            blanks = 0
            continue
        text = norm(raw)
        if not text:
            blanks += 1
            continue
        if blanks >= 2 or _looks_like_heading(text) or not cells:
            break
        cells[-1].text = norm(cells[-1].text + " " + text)
        blanks = 0
    return cells


def _read_table_cells(lines: list[str], start: int, tabbed: bool, problems: list[dict[str, Any]]) -> Table | None:
    cells = _cells_tab_layout(lines, start) if tabbed else _cells_line_layout(lines, start)
    first_row = next((k for k, cell in enumerate(cells) if _is_seq(cell.text, 1)), None)
    if first_row is None:
        problems.append({"line": start + 1, "message": "找到表头“序号”，但其后没有序号为 1 的数据行"})
        return None
    labels = merge_header_cells([cell.text for cell in cells[:first_row]])
    roles, years = _header_info(labels, start + 1, problems)
    rows, _used = _group_rows(cells[first_row:], len(labels), problems)
    last_line = rows[-1][-1].line if rows else cells[first_row].line
    return _make_table(lines, start, labels, roles, years, rows, last_line)


def _split_tsv(line: str) -> list[str]:
    return [norm(part) for part in _BOOKMARK_RE.sub("", line).split("\t")]


def _read_tsv_table(lines: list[str], start: int, problems: list[dict[str, Any]]) -> Table:
    labels = [label for label in _split_tsv(lines[start]) if label]
    roles, years = _header_info(labels, start + 1, problems)
    width = len(labels)
    rows: list[list[Cell]] = []
    expected = 1
    last_line = start + 1
    blanks = 0
    number = start + 1
    while number < len(lines):
        raw = lines[number]
        fields = _split_tsv(raw)
        if not "".join(fields):
            blanks += 1
            number += 1
            if blanks > 3:
                break
            continue
        if fields[0] == "序号":  # the header repeated after a page break
            number += 1
            blanks = 0
            continue
        if not _is_seq(fields[0], expected) or len(fields) < 2:
            if len(fields) >= max(2, width - 1):
                problems.append(
                    {
                        "line": number + 1,
                        "message": f"该行看似表格行，但序号“{fields[0]}”不是应有的{expected}：表格在此中断，其后的行未作为指标读取",
                    }
                )
            break
        line_no = number + 1
        # A row broken over lines (page break inside a row): join the next lines until it is complete.
        while len(fields) < width and number + 1 < len(lines):
            following = _split_tsv(lines[number + 1])
            if (
                not "".join(following)
                or following[0] == "序号"
                or (len(following) > 1 and _is_seq(following[0], expected + 1))
            ):
                break
            fields[-1] = norm(fields[-1] + " " + following[0])
            fields.extend(following[1:])
            number += 1
        if len(fields) != width:
            problems.append(
                {"line": line_no, "message": f"第{expected}行有{len(fields)}个单元格（应为{width}个），未作为指标读取"}
            )
        else:
            rows.append([Cell(text, line_no) for text in fields])
        last_line = number + 1
        expected += 1
        blanks = 0
        number += 1
    return _make_table(lines, start, labels, roles, years, rows, last_line)


def _make_table(
    lines: list[str],
    start: int,
    labels: list[str],
    roles: list[str],
    years: dict[str, int | None],
    rows: list[list[Cell]],
    last_line: int,
) -> Table:
    kind = "completion" if {"achieved", "completion"} & set(roles) else "indicators"
    return Table(
        title=_table_title(lines, start),
        kind=kind,
        columns=labels,
        roles=roles,
        years=years,
        rows=rows,
        first_line=start + 1,
        last_line=last_line,
    )


def find_tables(lines: list[str], problems: list[dict[str, Any]]) -> list[Table]:
    tables: list[Table] = []
    number = 0
    while number < len(lines):
        raw = _BOOKMARK_RE.sub("", lines[number])
        stripped = raw.strip(" \u3000")
        if norm(stripped) == "序号" or stripped.startswith("序号\t"):
            if "\t" in stripped.strip("\t"):
                table: Table | None = _read_tsv_table(lines, number, problems)
            else:
                table = _read_table_cells(lines, number, raw.startswith("\t"), problems)
            if table is not None:
                tables.append(table)
                number = max(number + 1, table.last_line)
                continue
        number += 1
    return tables


def _unit_from_name(name: str) -> str:
    match = re.search(r"[（(](个|张|人|万元|亿元|名|家|所|%)[)）]$", name)
    return match.group(1) if match else ""


def table_records(table: Table, problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row as a dict of its cells by role, with parsed values beside the printed text."""
    records: list[dict[str, Any]] = []
    for row in table.rows:
        cells = {role: cell.text for role, cell in zip(table.roles, row, strict=True)}
        record: dict[str, Any] = {
            "line": row[0].line,
            "cells": dict(zip(table.columns, [c.text for c in row], strict=True)),
        }
        record["seq"] = int(cells["seq"])
        record["name"] = cells.get("name", "")
        record["definition"] = cells.get("definition", "")
        record["unit"] = cells.get("unit", "") or _unit_from_name(record["name"])
        record["kind"] = parse_kind(cells.get("kind", ""))
        record["kind_text"] = cells.get("kind", "")
        if "kind" in cells and not record["kind"]:
            problems.append({"line": row[0].line, "message": f"指标{record['seq']}的类型“{cells['kind']}”无法识别"})
        for role in ("baseline", "target", "achieved", "completion"):
            if role in cells:
                record[role] = cells[role]
                record[f"{role}_parsed"] = parse_value(cells[role]).as_dict()
        if not record["unit"]:
            units = {record.get(f"{r}_parsed", {}).get("unit") for r in ("baseline", "target")} - {"", None}
            if len(units) == 1:
                record["unit"] = units.pop()
        records.append(record)
    return records


# --- prose targets (plans without an indicator table) ---------------------------------------------

_PAST_RE = re.compile(r"截至|十三五|已建成|建成和在建|20(?:1\d|20)年")
_UNIT = r"%|‰|张|个|名|人|所|家|平方米"
_LEAD_RE = re.compile(r"^(?:到\d{4}年)?(?:力争)?(?:到\d{4}年)?(?:实现|使|确保)?")
_VERB_RE = re.compile(r"^(?:提升|提高|推进|加快|扩大|增加|鼓励和支持)")
_PROSE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "reach",
        re.compile(
            rf"^(?P<pre>.*?)达到(?P<obj>[^\d]{{0,12}}?)(?P<num>\d+(?:\.\d+)?)(?P<unit>{_UNIT})?(?P<post>以上|以下)?$"
        ),
    ),
    (
        "cmp",
        re.compile(
            rf"^(?P<pre>.*?)(?P<cmp>不超过|不低于|不少于|不高于|≥|≤)(?P<num>\d+(?:\.\d+)?)(?P<unit>{_UNIT})?(?P<rest>.*)$"
        ),
    ),
    ("share", re.compile(r"^(?P<num>\d+(?:\.\d+)?)(?P<unit>%)以上的(?P<subj>.+)$")),
    ("atleast", re.compile(r"^(?P<pre>.*?)至少有(?P<num>\d+)(?P<unit>家|个|所)(?P<subj>.+)$")),
    ("each", re.compile(r"^(?P<pre>.*?)每个(?P<scope>.+?)至少建有(?P<num>\d+)(?P<unit>个|所|家)(?P<subj>.+)$")),
    ("cover", re.compile(r"^(?P<pre>.*?)实现(?P<subj>.+?)全覆盖$")),
    (
        "places",
        re.compile(
            r"^(?P<pre>.*?)在(?:全市|全县|全区)?(?P<num>\d+)个(?P<first>[^\d、]+)、(?P<num2>\d+)个(?P<second>[^\d]+?)成立(?P<subj>.+)$"
        ),
    ),
    (
        "range",
        re.compile(r"^(?P<pre>.*?)每个(?P<scope>.+?)配备(?P<num>\d+)至(?P<num2>\d+)(?P<unit>名|个|人)(?P<subj>.+)$"),
    ),
]


def _clean_subject(text: str) -> str:
    return _LEAD_RE.sub("", text).strip("，,、 ")


def prose_targets(lines: list[str], skip: set[int]) -> list[dict[str, Any]]:
    """Quantified targets stated in running text ("每千名老年人拥有养老床位数达到40张以上")."""
    found: list[dict[str, Any]] = []
    for number, raw in enumerate(lines, start=1):
        if number in skip:
            continue
        text = norm(_BOOKMARK_RE.sub("", raw))
        for sentence in re.split(r"(?<=[。；;])", text):
            if not sentence or _PAST_RE.search(sentence):
                continue
            clauses = [c for c in re.split(r"[,，]", sentence.rstrip("。；;")) if c]
            for index, clause in enumerate(clauses):
                target = _match_clause(clause, clauses[index - 1] if index else "")
                if target:
                    target.update(line=number, definition=sentence)
                    found.append(target)
    return found


def _match_clause(clause: str, previous: str) -> dict[str, Any] | None:
    for kind, pattern in _PROSE_PATTERNS:
        match = pattern.match(clause)
        if not match:
            continue
        groups = match.groupdict()
        unit = groups.get("unit") or ""
        value = Decimal(groups["num"]) if groups.get("num") else Decimal(100)
        if kind == "reach":
            name = _clean_subject(groups["pre"]) or _VERB_RE.sub("", _clean_subject(previous))
            if not name:
                return None
            comparator = {"以上": "ge", "以下": "le"}.get(groups.get("post") or "", "eq")
            target_text = clause[len(groups["pre"]) :]
            secondary: list[dict[str, Any]] = []
        elif kind == "cmp":
            name = _clean_subject(groups["pre"])
            comparator = _comparator(groups["cmp"])
            rest = groups["rest"]
            target_text = clause[len(groups["pre"]) :]
            secondary = []
            for inner in re.findall(r"[(（]([≥≤][^)）]*)[)）]", rest):
                sub = parse_value(inner)
                secondary.append(
                    {"text": inner, "name": "", "comparator": sub.comparator, "value": str(sub.value), "unit": sub.unit}
                )
        elif kind == "share":
            name = groups["subj"] + "比例"
            comparator = "ge"
            target_text = clause
            secondary = []
        elif kind == "atleast":
            name = re.sub(r"[(（].*?[)）]", "", groups["subj"]) + "数量"
            comparator = "ge"
            target_text = clause[len(groups["pre"]) :]
            secondary = []
        elif kind == "each":
            name = f"每个{groups['scope']}建有{groups['subj']}数"
            comparator = "ge"
            target_text = clause[len(groups["pre"]) :]
            secondary = []
        elif kind == "places":
            # "在全市14个乡镇、168个村(社区)成立社会工作服务站": both counts kept, the first as the value.
            name = f"成立{groups['subj']}的{groups['first']}数"
            comparator = "eq"
            unit = "个"
            target_text = clause[len(groups["pre"]) :]
            secondary = [
                {
                    "text": f"{groups['num2']}个{groups['second']}",
                    "name": groups["second"],
                    "comparator": "eq",
                    "value": groups["num2"],
                    "unit": "个",
                }
            ]
        elif kind == "range":
            name = f"每个{groups['scope']}配备{groups['subj']}数"
            comparator = "ge"
            target_text = clause[len(groups["pre"]) :]
            secondary = [
                {
                    "text": f"至多{groups['num2']}{unit}",
                    "name": "上限",
                    "comparator": "le",
                    "value": groups["num2"],
                    "unit": unit,
                }
            ]
        else:  # cover
            name = re.sub(r"^对", "", groups["subj"]) + "覆盖率"
            comparator = "eq"
            unit = "%"
            target_text = "全覆盖"
            secondary = []
        if len(name) < 4:
            return None
        return {
            "name": name,
            "target": target_text,
            "target_parsed": {
                "text": target_text,
                "comparator": comparator,
                "value": str(value),
                "unit": unit,
                "secondary": secondary,
            },
            "unit": unit,
        }
    return None


# --- outline -------------------------------------------------------------------------------------

_HEADING_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(rf"^第(?P<n>[{CN_NUM}]+)章\s*(?P<t>.*)$")),
    ("section", re.compile(rf"^第(?P<n>[{CN_NUM}]+)节\s*(?P<t>.*)$")),
    ("cn", re.compile(rf"^(?P<n>[{CN_NUM}]+)、\s*(?P<t>.+)$")),
    ("paren_cn", re.compile(rf"^[(（]\s*(?P<n>[{CN_NUM}]+)\s*[)）]\s*(?P<t>.+)$")),
    ("num", re.compile(r"^(?P<n>\d{1,2})\s*[.．、]\s*(?P<t>[^\d\s.．].*)$")),
    ("paren_num", re.compile(r"^[(（]\s*(?P<n>\d{1,2})\s*[)）]\s*(?P<t>.+)$")),
]
_NUMBER_FORMAT = {
    "chapter": "第{}章",
    "section": "第{}节",
    "cn": "{}",
    "paren_cn": "（{}）",
    "num": "{}",
    "paren_num": "（{}）",
}


def _toc_lines(lines: list[str]) -> set[int]:
    """Line numbers of a table of contents (目录 … up to the first entry seen again)."""
    for index, raw in enumerate(lines):
        if norm(raw).replace(" ", "") == "目录":
            entries = [k for k in range(index + 1, len(lines)) if norm(lines[k])]
            if not entries:
                return set()
            first = norm(lines[entries[0]]).replace(" ", "")
            for k in entries[1:]:
                if norm(lines[k]).replace(" ", "") == first:
                    return set(range(index + 1, k + 1))  # 1-based numbers of index+1 … k
            return set()
    return set()


_FOOTNOTE_RE = re.compile(r"^[\ufffd¹²³⁴⁵⁶⁷⁸⁹⁰]")
_MARKER_RE = re.compile(r"[\ufffd¹²³⁴⁵⁶⁷⁸⁹⁰]+|\*\*")  # footnote marks; bold markup left by conversion
# The distribution list and print line that close an official document (抄送：… / …印发) are not plan text.
_DOCUMENT_END_RE = re.compile(r"^(?:抄送[：:]|主送[：:]|.{0,30}\d{4}年\d{1,2}月\d{1,2}日印发$)")


def outline(lines: list[str], skip: set[int]) -> list[dict[str, Any]]:
    """Headings (一、 （一） 1. （1） 第一章 第一节 in whatever nesting the document uses), each with the
    text under it up to the next heading (footnotes and their markers left out, so that a page break
    or a footnote moved to the end does not read as a rewording)."""
    tasks: list[dict[str, Any]] = []
    stack: list[str] = []
    body: list[str] = []

    def close() -> None:
        if tasks:
            tasks[-1]["text"] = "".join(body)[:4000]
        body.clear()

    for number, raw in enumerate(lines, start=1):
        if number in skip:
            continue
        text = norm(_BOOKMARK_RE.sub("", raw))
        if not text or _FOOTNOTE_RE.match(text):
            continue
        if _DOCUMENT_END_RE.match(text):
            break
        heading = None
        for style, pattern in _HEADING_STYLES:
            match = pattern.match(text)
            if match and match.group("t").strip() and len(text) >= 3:
                heading = style, match
                break
        if heading is None:
            body.append(_MARKER_RE.sub("", text))
            continue
        style, match = heading
        close()
        title, _, rest = match.group("t").strip().partition("。")
        if style in stack:
            del stack[stack.index(style) + 1 :]
        else:
            stack.append(style)
        tasks.append(
            {
                "level": len(stack),
                "number": _NUMBER_FORMAT[style].format(match.group("n")),
                "title": _MARKER_RE.sub("", title[:200]).rstrip("。；;：:"),
                "text": "",
                "line": number,
            }
        )
        if rest:
            body.append(_MARKER_RE.sub("", rest))
    close()
    return tasks


# --- key projects --------------------------------------------------------------------------------

_PROJECT_SECTION_RE = re.compile(r"重点(?:建设)?项目")
_TOTAL_RE = re.compile(
    r"(?:项目建设|项目)(?P<cats>\d+|[一二三四五六七八九十])类.{0,6}?总投资(?P<total>\d+(?:\.\d+)?)万元"
)
_INVEST_RE = re.compile(r"投资(?:约)?(?P<n>\d+(?:\.\d+)?)万元")
_AREA_RE = re.compile(r"(?P<n>\d+(?:\.\d+)?)平方米")
_BEDS_RE = re.compile(r"床位(?P<n>\d+)张")
_NAME_VERB_RE = re.compile(r"新建|改扩建|扩建|建设|改造|项目|启动|引进|兴办|中心\d|\d+所")


def _cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    return CN_NUM.index(text) + 1 if text in CN_NUM else 0


def key_projects(
    lines: list[str], skip: set[int], problems: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    projects: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    start = None
    for number, raw in enumerate(lines, start=1):
        if number in skip:
            continue
        text = norm(raw)
        if start is None:
            if (
                _PROJECT_SECTION_RE.search(text)
                and len(text) <= 30
                and re.match(r"^(第.+节|[(（]?[一二三四五六七八九十]+[)）、]|\d)", text)
            ):
                start = number
            continue
        if re.match(rf"^(第[{CN_NUM}]+[章节]|[{CN_NUM}]+、)", text):
            break
        total = _TOTAL_RE.search(text)
        if total:
            summary = {
                "stated_total_wan_yuan": str(Decimal(total.group("total"))),
                "stated_categories": _cn_int(total.group("cats")),
                "line": number,
            }
            continue
        category = re.match(rf"^[(（](?P<n>[{CN_NUM}]+)[)）](?P<cat>[^。]+?)。(?P<body>.*)$", text)
        if not category:
            continue
        for item in re.split(r"[;；]", category.group("body")):
            item = item.strip().rstrip("。")
            if not item:
                continue
            invest = _INVEST_RE.search(item)
            if not invest:
                problems.append({"line": number, "message": f"重点项目“{item[:30]}…”未写明投资额，未计入项目"})
                continue
            clauses = [c for c in re.split(r"[,，]", item) if c]
            name = next((c for c in clauses if _NAME_VERB_RE.search(c)), clauses[0])
            area = _AREA_RE.search(item)
            beds = [int(b) for b in _BEDS_RE.findall(item)]
            projects.append(
                {
                    "category": category.group("cat"),
                    "name": re.sub(r"^拟", "", name),
                    "description": item,
                    "investment_wan_yuan": str(Decimal(invest.group("n"))),
                    "floor_area_m2": str(Decimal(area.group("n"))) if area else None,
                    "beds": sum(beds) if beds else None,
                    "line": number,
                }
            )
    if projects:
        total_sum = sum((Decimal(p["investment_wan_yuan"]) for p in projects), Decimal(0))
        categories = list(dict.fromkeys(p["category"] for p in projects))
        summary.update(
            {
                "sum_wan_yuan": str(total_sum),
                "categories": len(categories),
                "by_category": {
                    c: str(sum((Decimal(p["investment_wan_yuan"]) for p in projects if p["category"] == c), Decimal(0)))
                    for c in categories
                },
                "floor_area_m2": str(
                    sum((Decimal(p["floor_area_m2"]) for p in projects if p["floor_area_m2"]), Decimal(0))
                ),
                "beds": sum(p["beds"] or 0 for p in projects),
            }
        )
        stated = summary.get("stated_total_wan_yuan")
        if stated is not None and Decimal(stated) != total_sum:
            problems.append(
                {
                    "line": summary["line"],
                    "message": f"重点项目投资合计{total_sum}万元，与文中所述总投资{stated}万元不符",
                }
            )
        if summary.get("stated_categories") and summary["stated_categories"] != len(categories):
            problems.append(
                {
                    "line": summary["line"],
                    "message": f"重点项目共读出{len(categories)}类，与文中所述{summary['stated_categories']}类不符",
                }
            )
    return projects, summary


# --- title, region, period -----------------------------------------------------------------------

_TITLE_RE = re.compile(r"^(?P<t>[^，。,；;《》]{2,40}?规划)(?P<p>[(（]\d{4}\s*[—\-–－~至]+\s*\d{4}年?[)）]?)?$")
_REGION_RE = re.compile(r"^(?P<r>[\u4e00-\u9fff]{2,8}?(?:自治县|自治州|区|县|市|州|旗))")
_PERIOD_RE = re.compile(r"(?P<a>20\d{2})\s*[—\-–－~至]+\s*(?P<b>20\d{2})\s*年")
_FIVE_YEAR = {"十四五": (2021, 2025), "十三五": (2016, 2020), "十五五": (2026, 2030)}
_DOC_NUMBER_RE = re.compile(
    r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号|(?<=[:：])[\u4e00-\u9fff]{1,8}〔\d{4}〕\d+号"
)


def _title(lines: list[str]) -> tuple[str, str, int | None]:
    for number, raw in enumerate(lines, start=1):
        text = norm(_BOOKMARK_RE.sub("", raw))
        if "关于" in text or "印发" in text or text.startswith("《"):
            continue
        match = _TITLE_RE.match(text)
        if match and "五" in text:
            return match.group("t"), text, number
    return "", "", None


def _title_from_body(text: str) -> str:
    # Only "编制好…规划" names the document itself; a 《…规划》 is usually another plan it cites.
    match = re.search(r"编制好?(?P<t>[\u4e00-\u9fff]{2,8}?(?:区|县|市)民政事业(?:发展)?“十四五”规划)", text)
    return match.group("t") if match else ""


def parse_document(text: str) -> dict[str, Any]:
    """The structure of a plan document's text (see module doc); JSON-ready."""
    lines = text.split("\n")
    problems: list[dict[str, Any]] = []
    flat = norm(_BOOKMARK_RE.sub("", text))

    title, document_title, title_line = _title(lines)
    if not title:
        title = _title_from_body(flat)
        if title:
            problems.append({"line": None, "message": f"文件中没有单独的标题行，规划名称“{title}”取自正文"})
        else:
            problems.append({"line": None, "message": "未能识别规划名称（文件中没有标题行）"})
    region = ""
    match = _REGION_RE.match(title)
    if match:
        region = match.group("r")
    region_full = ""
    if region:
        full = re.search(
            rf"([\u4e00-\u9fff]{{2,3}}省[\u4e00-\u9fff]{{2,4}}?(?:州|市)|[\u4e00-\u9fff]{{2,3}}市){region}", flat
        )
        region_full = (full.group(1) + region) if full and full.group(1) != region else ""
    else:
        counts: dict[str, int] = {}
        for candidate in re.findall(r"([\u4e00-\u9fff]{2})(?:区|县|市)?民政(?:事业|工作)", flat):
            if candidate[0] not in "全本各该我省市区县州":
                counts[candidate] = counts.get(candidate, 0) + 1
        if counts:
            region = max(counts, key=lambda k: counts[k])
            problems.append({"line": None, "message": f"地区“{region}”取自正文，请核对"})
        else:
            problems.append({"line": None, "message": "未能识别规划所属地区"})

    period: list[int] | None = None
    explicit = _PERIOD_RE.search(document_title) or _PERIOD_RE.search(flat[:3000])
    if explicit and int(explicit.group("b")) - int(explicit.group("a")) == 4:
        period = [int(explicit.group("a")), int(explicit.group("b"))]
    else:
        for words, years in _FIVE_YEAR.items():
            if words in title or words in flat[:2000]:
                period = list(years)
                break
    if period is None:
        problems.append({"line": None, "message": "未能识别规划期"})

    doc_number = next((m for m in (_DOC_NUMBER_RE.search(norm(line)) for line in lines[:60]) if m is not None), None)
    head = flat[:600]
    if "征求意见稿" in head:
        label = "征求意见稿"
    elif "草案" in head:
        label = "草案"
    elif doc_number:
        label = "正式稿"
    else:
        label = "其他"

    tables = find_tables(lines, problems)
    table_lines: set[int] = set()
    for table in tables:
        table_lines.update(range(table.first_line, table.last_line + 1))
    toc = _toc_lines(lines)
    skip = table_lines | toc

    tables_out: list[dict[str, Any]] = []
    indicators: list[dict[str, Any]] = []
    for table in tables:
        records = table_records(table, problems)
        tables_out.append(
            {
                "title": table.title,
                "kind": table.kind,
                "columns": table.columns,
                "roles": table.roles,
                "years": table.years,
                "line": table.first_line,
                "rows": records,
            }
        )
        if table.kind != "indicators":
            continue
        if indicators:
            problems.append({"line": table.first_line, "message": "文件中有多张指标表，后一张的指标接在前一张之后编号"})
        offset = len(indicators)
        for record in records:
            indicators.append(_indicator_from_record(record, table, offset))

    if not indicators:
        for found in prose_targets(lines, skip):
            seq = len(indicators) + 1
            indicators.append(
                {
                    "seq": seq,
                    "key": indicator_key(found["name"]),
                    "name": found["name"],
                    "definition": found["definition"],
                    "unit": found["unit"],
                    "baseline": "",
                    "target": found["target"],
                    "kind": "",
                    "kind_text": "",
                    "baseline_year": None,
                    "target_year": period[1] if period else None,
                    "baseline_parsed": parse_value("").as_dict(),
                    "target_parsed": found["target_parsed"],
                    "source": "prose",
                    "line": found["line"],
                }
            )
        _dedupe_keys(indicators)

    tasks = outline(lines, skip | ({title_line} if title_line else set()))
    projects, project_summary = key_projects(lines, toc, problems)
    return {
        "title": title,
        "document_title": document_title or title,
        "document_number": doc_number.group(0) if doc_number else "",
        "label": label,
        "region": region_full or region,
        "region_name": region,
        "period": period,
        "indicators": indicators,
        "tables": tables_out,
        "tasks": tasks,
        "projects": projects,
        "project_summary": project_summary,
        "problems": problems,
    }


def _indicator_from_record(record: dict[str, Any], table: Table, offset: int) -> dict[str, Any]:
    return {
        "seq": record["seq"] + offset,
        "key": indicator_key(record["name"]),
        "name": record["name"],
        "definition": record["definition"],
        "unit": record["unit"],
        "baseline": record.get("baseline", ""),
        "target": record.get("target", ""),
        "kind": record["kind"],
        "kind_text": record["kind_text"],
        "baseline_year": table.years.get("baseline"),
        "target_year": table.years.get("target"),
        "baseline_parsed": record.get("baseline_parsed") or parse_value("").as_dict(),
        "target_parsed": record.get("target_parsed") or parse_value("").as_dict(),
        "source": "table",
        "line": record["line"],
    }


def _dedupe_keys(indicators: list[dict[str, Any]]) -> None:
    seen: dict[str, int] = {}
    for item in indicators:
        key = item["key"]
        if key in seen:
            seen[key] += 1
            item["key"] = f"{key}{seen[key]}"[:100]
        else:
            seen[key] = 1
