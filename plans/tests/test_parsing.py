"""The plan-document parser against the five seed plans as they are, and renderings of them in the
other accepted formats (Word, HTML, Excel, PDF, GB18030 text)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from plans.parsing import ExtractError, extract_text, parse_document, parse_file

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "seeds"
SEEDS = {
    "000": "000_4ab354dae66e4b4d.txt",
    "001": "001_bb99b6debb92d8ce.txt",
    "002": "002_e3fdff5c98763175.txt",
    "003": "003_5b69f9013e4c5d9b.txt",
    "004": "004_7195df48b736ee37.txt",
}


def seed_text(key: str) -> str:
    return (FIXTURES / SEEDS[key]).read_text(encoding="utf-8")


def parsed(key: str) -> dict[str, Any]:
    return parse_document(seed_text(key))


def by_seq(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {item["seq"]: item for item in result["indicators"]}


def cells(item: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    return (item["name"], item["definition"], item["baseline"], item["target"], item["unit"], item["kind"])


# --- Chongming ------------------------------------------------------------------------------------


def test_chongming_000_one_cell_per_line() -> None:
    result = parsed("000")
    assert result["title"] == ""
    assert {"line": None, "message": "未能识别规划名称（文件中没有标题行）"} in result["problems"]
    assert result["region"] == "崇明"
    assert result["period"] == [2021, 2025]
    assert len(result["indicators"]) == 17
    assert [t["columns"] for t in result["tables"]] == [
        ["序号", "指标名称", "指标定义（计算公式）", "2020年基准值", "2025年目标值", "单位", "指标类型"]
    ]
    rows = by_seq(result)
    assert cells(rows[1]) == (
        "居民最低生活保障标准与上年度居民月人均消费支出比",
        "居民最低生活保障标准/上年度居民月人均消费支出",
        "32.63",
        "≥35",
        "%",
        "binding",
    )
    assert rows[1]["target_parsed"]["comparator"] == "ge"
    assert rows[1]["target_parsed"]["value"] == "35"
    assert rows[1]["baseline_parsed"]["value"] == "32.63"
    assert (rows[1]["baseline_year"], rows[1]["target_year"]) == (2020, 2025)
    assert cells(rows[6]) == (
        "老年助餐供客能力",
        "全市社区助餐点每天提供老人就餐人次的能力",
        "5500",
        "9000",
        "客/日",
        "indicative",
    )
    assert rows[5]["kind"] == "binding"
    assert cells(rows[17])[:4] == (
        "新开墓区小型墓比例（≤0.6平方米）",
        "单个墓位占地面积≤0.6平方米的安葬量/总安葬量",
        "41",
        "90",
    )
    assert [rows[n]["kind"] for n in range(1, 18)].count("binding") == 5
    # The table's lines are not mistaken for outline headings ("1.64" is a cell, not task 1).
    assert [t["title"] for t in result["tasks"] if t["level"] == 1][:2] == [
        "“十三五”时期崇明民政事业发展回顾",
        "“十四五”时期崇明民政事业发展面临的机遇与挑战",
    ]


def test_chongming_001_tab_indented_cells_and_draft_kind_of_indicator_5() -> None:
    result = parsed("001")
    assert result["title"] == "崇明区民政事业发展“十四五”规划"
    assert result["label"] == "草案"
    assert result["region"] == "上海市崇明区"
    assert result["problems"] == []
    assert len(result["indicators"]) == 17
    rows = by_seq(result)
    assert rows[5]["kind"] == "indicative"  # 约束性 in 000 and 002
    assert cells(rows[16]) == (
        "政府购买服务收入及政府补助收入占社会组织年度总收入比",
        "（年度政府购买服务收入+政府补助收入）/全区社会组织年度总收入",
        "19.8",
        "≥30",
        "%",
        "indicative",
    )


def test_chongming_002_tab_separated_rows_split_by_a_page_break() -> None:
    result = parsed("002")
    assert result["title"] == "崇明区民政事业发展“十四五”规划"
    assert result["document_number"] == "沪崇府办发〔2021〕15号"
    assert result["label"] == "正式稿"
    assert result["problems"] == []
    assert len(result["indicators"]) == 17
    assert len(result["tables"]) == 1
    rows = by_seq(result)
    assert cells(rows[8])[:4] == (
        "康复辅具社区租赁服务实体点乡镇覆盖率",
        "有康复辅助器具租赁服务实体点的乡镇数/全区乡镇数",
        "72",
        "100",
    )
    # Row 9 is the first after the repeated header; its cells were broken with spaces.
    assert cells(rows[9]) == (
        "康复辅助技术咨询师数量",
        "通过专业考试，为功能障碍者提供辅助技术咨询、转介、评估、方案设计、应用指导等服务人员数量",
        "0",
        "30",
        "人",
        "indicative",
    )
    assert rows[13]["target"] == "≥60"
    assert rows[14]["definition"] == "取得社会工作者职业水平证书的人员总数/常住人口数×10000"
    assert rows[17]["name"] == "新开区小型墓比例(≤0.6平方米)"
    assert rows[5]["kind"] == "binding"


def test_the_same_indicator_has_the_same_key_in_all_chongming_versions() -> None:
    keys = [[i["key"] for i in parsed(k)["indicators"]] for k in ("000", "001", "002")]
    assert keys[0][:16] == keys[1][:16] == keys[2][:16]
    assert keys[0][1] == "低保人数占户籍人口数比重"


# --- Baoshan --------------------------------------------------------------------------------------


def test_baoshan_reordered_columns_multiline_cells_text_values_and_dashes() -> None:
    result = parsed("004")
    assert result["title"] == "宝山区民政事业发展“十四五”规划"
    assert result["region"] == "上海市宝山区"
    assert len(result["indicators"]) == 12
    indicator_table = result["tables"][1]
    assert indicator_table["title"] == "表二：宝山区民政事业发展“十四五”规划主要指标表"
    assert indicator_table["columns"] == [
        "序号", "指标名称", "单位", "属性", "指标定义（计算公式）", "基准值（2020年）", "目标值（2025年）"
    ]  # fmt: skip
    rows = by_seq(result)
    assert cells(rows[1]) == (
        "社区养老服务设施面积",
        "全区社区养老服务设施总面积/全区常住人口数×1000",
        "达到常住人口每千人26平方米",
        "达到常住人口每千人40平方米以上",
        "㎡",
        "indicative",
    )
    assert rows[1]["target_parsed"]["comparator"] == "ge"
    assert rows[1]["target_parsed"]["value"] == "40"
    assert cells(rows[2])[2:] == ("12995", "16800", "张", "indicative")
    assert cells(rows[3]) == ("护理型床位占比", "护理型床位数/总床位数", "24%", "≥60%", "%", "binding")
    assert rows[6]["target"] == "持证率≥98%〈其中持等级证≥80%〉"
    assert (rows[6]["target_parsed"]["comparator"], rows[6]["target_parsed"]["value"]) == ("ge", "98")
    assert rows[6]["target_parsed"]["secondary"] == [
        {"text": "其中持等级证≥80%", "name": "持等级证", "comparator": "ge", "value": "80", "unit": "%"}
    ]
    assert cells(rows[7])[2:] == ("16", "30", "个", "binding")
    assert rows[10]["target"] == "不低于60%"
    assert rows[10]["target_parsed"]["comparator"] == "ge"
    assert rows[11]["baseline"] == "——"
    assert rows[11]["baseline_parsed"]["value"] is None
    assert rows[11]["name"] == "“社区云”居民家庭上云率"
    assert [rows[n]["kind"] for n in range(1, 13)].count("binding") == 3


def test_baoshan_table_one_is_the_13th_plan_completion_table() -> None:
    table = parsed("004")["tables"][0]
    assert table["kind"] == "completion"
    assert table["columns"] == ["序号", "指标内容", "2020年目标值", "已完成值", "完成度", "指标特征"]
    assert len(table["rows"]) == 8
    row = table["rows"][3]
    assert (row["seq"], row["name"], row["unit"], row["target"], row["achieved"], row["completion"], row["kind"]) == (
        4, "新建社区托养机构（个）", "个", "10", "71", "710%", "binding"
    )  # fmt: skip
    assert table["rows"][7]["achieved_parsed"]["value"] == "15.29"


# --- Lufeng ---------------------------------------------------------------------------------------


def test_lufeng_prose_targets_become_indicators() -> None:
    result = parsed("003")
    assert result["title"] == "禄丰市“十四五”民政事业发展规划"
    assert result["document_title"] == "禄丰市“十四五”民政事业发展规划(2021-2025年)"
    assert result["document_number"] == "禄政通〔2022〕24号"
    assert result["region"] == "禄丰市"
    assert result["period"] == [2021, 2025]
    assert result["tables"] == []
    got = [
        (i["name"], i["target"], i["target_parsed"]["comparator"], i["target_parsed"]["value"], i["unit"])
        for i in result["indicators"]
    ]
    assert got == [
        ("慈善组织数量", "至少有1家慈善组织(或基金会)", "ge", "1", "家"),
        ("护理型床位比例", "达到总床位的50%以上", "ge", "50", "%"),
        ("政府运营的养老床位数占本市养老床位总数的比例", "不超过50%", "le", "50", "%"),
        ("每个居民区建有标准化老年活动设施数", "每个居民区至少建有1个标准化老年活动设施", "ge", "1", "个"),
        ("全市示范村组睦邻点", "不少于10个", "ge", "10", "个"),
        ("平均每千名老年人拥有养老床位数", "达到40张以上", "ge", "40", "张"),
        ("无子女、高龄、独居老年人村委会(社区)探访覆盖率", "全覆盖", "eq", "100", "%"),
        ("养老机构医养结合率", "达到100%", "eq", "100", "%"),
        ("家庭医生签约老年人有效服务率", "达到80%以上", "ge", "80", "%"),
        ("每万人拥有专业社会工作者(持证专业)人数", "≥1.6名(≥69名)", "ge", "1.6", "名"),
        ("成立社会工作服务站的乡镇数", "在全市14个乡镇、168个村(社区)成立社会工作服务站", "eq", "14", "个"),
        ("每个服务站配备持证专业社会工作人员数", "每个服务站配备1至2名持证专业社会工作人员", "ge", "1", "名"),
        ("居家患者接受社区康复服务比例", "60%以上的居家患者接受社区康复服务", "ge", "60", "%"),
    ]
    stations = result["indicators"][10]["target_parsed"]["secondary"]
    assert [(x["name"], x["value"]) for x in stations] == [("村(社区)", "168")]
    staffing = result["indicators"][11]["target_parsed"]["secondary"]
    assert [(x["comparator"], x["value"]) for x in staffing] == [("le", "2")]
    social = result["indicators"][9]
    assert social["target_parsed"]["secondary"][0]["value"] == "69"
    assert social["source"] == "prose"
    assert social["line"] == 218
    assert all(i["baseline"] == "" and i["kind"] == "" for i in result["indicators"])


def test_lufeng_key_projects_add_up_to_the_stated_totals() -> None:
    result = parsed("003")
    projects = result["projects"]
    assert len(projects) == 29
    total = sum(Decimal(p["investment_wan_yuan"]) for p in projects)
    assert total == Decimal("235835")
    by_category: dict[str, Decimal] = {}
    for p in projects:
        by_category[p["category"]] = by_category.get(p["category"], Decimal(0)) + Decimal(p["investment_wan_yuan"])
    assert by_category == {
        "养老服务体系建设项目": Decimal("181200"),
        "城乡社区公共服务基础设施建设项目": Decimal("11655"),
        "殡葬基础设施建设项目": Decimal("36300"),
        "社会福利和儿童福利体系建设项目": Decimal("6680"),
    }
    assert sum(p["beds"] or 0 for p in projects) == 4830
    summary = result["project_summary"]
    assert (summary["stated_total_wan_yuan"], summary["stated_categories"], summary["sum_wan_yuan"]) == (
        "235835", 4, "235835"
    )  # fmt: skip
    first = projects[0]
    assert first["name"] == "规划新建或改扩建碧城镇、土官镇、黑井镇、高峰乡特困人员供养服务设施(农村区域性养老服务中心)"
    assert (first["investment_wan_yuan"], first["floor_area_m2"], first["beds"]) == ("3850", "12800", 360)
    big = next(p for p in projects if p["investment_wan_yuan"] == "155000")
    assert (big["floor_area_m2"], big["beds"]) == ("184900", 2900)
    community = [p for p in projects if p["category"] == "城乡社区公共服务基础设施建设项目"]
    assert community[0]["name"] == "新建城市社区综合服务设施4个"
    assert result["problems"] == []


def test_lufeng_outline_skips_the_table_of_contents() -> None:
    tasks = parsed("003")["tasks"]
    chapters = [(t["number"], t["title"]) for t in tasks if t["level"] == 1]
    assert chapters == [
        ("第一章", "发展基础与环境"),
        ("第二章", "总体思路"),
        ("第三章", "主要政策和改革措施"),
        ("第四章", "保障措施"),
    ]
    projects_section = next(t for t in tasks if t["title"] == "重点建设项目")
    assert (projects_section["level"], projects_section["number"]) == (2, "第四节")
    assert len([t for t in tasks if t["level"] == 3]) == 40


def test_baoshan_outline_has_four_levels() -> None:
    tasks = parsed("004")["tasks"]
    item = next(t for t in tasks if t["title"] == "完善社会救助工作长效机制")
    assert (item["level"], item["number"]) == (4, "（1）")
    assert len(tasks) == 77


# --- problems are reported, nothing is invented ---------------------------------------------------


def test_a_row_missing_a_cell_is_reported_with_its_line_not_shifted() -> None:
    lines = seed_text("000").split("\n")
    baseline_of_3 = lines.index("8439")
    del lines[baseline_of_3]
    result = parse_document("\n".join(lines))
    rows = by_seq(result)
    assert 3 not in rows
    assert rows[4]["baseline"] == "30" and rows[4]["name"] == "护理型床位占比"
    assert len(rows) == 16
    assert {"line": baseline_of_3 - 5, "message": "第3行只有6个单元格（应为7个），未作为指标读取"} in result["problems"]


def test_an_unknown_kind_is_reported_and_left_empty() -> None:
    text = seed_text("002").replace(
        "低保人数/户籍人口数\t1.64\t1.59\t%\t预期性", "低保人数/户籍人口数\t1.64\t1.59\t%\t待定"
    )
    result = parse_document(text)
    assert by_seq(result)[2]["kind"] == ""
    assert any(p["message"] == "指标2的类型“待定”无法识别" for p in result["problems"])


def test_project_totals_that_do_not_add_up_are_reported() -> None:
    text = seed_text("003").replace("拟总投资3850万元", "拟总投资3800万元")
    result = parse_document(text)
    assert {"line": 178, "message": "重点项目投资合计235785万元，与文中所述总投资235835万元不符"} in result["problems"]


# --- other formats --------------------------------------------------------------------------------


def _table_view(result: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (i["seq"], i["name"], i["definition"], i["baseline"], i["target"], i["unit"], i["kind"])
        for i in result["indicators"]
    ]


def _blocks(text: str) -> list[tuple[str, Any]]:
    """Paragraphs and tables (runs of tab-separated lines) of seed 002."""
    blocks: list[tuple[str, Any]] = []
    for line in text.split("\n"):
        if "\t" in line:
            if blocks and blocks[-1][0] == "table":
                blocks[-1][1].append(line.split("\t"))
            else:
                blocks.append(("table", [line.split("\t")]))
        elif line.strip():
            blocks.append(("p", line))
    return blocks


def test_docx_rendering_reads_the_same() -> None:
    from docx import Document

    document = Document()
    for kind, content in _blocks(seed_text("002")):
        if kind == "p":
            document.add_paragraph(content)
        else:
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for r, row in enumerate(content):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_file("崇明.docx", buffer.getvalue())
    assert result["format"] == "docx"
    assert _table_view(result) == _table_view(parsed("002"))
    assert result["title"] == "崇明区民政事业发展“十四五”规划"


def test_html_rendering_reads_the_same() -> None:
    from html import escape

    parts = ["<html><head><title>崇明</title><style>p{}</style></head><body>"]
    for kind, content in _blocks(seed_text("002")):
        if kind == "p":
            parts.append(f"<p>{escape(content)}</p>")
        else:
            rows = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in content)
            parts.append(f"<table>{rows}</table>")
    parts.append("</body></html>")
    result = parse_file("plan.html", "\n".join(parts).encode("utf-8"))
    assert _table_view(result) == _table_view(parsed("002"))


def test_xlsx_rendering_reads_the_same() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for line in seed_text("002").split("\n"):
        sheet.append([float(v) if v.replace(".", "", 1).isdigit() and "." in v else v for v in line.split("\t")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_file("plan.xlsx", buffer.getvalue())
    assert _table_view(result) == _table_view(parsed("002"))


def test_pdf_text_layer_reads_the_same() -> None:
    from core.pdf import FONT, ChinesePDF

    pdf = ChinesePDF(title="崇明")
    pdf.add_page()
    pdf.set_font(FONT, size=8)
    for line in seed_text("000").split("\n")[:400]:
        pdf.multi_cell(0, 4, line or " ", new_x="LMARGIN", new_y="NEXT")
    result = parse_file("plan.pdf", bytes(pdf.output()))
    assert result["format"] == "pdf"
    assert _table_view(result) == _table_view(parsed("000"))


def test_gb18030_text_reads_the_same() -> None:
    content = seed_text("001").replace("\ufffd", "*").encode("gb18030")
    result = parse_file("草案.txt", content)
    assert _table_view(result) == _table_view(parsed("001"))
    assert result["title"] == "崇明区民政事业发展“十四五”规划"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.doc", b"x", "不支持的文件类型“.doc”，请上传 txt、docx、html、xlsx 或带文字层的 pdf 文件"),
        ("plan.txt", b"   \n", "文件中没有可读取的文字（扫描件 PDF 需先进行文字识别）"),
        ("plan.docx", b"not a zip", None),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(name: str, content: bytes, message: str | None) -> None:
    with pytest.raises(ExtractError) as caught:
        extract_text(name, content)
    if message:
        assert str(caught.value) == message
    else:
        assert str(caught.value).startswith("无法读取 docx 文件")


def test_a_skipped_sequence_number_is_reported_where_the_table_stops() -> None:
    text = seed_text("002").replace("\n11\t儿童福利社会工作", "\n12a\t儿童福利社会工作")
    result = parse_document(text)
    assert len(result["indicators"]) == 10
    line = text.split("\n").index(next(x for x in text.split("\n") if x.startswith("12a\t"))) + 1
    assert {
        "line": line,
        "message": "该行看似表格行，但序号“12a”不是应有的11：表格在此中断，其后的行未作为指标读取",
    } in result["problems"]
    lines = seed_text("000").split("\n")
    start = lines.index("9")
    del lines[start : start + 14]  # row 9 (7 cells, each followed by a blank line) gone
    cut = parse_document("\n".join(lines))
    assert len(cut["indicators"]) == 8
    assert {"line": start + 1, "message": "序号应为9，此处为10：表格在此中断，其后的行未作为指标读取"} in cut[
        "problems"
    ]


def test_lufeng_as_the_web_page_it_came_from() -> None:
    from html import escape

    lines = [escape(line) for line in seed_text("003").split("\n")]
    html = (
        "<!doctype html><html><head><meta charset='gb2312'><script>var x='<p>1、不是正文</p>';</script></head><body>"
        "<div class='nav'><a href='/'>首页</a></div><div class='content'>"
        + "<br>\n".join(lines)
        + "</div></body></html>"
    )
    result = parse_file("禄丰市.htm", html.encode("gb18030"))
    original = parsed("003")
    assert result["format"] == "html"
    assert [(i["name"], i["target"]) for i in result["indicators"]] == [
        (i["name"], i["target"]) for i in original["indicators"]
    ]
    assert sum(Decimal(p["investment_wan_yuan"]) for p in result["projects"]) == Decimal("235835")
    assert [t["title"] for t in result["tasks"] if t["level"] == 1] == [
        t["title"] for t in original["tasks"] if t["level"] == 1
    ]


def test_baoshan_as_word_with_a_merged_title_row_and_line_breaks_in_cells() -> None:
    from docx import Document

    original = parsed("004")
    table = original["tables"][1]
    document = Document()
    document.add_paragraph("宝山区民政事业发展“十四五”规划")
    document.add_paragraph("（四）主要指标")
    grid = document.add_table(rows=1 + 1 + len(table["rows"]), cols=len(table["columns"]))
    title = grid.cell(0, 0).merge(grid.cell(0, len(table["columns"]) - 1))
    title.text = table["title"]
    for c, column in enumerate(table["columns"]):
        grid.cell(1, c).text = column.replace("（2020年）", "\n（2020年）")
    for r, row in enumerate(table["rows"], start=2):
        for c, column in enumerate(table["columns"]):
            value = row["cells"][column]
            grid.cell(r, c).text = value.replace("/", "/\n", 1) if column.startswith("指标定义") else value
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_file("宝山.docx", buffer.getvalue())
    assert result["title"] == "宝山区民政事业发展“十四五”规划"
    assert result["tables"][0]["title"] == table["title"]
    assert result["tables"][0]["columns"] == table["columns"]
    assert _table_view(result) == _table_view(original)
