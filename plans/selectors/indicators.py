"""Reads of computing indicators: visible plans, dashboard cards, series, drill-down, manual values.

A plan is visible to a user who holds ``plans.view_plan`` in the plan's region, above it, or below
it (a township officer sees the district plan); its figures only for the regions inside the
user's grants (the township officer sees the township and its villages, not the district total).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from core.models import Region, User
from core.models.regions import ancestor_codes
from core.scoping import grant_prefixes, has_perm, region_filter
from core.selectors import region_label
from plans import data_items
from plans.choices import Comparator, IndicatorKind, IndicatorStatus
from plans.models import Formula, Indicator, ManualValue, Plan, Snapshot
from plans.permissions_indicators import VIEW_PLAN, IndicatorPerm
from plans.services.indicators import (
    ParsedFormula,
    binding_behind_first,
    current_formulas,
    current_indicators,
    parse_formula,
    plan_years,
    round_to,
)

__all__ = [
    "check_region",
    "default_region",
    "formula_history",
    "formula_view",
    "get_plan_or_404",
    "indicator_cards",
    "indicator_detail",
    "indicator_snapshot_series",
    "item_usage",
    "last_computed",
    "manual_values_visible",
    "plans_visible",
    "snapshot_export_rows",
    "status_summary",
    "subregion_rows",
]

STATUS_ORDER = [
    IndicatorStatus.BEHIND,
    IndicatorStatus.ON_TRACK,
    IndicatorStatus.ACHIEVED,
    IndicatorStatus.TEXT_TARGET,
    IndicatorStatus.NO_DATA,
]


def plans_visible(user: User, perm: str = VIEW_PLAN) -> QuerySet[Plan]:
    condition = Q(pk__in=[])
    for prefix in grant_prefixes(user, perm):
        condition |= Q(region__code__startswith=prefix) | Q(region_id__in=ancestor_codes(prefix))
    return Plan.objects.filter(condition).select_related("region")


def get_plan_or_404(user: User, pk: int | str, perm: str = VIEW_PLAN) -> Plan:
    plan = plans_visible(user, perm).filter(pk=pk).first() if str(pk).isdigit() else None
    if plan is None:
        raise Http404("未找到该规划")
    return plan


def default_region(user: User, plan: Plan) -> str:
    """The plan's region if the user may see it, else the broadest granted region inside it."""
    if has_perm(user, VIEW_PLAN, plan.region_id):
        return plan.region_id
    inside = [p for p in grant_prefixes(user, VIEW_PLAN) if p.startswith(plan.region_id)]
    return sorted(inside, key=len)[0] if inside else plan.region_id


def check_region(user: User, plan: Plan, region_code: str | None) -> str:
    """The region asked for, if it lies in the plan and the user may see it; 404 alike otherwise."""
    code = (region_code or "").strip() or default_region(user, plan)
    if not code.startswith(plan.region_id) or not has_perm(user, VIEW_PLAN, code):
        raise Http404("未找到该区划")
    return code


def _parsed(formula: Formula | None) -> ParsedFormula | None:
    if formula is None:
        return None
    try:
        return parse_formula(formula)
    except Exception:  # a formula written before an item was renamed: shown as unreadable
        return None


def formula_view(formula: Formula | None) -> dict[str, Any] | None:
    parsed = _parsed(formula)
    if formula is None:
        return None
    return {
        "version": formula.version,
        "numerator": formula.numerator,
        "denominator": formula.denominator,
        "factor": formula.factor,
        "missing_rule": formula.missing_rule,
        "missing_rule_label": formula.get_missing_rule_display(),
        "decimals": formula.decimals,
        "note": formula.note,
        "readable": parsed.readable() if parsed else "（公式无法解析，请重新设定）",
        "items": [data_items.effective_item(item.code).as_dict() for item in parsed.items.values()] if parsed else [],
        "uses_manual": parsed is not None and any(not data_items.effective_item(c).is_live for c in parsed.item_codes),
        "created_at": formula.created_at,
    }


def _target_line(indicator: Indicator, years: list[int], baseline: Decimal | None) -> list[float | None]:
    """The straight line from the baseline to the target, for the chart."""
    target = indicator.target_value
    if target is None or indicator.target_comparator == Comparator.TEXT:
        return [None for _ in years]
    if baseline is None:
        return [float(target) for _ in years]
    first, last = years[0], indicator.target_year or years[-1]
    span = max(1, last - first)
    return [float(baseline + (target - baseline) * min(max(0, y - first), span) / span) for y in years]


