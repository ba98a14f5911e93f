"""Pages of the community services: 助餐, 养老顾问, 老伙伴计划, 适老化改造."""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit_in_own_transaction
from core.forms import apply_service_errors
from core.models import Region
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, grant_prefixes, has_perm
from core.selectors import region_choices, region_label
from core.sheets import Column, SheetError, read_sheet, write_workbook
from core.views.base import AuthedRequest, paginate, region_select, require_perm
from eldercare import selectors_community as sel
from eldercare import services_community as svc
from eldercare.choices import FacilityKind
from eldercare.choices_community import (
    AdaptationItemKind,
    AdaptationStatus,
    AdviceTopic,
    PersonCategory,
    RecommendedService,
    SettlementStatus,
)
from eldercare.filtersets_community import (
    AdviceSessionFilterSet,
    ChildlessRecordFilterSet,
    HomeAdaptationFilterSet,
    MealCountFilterSet,
    MealEnrolmentFilterSet,
    MealSettlementFilterSet,
    PeerPairFilterSet,
    PeerVisitFilterSet,
)
from eldercare.forms_community import (
    AdaptationApplyForm,
    AdviceForm,
    AssessForm,
    ChildlessForm,
    CompleteForm,
    CoverageForm,
    DecideForm,
    EndForm,
    FollowUpForm,
    ItemForm,
    MealEnrolmentForm,
    MealImportForm,
    PeerPairForm,
    PeerVisitForm,
    SettleForm,
    SettlementComputeForm,
    WithdrawForm,
    find_person,
)
from eldercare.models import (
    AdviceSession,
    ChildlessRecord,
    Facility,
    HomeAdaptation,
    MealCount,
    MealEnrolment,
    MealSettlement,
    MealSettlementLine,
    PeerPair,
    PeerVisit,
)
from eldercare.permissions_community import CommunityPerm as P

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000
_CATEGORY = dict(PersonCategory.choices)
_TOPIC = dict(AdviceTopic.choices)
_RECOMMENDED = dict(RecommendedService.choices)


# ------------------------------------------------------------------ helpers


def _age(birth: datetime.date, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def xlsx_response(
    user: Any, title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]], region_code: str = ""
) -> HttpResponse:
    """An Excel download of a list (audited as an export)."""
    if not has_perm(user, CorePerm.EXPORT_DATA):
        raise PermissionDenied
    materialised = [list(r) for r in rows]
    content = write_workbook([(title, columns, materialised)])
    audit_in_own_transaction(
        action="eldercare.export",
        actor=user,
        object_type="eldercare.export",
        object_repr=title,
        region_code=region_code,
        changes={"title": title, "rows": len(materialised)},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(title)}.xlsx"
    return response


def _list_page(
    request: AuthedRequest,
    *,
    title: str,
    filterset_class: Any,
    base: QuerySet[Any],
    perm: str,
    headers: list[str],
    row: Callable[[Any], list[Any]],
    export_columns: list[Column] | None = None,
    export_row: Callable[[Any], list[Any]] | None = None,
    actions: list[tuple[str, str]] | None = None,
    order: Sequence[str] = ("-id",),
    intro: str = "",
) -> HttpResponse:
    filterset = filterset_class(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, perm)
    queryset = filterset.qs.order_by(*order) if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx" and export_columns and export_row:
        return xlsx_response(
            request.user, title, export_columns, (export_row(o) for o in queryset[:EXPORT_LIMIT].iterator())
        )
    page, query = paginate(request, queryset)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["export"] = "xlsx"
    return render(
        request,
        "eldercare/community/list.html",
        {
            "title": title,
            "intro": intro,
            "filter": filterset,
            "page_obj": page,
            "querystring_without_page": query,
            "headers": headers,
            "rows": [row(o) for o in page.object_list],
            "actions": actions or [],
            "export_url": f"?{export_query.urlencode()}"
            if export_columns and has_perm(request.user, CorePerm.EXPORT_DATA)
            else "",
        },
    )


def cell(text: Any, url: str = "") -> dict[str, Any]:
    return {"text": "—" if text in (None, "") else text, "url": url}


def _form_page(request: AuthedRequest, title: str, form: Any, back: str, intro: str = "") -> HttpResponse:
    return render(
        request, "eldercare/community/form.html", {"title": title, "form": form, "back": back, "intro": intro}
    )


def _points(user: Any, perm: str, kinds: Sequence[str] | None = None) -> list[tuple[int, str]]:
    from eldercare.choices import MEAL_KINDS

    qs = Facility.objects.filter(kind__in=kinds or MEAL_KINDS).visible_to(user, perm).order_by("region_id", "number")
    return [(p.pk, f"{p.name}（{p.number}）") for p in qs]


