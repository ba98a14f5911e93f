"""Pages of cases, the payroll change report, 临时救助 and the assistance dashboard (h3b)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assistance import selectors_cases
from assistance.choices import Addon, CaseStatus, TemporaryGrantKind, TemporaryGrantStatus, TemporaryNeed
from assistance.filtersets_cases import CaseFilterSet, TemporaryGrantFilterSet
from assistance.models import Case, CaseNotice, TemporaryGrant
from assistance.permissions_cases import CasePerm
from assistance.schemes import SCHEME_CATEGORY
from assistance.services import cases as case_services
from assistance.services import temporary as grant_services
from core.audit import audit_in_own_transaction
from core.forms import apply_service_errors
from core.idnumbers import normalize
from core.models import Person, Region
from core.pdf import ChinesePDF
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, grant_prefixes, has_perm
from core.selectors import present_people, region_label
from core.sheets import Column, write_workbook
from core.views.base import AuthedRequest, paginate, region_select, require_perm
from payments.models import PayrollRun
from payments.permissions import PaymentPerm

EXPORT_LIMIT = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _month(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(f"{value[:7]}-01")
    except ValueError:
        return None


# --- Forms ----------------------------------------------------------------------------------


class CaseActionForm(forms.Form):
    action = forms.ChoiceField(
        label="办理事项",
        choices=[("change", "调整救助金"), ("suspend", "停保"), ("resume", "恢复发放"), ("end", "终止救助")],
    )
    reason = forms.CharField(label="原因", max_length=300)
    household_monthly_income = forms.DecimalField(
        label="新的家庭月收入（调整时）", required=False, min_value=Decimal("0"), decimal_places=2
    )
    month = forms.CharField(label="生效/终止月份（YYYY-MM）", required=False, max_length=7)


class TemporaryGrantForm(forms.Form):
    id_number = forms.CharField(label="救助对象身份证号", max_length=20)
    kind = forms.ChoiceField(label="类型", choices=TemporaryGrantKind.choices)
    need = forms.ChoiceField(label="困难类型", choices=TemporaryNeed.choices)
    reason = forms.CharField(label="困难情形", widget=forms.Textarea(attrs={"rows": 3}))
    requested_amount = forms.DecimalField(label="申请金额（元）", min_value=Decimal("0.01"), decimal_places=2)
    granted_amount = forms.DecimalField(
        label="先行救助金额（急难型）", required=False, min_value=Decimal("0.01"), decimal_places=2
    )
    decision_note = forms.CharField(label="先行救助意见（急难型）", required=False, max_length=300)


class GrantDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="结论", choices=[("1", "批准/确认"), ("0", "不予救助/撤销")], coerce=lambda v: v == "1"
    )
    granted_amount = forms.DecimalField(label="核准金额（元）", required=False, min_value=Decimal("0.01"))
    note = forms.CharField(label="意见", required=False, max_length=300)


# --- Cases ----------------------------------------------------------------------------------

CASE_COLUMNS = [
    Column("number", "案件编号", width=24),
    Column("category", "救助类别", width=16),
    Column("status", "状态", width=8),
    Column("payee", "领取人", width=10),
    Column("region", "所在村居", width=30),
    Column("members", "保障人数", width=8),
    Column("income", "家庭月收入", width=12),
    Column("amount", "月救助金", width=12),
    Column("start_month", "起始发放月份", width=12),
    Column("end_month", "终止月份", width=12),
    Column("next_review_due", "下次复核日期", width=12),
]


def _case_rows(queryset: Any) -> Iterator[list[Any]]:
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).select_related("payee").order_by("pk")[:2000])
        if not chunk:
            return
        last = chunk[-1].pk
        for case in chunk:
            yield [
                case.number,
                case.get_category_display(),
                case.get_status_display(),
                case.payee.name,
                region_label(case.region_id),
                case.member_count,
                case.household_monthly_income,
                case.monthly_amount,
                f"{case.start_month:%Y-%m}",
                f"{case.end_month:%Y-%m}" if case.end_month else "",
                case.next_review_due.isoformat() if case.next_review_due else "",
            ]


@require_perm(CasePerm.VIEW_CASE)
def case_list(request: AuthedRequest) -> HttpResponse:
    base = selectors_cases.visible_cases(request.user)
    filterset = CaseFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, CasePerm.VIEW_CASE)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx":
        if not has_perm(request.user, CorePerm.EXPORT_DATA):
            raise Http404
        total = queryset.count()
        if total > EXPORT_LIMIT:
            messages.error(request, f"符合条件的案件有 {total} 件，超过单次导出上限 {EXPORT_LIMIT}，请缩小范围")
            return redirect(f"{request.path}?{request.GET.urlencode().replace('export=xlsx', '')}")
        content = write_workbook([("救助案件", CASE_COLUMNS, _case_rows(queryset))])
        audit_in_own_transaction(
            action="case.export",
            actor=request.user,
            object_type="assistance.case",
            object_repr=f"导出救助案件 {total} 件",
            changes={"filters": request.GET.dict(), "count": total},
        )
        return _xlsx(content, f"救助案件-{datetime.date.today():%Y%m%d}.xlsx")
    page, query = paginate(request, queryset.select_related("payee"))
    rows = [(case, region_label(case.region_id)) for case in page.object_list]
    return render(
        request,
        "assistance/cases/case_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": rows,
            "querystring_without_page": query,
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
            "can_payroll": has_perm(request.user, PaymentPerm.VIEW_PAYROLL),
        },
    )


def _case(request: AuthedRequest, pk: int, perm: str = CasePerm.VIEW_CASE) -> Case:
    return get_visible_or_404(
        Case.objects.select_related("household", "payee", "region", "decided_by"), request.user, perm, pk=pk
    )


@require_perm(CasePerm.VIEW_CASE)
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    members = list(case.members.select_related("person").order_by("id"))
    views = present_people([m.person for m in members], request.user, purpose="救助案件详情")
    addon_labels = dict(Addon.choices)
    member_rows = [
        {
            "view": view,
            "kind": member.get_kind_display(),
            "addons": "、".join(addon_labels.get(a, a) for a in member.addons),
        }
        for member, view in zip(members, views, strict=True)
    ]
    can_manage = has_perm(request.user, CasePerm.MANAGE_CASE, case.region_id)
    return render(
        request,
        "assistance/cases/case_detail.html",
        {
            "case": case,
            "region": region_label(case.region_id),
            "members": member_rows,
            "events": case.events.select_related("acting_user").order_by("-id"),
            "payments": selectors_cases.case_payments(case)[:36],
            "reviews": case.reviews.order_by("-due_date")[:20],  # type: ignore[attr-defined]
            "notices": case.notices.order_by("-id"),
            "can_manage": can_manage and case.status != CaseStatus.ENDED,
            "form": CaseActionForm(),
        },
    )


@require_POST
@require_perm(CasePerm.MANAGE_CASE)
def case_action(request: AuthedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk, CasePerm.MANAGE_CASE)
    form = CaseActionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else ''}：{'；'.join(str(e) for e in errors)}",
            )
        return redirect("assistance:case_detail", pk=case.pk)
    data = form.cleaned_data
    month = _month(data["month"])
    try:
        if data["action"] == "change":
            case_services.case_change_amount(
                case=case,
                reason=data["reason"],
                household_monthly_income=data["household_monthly_income"],
                effective_month=month,
                acting_user=request.user,
            )
            messages.success(request, "已调整救助金并出具告知书")
        elif data["action"] == "suspend":
            case_services.case_suspend(case=case, reason=data["reason"], acting_user=request.user)
            messages.success(request, "已停保并出具告知书")
        elif data["action"] == "resume":
            case_services.case_resume(case=case, reason=data["reason"], acting_user=request.user)
            messages.success(request, "已恢复发放并出具告知书")
        else:
            case_services.case_end(case=case, reason=data["reason"], end_month=month, acting_user=request.user)
            messages.success(request, "已终止救助并出具告知书")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("assistance:case_detail", pk=case.pk)


@require_perm(CasePerm.VIEW_CASE)
def case_notice_pdf(request: AuthedRequest, pk: int, notice_pk: int) -> HttpResponse:
    case = _case(request, pk)
    notice = CaseNotice.objects.filter(case=case, pk=notice_pk).select_related("issued_by").first()
    if notice is None:
        raise Http404
    pdf = ChinesePDF(title=notice.title)
    pdf.add_page()
    pdf.heading(notice.title)
    pdf.key_values(
        [
            ("案件编号", case.number),
            ("救助类别", case.get_category_display()),
            ("领取人", case.payee.name),
            ("所在村居", region_label(case.region_id)),
        ]
    )
    pdf.paragraph(notice.body)
    pdf.paragraph(f"出具日期：{notice.issued_at:%Y年%m月%d日}")
    response = HttpResponse(pdf.to_bytes(), content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(notice.title)}.pdf"
    return response


# --- Payroll change report -----------------------------------------------------------------

CHANGE_COLUMNS = [
    Column("number", "案件编号", width=24),
    Column("payee", "领取人", width=10),
    Column("region", "所在村居", width=30),
    Column("previous", "上月金额", width=12),
    Column("amount", "本月金额", width=12),
    Column("delta", "变动", width=12),
]


@require_perm(PaymentPerm.VIEW_PAYROLL)
def payroll_list(request: AuthedRequest) -> HttpResponse:
    """The assistance payrolls (低保金, 特困供养金) with their totals, reconciliation and links to
    the engine's run page and to the change report by case."""
    runs = (
        PayrollRun.objects.visible_to(request.user, PaymentPerm.VIEW_PAYROLL)
        .filter(scheme__in=list(SCHEME_CATEGORY))
        .select_related("region", "created_by", "approved_by")
        .order_by("-month", "-id")
    )
    page, query = paginate(request, runs)
    return render(
        request,
        "assistance/cases/payroll_list.html",
        {
            "page_obj": page,
            "querystring_without_page": query,
            "can_run": has_perm(request.user, PaymentPerm.RUN_PAYROLL),
        },
    )