def _point(row: Snapshot | None, places: int) -> dict[str, Any]:
    if row is None:
        return {
            "value": None,
            "numerator": None,
            "denominator": None,
            "status": IndicatorStatus.NO_DATA,
            "status_label": IndicatorStatus.NO_DATA.label,
            "progress": None,
            "expected": None,
            "reason": "尚未计算",
            "inputs": {},
            "formula_version": None,
        }
    return {
        "value": round_to(row.value, places),
        "numerator": row.numerator.normalize() if row.numerator is not None else None,
        "denominator": row.denominator.normalize() if row.denominator is not None else None,
        "status": row.status,
        "status_label": IndicatorStatus(row.status).label,
        "progress": row.progress,
        "expected": round_to(row.expected, places),
        "reason": row.reason,
        "inputs": row.inputs,
        "formula_version": row.formula_version,
    }


def indicator_snapshot_series(
    *,
    plan: Plan,
    region_code: str,
    years: list[int] | None = None,
    formulas: dict[str, Formula] | None = None,
    indicators: list[Indicator] | None = None,
) -> dict[str, dict[int, dict[str, Any]]]:
    """{indicator_key: {year: point}} for one region (for the evaluation report). No access check:
    callers pass a region they have checked."""
    years = years or plan_years(plan)
    formulas = current_formulas(plan) if formulas is None else formulas
    rows = Snapshot.objects.filter(plan=plan, region_id=region_code, year__in=years)
    by_key: dict[str, dict[int, Snapshot]] = {}
    for row in rows:
        by_key.setdefault(row.indicator_key, {})[row.year] = row
    result: dict[str, dict[int, dict[str, Any]]] = {}
    for indicator in current_indicators(plan) if indicators is None else indicators:
        formula = formulas.get(indicator.key)
        places = formula.decimals if formula else 2
        found = by_key.get(indicator.key, {})
        result[indicator.key] = {year: _point(found.get(year), places) for year in years}
    return result


def _latest(points: dict[int, dict[str, Any]], this_year: int) -> tuple[int, dict[str, Any]]:
    """The latest year up to this year that has a value (else the last year shown)."""
    with_value = [y for y, p in points.items() if p["value"] is not None and y <= this_year]
    year = max(with_value) if with_value else max(y for y in points if y <= this_year) if points else 0
    if year not in points:
        year = max(points)
    return year, points[year]