def _date(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return default


def _scope_code(request: AuthedRequest, perm: str) -> str:
    """The region the page shows: ?region= when it lies inside the user's scope, else the broadest grant."""
    prefixes = grant_prefixes(request.user, perm)
    wanted = (request.GET.get("region") or "").strip()
    if wanted and any(wanted.startswith(p) for p in prefixes):
        return wanted
    # Several grants: their common ancestor (the scoped querysets keep the rows inside the grants).
    return svc.common_region_prefix(prefixes) or (min(prefixes, key=len) if prefixes else "")


# ------------------------------------------------------------------ meals: dashboard


@require_perm(P.VIEW)
def meal_dashboard(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today - datetime.timedelta(days=1))
    start = _date(request.GET.get("start"), end - datetime.timedelta(days=29))
    region = _scope_code(request, P.VIEW)
    capacity = sel.meal_capacity_report(request.user, region, start, end)
    if request.GET.get("export") == "capacity":
        return xlsx_response(
            request.user,
            "助餐点供餐能力与订餐",
            CAPACITY_COLUMNS,
            (
                [
                    r["point"].number,
                    r["point"].name,
                    r["point"].get_kind_display(),
                    r["region"],
                    r["capacity"],
                    r["days"],
                    r["ordered"],
                    r["served"],
                    r["avg_ordered"],
                    r["peak_ordered"],
                    r["over_capacity_days"],
                    r["utilisation"],
                ]
                for r in capacity
            ),
            region,
        )
    daily = sel.meal_daily_series(request.user, region, start, end)
    by_category = sel.meal_by_category(request.user, region, start, end)
    by_township = sel.meal_by_township(request.user, region, start, end)
    served = sum(d["served"] or 0 for d in daily)
    days = (end - start).days + 1
    enrolled = (
        MealEnrolment.objects.visible_to(request.user, P.VIEW)
        .filter(region__code__startswith=region, ended_on__isnull=True)
        .count()
    )
    total_capacity = sum(r["capacity"] for r in capacity)
    return render(
        request,
        "eldercare/community/meal_dashboard.html",
        {
            "start": start,
            "end": end,
            "region": region,
            "region_label": region_label(region),
            "region_choices": region_choices(request.user, P.VIEW),
            "served": served,
            "per_day": round(served / days) if days else 0,
            "enrolled": enrolled,
            "points": len(capacity),
            "capacity": total_capacity,
            "over_points": sum(1 for r in capacity if r["over_capacity_days"]),
            "capacity_rows": capacity,
            "daily_chart": {
                "type": "line",
                "labels": [d["day"].strftime("%m-%d") for d in daily],
                "series": [
                    {"name": "订餐", "values": [d["ordered"] for d in daily]},
                    {"name": "供餐", "values": [d["served"] for d in daily]},
                ],
                "unit": "餐",
            },
            "category_chart": {
                "type": "pie",
                "labels": [c["label"] for c in by_category],
                "values": [c["served"] for c in by_category],
            },
            "township_chart": {
                "type": "bar",
                "labels": [t["label"] for t in by_township],
                "values": [t["served"] for t in by_township],
                "name": "供餐数",
                "unit": "餐",
                "rotate": 30,
            },
        },
    )


CAPACITY_COLUMNS = [
    Column("number", "助餐点编号", width=14),
    Column("name", "名称", width=24),
    Column("kind", "类型", width=10),
    Column("region", "所在区划", width=24),
    Column("capacity", "日供餐能力", width=10),
    Column("days", "填报天数", width=8),
    Column("ordered", "订餐数", width=10),
    Column("served", "供餐数", width=10),
    Column("avg_ordered", "日均订餐", width=10),
    Column("peak", "单日最高订餐", width=10),
    Column("over", "超能力天数", width=10),
    Column("utilisation", "能力利用率%", width=10),
]


# ------------------------------------------------------------------ meals: enrolments


ENROLMENT_COLUMNS = [
    Column("name", "姓名", width=10),
    Column("sex", "性别", width=6),
    Column("age", "年龄", width=6),
    Column("point", "助餐点", width=24),
    Column("region", "所在区划", width=24),
    Column("category", "补贴类别", width=14),
    Column("enrolled_on", "登记日期", width=12),
    Column("ended_on", "终止日期", width=12),
]


@require_perm(P.VIEW)
def meal_enrolment_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    base = MealEnrolment.objects.visible_to(request.user, P.VIEW).select_related("person", "meal_point")
    can_manage = has_perm(request.user, P.MANAGE_MEALS)
    return _list_page(
        request,
        title="助餐登记",
        filterset_class=MealEnrolmentFilterSet,
        base=base,
        perm=P.VIEW,
        headers=["姓名", "年龄", "助餐点", "所在区划", "补贴类别", "登记日期", "终止日期", ""],
        row=lambda e: [
            cell(e.person.name),
            cell(_age(e.person.birth_date, today)),
            cell(e.meal_point.name),
            cell(region_label(e.region_id)),
            cell(e.get_category_display()),
            cell(e.enrolled_on),
            cell(e.ended_on),
            {"end_url": reverse("eldercare:meal_enrolment_end", args=[e.pk])}
            if can_manage and e.ended_on is None
            else cell(""),
        ],
        export_columns=ENROLMENT_COLUMNS,
        export_row=lambda e: [
            e.person.name,
            e.person.get_sex_display(),
            _age(e.person.birth_date, today),
            e.meal_point.name,
            region_label(e.region_id),
            e.get_category_display(),
            e.enrolled_on,
            e.ended_on,
        ],
        actions=[("登记助餐", reverse("eldercare:meal_enrolment_create"))] if can_manage else [],
    )


@require_perm(P.MANAGE_MEALS)
def meal_enrolment_create(request: AuthedRequest) -> HttpResponse:
    points = _points(request.user, P.MANAGE_MEALS)
    form = MealEnrolmentForm(request.POST or None, points=points)
    if request.method == "POST" and form.is_valid():
        try:
            person = find_person(form.cleaned_data["person"])
            point = Facility.objects.get(pk=form.cleaned_data["meal_point"])
            enrolment = svc.meal_enrolment_create(
                person=person,
                meal_point=point,
                enrolled_on=form.cleaned_data["enrolled_on"],
                category=form.cleaned_data["category"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记：{person.name}，{point.name}，补贴类别“{_CATEGORY[enrolment.category]}”")
            return redirect("eldercare:meal_enrolment_list")
    return _form_page(request, "登记助餐", form, reverse("eldercare:meal_enrolment_list"))


@require_POST
@require_perm(P.MANAGE_MEALS)
def meal_enrolment_end(request: AuthedRequest, pk: int) -> HttpResponse:
    enrolment = get_visible_or_404(MealEnrolment.objects.all(), request.user, P.MANAGE_MEALS, pk=pk)
    form = EndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"ended_on": ["请填写有效的终止日期"]})
        svc.meal_enrolment_end(enrolment=enrolment, ended_on=form.cleaned_data["ended_on"], acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已终止助餐登记")
    return redirect("eldercare:meal_enrolment_list")


# ------------------------------------------------------------------ meals: daily reports


@require_perm(P.MANAGE_MEALS)
def meal_daily(request: AuthedRequest) -> HttpResponse:
    """The grid: one row per meal point in scope, ordered/served per category, for one day."""
    today = timezone.localdate()
    day = _date(request.POST.get("day") or request.GET.get("day"), today)
    points = list(
        Facility.objects.filter(pk__in=[p for p, _ in _points(request.user, P.MANAGE_MEALS)]).order_by(
            "region_id", "number"
        )
    )
    categories = PersonCategory.choices
    errors: list[str] = []
    posted: dict[str, str] = {}
    if request.method == "POST":
        entries: dict[int, dict[str, tuple[int, int]]] = {}
        for point in points:
            counts = {}
            for category, _ in categories:
                o = request.POST.get(f"o-{point.pk}-{category}", "").strip()
                s = request.POST.get(f"s-{point.pk}-{category}", "").strip()
                posted[f"o-{point.pk}-{category}"], posted[f"s-{point.pk}-{category}"] = o, s
                if o == "" and s == "":
                    continue
                if not (o or "0").isdigit() or not (s or "0").isdigit():
                    errors.append(f"{point.name}：订餐数和供餐数应为非负整数")
                    continue
                counts[category] = (int(o or 0), int(s or 0))
            if counts:
                entries[point.pk] = counts
        if not errors:
            try:
                if not entries:
                    raise ValidationError({"day": ["没有填写任何数字"]})
                summary = svc.meal_counts_save(day=day, entries=entries, acting_user=request.user)
            except ValidationError as exc:
                errors += exc.messages
            else:
                messages.success(request, f"已保存 {day:%Y-%m-%d} {summary['points']} 个助餐点的填报")
                for over in summary["over_capacity"]:
                    name = next(p.name for p in points if p.pk == over["point"])
                    messages.warning(request, f"{name} 订餐 {over['ordered']} 份，超过日供餐能力 {over['capacity']} 份")
                return redirect(f"{reverse('eldercare:meal_daily')}?day={day.isoformat()}")
    existing = {(c.meal_point_id, c.category): c for c in MealCount.objects.filter(meal_point__in=points, day=day)}
    enrolled = sel.meal_enrolment_counts(request.user)
    rows = []
    for point in points:
        cells = []
        for category, _ in categories:
            count = existing.get((point.pk, category))
            cells.append(
                {
                    "o_name": f"o-{point.pk}-{category}",
                    "s_name": f"s-{point.pk}-{category}",
                    "o": posted.get(f"o-{point.pk}-{category}", count.ordered if count else ""),
                    "s": posted.get(f"s-{point.pk}-{category}", count.served if count else ""),
                    "enrolled": enrolled.get(point.pk, {}).get(category, 0),
                }
            )
        rows.append({"point": point, "region": region_label(point.region_id), "cells": cells})
    return render(
        request,
        "eldercare/community/meal_daily.html",
        {
            "day": day,
            "rows": rows,
            "categories": categories,
            "errors": errors,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1) if day < today else None,
        },
    )


IMPORT_COLUMNS = [
    Column("point", "助餐点编号", required=True, width=16),
    Column("day", "日期", required=True, width=12, help="YYYY-MM-DD"),
    Column(
        "category", "补贴类别", required=True, width=16, help="、".join(label for _, label in PersonCategory.choices)
    ),
    Column("ordered", "订餐数", required=True, width=10),
    Column("served", "供餐数", required=True, width=10),
]


@require_perm(P.MANAGE_MEALS)
def meal_import(request: AuthedRequest) -> HttpResponse:
    if request.GET.get("template"):
        content = write_workbook([("助餐填报", IMPORT_COLUMNS, [])])
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = "attachment; filename*=UTF-8''" + urllib.parse.quote("助餐填报导入模板.xlsx")
        return response
    form = MealImportForm(request.POST or None, request.FILES or None)
    errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        try:
            sheet, cell_errors = read_sheet(form.cleaned_data["file"], IMPORT_COLUMNS, max_rows=50_000)
        except SheetError as exc:
            form.add_error("file", str(exc))
        else:
            errors = [e.as_dict() for e in cell_errors]
            if not errors:
                summary, errors = svc.meal_counts_import(records=sheet.rows, acting_user=request.user)
                if not errors:
                    messages.success(
                        request, f"已导入 {summary['rows']} 行（{summary['points']} 个助餐点，{summary['days']} 天）"
                    )
                    return redirect("eldercare:meal_count_list")
            form.add_error(None, f"发现 {len(errors)} 处错误，未导入任何数据，请修改后重新上传")
    return render(
        request,
        "eldercare/community/meal_import.html",
        {"form": form, "errors": errors[:200], "columns": IMPORT_COLUMNS},
    )


COUNT_COLUMNS = [
    Column("day", "日期", width=12),
    Column("number", "助餐点编号", width=14),
    Column("point", "助餐点", width=24),
    Column("region", "所在区划", width=24),
    Column("category", "补贴类别", width=14),
    Column("ordered", "订餐数", width=10),
    Column("served", "供餐数", width=10),
]


@require_perm(P.VIEW)
def meal_count_list(request: AuthedRequest) -> HttpResponse:
    base = MealCount.objects.visible_to(request.user, P.VIEW).select_related("meal_point")
    can_manage = has_perm(request.user, P.MANAGE_MEALS)
    return _list_page(
        request,
        title="每日订餐与供餐",
        filterset_class=MealCountFilterSet,
        base=base,
        perm=P.VIEW,
        headers=["日期", "助餐点", "所在区划", "补贴类别", "订餐数", "供餐数"],
        row=lambda c: [
            cell(c.day, f"{reverse('eldercare:meal_daily')}?day={c.day.isoformat()}" if can_manage else ""),
            cell(c.meal_point.name),
            cell(region_label(c.region_id)),
            cell(c.get_category_display()),
            cell(c.ordered),
            cell(c.served),
        ],
        export_columns=COUNT_COLUMNS,
        export_row=lambda c: [
            c.day,
            c.meal_point.number,
            c.meal_point.name,
            region_label(c.region_id),
            c.get_category_display(),
            c.ordered,
            c.served,
        ],
        actions=[
            ("每日填报", reverse("eldercare:meal_daily")),
            ("Excel 导入", reverse("eldercare:meal_import")),
        ]
        if can_manage
        else [],
        order=("-day", "meal_point_id", "category"),
    )


# ------------------------------------------------------------------ meals: settlements


SETTLEMENT_COLUMNS = [
    Column("month", "结算月份", width=10),
    Column("number", "助餐点编号", width=14),
    Column("point", "助餐点", width=24),
    Column("region", "所在区划", width=24),
    *[Column(f"meals_{c}", f"{label}餐数", width=12) for c, label in PersonCategory.choices],
    *[Column(f"amount_{c}", f"{label}补贴", width=12) for c, label in PersonCategory.choices],
    Column("total", "供餐总数", width=10),
    Column("blocked_days", "黑名单停发天数", width=10),
    Column("blocked_meals", "停发补贴餐数", width=10),
    Column("amount", "补贴金额", width=12),
    Column("status", "状态", width=8),
]


def _settlement_export_row(s: MealSettlement) -> list[Any]:
    lines = {line.category: line for line in s.lines.all()}
    return [
        s.month.strftime("%Y-%m"),
        s.meal_point.number,
        s.meal_point.name,
        region_label(s.region_id),
        *[lines[c].meals if c in lines else 0 for c in PersonCategory.values],
        *[lines[c].amount if c in lines else 0 for c in PersonCategory.values],
        s.total_meals,
        s.blocked_days,
        s.blocked_meals,
        s.subsidy_amount,
        s.get_status_display(),
    ]


@require_perm(P.VIEW)
def meal_settlement_list(request: AuthedRequest, compute_form: SettlementComputeForm | None = None) -> HttpResponse:
    base = (
        MealSettlement.objects.visible_to(request.user, P.VIEW).select_related("meal_point").prefetch_related("lines")
    )
    filterset = MealSettlementFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, P.VIEW)
    queryset = filterset.qs.order_by("-month", "region_id", "meal_point_id") if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx":
        return xlsx_response(request.user, "助餐补贴结算", SETTLEMENT_COLUMNS, map(_settlement_export_row, queryset))
    page, query = paginate(request, queryset)
    totals: dict[str, Any] = {"meals": 0, "amount": 0}
    if filterset.is_valid():
        agg = queryset.aggregate(meals=Sum("total_meals"), amount=Sum("subsidy_amount"))
        by_category = {
            row["category"]: row
            for row in MealSettlementLine.objects.filter(settlement__in=queryset.values("pk"))
            .values("category")
            .annotate(meals=Sum("meals"), blocked=Sum("blocked_meals"), amount=Sum("amount"))
        }
        totals = {
            "meals": agg["meals"] or 0,
            "amount": agg["amount"] or 0,
            "categories": [
                {"label": label, **by_category[code]} for code, label in PersonCategory.choices if code in by_category
            ],
        }
    if compute_form is None and has_perm(request.user, P.SETTLE_MEALS):
        last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
        compute_form = SettlementComputeForm(initial={"month": last_month}, regions=_settle_regions(request.user))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["export"] = "xlsx"
    return render(
        request,
        "eldercare/community/settlement_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "querystring_without_page": query,
            "settlements": [(s, region_label(s.region_id)) for s in page.object_list],
            "totals": totals,
            "compute_form": compute_form,
            "export_url": f"?{export_query.urlencode()}" if has_perm(request.user, CorePerm.EXPORT_DATA) else "",
        },
    )


