"""Exports of plan documents: the plan list and a plan version as Excel, and the evaluation report as
Excel and as a Chinese PDF with charts (drawn with fpdf2's own lines and rectangles: no plotting library)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from core.pdf import FONT, ChinesePDF
from core.sheets import Column, write_workbook
from plans.choices import IndicatorKind
from plans.models import Plan, PlanVersion
from plans.selectors.documents import project_progress_rows, target_display


def _kind(value: str) -> str:
    return IndicatorKind(value).label if value in IndicatorKind.values else value


def _num(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def project_totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    planned = sum((r["project"].investment_wan_yuan or Decimal(0) for r in rows), Decimal(0))
    spent = sum((r["spent_wan_yuan"] for r in rows), Decimal(0))
    categories: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = categories.setdefault(
            row["project"].category or "（未分类）", {"planned": Decimal(0), "spent": Decimal(0), "count": 0}
        )
        entry["planned"] += row["project"].investment_wan_yuan or Decimal(0)
        entry["spent"] += row["spent_wan_yuan"]
        entry["count"] += 1
    return {
        "planned_wan_yuan": planned,
        "spent_wan_yuan": spent,
        "floor_area_m2": sum((r["project"].floor_area_m2 or Decimal(0) for r in rows), Decimal(0)),
        "planned_beds": sum(r["project"].beds or 0 for r in rows),
        "beds_delivered": sum(r["beds_delivered"] for r in rows),
        "categories": categories,
    }


PLAN_LIST_COLUMNS = [
    Column("region", "区划", width=16),
    Column("title", "规划名称", width=40),
    Column("period", "规划期", width=12),
    Column("version", "现行版本", width=16),
    Column("versions", "版本数", width=8),
]


def plan_list_workbook(plans: list[Plan]) -> bytes:
    rows = []
    for plan in plans:
        current = next(iter(getattr(plan, "current_versions", [])), None)
        rows.append(
            [
                plan.region.name,
                plan.title,
                f"{plan.period_start}—{plan.period_end}",
                f"第{current.number}版（{current.label}）" if current else "",
                getattr(plan, "version_count", None),
            ]
        )
    return write_workbook([("规划清单", PLAN_LIST_COLUMNS, rows)])


def plan_workbook(plan: Plan, version: PlanVersion) -> bytes:
    indicator_columns = [
        Column("seq", "序号", width=6),
        Column("name", "指标名称", width=36),
        Column("definition", "指标定义（计算公式）", width=44),
        Column("unit", "单位", width=8),
        Column("baseline", "基准值", width=14),
        Column("target", "目标值", width=22),
        Column("comparator", "目标（解析）", width=18),
        Column("kind", "指标类型", width=10),
    ]
    indicators = [
        [i.seq, i.name, i.definition, i.unit, i.baseline_text, i.target_text, target_display(i), _kind(i.kind)]
        for i in version.indicators.order_by("seq")
    ]
    task_columns = [
        Column("level", "层级", width=6),
        Column("number", "编号", width=8),
        Column("title", "标题", width=60),
    ]
    tasks = [[t.level, t.number, "　" * (t.level - 1) + t.title] for t in version.tasks.order_by("seq")]
    project_columns = [
        Column("category", "类别", width=28),
        Column("name", "项目", width=50),
        Column("investment", "计划投资（万元）", width=16),
        Column("area", "建筑面积（平方米）", width=16),
        Column("beds", "床位（张）", width=10),
        Column("spent", "已完成投资（万元）", width=16),
        Column("delivered", "已交付床位（张）", width=14),
    ]
    projects = [
        [
            r["project"].category,
            r["project"].name,
            _num(r["project"].investment_wan_yuan),
            _num(r["project"].floor_area_m2),
            r["project"].beds,
            _num(r["spent_wan_yuan"]),
            r["beds_delivered"],
        ]
        for r in project_progress_rows(plan, version)
    ]
    return write_workbook(
        [
            ("主要指标", indicator_columns, indicators),
            ("章节任务", task_columns, tasks),
            ("重点建设项目", project_columns, projects),
        ]
    )


# --- evaluation ----------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def evaluation_chart_data(report: dict[str, Any]) -> dict[str, Any]:
    """Chart specs for static/js/charts.js: one line chart per indicator (values and target line by
    year) and a bar chart of key projects' planned vs spent investment by category."""
    labels = [f"{y}年" for y in report["years"]]
    indicators = []
    for row in report["rows"]:
        indicator = row["indicator"]
        series = [{"name": "监测值", "values": [_num(v) for v in row["values"]]}]
        if indicator.target_value is not None and indicator.target_comparator not in ("", "text"):
            series.append({"name": "目标值", "values": [_num(indicator.target_value)] * len(labels)})
        indicators.append(
            {
                "id": f"eval-chart-{indicator.seq}",
                "title": f"{indicator.seq}. {indicator.name}",
                "data": {"type": "line", "labels": labels, "series": series, "unit": indicator.unit},
            }
        )
    totals = project_totals(report["projects"])
    projects = {
        "type": "bar",
        "labels": list(totals["categories"]),
        "unit": "万元",
        "series": [
            {"name": "计划投资", "values": [_num(c["planned"]) for c in totals["categories"].values()]},
            {"name": "已完成投资", "values": [_num(c["spent"]) for c in totals["categories"].values()]},
        ],
    }
    return {"indicators": indicators, "projects": projects if totals["categories"] else None}


