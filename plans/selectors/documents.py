"""Reads of plan documents: plan list and detail, versions, the diff between two versions, and the
mid-term/final evaluation report.

Visibility is the one the dashboards use (`plans_visible`): a plan is visible to a user holding
``plans.view_plan`` in its region, above it or below it.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from core.models import User
from plans.choices import Comparator, IndicatorKind
from plans.models import EvaluationNote, Indicator, KeyProject, KeyProjectProgress, Plan, PlanVersion, Task
from plans.permissions import PlanPerm
from plans.selectors.indicators import get_plan_or_404, plans_visible

__all__ = [
    "EVALUATION_YEARS",
    "evaluation_report",
    "get_version_or_404",
    "plan_list",
    "plan_outline",
    "project_progress_rows",
    "target_display",
    "version_diff",
]

# 中期评估 at the end of the plan's third year, 总结评估 at its end (Baoshan 五(六)).
EVALUATION_YEARS = {"mid": 2, "final": 4}  # offsets from the plan's first year
EVALUATION_LABELS = {"mid": "中期评估", "final": "总结评估"}


def plan_list(user: User, *, query: str = "", region: str = "") -> QuerySet[Plan]:
    plans = plans_visible(user, PlanPerm.VIEW_PLAN).annotate(version_count=Count("versions"))
    if query:
        plans = plans.filter(Q(title__icontains=query) | Q(region__name__icontains=query))
    if region:
        plans = plans.filter(region__code__startswith=region)
    return plans.prefetch_related(
        Prefetch("versions", queryset=PlanVersion.objects.filter(is_current=True), to_attr="current_versions")
    ).order_by("region_id", "-period_start", "title")


def get_version_or_404(plan: Plan, number: int | str | None) -> PlanVersion:
    versions = plan.versions.all()
    version = (
        versions.filter(number=int(number)).first()
        if number not in (None, "") and str(number).isdigit()
        else versions.filter(is_current=True).first()
    )
    if version is None:
        raise Http404("未找到该版本")
    return version


def target_display(indicator: Indicator) -> str:
    """The parsed target in words beside the printed one ("≥ 35 %")."""
    if indicator.target_comparator in ("", Comparator.TEXT) or indicator.target_value is None:
        return indicator.target_text or "—"
    value = indicator.target_value.normalize()
    text = f"{Comparator(indicator.target_comparator).label} {value:f}{indicator.unit and ' ' + indicator.unit}"
    for extra in indicator.secondary_targets or []:
        text += f"；{extra.get('text', '')}"
    return text


def plan_outline(version: PlanVersion) -> list[Task]:
    return list(version.tasks.order_by("seq"))


# --- diff ----------------------------------------------------------------------------------------

INDICATOR_FIELDS = [
    ("name", "指标名称"),
    ("definition", "指标定义"),
    ("unit", "单位"),
    ("baseline_text", "基准值"),
    ("target_text", "目标值"),
    ("kind", "指标类型"),
]
_PUNCT = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"})


def _same_text(a: str) -> str:
    """Text compared without the width of its punctuation or its spaces (a reprint is not a rewording)."""
    return re.sub(r"\s+", "", a.translate(_PUNCT))


def _kind_label(value: str) -> str:
    return IndicatorKind(value).label if value in IndicatorKind.values else value


def _indicator_changes(old: Indicator, new: Indicator) -> list[dict[str, str]]:
    changes = []
    for field, label in INDICATOR_FIELDS:
        a, b = getattr(old, field), getattr(new, field)
        if _same_text(a) != _same_text(b):
            if field == "kind":
                a, b = _kind_label(a), _kind_label(b)
            changes.append({"field": field, "label": label, "old": a, "new": b})
    return changes


def _task_path(tasks: list[Task]) -> dict[int, str]:
    by_id = {t.pk: t for t in tasks}
    paths: dict[int, str] = {}
    for task in tasks:
        parts = []
        node: Task | None = task
        while node is not None:
            parts.append(node.number)
            node = by_id.get(node.parent_id) if node.parent_id else None
        paths[task.pk] = "/".join(reversed(parts))
    return paths


def _inline_diff(a: str, b: str, context: int = 12) -> list[dict[str, str]]:
    """The changed stretches of two texts with a little context either side."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pieces.append(
            {
                "before": a[max(0, i1 - context) : i1],
                "old": a[i1:i2],
                "new": b[j1:j2],
                "after": a[i2 : i2 + context],
            }
        )
    return pieces[:20]