def _settle_regions(user: Any) -> list[tuple[str, str]]:
    """The regions the user may settle: their grant regions and the districts and townships below."""
    prefixes = grant_prefixes(user, P.SETTLE_MEALS)
    condition = Q(code__in=prefixes)
    for prefix in prefixes:
        condition |= Q(code__startswith=prefix, level__in=["county", "township"], is_retired=False)
    regions = Region.objects.filter(condition).order_by("code") if prefixes else Region.objects.none()
    return [(r.code, region_label(r.code)) for r in regions]


@require_POST
@require_perm(P.SETTLE_MEALS)
def meal_settlement_compute(request: AuthedRequest) -> HttpResponse:
    form = SettlementComputeForm(request.POST, regions=_settle_regions(request.user))
    if form.is_valid():
        try:
            region = Region.objects.get(code=form.cleaned_data["region"])
            summary = svc.meal_settlement_compute(
                month=form.cleaned_data["month"], region=region, acting_user=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"已结算 {form.cleaned_data['month']:%Y年%m月}：{summary['points']} 个助餐点，"
                f"补贴合计 {summary['total']} 元"
                + (f"；{summary['skipped_confirmed']} 个已确认的未重算" if summary["skipped_confirmed"] else ""),
            )
            return redirect(f"{reverse('eldercare:meal_settlement_list')}?month={form.cleaned_data['month']:%Y-%m}")
    response = meal_settlement_list(request, compute_form=form)
    assert isinstance(response, HttpResponse)
    return response