def indicator_cards(
    *,
    plan: Plan,
    region_code: str,
    kind: str = "",
    status: str = "",
    today: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """Every indicator of the plan for one region as a dashboard card, binding-and-behind first."""
    today = today or datetime.date.today()
    years = plan_years(plan)
    formulas = current_formulas(plan)
    indicators = current_indicators(plan)
    series = indicator_snapshot_series(
        plan=plan, region_code=region_code, years=years, formulas=formulas, indicators=indicators
    )
    cards = []
    for indicator in indicators:
        formula = formulas.get(indicator.key)
        points = series[indicator.key]
        latest_year, latest = _latest(points, today.year)
        baseline = indicator.baseline_value if region_code == plan.region_id else None
        if baseline is None:
            baseline = points[years[0]]["value"]
        card = {
            "seq": indicator.seq,
            "key": indicator.key,
            "name": indicator.name,
            "definition": indicator.definition,
            "unit": indicator.unit,
            "kind": indicator.kind,
            "kind_label": indicator.get_kind_display() if indicator.kind else "未标明",
            "baseline_text": indicator.baseline_text,
            "target_text": indicator.target_text,
            "target_value": indicator.target_value,
            "target_comparator": indicator.target_comparator,
            "secondary_targets": indicator.secondary_targets,
            "formula": formula_view(formula),
            "year": latest_year,
            "latest": latest,
            "status": latest["status"],
            "status_label": latest["status_label"],
            "series": [{"year": y, **points[y]} for y in years],
            "chart": {
                "type": "line",
                "labels": [str(y) for y in years],
                "unit": indicator.unit,
                "series": [
                    {
                        "name": "实际值",
                        "values": [None if points[y]["value"] is None else float(points[y]["value"]) for y in years],
                    },
                    {"name": "目标进度线", "values": _target_line(indicator, years, baseline)},
                ],
            },
        }
        cards.append(card)
    if kind:
        cards = [c for c in cards if c["kind"] == kind]
    if status:
        cards = [c for c in cards if c["status"] == status]
    return binding_behind_first(cards)


def status_summary(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for card in cards:
        counts[IndicatorStatus(card["status"])] += 1
    return [{"status": s.value, "label": s.label, "count": counts[s]} for s in STATUS_ORDER]


def indicator_detail(*, plan: Plan, key: str) -> Indicator:
    indicator = Indicator.objects.filter(version__plan=plan, version__is_current=True, key=key).first()
    if indicator is None:
        raise Http404("未找到该指标")
    return indicator


def subregion_rows(*, user: User, plan: Plan, key: str, region_code: str, year: int) -> list[dict[str, Any]]:
    """The indicator in each sub-region of ``region_code`` the user may see, for one year."""
    formula = Formula.objects.filter(plan=plan, indicator_key=key, is_current=True).first()
    places = formula.decimals if formula else 2
    children = Region.objects.filter(parent_id=region_code, is_retired=False).filter(
        region_filter(user, VIEW_PLAN, "code")
    )
    codes = list(children.order_by("code").values_list("code", flat=True))
    rows = {
        r.region_id: r for r in Snapshot.objects.filter(plan=plan, indicator_key=key, year=year, region_id__in=codes)
    }
    return [
        {
            "region": code,
            "region_label": region_label(code),
            "has_children": len(code) < 12,
            **_point(rows.get(code), places),
        }
        for code in codes
    ]


def snapshot_export_rows(*, user: User, plan: Plan, region_code: str) -> list[list[Any]]:
    """Rows for the Excel export: the region and the regions below it inside the user's grants."""
    indicators = {i.key: i for i in current_indicators(plan)}
    formulas = current_formulas(plan)
    rows = (
        Snapshot.objects.filter(plan=plan, region__code__startswith=region_code)
        .filter(region_filter(user, VIEW_PLAN, "region__code"))
        .order_by("region_id", "indicator_key", "year")
    )
    result = []
    for row in rows.iterator(chunk_size=5000):
        indicator = indicators.get(row.indicator_key)
        if indicator is None:
            continue
        places = formulas[row.indicator_key].decimals if row.indicator_key in formulas else 2
        value = round_to(row.value, places)
        expected = round_to(row.expected, places)
        result.append(
            [
                indicator.seq,
                indicator.name,
                indicator.get_kind_display() if indicator.kind else "",
                indicator.unit,
                row.region_id,
                region_label(row.region_id),
                row.year,
                float(value) if value is not None else None,
                float(row.numerator) if row.numerator is not None else None,
                float(row.denominator) if row.denominator is not None else None,
                float(expected) if expected is not None else None,
                IndicatorStatus(row.status).label,
                row.reason,
                row.formula_version,
            ]
        )
    result.sort(key=lambda r: (r[4], r[0], r[6]))
    return result


def formula_history(*, plan: Plan, key: str) -> list[Formula]:
    return list(Formula.objects.filter(plan=plan, indicator_key=key).select_related("created_by").order_by("-version"))


def last_computed(plan: Plan) -> datetime.datetime | None:
    # A recompute writes every snapshot of the plan with one time stamp: read it from the plan's
    # own region (the unique index), not by sorting all of the plan's rows.
    return Snapshot.objects.filter(plan=plan, region_id=plan.region_id).values_list("computed_at", flat=True).first()


def manual_values_visible(user: User) -> QuerySet[ManualValue]:
    return ManualValue.objects.filter(region_filter(user, IndicatorPerm.MANAGE_DATA, "region__code")).select_related(
        "region", "entered_by"
    )


def item_usage() -> dict[str, list[str]]:
    """Which plans' indicators use each data item (for the data item page)."""
    usage: dict[str, list[str]] = {}
    for formula in Formula.objects.filter(is_current=True).select_related("plan"):
        parsed = _parsed(formula)
        if parsed is None:
            continue
        for code in parsed.item_codes:
            usage.setdefault(code, []).append(f"{formula.plan.title}：{formula.indicator_key}")
    return usage


def kind_choices() -> list[tuple[str, str]]:
    return [(IndicatorKind.BINDING.value, "约束性"), (IndicatorKind.INDICATIVE.value, "预期性")]