def _diff_tasks(old_tasks: list[Task], new_tasks: list[Task]) -> list[dict[str, Any]]:
    old_paths, new_paths = _task_path(old_tasks), _task_path(new_tasks)
    unmatched_old = {t.pk: t for t in old_tasks}
    pairs: list[tuple[Task | None, Task | None]] = []
    # 1. Same level and title.
    by_title: dict[tuple[int, str], list[Task]] = {}
    for task in old_tasks:
        by_title.setdefault((task.level, _same_text(task.title)), []).append(task)
    pending_new: list[Task] = []
    for task in new_tasks:
        candidates = [t for t in by_title.get((task.level, _same_text(task.title)), []) if t.pk in unmatched_old]
        if candidates:
            match = min(candidates, key=lambda t: abs(t.seq - task.seq))
            del unmatched_old[match.pk]
            pairs.append((match, task))
        else:
            pending_new.append(task)
    # 2. Same place in the outline and a similar title or text: the heading was reworded.
    by_path = {old_paths[t.pk]: t for t in unmatched_old.values()}
    for task in list(pending_new):
        candidate = by_path.get(new_paths[task.pk])
        if candidate is None or candidate.pk not in unmatched_old:
            continue
        title_ratio = difflib.SequenceMatcher(None, candidate.title, task.title).ratio()
        text_ratio = difflib.SequenceMatcher(None, candidate.text, task.text).ratio() if task.text else 0
        if max(title_ratio, text_ratio) >= 0.5:
            del unmatched_old[candidate.pk]
            pending_new.remove(task)
            pairs.append((candidate, task))
    pairs.extend((None, t) for t in pending_new)
    pairs.extend((t, None) for t in unmatched_old.values())

    rows: list[dict[str, Any]] = []
    for old, new in pairs:
        if old is not None and new is not None:
            title_changed = _same_text(old.title) != _same_text(new.title)
            text_changed = _same_text(old.text) != _same_text(new.text)
            if not (title_changed or text_changed):
                continue
            ratio = difflib.SequenceMatcher(None, _same_text(old.text), _same_text(new.text)).ratio()
            rows.append(
                {
                    "change": "reworded",
                    "change_label": "标题改动" if title_changed else "内容改动",
                    "level": new.level,
                    "number": new.number,
                    "path": new_paths[new.pk],
                    "old_title": old.title,
                    "title": new.title,
                    "similarity": round(ratio, 3),
                    "pieces": _inline_diff(old.text, new.text) if text_changed else [],
                    "seq": new.seq,
                }
            )
        elif new is not None:
            rows.append(
                {
                    "change": "added",
                    "change_label": "新增",
                    "level": new.level,
                    "number": new.number,
                    "path": new_paths[new.pk],
                    "old_title": "",
                    "title": new.title,
                    "similarity": None,
                    "pieces": [],
                    "seq": new.seq,
                }
            )
        elif old is not None:
            rows.append(
                {
                    "change": "removed",
                    "change_label": "删除",
                    "level": old.level,
                    "number": old.number,
                    "path": old_paths[old.pk],
                    "old_title": old.title,
                    "title": "",
                    "similarity": None,
                    "pieces": [],
                    "seq": old.seq - 0.5,
                }
            )
    rows.sort(key=lambda r: r["seq"])
    return rows


def version_diff(old: PlanVersion, new: PlanVersion) -> dict[str, Any]:
    """What changed from `old` to `new`: indicators (matched by key), tasks, key projects."""
    old_ind = {i.key: i for i in old.indicators.all()}
    new_ind = {i.key: i for i in new.indicators.all()}
    indicators: list[dict[str, Any]] = []
    for key, item in new_ind.items():
        before = old_ind.get(key)
        if before is None:
            indicators.append(
                {
                    "key": key,
                    "seq": item.seq,
                    "name": item.name,
                    "change": "added",
                    "change_label": "新增",
                    "changes": [],
                }
            )
            continue
        changes = _indicator_changes(before, item)
        if changes:
            indicators.append(
                {
                    "key": key,
                    "seq": item.seq,
                    "name": item.name,
                    "change": "changed",
                    "change_label": "修改",
                    "changes": changes,
                }
            )
    for key, item in old_ind.items():
        if key not in new_ind:
            indicators.append(
                {
                    "key": key,
                    "seq": item.seq,
                    "name": item.name,
                    "change": "removed",
                    "change_label": "删除",
                    "changes": [],
                }
            )
    indicators.sort(key=lambda r: r["seq"])

    old_projects = {p.key: p for p in old.projects.all()}
    new_projects = {p.key: p for p in new.projects.all()}
    projects: list[dict[str, Any]] = []
    for key, project in new_projects.items():
        before_project = old_projects.get(key)
        if before_project is None:
            projects.append(
                {"key": key, "name": project.name, "change": "added", "change_label": "新增", "changes": []}
            )
            continue
        changes = [
            {"field": f, "label": label, "old": getattr(before_project, f), "new": getattr(project, f)}
            for f, label in (
                ("investment_wan_yuan", "计划投资（万元）"),
                ("floor_area_m2", "建筑面积"),
                ("beds", "床位"),
            )
            if getattr(before_project, f) != getattr(project, f)
        ]
        if changes:
            projects.append(
                {"key": key, "name": project.name, "change": "changed", "change_label": "修改", "changes": changes}
            )
    for key, project in old_projects.items():
        if key not in new_projects:
            projects.append(
                {"key": key, "name": project.name, "change": "removed", "change_label": "删除", "changes": []}
            )

    tasks = _diff_tasks(list(old.tasks.order_by("seq")), list(new.tasks.order_by("seq")))
    return {
        "old": old,
        "new": new,
        "indicators": indicators,
        "tasks": tasks,
        "projects": projects,
        "counts": {
            "indicators": len(indicators),
            "tasks_added": sum(1 for t in tasks if t["change"] == "added"),
            "tasks_removed": sum(1 for t in tasks if t["change"] == "removed"),
            "tasks_reworded": sum(1 for t in tasks if t["change"] == "reworded"),
            "projects": len(projects),
        },
    }