@require_perm(P.VIEW)
def meal_settlement_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    settlement = get_visible_or_404(MealSettlement.objects.select_related("meal_point"), request.user, P.VIEW, pk=pk)
    return render(
        request,
        "eldercare/community/settlement_detail.html",
        {
            "s": settlement,
            "month_end": (settlement.month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1),
            "lines": settlement.lines.order_by("id"),
            "region": region_label(settlement.region_id),
            "can_confirm": settlement.status == SettlementStatus.DRAFT
            and has_perm(request.user, P.SETTLE_MEALS, settlement.region_id),
        },
    )


@require_POST
@require_perm(P.SETTLE_MEALS)
def meal_settlement_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    settlement = get_visible_or_404(MealSettlement.objects.all(), request.user, P.SETTLE_MEALS, pk=pk)
    try:
        svc.meal_settlement_confirm(settlement=settlement, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "结算已确认")
    return redirect("eldercare:meal_settlement_detail", pk=settlement.pk)


# ------------------------------------------------------------------ advisor sessions


ADVICE_COLUMNS = [
    Column("held_on", "咨询日期", width=12),
    Column("name", "老人", width=10),
    Column("region", "所在村居", width=24),
    Column("advisor", "顾问", width=10),
    Column("topics", "咨询事项", width=30),
    Column("recommended", "推荐服务", width=30),
    Column("follow_up_on", "计划回访", width=12),
    Column("followed_up_on", "已回访", width=12),
    Column("result", "回访结果", width=30),
]


