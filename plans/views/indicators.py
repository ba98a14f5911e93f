"""Web pages of computing indicators: the plan dashboard, an indicator's detail with drill-down and
formula, recompute, manual values (list, entry, import, export) and the data item catalogue."""

from __future__ import annotations

import datetime
from decimal import Decimal
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.forms import ImportUploadForm, apply_service_errors
from core.models import Region
from core.scoping import has_perm
from core.selectors import region_label, user_regions
from core.sheets import Column, write_workbook
from core.views.base import AuthedRequest, paginate, require_perm
from plans import data_items
from plans.filtersets_indicators import ManualValueFilterSet
from plans.forms_indicators import DashboardFilterForm, FormulaForm, ManualValueForm
from plans.permissions_indicators import VIEW_PLAN, IndicatorPerm
from plans.selectors import indicators as sel
from plans.services import indicators as svc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region_trail(plan_region: str, code: str) -> list[dict[str, str]]:
    """The path from the plan's region down to ``code`` (for the drill-down breadcrumb)."""
    lengths = [n for n in (6, 9, 12) if len(plan_region) <= n <= len(code)]
    return [{"code": code[:n], "label": region_label(code[:n])} for n in lengths]


@require_perm(VIEW_PLAN)
def indicator_dashboard_home(request: AuthedRequest) -> HttpResponse:
    plans = list(sel.plans_visible(request.user).order_by("region_id", "-period_start"))
    rows = [{"plan": p, "computed_at": sel.last_computed(p)} for p in plans]
    return render(request, "plans/indicator_home.html", {"rows": rows})