@require_perm(PaymentPerm.VIEW_PAYROLL)
def payroll_changes(request: AuthedRequest, run_pk: int) -> HttpResponse:
    run = get_visible_or_404(
        PayrollRun.objects.select_related("region"), request.user, PaymentPerm.VIEW_PAYROLL, pk=run_pk
    )
    if run.scheme not in SCHEME_CATEGORY:
        raise Http404
    rows = selectors_cases.case_amount_changes(run)
    payees = Person.objects.in_bulk([r["case"].payee_id for r in rows])
    table = [
        [
            r["case"].number,
            payees[r["case"].payee_id].name,
            region_label(r["case"].region_id),
            r["previous"] if r["previous"] is not None else Decimal("0.00"),
            r["amount"],
            r["delta"],
        ]
        for r in rows
    ]
    if request.GET.get("export") == "xlsx":
        return _xlsx(
            write_workbook([("金额变动", CHANGE_COLUMNS, table)]),
            f"金额变动-{run.scheme_label}-{run.region.name}-{run.month:%Y%m}.xlsx",
        )
    from django.core.paginator import Paginator

    page = Paginator(list(zip(rows, table, strict=True)), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/cases/payroll_changes.html",
        {
            "run": run,
            "page_obj": page,
            "querystring_without_page": "",
            "total": len(rows),
            "increase": sum(1 for r in rows if r["delta"] > 0),
            "decrease": sum(1 for r in rows if r["delta"] < 0),
        },
    )