def _labels(codes: list[str], labels: dict[str, str]) -> str:
    return "、".join(labels.get(c, c) for c in codes)


@require_perm(P.VIEW)
def advice_list(request: AuthedRequest) -> HttpResponse:
    base = AdviceSession.objects.visible_to(request.user, P.VIEW).select_related("person")
    return _list_page(
        request,
        title="养老顾问咨询",
        filterset_class=AdviceSessionFilterSet,
        base=base,
        perm=P.VIEW,
        headers=["咨询日期", "老人", "所在村居", "顾问", "咨询事项", "推荐服务", "计划回访", "已回访"],
        row=lambda a: [
            cell(a.held_on, reverse("eldercare:advice_detail", args=[a.pk])),
            cell(a.person.name),
            cell(region_label(a.region_id)),
            cell(a.advisor_name),
            cell(_labels(a.topics, _TOPIC)),
            cell(_labels(a.recommended, _RECOMMENDED)),
            cell(a.follow_up_on),
            cell(a.followed_up_on),
        ],
        export_columns=ADVICE_COLUMNS,
        export_row=lambda a: [
            a.held_on,
            a.person.name,
            region_label(a.region_id),
            a.advisor_name,
            _labels(a.topics, _TOPIC),
            _labels(a.recommended, _RECOMMENDED),
            a.follow_up_on,
            a.followed_up_on,
            a.follow_up_result,
        ],
        actions=[("登记咨询", reverse("eldercare:advice_create"))] if has_perm(request.user, P.RECORD_ADVICE) else [],
        order=("-held_on", "-id"),
    )