def evaluation_workbook(report: dict[str, Any]) -> bytes:
    years = report["years"]
    columns = [
        Column("seq", "序号", width=6),
        Column("name", "指标名称", width=36),
        Column("kind", "指标类型", width=10),
        Column("unit", "单位", width=8),
        Column("baseline", "基准值（规划）", width=14),
        Column("target", "目标值（规划）", width=22),
        *[Column(f"y{y}", f"{y}年", width=10) for y in years],
        Column("status", "状态", width=10),
        Column("progress", "进度（%）", width=10),
        Column("notes", "说明", width=40),
        Column("staff_note", "评估说明", width=60),
    ]
    rows = [
        [
            r["indicator"].seq,
            r["indicator"].name,
            _kind(r["indicator"].kind),
            r["indicator"].unit,
            r["indicator"].baseline_text,
            r["indicator"].target_text,
            *[_num(v) for v in r["values"]],
            r["status_label"],
            _num(r["progress"]),
            r["notes"],
            r["staff_note"],
        ]
        for r in report["rows"]
    ]
    project_columns = [
        Column("category", "类别", width=28),
        Column("name", "项目", width=50),
        Column("planned", "计划投资（万元）", width=16),
        Column("spent", "已完成投资（万元）", width=16),
        Column("share", "投资完成比例（%）", width=16),
        Column("beds", "计划床位（张）", width=12),
        Column("delivered", "已交付床位（张）", width=14),
        Column("notes", "进展说明", width=40),
    ]
    projects = [
        [
            p["project"].category,
            p["project"].name,
            _num(p["project"].investment_wan_yuan),
            _num(p["spent_wan_yuan"]),
            _num(p["spent_share"]),
            p["project"].beds,
            p["beds_delivered"],
            p["notes"],
        ]
        for p in report["projects"]
    ]
    totals = report["project_totals"]
    projects.append(
        [
            "合计",
            "",
            _num(totals["planned_wan_yuan"]),
            _num(totals["spent_wan_yuan"]),
            None,
            totals["planned_beds"],
            totals["beds_delivered"],
            "",
        ]
    )
    return write_workbook(
        [(f"指标{report['stage_label']}", columns, rows), ("重点项目进展", project_columns, projects)]
    )