# --- 临时救助 -------------------------------------------------------------------------------


GRANT_COLUMNS = [
    Column("number", "编号", width=24),
    Column("kind", "类型", width=20),
    Column("status", "状态", width=16),
    Column("person", "救助对象", width=10),
    Column("region", "所在村居", width=30),
    Column("need", "困难类型", width=16),
    Column("requested", "申请金额", width=12),
    Column("granted", "核准金额", width=12),
    Column("cap", "救助上限", width=12),
    Column("accepted_at", "受理日期", width=12),
    Column("review_due", "补审期限", width=12),
    Column("paid_on", "发放日期", width=12),
]


def _grant_rows(queryset: Any) -> Iterator[list[Any]]:
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).select_related("person").order_by("pk")[:2000])
        if not chunk:
            return
        last = chunk[-1].pk
        for grant in chunk:
            yield [
                grant.number,
                grant.get_kind_display(),
                grant.get_status_display(),
                grant.person.name,
                region_label(grant.region_id),
                grant.get_need_display(),
                grant.requested_amount,
                grant.granted_amount,
                grant.cap_amount,
                f"{grant.accepted_at:%Y-%m-%d}",
                grant.review_due.isoformat() if grant.review_due else "",
                grant.paid_on.isoformat() if grant.paid_on else "",
            ]