@require_perm(VIEW_PLAN)
def indicator_dashboard(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_or_404(request.user, pk)
    form = DashboardFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    region = sel.check_region(request.user, plan, filters.get("region"))
    cards = sel.indicator_cards(
        plan=plan, region_code=region, kind=filters.get("kind", ""), status=filters.get("status", "")
    )
    all_cards = (
        sel.indicator_cards(plan=plan, region_code=region) if filters.get("status") or filters.get("kind") else cards
    )
    children = [
        {"code": r.code, "label": r.name}
        for r in Region.objects.filter(parent_id=region, is_retired=False).order_by("code")
        if has_perm(request.user, VIEW_PLAN, r.code)
    ]
    for index, card in enumerate(cards):
        card["chart_id"] = f"chart-{index}"
    return render(
        request,
        "plans/indicator_dashboard.html",
        {
            "plan": plan,
            "form": form,
            "region": region,
            "region_label": region_label(region),
            "trail": _region_trail(plan.region_id, region),
            "children": children,
            "cards": cards,
            "summary": sel.status_summary(all_cards),
            "computed_at": sel.last_computed(plan),
            "can_recompute": has_perm(request.user, IndicatorPerm.RECOMPUTE, plan.region_id),
            "region_query": urlencode({"region": region}),
        },
    )


@require_perm(VIEW_PLAN)
def indicator_detail(request: AuthedRequest, pk: int, key: str) -> HttpResponse:
    plan = sel.get_plan_or_404(request.user, pk)
    indicator = sel.indicator_detail(plan=plan, key=key)
    region = sel.check_region(request.user, plan, request.GET.get("region"))
    years = svc.plan_years(plan)
    try:
        year = int(request.GET.get("year") or 0)
    except ValueError:
        year = 0
    card = next(c for c in sel.indicator_cards(plan=plan, region_code=region) if c["key"] == key)
    if year not in years:
        year = card["year"] or years[-1]
    can_manage = has_perm(request.user, IndicatorPerm.MANAGE_DATA, plan.region_id)
    current = card["formula"]
    form = None
    if can_manage:
        initial = (
            {k: current[k] for k in ("numerator", "denominator", "missing_rule", "decimals", "note")}
            | {"factor": str(int(current["factor"]))}
            if current
            else {"factor": "100" if indicator.unit == "%" else "1", "missing_rule": "skip", "decimals": 2}
        )
        form = FormulaForm(initial=initial)
    card["chart_id"] = "chart-detail"
    return render(
        request,
        "plans/indicator_detail.html",
        {
            "plan": plan,
            "indicator": indicator,
            "card": card,
            "region": region,
            "region_label": region_label(region),
            "trail": _region_trail(plan.region_id, region),
            "year": year,
            "years": years,
            "subregions": sel.subregion_rows(user=request.user, plan=plan, key=key, region_code=region, year=year),
            "history": sel.formula_history(plan=plan, key=key),
            "form": form,
            "can_recompute": has_perm(request.user, IndicatorPerm.RECOMPUTE, plan.region_id),
        },
    )


SNAPSHOT_COLUMNS = [
    Column("seq", "序号", width=6),
    Column("name", "指标名称", width=36),
    Column("kind", "指标类型", width=8),
    Column("unit", "单位", width=8),
    Column("region", "区划代码", width=14),
    Column("region_name", "区划", width=22),
    Column("year", "年度", width=8),
    Column("value", "指标值", width=12),
    Column("numerator", "分子", width=14),
    Column("denominator", "分母", width=14),
    Column("expected", "按进度应达", width=12),
    Column("status", "状态", width=10),
    Column("reason", "说明", width=30),
    Column("formula", "公式版本", width=8),
]


@require_perm(VIEW_PLAN)
def indicator_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """Every indicator's yearly values for the region and the regions below it the user may see."""
    plan = sel.get_plan_or_404(request.user, pk)
    region = sel.check_region(request.user, plan, request.GET.get("region"))
    content = write_workbook(
        [("指标年度值", SNAPSHOT_COLUMNS, sel.snapshot_export_rows(user=request.user, plan=plan, region_code=region))]
    )
    response = HttpResponse(content, content_type=XLSX)
    name = f"{plan.title}-指标年度值-{region_label(region)}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_POST
@require_perm(IndicatorPerm.MANAGE_DATA)
def formula_edit(request: AuthedRequest, pk: int, key: str) -> HttpResponse:
    plan = sel.get_plan_or_404(request.user, pk)
    indicator = sel.indicator_detail(plan=plan, key=key)
    if not has_perm(request.user, IndicatorPerm.MANAGE_DATA, plan.region_id):
        raise Http404("未找到该规划")
    form = FormulaForm(request.POST)
    if form.is_valid():
        try:
            formula = svc.formula_set(
                plan=plan,
                indicator_key=indicator.key,
                numerator=form.cleaned_data["numerator"],
                denominator=form.cleaned_data["denominator"],
                factor=Decimal(form.cleaned_data["factor"]),
                missing_rule=form.cleaned_data["missing_rule"],
                decimals=form.cleaned_data["decimals"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已保存公式第 {formula.version} 版；重算后生效")
            return redirect("plans:indicator_detail", pk=plan.pk, key=indicator.key)
    messages.error(request, "公式未保存：" + "；".join(f"{e}" for errs in form.errors.values() for e in errs))
    return redirect("plans:indicator_detail", pk=plan.pk, key=indicator.key)


@require_POST
@require_perm(IndicatorPerm.RECOMPUTE)
def plan_recompute(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = sel.get_plan_or_404(request.user, pk)
    if not has_perm(request.user, IndicatorPerm.RECOMPUTE, plan.region_id):
        raise PermissionDenied("只有规划所在区划的人员可以重算")
    job = svc.snapshots_recompute(plan=plan, acting_user=request.user)
    return redirect("core:job_detail", pk=job.pk)


# --- Manual values --------------------------------------------------------------------------------


def _manage_region_choices(request: AuthedRequest) -> list[tuple[str, str]]:
    regions = user_regions(request.user, IndicatorPerm.MANAGE_DATA, ("county", "township", "village"))
    return [(r.code, f"{region_label(r.code)}（{r.code}）") for r in regions]


@require_perm(IndicatorPerm.MANAGE_DATA)
def manual_value_list(request: AuthedRequest) -> HttpResponse:
    base = sel.manual_values_visible(request.user)
    filterset = ManualValueFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx":
        return _manual_values_export(queryset)
    page, query = paginate(request, queryset.order_by("item_code", "region_id", "-year"))
    rows = [
        {"value": v, "item": data_items.get_item(v.item_code), "region": region_label(v.region_id)}
        for v in page.object_list
        if v.item_code in {i.code for i in data_items.all_items()}
    ]
    return render(
        request,
        "plans/manual_value_list.html",
        {"filter": filterset, "page_obj": page, "rows": rows, "querystring_without_page": query},
    )


EXPORT_COLUMNS = [
    Column("item", "数据项", width=34),
    Column("region", "区划代码", width=16),
    Column("region_name", "区划", width=24),
    Column("year", "年度", width=8),
    Column("value", "数值", width=14),
    Column("source", "数据来源", width=40),
    Column("entered_by", "填报人", width=12),
    Column("entered_at", "填报时间", width=18),
]


def _manual_values_export(queryset: object) -> HttpResponse:
    rows = (
        [
            data_items.get_item(v.item_code).name,
            v.region_id,
            region_label(v.region_id),
            v.year,
            float(v.value),
            v.source,
            str(v.entered_by or ""),
            v.entered_at.strftime("%Y-%m-%d %H:%M"),
        ]
        for v in queryset.order_by("item_code", "region_id", "year")  # type: ignore[attr-defined]
    )
    content = write_workbook([("人工填报数据", EXPORT_COLUMNS, rows)])
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('指标人工填报数据.xlsx')}"
    return response


@require_perm(IndicatorPerm.MANAGE_DATA)
def manual_value_create(request: AuthedRequest) -> HttpResponse:
    choices = _manage_region_choices(request)
    initial = {"year": datetime.date.today().year - 1, "item_code": request.GET.get("item", "")}
    form = ManualValueForm(request.POST or None, initial=initial, region_choices=choices)
    if request.method == "POST" and form.is_valid():
        region = Region.objects.filter(code=form.cleaned_data["region"]).first()
        try:
            if region is None or not has_perm(request.user, IndicatorPerm.MANAGE_DATA, region.code):
                raise ValidationError({"region": "不在您的管辖区划内"})
            svc.manual_value_set(
                item_code=form.cleaned_data["item_code"],
                region=region,
                year=form.cleaned_data["year"],
                value=form.cleaned_data["value"],
                source=form.cleaned_data["source"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存；重算规划指标后生效")
            return redirect("plans:manual_value_list")
    return render(request, "plans/manual_value_form.html", {"form": form})


@require_POST
@require_perm(IndicatorPerm.MANAGE_DATA)
def manual_value_delete(request: AuthedRequest, value_id: int) -> HttpResponse:
    value = sel.manual_values_visible(request.user).filter(pk=value_id).first()
    if value is None:
        raise Http404("未找到该记录")
    svc.manual_value_delete(manual_value=value, acting_user=request.user)
    messages.success(request, "已删除")
    return redirect("plans:manual_value_list")


@require_perm(IndicatorPerm.MANAGE_DATA)
def manual_value_import(request: AuthedRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    errors: list[svc.ImportError_] = []
    if request.method == "POST" and form.is_valid():
        try:
            count, errors = svc.manual_values_import(content=form.cleaned_data["file"].read(), acting_user=request.user)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if not errors:
                messages.success(request, f"已导入 {count} 条；重算规划指标后生效")
                return redirect("plans:manual_value_list")
    return render(
        request,
        "plans/manual_value_import.html",
        {"form": form, "errors": errors, "headers": list(svc.IMPORT_HEADERS)},
    )


@require_perm(IndicatorPerm.MANAGE_DATA)
def manual_value_template(request: AuthedRequest) -> HttpResponse:
    columns = [Column(k, k, width=30 if k in ("数据项", "数据来源") else 14) for k in svc.IMPORT_HEADERS]
    example = [["常住人口数", "310151", 2020, 637921, "2020年崇明区第七次人口普查公报"]]
    items = [
        [i.name, i.unit, i.source_label]
        for i in data_items.all_items()
        if not data_items.effective_item(i.code).is_live
    ]
    content = write_workbook(
        [
            ("人工填报数据", columns, example),
            (
                "可填报的数据项",
                [Column("n", "数据项", width=40), Column("u", "单位"), Column("s", "来源", width=50)],
                items,
            ),
        ]
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('指标人工填报导入模板.xlsx')}"
    return response


@require_perm(VIEW_PLAN)
def data_item_list(request: AuthedRequest) -> HttpResponse:
    usage = sel.item_usage()
    rows = [
        {**data_items.effective_item(item.code).as_dict(), "usage": usage.get(item.code, [])}
        for item in data_items.all_items()
    ]
    rows.sort(key=lambda r: (not r["is_live"], r["code"]))
    return render(request, "plans/data_item_list.html", {"rows": rows})