def _line_chart(
    pdf: ChinesePDF,
    x: float,
    y: float,
    w: float,
    h: float,
    title: str,
    years: list[int],
    values: list[Any],
    target: Any,
) -> None:
    """A small line chart: values by year (solid), the target (dashed), axes and min/max labels."""
    pdf.set_draw_color(200)
    pdf.rect(x, y, w, h)
    pdf.set_font(FONT, size=6.5)
    pdf.set_xy(x + 1, y + 0.5)
    pdf.cell(w - 2, 3.5, title[:34])
    plot_x, plot_y, plot_w, plot_h = x + 9, y + 5, w - 12, h - 10
    numbers = [float(v) for v in values if v is not None]
    if target is not None:
        numbers.append(float(target))
    pdf.set_draw_color(150)
    pdf.line(plot_x, plot_y + plot_h, plot_x + plot_w, plot_y + plot_h)
    pdf.line(plot_x, plot_y, plot_x, plot_y + plot_h)
    step = plot_w / max(1, len(years) - 1)
    for index, year in enumerate(years):
        pdf.set_xy(plot_x + index * step - 4, plot_y + plot_h + 0.3)
        pdf.cell(8, 3, str(year)[2:], align="C")
    if not numbers:
        pdf.set_xy(plot_x, plot_y + plot_h / 2 - 2)
        pdf.cell(plot_w, 4, "无数据", align="C")
        pdf.set_draw_color(0)
        return
    low, high = min([*numbers, 0.0]), max(numbers)
    if high == low:
        high = low + 1
    pdf.set_xy(x + 0.5, plot_y - 1.5)
    pdf.cell(8, 3, f"{high:g}", align="R")
    pdf.set_xy(x + 0.5, plot_y + plot_h - 1.5)
    pdf.cell(8, 3, f"{low:g}", align="R")

    def to_y(v: float) -> float:
        return plot_y + plot_h - (v - low) / (high - low) * plot_h

    if target is not None:
        pdf.set_draw_color(220, 60, 60)
        pdf.set_dash_pattern(dash=1, gap=1)
        pdf.line(plot_x, to_y(float(target)), plot_x + plot_w, to_y(float(target)))
        pdf.set_dash_pattern()
    pdf.set_draw_color(40, 90, 180)
    pdf.set_line_width(0.4)
    previous: tuple[float, float] | None = None
    for index, value in enumerate(values):
        if value is None:
            previous = None
            continue
        point = (plot_x + index * step, to_y(float(value)))
        if previous is not None:
            pdf.line(previous[0], previous[1], point[0], point[1])
        pdf.set_fill_color(40, 90, 180)
        pdf.ellipse(point[0] - 0.6, point[1] - 0.6, 1.2, 1.2, style="F")
        previous = point
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0)


def _bar_chart(
    pdf: ChinesePDF, x: float, y: float, w: float, h: float, labels: list[str], planned: list[float], spent: list[float]
) -> None:
    """Grouped bars: planned (light) and spent (dark) investment per project category, 万元."""
    pdf.set_font(FONT, size=7)
    top = max([*planned, *spent, 1.0])
    group = w / max(1, len(labels))
    bar = min(12.0, group / 3)
    pdf.set_draw_color(150)
    pdf.line(x, y + h, x + w, y + h)
    for index, label in enumerate(labels):
        left = x + index * group + (group - 2 * bar) / 2
        for offset, value, color in ((0, planned[index], (170, 195, 230)), (bar, spent[index], (40, 90, 180))):
            height = value / top * (h - 6)
            pdf.set_fill_color(*color)
            pdf.rect(left + offset, y + h - height, bar, height, style="F")
            pdf.set_xy(left + offset - 3, y + h - height - 3.5)
            pdf.cell(bar + 6, 3, f"{value:g}", align="C")
        pdf.set_xy(x + index * group, y + h + 1)
        pdf.multi_cell(group, 3.2, label[:24], align="C")
    pdf.set_fill_color(170, 195, 230)
    pdf.rect(x + w - 46, y - 4, 3, 3, style="F")
    pdf.set_xy(x + w - 42, y - 4.5)
    pdf.cell(16, 4, "计划投资")
    pdf.set_fill_color(40, 90, 180)
    pdf.rect(x + w - 24, y - 4, 3, 3, style="F")
    pdf.set_xy(x + w - 20, y - 4.5)
    pdf.cell(18, 4, "已完成投资")
    pdf.set_draw_color(0)