@require_perm(CasePerm.VIEW_TEMPORARY)
def temporary_list(request: AuthedRequest) -> HttpResponse:
    base = TemporaryGrant.objects.visible_to(request.user, CasePerm.VIEW_TEMPORARY).select_related("person")
    filterset = TemporaryGrantFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, CasePerm.VIEW_TEMPORARY)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    if request.GET.get("export") == "xlsx":
        if not has_perm(request.user, CorePerm.EXPORT_DATA):
            raise Http404
        total = queryset.count()
        if total > EXPORT_LIMIT:
            messages.error(request, f"符合条件的记录有 {total} 条，超过单次导出上限 {EXPORT_LIMIT}，请缩小范围")
            return redirect(request.path)
        content = write_workbook([("临时救助", GRANT_COLUMNS, _grant_rows(queryset))])
        audit_in_own_transaction(
            action="temporary_grant.export",
            actor=request.user,
            object_type="assistance.temporarygrant",
            object_repr=f"导出临时救助 {total} 条",
            changes={"filters": request.GET.dict(), "count": total},
        )
        return _xlsx(content, f"临时救助-{datetime.date.today():%Y%m%d}.xlsx")
    page, query = paginate(request, queryset)
    today = datetime.date.today()
    rows = [
        (
            grant,
            region_label(grant.region_id),
            grant.status == TemporaryGrantStatus.DECIDED_PENDING_REVIEW
            and grant.review_due is not None
            and grant.review_due < today,
        )
        for grant in page.object_list
    ]
    return render(
        request,
        "assistance/cases/temporary_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": rows,
            "querystring_without_page": query,
            "can_create": has_perm(request.user, CasePerm.DECIDE_TEMPORARY),
            "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
        },
    )