# --- key projects and evaluation -----------------------------------------------------------------


def project_progress_rows(plan: Plan, version: PlanVersion, up_to_year: int | None = None) -> list[dict[str, Any]]:
    """Each key project of the version with its planned figures and the progress entered so far."""
    progress: dict[str, list[KeyProjectProgress]] = {}
    entries = KeyProjectProgress.objects.filter(plan=plan)
    if up_to_year is not None:
        entries = entries.filter(year__lte=up_to_year)
    for entry in entries.order_by("year"):
        progress.setdefault(entry.project_key, []).append(entry)
    rows = []
    for project in version.projects.order_by("seq"):
        entries_for = progress.get(project.key, [])
        spent = sum((e.spent_wan_yuan for e in entries_for), Decimal("0.00"))
        beds = sum(e.beds_delivered for e in entries_for)
        planned = project.investment_wan_yuan
        rows.append(
            {
                "project": project,
                "entries": entries_for,
                "spent_wan_yuan": spent,
                "beds_delivered": beds,
                "spent_share": (spent * 100 / planned).quantize(Decimal("0.1")) if planned else None,
                "beds_share": (Decimal(beds * 100) / project.beds).quantize(Decimal("0.1")) if project.beds else None,
                "notes": "；".join(f"{e.year}年：{e.note}" for e in entries_for if e.note),
            }
        )
    return rows


def evaluation_report(*, user: User, plan: Plan, stage: str, region_code: str) -> dict[str, Any]:
    """The mid-term (third year) or final (last year) evaluation of a plan for one region: every
    indicator with its values by year up to the evaluation year, status and notes; key projects with
    planned vs spent investment and beds delivered."""
    from plans.selectors.indicators import check_region, indicator_snapshot_series

    if stage not in EVALUATION_YEARS:
        raise Http404("未知的评估类型")
    region_code = check_region(user, plan, region_code)
    version = get_version_or_404(plan, None)
    year = plan.period_start + EVALUATION_YEARS[stage]
    years = list(range(plan.period_start - 1, year + 1))
    series = indicator_snapshot_series(plan=plan, region_code=region_code, years=years)
    staff_notes = dict(EvaluationNote.objects.filter(plan=plan, stage=stage).values_list("indicator_key", "note"))
    rows = []
    for indicator in version.indicators.order_by("seq"):
        points = series.get(indicator.key, {})
        last = points.get(year) or {}
        notes = []
        if last.get("reason"):
            notes.append(str(last["reason"]))
        if indicator.target_comparator == Comparator.TEXT:
            notes.append("文字目标，需人工评价")
        rows.append(
            {
                "indicator": indicator,
                "target_display": target_display(indicator),
                "values": [points.get(y, {}).get("value") for y in years],
                "points": [points.get(y, {}) for y in years],
                "status": last.get("status") or "",
                "status_label": last.get("status_label") or "无数据",
                "progress": last.get("progress"),
                "expected": last.get("expected"),
                "notes": "；".join(notes),
                "staff_note": staff_notes.get(indicator.key, ""),
            }
        )
    status_counts: dict[str, int] = {}
    for row in rows:
        label = str(row["status_label"])
        status_counts[label] = status_counts.get(label, 0) + 1
    projects = project_progress_rows(plan, version, up_to_year=year)
    planned = sum((r["project"].investment_wan_yuan or Decimal(0) for r in projects), Decimal(0))
    spent = sum((r["spent_wan_yuan"] for r in projects), Decimal(0))
    return {
        "plan": plan,
        "version": version,
        "stage": stage,
        "stage_label": EVALUATION_LABELS[stage],
        "year": year,
        "years": years,
        "region_code": region_code,
        "rows": rows,
        "status_counts": status_counts,
        "projects": projects,
        "project_totals": {
            "planned_wan_yuan": planned,
            "spent_wan_yuan": spent,
            "planned_beds": sum((r["project"].beds or 0) for r in projects),
            "beds_delivered": sum(r["beds_delivered"] for r in projects),
        },
    }


def get_plan(user: User, pk: int | str, perm: str = PlanPerm.VIEW_PLAN) -> Plan:
    return get_plan_or_404(user, pk, perm)


def current_project(plan: Plan, key: str) -> KeyProject:
    project = KeyProject.objects.filter(version__plan=plan, version__is_current=True, key=key).first()
    if project is None:
        raise Http404("未找到该项目")
    return project