def evaluation_pdf(report: dict[str, Any], region_name: str) -> bytes:
    plan = report["plan"]
    pdf = ChinesePDF(title=f"{plan.title}{report['stage_label']}", orientation="L")
    pdf.footer_text = f"{plan.title} · {report['stage_label']}"
    pdf.add_page()
    pdf.heading(f"{plan.title}\n{report['stage_label']}报告（截至{report['year']}年）")
    version = report["version"]
    pdf.key_values(
        [
            ("地区", region_name),
            ("规划期", f"{plan.period_start}—{plan.period_end}年"),
            ("依据版本", f"第{version.number}版（{version.label}）{version.document_number}"),
            ("状态统计", "，".join(f"{k} {v} 项" for k, v in report["status_counts"].items()) or "—"),
            ("生成日期", datetime.date.today().isoformat()),
        ],
        label_width=28,
    )
    pdf.ln(2)
    years = report["years"]
    headers = ["序号", "指标", "类型", "基准值", "目标值", *[f"{y}" for y in years], "状态", "说明"]
    rows = [
        [
            r["indicator"].seq,
            f"{r['indicator'].name}（{r['indicator'].unit}）" if r["indicator"].unit else r["indicator"].name,
            _kind(r["indicator"].kind),
            r["indicator"].baseline_text or "—",
            r["indicator"].target_text or "—",
            *[_fmt(v) for v in r["values"]],
            r["status_label"],
            "；".join(x for x in (r["staff_note"], r["notes"]) if x),
        ]
        for r in report["rows"]
    ]
    year_width = 14.0
    fixed = [9, 62, 13, 22, 30]
    rest = 277 - sum(fixed) - year_width * len(years)
    widths = [*fixed, *[year_width] * len(years), 16, max(20.0, rest - 16)]
    pdf.data_table(headers, rows, widths=widths, size=7)

    pdf.add_page()
    pdf.heading("指标走势（蓝线为监测值，红色虚线为目标值）", size=12)
    chart_w, chart_h, per_row = 66.0, 38.0, 4
    top = pdf.get_y()
    for index, row in enumerate(report["rows"]):
        column, line = index % per_row, index // per_row
        y = top + (line % 4) * (chart_h + 3)
        if index and index % (per_row * 4) == 0:
            pdf.add_page()
            top = pdf.get_y()
            y = top
        _line_chart(
            pdf,
            10 + column * (chart_w + 3),
            y,
            chart_w,
            chart_h,
            f"{row['indicator'].seq}. {row['indicator'].name}",
            years,
            row["values"],
            row["indicator"].target_value,
        )

    if report["projects"]:
        pdf.add_page()
        pdf.heading("重点建设项目进展", size=12)
        totals = project_totals(report["projects"])
        labels = list(totals["categories"])
        _bar_chart(
            pdf,
            20,
            pdf.get_y() + 8,
            250,
            55,
            labels,
            [float(c["planned"]) for c in totals["categories"].values()],
            [float(c["spent"]) for c in totals["categories"].values()],
        )
        pdf.set_y(pdf.get_y() + 12)
        pdf.data_table(
            ["类别", "项目", "计划投资（万元）", "已完成（万元）", "完成比例", "计划床位", "已交付床位", "说明"],
            [
                [
                    p["project"].category,
                    p["project"].name,
                    _fmt(p["project"].investment_wan_yuan),
                    _fmt(p["spent_wan_yuan"]),
                    f"{p['spent_share']}%" if p["spent_share"] is not None else "—",
                    _fmt(p["project"].beds),
                    p["beds_delivered"],
                    p["notes"],
                ]
                for p in report["projects"]
            ]
            + [
                [
                    "合计",
                    "",
                    _fmt(totals["planned_wan_yuan"]),
                    _fmt(totals["spent_wan_yuan"]),
                    "",
                    totals["planned_beds"],
                    totals["beds_delivered"],
                    "",
                ]
            ],
            widths=[40, 80, 24, 22, 18, 18, 20, 55],
            size=7,
        )
    return pdf.to_bytes()