@require_perm(CasePerm.DECIDE_TEMPORARY)
def temporary_create(request: AuthedRequest) -> HttpResponse:
    from core.services.people import id_hash

    form = TemporaryGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = (
            Person.objects.visible_to(request.user, CorePerm.VIEW_PERSON)
            .filter(id_number_hash=id_hash(normalize(data["id_number"])))
            .first()
        )
        if person is None:
            form.add_error("id_number", "在您的管辖范围内没有登记该身份证号的人员，请先在人员登记中建档")
        else:
            try:
                grant = grant_services.temporary_grant_create(
                    person=person,
                    kind=data["kind"],
                    need=data["need"],
                    reason=data["reason"],
                    requested_amount=data["requested_amount"],
                    granted_amount=data["granted_amount"],
                    decision_note=data["decision_note"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"已受理临时救助 {grant.number}")
                return redirect("assistance:temporary_detail", pk=grant.pk)
    return render(request, "assistance/cases/temporary_form.html", {"form": form})


def _grant(request: AuthedRequest, pk: int, perm: str = CasePerm.VIEW_TEMPORARY) -> TemporaryGrant:
    return get_visible_or_404(
        TemporaryGrant.objects.select_related("person", "accepted_by", "decided_by", "reviewed_by", "paid_by"),
        request.user,
        perm,
        pk=pk,
    )


@require_perm(CasePerm.VIEW_TEMPORARY)
def temporary_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    grant = _grant(request, pk)
    user = request.user
    person = present_people([grant.person], user, purpose="临时救助详情")[0]
    return render(
        request,
        "assistance/cases/temporary_detail.html",
        {
            "grant": grant,
            "person": person,
            "region": region_label(grant.region_id),
            "can_decide": grant.status == TemporaryGrantStatus.PENDING
            and grant.accepted_by_id != user.pk
            and has_perm(user, CasePerm.DECIDE_TEMPORARY, grant.region_id),
            "can_review": grant.status == TemporaryGrantStatus.DECIDED_PENDING_REVIEW
            and grant.decided_by_id != user.pk
            and has_perm(user, CasePerm.REVIEW_TEMPORARY, grant.region_id),
            "can_pay": grant.paid_on is None
            and grant.status in grant_services.DECIDED
            and has_perm(user, CasePerm.DECIDE_TEMPORARY, grant.region_id),
            "overdue": grant.status == TemporaryGrantStatus.DECIDED_PENDING_REVIEW
            and grant.review_due is not None
            and grant.review_due < datetime.date.today(),
            "form": GrantDecisionForm(),
        },
    )


def _grant_act(request: AuthedRequest, pk: int, perm: str, action: str) -> HttpResponse:
    grant = _grant(request, pk, perm)
    form = GrantDecisionForm(request.POST)
    try:
        if action == "pay":
            grant_services.temporary_grant_pay(grant=grant, acting_user=request.user)
            messages.success(request, "已登记发放")
        elif not form.is_valid():
            messages.error(request, "请选择结论")
        elif action == "decide":
            grant_services.temporary_grant_decide(
                grant=grant,
                approve=form.cleaned_data["approve"],
                granted_amount=form.cleaned_data["granted_amount"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
            messages.success(request, "已审批")
        else:
            grant_services.temporary_grant_review(
                grant=grant,
                confirm=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
            )
            messages.success(request, "已补审")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("assistance:temporary_detail", pk=grant.pk)


@require_POST
@require_perm(CasePerm.DECIDE_TEMPORARY)
def temporary_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    return _grant_act(request, pk, CasePerm.DECIDE_TEMPORARY, "decide")


@require_POST
@require_perm(CasePerm.REVIEW_TEMPORARY)
def temporary_review(request: AuthedRequest, pk: int) -> HttpResponse:
    return _grant_act(request, pk, CasePerm.REVIEW_TEMPORARY, "review")


@require_POST
@require_perm(CasePerm.DECIDE_TEMPORARY)
def temporary_pay(request: AuthedRequest, pk: int) -> HttpResponse:
    return _grant_act(request, pk, CasePerm.DECIDE_TEMPORARY, "pay")


# --- Dashboard -------------------------------------------------------------------------------


def dashboard_region(user: Any, requested: str | None) -> Region | None:
    """The region the dashboard shows: the one asked for if the user may see it, else the
    broadest region of the user's grants."""
    if requested:
        region = Region.objects.filter(code=requested).first()
        if region is not None and has_perm(user, CasePerm.VIEW_DASHBOARD, region.code):
            return region
        return None
    prefixes = grant_prefixes(user, CasePerm.VIEW_DASHBOARD)
    return Region.objects.filter(code=min(prefixes, key=len)).first() if prefixes else None


@require_perm(CasePerm.VIEW_DASHBOARD)
def dashboard(request: AuthedRequest) -> HttpResponse:
    region = dashboard_region(request.user, request.GET.get("region"))
    if region is None:
        raise Http404
    figures = selectors_cases.dashboard_figures(request.user, region.code)
    months = figures["months"]
    people_chart = {
        "type": "line",
        "labels": months,
        "unit": "人次",
        "series": [{"name": s["label"], "values": s["people"]} for s in figures["series"]],
    }
    money_chart = {
        "type": "bar",
        "labels": months,
        "unit": "元",
        "stack": True,
        "series": [{"name": s["label"], "values": [float(a) for a in s["amount"]]} for s in figures["series"]],
    }
    region_month_chart = {
        "type": "bar",
        "labels": months,
        "unit": "元",
        "stack": True,
        "series": [{"name": r["name"], "values": [float(a) for a in r["amount"]]} for r in figures["by_region_month"]],
    }
    region_chart = {
        "type": "bar",
        "labels": [r["name"] for r in figures["by_region"]],
        "unit": "户",
        "rotate": 30 if len(figures["by_region"]) > 8 else 0,
        "series": [{"name": "在保户数", "values": [r["cases"] for r in figures["by_region"]]}],
    }
    category_chart = {
        "type": "pie",
        "labels": [r["label"] for r in figures["by_category"]],
        "values": [r["people"] for r in figures["by_category"]],
    }
    parent = region.code[: {12: 9, 9: 6}.get(len(region.code), 0)] if len(region.code) > 6 else ""
    return render(
        request,
        "assistance/cases/dashboard.html",
        {
            "region": region,
            "figures": figures,
            "parent": parent if parent and has_perm(request.user, CasePerm.VIEW_DASHBOARD, parent) else "",
            "people_chart": people_chart,
            "money_chart": money_chart,
            "region_chart": region_chart,
            "region_month_chart": region_month_chart,
            "category_chart": category_chart,
        },
    )