@require_perm(P.RECORD_ADVICE)
def advice_create(request: AuthedRequest) -> HttpResponse:
    points = _points(request.user, P.RECORD_ADVICE, [FacilityKind.ADVISOR_POINT])
    initial = {"advisor_name": request.user.display_name if hasattr(request.user, "display_name") else ""}
    form = AdviceForm(request.POST or None, points=points, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = find_person(data["person"])
            point = Facility.objects.filter(pk=data["point"]).first() if data["point"] else None
            session = svc.advice_session_create(
                person=person,
                held_on=data["held_on"],
                advisor_name=data["advisor_name"],
                topics=data["topics"],
                recommended=data["recommended"],
                notes=data["notes"],
                follow_up_on=data["follow_up_on"],
                point=point,
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记 {person.name} 的咨询")
            return redirect("eldercare:advice_detail", pk=session.pk)
    return _form_page(request, "登记养老顾问咨询", form, reverse("eldercare:advice_list"))


@require_perm(P.VIEW)
def advice_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    session = get_visible_or_404(AdviceSession.objects.select_related("person", "point"), request.user, P.VIEW, pk=pk)
    can_follow = has_perm(request.user, P.RECORD_ADVICE, session.region_id) and session.followed_up_on is None
    return render(
        request,
        "eldercare/community/advice_detail.html",
        {
            "a": session,
            "region": region_label(session.region_id),
            "topics": _labels(session.topics, _TOPIC),
            "recommended": _labels(session.recommended, _RECOMMENDED),
            "form": FollowUpForm() if can_follow else None,
        },
    )


@require_POST
@require_perm(P.RECORD_ADVICE)
def advice_follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    session = get_visible_or_404(AdviceSession.objects.all(), request.user, P.RECORD_ADVICE, pk=pk)
    form = FollowUpForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"follow_up_result": ["请填写回访日期和回访结果"]})
        svc.advice_session_follow_up(
            session=session,
            followed_up_on=form.cleaned_data["followed_up_on"],
            result=form.cleaned_data["follow_up_result"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已登记回访")
    return redirect("eldercare:advice_detail", pk=session.pk)


# ------------------------------------------------------------------ peer visits


UNVISITED_COLUMNS = [
    Column("name", "姓名", width=10),
    Column("sex", "性别", width=6),
    Column("age", "年龄", width=6),
    Column("township", "乡镇/街道", width=16),
    Column("village", "村居", width=24),
    Column("reasons", "关爱原因", width=20),
    Column("paired", "已结对", width=8),
]


def _reasons(person: Any, very_old_birth: datetime.date) -> str:
    reasons = []
    if person.household_size == 1:
        reasons.append("独居")
    if person.birth_date <= very_old_birth:
        reasons.append("高龄")
    if person.childless:
        reasons.append("无子女")
    return "、".join(reasons)


@require_perm(P.VIEW)
def peer_coverage(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    default_end = today - datetime.timedelta(days=1)
    data = request.GET.copy()
    data.setdefault("end", default_end.isoformat())
    data.setdefault("start", default_end.replace(day=1).isoformat())
    form = CoverageForm(data, regions=region_choices(request.user, P.VIEW))
    report = None
    page = None
    query = ""
    if form.is_valid():
        region = _scope_code(request, P.VIEW)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        report = sel.peer_coverage_by_township(region, start, end, request.user)
        _, very_old_age = sel.peer_age_limits(region, end)
        very_old_birth = sel.years_before(end, very_old_age)
        unvisited = sel.peer_coverage(region, start, end, request.user).filter(visited=False).order_by("home", "id")
        if request.GET.get("export") == "xlsx":
            return xlsx_response(
                request.user,
                f"老伙伴计划未探访名单{start:%Y%m%d}-{end:%Y%m%d}",
                UNVISITED_COLUMNS,
                (
                    [
                        p.name,
                        p.get_sex_display(),
                        _age(p.birth_date, end),
                        region_label(p.township),
                        region_label(p.home),
                        _reasons(p, very_old_birth),
                        "是" if p.paired else "否",
                    ]
                    for p in unvisited[:EXPORT_LIMIT]
                ),
                region,
            )
        page, query = paginate(request, unvisited)
        for p in page.object_list:
            p.reason_text = _reasons(p, very_old_birth)
            p.age = _age(p.birth_date, end)
            p.village = region_label(p.home)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["export"] = "xlsx"
    return render(
        request,
        "eldercare/community/peer_coverage.html",
        {
            "form": form,
            "report": report,
            "page_obj": page,
            "querystring_without_page": query,
            "export_url": f"?{export_query.urlencode()}" if has_perm(request.user, CorePerm.EXPORT_DATA) else "",
            "chart": {
                "type": "bar",
                "labels": [r["label"] for r in report["rows"]],
                "series": [
                    {"name": "已探访", "values": [r["visited"] for r in report["rows"]]},
                    {"name": "未探访", "values": [r["unvisited"] for r in report["rows"]]},
                ],
                "stack": True,
                "rotate": 30,
                "unit": "人",
            }
            if report
            else None,
            "can_manage": has_perm(request.user, P.MANAGE_PEER),
        },
    )


PAIR_COLUMNS = [
    Column("target", "结对老人", width=10),
    Column("region", "所在村居", width=24),
    Column("volunteer", "志愿者", width=10),
    Column("reasons", "结对原因", width=16),
    Column("started_on", "结对日期", width=12),
    Column("ended_on", "解除日期", width=12),
]
_REASON = {"living_alone": "独居", "very_old": "高龄", "childless": "无子女"}


@require_perm(P.VIEW)
def peer_pair_list(request: AuthedRequest) -> HttpResponse:
    base = PeerPair.objects.visible_to(request.user, P.VIEW).select_related("target", "volunteer")
    return _list_page(
        request,
        title="老伙伴结对",
        filterset_class=PeerPairFilterSet,
        base=base,
        perm=P.VIEW,
        headers=["结对老人", "所在村居", "志愿者", "结对原因", "结对日期", "解除日期"],
        row=lambda p: [
            cell(p.target.name, reverse("eldercare:peer_pair_detail", args=[p.pk])),
            cell(region_label(p.region_id)),
            cell(p.volunteer.name),
            cell(_labels(p.reasons, _REASON)),
            cell(p.started_on),
            cell(p.ended_on),
        ],
        export_columns=PAIR_COLUMNS,
        export_row=lambda p: [
            p.target.name,
            region_label(p.region_id),
            p.volunteer.name,
            _labels(p.reasons, _REASON),
            p.started_on,
            p.ended_on,
        ],
        actions=[
            ("新建结对", reverse("eldercare:peer_pair_create")),
            ("无子女登记", reverse("eldercare:childless_list")),
        ]
        if has_perm(request.user, P.MANAGE_PEER)
        else [],
    )


@require_perm(P.MANAGE_PEER)
def peer_pair_create(request: AuthedRequest) -> HttpResponse:
    form = PeerPairForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            volunteer = find_person(form.cleaned_data["volunteer"], "volunteer")
            target = find_person(form.cleaned_data["target"], "target")
            pair = svc.peer_pair_create(
                volunteer=volunteer, target=target, started_on=form.cleaned_data["started_on"], acting_user=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已结对：{volunteer.name} → {target.name}")
            return redirect("eldercare:peer_pair_detail", pk=pair.pk)
    return _form_page(
        request,
        "新建老伙伴结对",
        form,
        reverse("eldercare:peer_pair_list"),
        intro="结对老人须属于关爱对象：独居（一人户）、高龄或已登记为无子女，且达到年龄下限（政策参数）。",
    )


@require_perm(P.VIEW)
def peer_pair_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    pair = get_visible_or_404(PeerPair.objects.select_related("target", "volunteer"), request.user, P.VIEW, pk=pk)
    can_manage = has_perm(request.user, P.MANAGE_PEER, pair.region_id) and pair.ended_on is None
    return render(
        request,
        "eldercare/community/peer_pair_detail.html",
        {
            "pair": pair,
            "region": region_label(pair.region_id),
            "reasons": _labels(pair.reasons, _REASON),
            "visits": pair.visits.order_by("-visited_on", "-id")[:100],
            "visit_form": PeerVisitForm() if can_manage else None,
            "end_form": EndForm() if can_manage else None,
        },
    )


@require_POST
@require_perm(P.MANAGE_PEER)
def peer_visit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    pair = get_visible_or_404(PeerPair.objects.all(), request.user, P.MANAGE_PEER, pk=pk)
    form = PeerVisitForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"visited_on": ["请填写有效的探访日期和方式"]})
        svc.peer_visit_create(pair=pair, acting_user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已登记探访")
    return redirect("eldercare:peer_pair_detail", pk=pair.pk)


@require_POST
@require_perm(P.MANAGE_PEER)
def peer_pair_end(request: AuthedRequest, pk: int) -> HttpResponse:
    pair = get_visible_or_404(PeerPair.objects.all(), request.user, P.MANAGE_PEER, pk=pk)
    form = EndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"ended_on": ["请填写有效的解除日期"]})
        svc.peer_pair_end(pair=pair, ended_on=form.cleaned_data["ended_on"], acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "已解除结对")
    return redirect("eldercare:peer_pair_detail", pk=pair.pk)


VISIT_COLUMNS = [
    Column("visited_on", "探访日期", width=12),
    Column("target", "探访对象", width=10),
    Column("region", "所在村居", width=24),
    Column("mode", "方式", width=10),
    Column("notes", "探访情况", width=30),
    Column("concern", "发现问题", width=30),
]


@require_perm(P.VIEW)
def peer_visit_list(request: AuthedRequest) -> HttpResponse:
    base = PeerVisit.objects.visible_to(request.user, P.VIEW).select_related("target")
    return _list_page(
        request,
        title="老伙伴探访记录",
        filterset_class=PeerVisitFilterSet,
        base=base,
        perm=P.VIEW,
        headers=["探访日期", "探访对象", "所在村居", "方式", "探访情况", "发现问题"],
        row=lambda v: [
            cell(v.visited_on, reverse("eldercare:peer_pair_detail", args=[v.pair_id])),
            cell(v.target.name),
            cell(region_label(v.region_id)),
            cell(v.get_mode_display()),
            cell(v.notes),
            cell(v.concern),
        ],
        export_columns=VISIT_COLUMNS,
        export_row=lambda v: [
            v.visited_on,
            v.target.name,
            region_label(v.region_id),
            v.get_mode_display(),
            v.notes,
            v.concern,
        ],
        order=("-visited_on", "-id"),
    )


@require_perm(P.VIEW)
def childless_list(request: AuthedRequest) -> HttpResponse:
    form = None
    if has_perm(request.user, P.MANAGE_PEER):
        form = ChildlessForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                person = find_person(form.cleaned_data["person"])
                svc.childless_record_create(
                    person=person,
                    recorded_on=form.cleaned_data["recorded_on"],
                    note=form.cleaned_data["note"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"已登记 {person.name} 为无子女老人")
                return redirect("eldercare:childless_list")
    elif request.method == "POST":
        raise PermissionDenied
    base = ChildlessRecord.objects.visible_to(request.user, P.VIEW).select_related("person")
    filterset = ChildlessRecordFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, P.VIEW)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    page, query = paginate(request, queryset)
    return render(
        request,
        "eldercare/community/childless_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "querystring_without_page": query,
            "records": [(r, region_label(r.region_id)) for r in page.object_list],
            "form": form,
        },
    )


