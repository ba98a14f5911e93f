"""API of computing indicators: formulas, dashboard data, snapshots, recompute, data items, manual values.

Mounted under /api/v1/plans/ by ``router.add_router("", indicator_router)`` in plans/api.py. Same
services, selectors and FilterSets as the web pages.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from ninja import Router, Schema

from core.api import JobOut, _filtered, _job_out, _page, _require
from core.models import Region
from core.scoping import has_perm, region_filter
from core.selectors import region_label
from plans import data_items
from plans.filtersets_indicators import ManualValueFilterSet
from plans.forms_indicators import DashboardFilterForm
from plans.models import Snapshot
from plans.permissions_indicators import VIEW_PLAN, IndicatorPerm
from plans.selectors import indicators as sel
from plans.services import indicators as svc

router = Router(tags=["规划指标计算"])


class FormulaOut(Schema):
    indicator_key: str
    seq: int
    name: str
    definition: str
    unit: str
    kind: str
    baseline_text: str
    target_text: str
    formula: dict[str, Any] | None


class FormulaIn(Schema):
    numerator: str
    denominator: str = ""
    factor: Decimal = Decimal(1)
    missing_rule: str = "skip"
    decimals: int = 2
    note: str = ""


class DashboardOut(Schema):
    plan: int
    title: str
    region: str
    region_label: str
    computed_at: datetime.datetime | None
    summary: list[dict[str, Any]]
    cards: list[dict[str, Any]]


class SnapshotOut(Schema):
    indicator_key: str
    region: str
    region_label: str
    year: int
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    inputs: dict[str, Any]
    reason: str
    formula_version: int | None
    status: str
    progress: Decimal | None
    expected: Decimal | None
    computed_at: datetime.datetime


class SnapshotPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[SnapshotOut]


class ManualValueIn(Schema):
    item_code: str
    region: str
    year: int
    value: Decimal
    source: str


class ManualValueOut(Schema):
    id: int
    item_code: str
    item_name: str
    region: str
    year: int
    value: Decimal
    source: str
    entered_by: str | None
    entered_at: datetime.datetime


class ManualValuePage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[ManualValueOut]


def _manual_out(value: Any) -> dict[str, Any]:
    return {
        "id": value.pk,
        "item_code": value.item_code,
        "item_name": data_items.get_item(value.item_code).name,
        "region": value.region_id,
        "year": value.year,
        "value": value.value,
        "source": value.source,
        "entered_by": value.entered_by.username if value.entered_by else None,
        "entered_at": value.entered_at,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


@router.get("/data-items", response=list[dict[str, Any]], summary="指标数据项（系统数据或人工填报）")
def data_item_list(request: HttpRequest) -> Any:
    _require(request, VIEW_PLAN)
    return [data_items.effective_item(item.code).as_dict() for item in data_items.all_items()]


@router.get("/{plan_id}/formulas", response=list[FormulaOut], summary="规划指标及其计算公式")
def formula_list(request: HttpRequest, plan_id: int) -> Any:
    user = _require(request, VIEW_PLAN)
    plan = sel.get_plan_or_404(user, plan_id)
    formulas = svc.current_formulas(plan)
    return [
        {
            "indicator_key": i.key,
            "seq": i.seq,
            "name": i.name,
            "definition": i.definition,
            "unit": i.unit,
            "kind": i.kind,
            "baseline_text": i.baseline_text,
            "target_text": i.target_text,
            "formula": _jsonable(sel.formula_view(formulas.get(i.key))),
        }
        for i in svc.current_indicators(plan)
    ]


@router.put("/{plan_id}/formulas/{key}", response=dict[str, Any], summary="设定指标公式（新版本）")
def formula_put(request: HttpRequest, plan_id: int, key: str, data: FormulaIn) -> Any:
    user = _require(request, IndicatorPerm.MANAGE_DATA)
    plan = sel.get_plan_or_404(user, plan_id)
    if not has_perm(user, IndicatorPerm.MANAGE_DATA, plan.region_id):
        raise Http404("未找到该规划")
    indicator = sel.indicator_detail(plan=plan, key=key)
    formula = svc.formula_set(
        plan=plan,
        indicator_key=indicator.key,
        numerator=data.numerator,
        denominator=data.denominator,
        factor=data.factor,
        missing_rule=data.missing_rule,
        decimals=data.decimals,
        note=data.note,
        acting_user=user,
    )
    return _jsonable(sel.formula_view(formula))


@router.get("/{plan_id}/dashboard", response=DashboardOut, summary="规划指标看板（region、kind、status）")
def dashboard(request: HttpRequest, plan_id: int) -> Any:
    user = _require(request, VIEW_PLAN)
    plan = sel.get_plan_or_404(user, plan_id)
    form = DashboardFilterForm(request.GET)
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    region = sel.check_region(user, plan, form.cleaned_data["region"])
    cards = sel.indicator_cards(
        plan=plan, region_code=region, kind=form.cleaned_data["kind"], status=form.cleaned_data["status"]
    )
    return {
        "plan": plan.pk,
        "title": plan.title,
        "region": region,
        "region_label": region_label(region),
        "computed_at": sel.last_computed(plan),
        "summary": sel.status_summary(cards),
        "cards": _jsonable(cards),
    }


@router.get("/{plan_id}/snapshots", response=SnapshotPage, summary="指标年度快照（region 含下级、year、indicator）")
def snapshot_list(
    request: HttpRequest, plan_id: int, region: str = "", year: int | None = None, indicator: str = ""
) -> Any:
    user = _require(request, VIEW_PLAN)
    plan = sel.get_plan_or_404(user, plan_id)
    queryset = Snapshot.objects.filter(plan=plan).filter(region_filter(user, VIEW_PLAN, "region__code"))
    if region:
        queryset = queryset.filter(region__code__startswith=region)
    if year is not None:
        queryset = queryset.filter(year=year)
    if indicator:
        queryset = queryset.filter(indicator_key=indicator)
    meta, rows = _page(request, queryset.order_by("indicator_key", "region_id", "year"))
    return {
        **meta,
        "results": [
            {
                "indicator_key": r.indicator_key,
                "region": r.region_id,
                "region_label": region_label(r.region_id),
                "year": r.year,
                "value": r.value,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "inputs": r.inputs,
                "reason": r.reason,
                "formula_version": r.formula_version,
                "status": r.status,
                "progress": r.progress,
                "expected": r.expected,
                "computed_at": r.computed_at,
            }
            for r in rows
        ],
    }


@router.post("/{plan_id}/recompute", response={202: JobOut}, summary="重算规划全部指标（后台任务）")
def recompute(request: HttpRequest, plan_id: int) -> Any:
    user = _require(request, IndicatorPerm.RECOMPUTE)
    plan = sel.get_plan_or_404(user, plan_id)
    if not has_perm(user, IndicatorPerm.RECOMPUTE, plan.region_id):
        raise PermissionDenied("只有规划所在区划的人员可以重算")
    return 202, _job_out(svc.snapshots_recompute(plan=plan, acting_user=user))


@router.get("/manual-values", response=ManualValuePage, summary="人工填报数据（item、region、year）")
def manual_value_list(request: HttpRequest) -> Any:
    user = _require(request, IndicatorPerm.MANAGE_DATA)
    queryset = _filtered(ManualValueFilterSet, request, sel.manual_values_visible(user))
    meta, rows = _page(request, queryset.order_by("item_code", "region_id", "-year"))
    return {**meta, "results": [_manual_out(v) for v in rows]}


@router.post("/manual-values", response={201: ManualValueOut}, summary="填报（或更正）一条年度数值")
def manual_value_create(request: HttpRequest, data: ManualValueIn) -> Any:
    user = _require(request, IndicatorPerm.MANAGE_DATA)
    region = Region.objects.filter(code=data.region).first()
    if region is None or not has_perm(user, IndicatorPerm.MANAGE_DATA, region.code):
        raise ValidationError({"region": "不在您的管辖区划内"})
    value = svc.manual_value_set(
        item_code=data.item_code,
        region=region,
        year=data.year,
        value=data.value,
        source=data.source,
        acting_user=user,
    )
    return 201, _manual_out(value)


@router.delete("/manual-values/{value_id}", response={204: None}, summary="删除一条人工填报数据")
def manual_value_delete(request: HttpRequest, value_id: int) -> Any:
    user = _require(request, IndicatorPerm.MANAGE_DATA)
    value = sel.manual_values_visible(user).filter(pk=value_id).first()
    if value is None:
        raise Http404("未找到该记录")
    svc.manual_value_delete(manual_value=value, acting_user=user)
    return 204, None