# ------------------------------------------------------------------ home adaptation


ADAPTATION_COLUMNS = [
    Column("number", "申请编号", width=16),
    Column("name", "申请老人", width=10),
    Column("region", "所在村居", width=24),
    Column("category", "补贴类别", width=14),
    Column("status", "状态", width=8),
    Column("applied_on", "申请日期", width=12),
    Column("assessed_on", "评估日期", width=12),
    Column("decided_on", "审批日期", width=12),
    Column("completed_on", "完工日期", width=12),
    Column("total_cost", "改造总费用", width=12),
    Column("subsidy", "补贴金额", width=12),
    Column("self_pay", "个人自付", width=12),
    Column("settled_on", "结算日期", width=12),
]


@require_perm(P.VIEW)
def adaptation_list(request: AuthedRequest) -> HttpResponse:
    base = HomeAdaptation.objects.visible_to(request.user, P.VIEW).select_related("person")
    by_status = dict(base.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    summary = "　".join(f"{label} {by_status[code]}" for code, label in AdaptationStatus.choices if code in by_status)
    return _list_page(
        request,
        title="适老化改造",
        filterset_class=HomeAdaptationFilterSet,
        base=base,
        perm=P.VIEW,
        headers=["申请编号", "申请老人", "所在村居", "补贴类别", "状态", "申请日期", "改造总费用", "补贴金额"],
        row=lambda a: [
            cell(a.number, reverse("eldercare:adaptation_detail", args=[a.pk])),
            cell(a.person.name),
            cell(region_label(a.region_id)),
            cell(a.get_category_display()),
            cell(a.get_status_display()),
            cell(a.applied_on),
            cell(a.total_cost if a.completed_on else None),
            cell(a.subsidy_amount if a.completed_on else None),
        ],
        export_columns=ADAPTATION_COLUMNS,
        export_row=lambda a: [
            a.number,
            a.person.name,
            region_label(a.region_id),
            a.get_category_display(),
            a.get_status_display(),
            a.applied_on,
            a.assessed_on,
            a.decided_on,
            a.completed_on,
            a.total_cost,
            a.subsidy_amount,
            a.self_pay,
            a.settled_on,
        ],
        intro=f"办理情况：{summary}" if summary else "",
        actions=[("受理申请", reverse("eldercare:adaptation_create"))]
        if has_perm(request.user, P.MANAGE_ADAPTATION)
        else [],
    )


@require_perm(P.MANAGE_ADAPTATION)
def adaptation_create(request: AuthedRequest) -> HttpResponse:
    form = AdaptationApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = find_person(form.cleaned_data["person"])
            adaptation = svc.adaptation_apply(
                person=person,
                applied_on=form.cleaned_data["applied_on"],
                needs=form.cleaned_data["needs"],
                address=form.cleaned_data["address"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已受理 {adaptation.number}")
            return redirect("eldercare:adaptation_detail", pk=adaptation.pk)
    return _form_page(request, "受理适老化改造申请", form, reverse("eldercare:adaptation_list"))


ADAPTATION_ACTIONS: dict[str, tuple[Any, str, str]] = {
    # action -> (form class, permission, label)
    "assess": (AssessForm, P.MANAGE_ADAPTATION, "登记评估"),
    "decide": (DecideForm, P.APPROVE_ADAPTATION, "审批"),
    "item": (ItemForm, P.MANAGE_ADAPTATION, "登记改造项目"),
    "complete": (CompleteForm, P.MANAGE_ADAPTATION, "确认完工并计算补贴"),
    "settle": (SettleForm, P.APPROVE_ADAPTATION, "补贴结算"),
    "withdraw": (WithdrawForm, P.MANAGE_ADAPTATION, "撤回申请"),
}
_ACTIONS_BY_STATUS = {
    AdaptationStatus.APPLIED: ["assess", "withdraw"],
    AdaptationStatus.ASSESSED: ["decide", "withdraw"],
    AdaptationStatus.APPROVED: ["item", "complete", "withdraw"],
    AdaptationStatus.COMPLETED: ["settle"],
}


@require_perm(P.VIEW)
def adaptation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    adaptation = get_visible_or_404(HomeAdaptation.objects.select_related("person"), request.user, P.VIEW, pk=pk)
    actions = []
    for action in _ACTIONS_BY_STATUS.get(AdaptationStatus(adaptation.status), []):
        form_class, perm, label = ADAPTATION_ACTIONS[action]
        if has_perm(request.user, perm, adaptation.region_id):
            actions.append({"action": action, "label": label, "form": form_class()})
    history = []
    if has_perm(request.user, CorePerm.VIEW_AUDIT, adaptation.region_id):
        from core.models import AuditEvent

        history = list(
            AuditEvent.objects.filter(object_type="eldercare.homeadaptation", object_id=str(adaptation.pk)).order_by(
                "id"
            )
        )
    return render(
        request,
        "eldercare/community/adaptation_detail.html",
        {
            "a": adaptation,
            "region": region_label(adaptation.region_id),
            "items": adaptation.items.all(),
            "actions": actions,
            "history": history,
            "item_kinds": dict(AdaptationItemKind.choices),
        },
    )


@require_POST
@require_perm(P.VIEW)
def adaptation_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ADAPTATION_ACTIONS:
        from django.http import Http404

        raise Http404
    form_class, perm, label = ADAPTATION_ACTIONS[action]
    if not has_perm(request.user, perm):
        raise PermissionDenied
    adaptation = get_visible_or_404(HomeAdaptation.objects.all(), request.user, perm, pk=pk)
    form = form_class(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([f"{form.fields[f].label}：{'；'.join(e)}" for f, e in form.errors.items()])
        data = form.cleaned_data
        user = request.user
        if action == "assess":
            svc.adaptation_assess(adaptation=adaptation, acting_user=user, **data)
        elif action == "decide":
            svc.adaptation_decide(
                adaptation=adaptation,
                approve=data["decision"] == "approve",
                decided_on=data["decided_on"],
                note=data["decision_note"],
                acting_user=user,
            )
        elif action == "item":
            svc.adaptation_item_add(adaptation=adaptation, acting_user=user, **data)
        elif action == "complete":
            svc.adaptation_complete(adaptation=adaptation, acting_user=user, **data)
        elif action == "settle":
            svc.adaptation_settle(adaptation=adaptation, acting_user=user, **data)
        elif action == "withdraw":
            svc.adaptation_withdraw(adaptation=adaptation, reason=data["decision_note"], acting_user=user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{label}：已完成")
    return redirect("eldercare:adaptation_detail", pk=adaptation.pk)
