"""Pages of the care side: 统一需求评估, 老年综合津贴/高龄津贴, 养老床位轮候, 居家照护与喘息服务.

Lists share one template (columns and cells built here) and export the same rows to Excel
with ``?format=xlsx`` (export permission, audited).
"""

from __future__ import annotations

import datetime
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit_in_own_transaction
from core.forms import apply_service_errors
from core.models import Person
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, has_perm, region_filter
from core.selectors import home_region, present_people, region_label
from core.sheets import Column, write_workbook
from core.views.base import AuthedRequest, paginate, region_select, require_perm
from eldercare import services_care as svc
from eldercare.allowance import allowance_queryset
from eldercare.choices_care import AllowanceScheme, ApplicationStatus, CareGrade, OfferStatus, VisitStatus
from eldercare.filtersets_care import (
    AllowancePeopleFilterSet,
    AllowanceSuspensionFilterSet,
    BedApplicationFilterSet,
    CareAssessmentFilterSet,
    HomeCareOrderFilterSet,
)
from eldercare.forms_care import (
    AssessmentForm,
    BedApplicationForm,
    HomeCareOrderForm,
    MonthForm,
    OfferForm,
    OfferReplyForm,
    OrderCloseForm,
    SuspensionEndForm,
    SuspensionForm,
    VisitActionForm,
    VisitForm,
    WithdrawForm,
)
from eldercare.models import (
    AllowanceSuspension,
    Bed,
    BedApplication,
    BedOffer,
    CareAssessment,
    Facility,
    HomeCareOrder,
    HomeCareVisit,
    Residency,
)
from eldercare.permissions_care import CarePerm
from eldercare.policy_care import age_on
from eldercare.selectors_care import (
    grade_counts,
    homecare_month_report,
    respite_used_hours,
    waitlist_queue,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 50_000


@dataclass
class Cell:
    text: Any
    url: str = ""
    num: bool = False
    badge: str = ""


def _cell(value: Any) -> Cell:
    return value if isinstance(value, Cell) else Cell("" if value is None else value)


def _wants_export(request: AuthedRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def _export(request: AuthedRequest, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    if not has_perm(request.user, CorePerm.EXPORT_DATA):
        raise PermissionDenied
    columns = [Column(f"c{i}", h, width=max(10, min(30, len(h) * 3))) for i, h in enumerate(headers)]
    values = [[_cell(c).text for c in row] for row in rows]
    content = write_workbook([(title, columns, values)])
    region = home_region(request.user)
    audit_in_own_transaction(
        action="eldercare.export",
        actor=request.user,
        region_code=region.code if region else "",
        changes={"list": title, "rows": len(values), "query": request.GET.urlencode()},
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{urllib.parse.quote(title)}.xlsx"
    return response


def _list_page(
    request: AuthedRequest,
    *,
    title: str,
    filterset: Any,
    perm: str,
    queryset: QuerySet[Any],
    headers: Sequence[str],
    row: Callable[[Any], Sequence[Any]],
    actions: Sequence[tuple[str, str]] = (),
    post_actions: Sequence[tuple[str, str]] = (),
    summary: Sequence[tuple[str, Any]] = (),
    extra_form: Any = None,
    intro: str = "",
    prepare: Callable[[list[Any]], None] | None = None,
) -> HttpResponse:
    """A filtered, paginated list with the same rows exportable to Excel."""
    if "region" in filterset.form.fields:
        region_select(filterset, request.user, perm)
    if _wants_export(request):
        objects = list(queryset[:EXPORT_LIMIT])
        if prepare:
            prepare(objects)
        return _export(request, title, headers, (row(o) for o in objects))
    page, query = paginate(request, queryset)
    objects = list(page.object_list)
    if prepare:
        prepare(objects)
    export_query = urllib.parse.urlencode({**request.GET.dict(), "format": "xlsx"})
    return render(
        request,
        "eldercare/care/list.html",
        {
            "title": title,
            "intro": intro,
            "filter": filterset,
            "extra_form": extra_form,
            "headers": headers,
            "rows": [[_cell(c) for c in row(o)] for o in objects],
            "page_obj": page,
            "querystring_without_page": query,
            "actions": actions,
            "post_actions": post_actions,
            "summary": summary,
            "export_query": export_query if has_perm(request.user, CorePerm.EXPORT_DATA) else "",
        },
    )


def _form_page(request: AuthedRequest, title: str, form: Any, back: str, intro: str = "") -> HttpResponse:
    return render(request, "eldercare/care/form.html", {"title": title, "form": form, "back": back, "intro": intro})


def _person_link(person: Person) -> Cell:
    return Cell(person.name, reverse("core:person_detail", args=[person.pk]))


def _today() -> datetime.date:
    return timezone.localdate()


# --- 统一需求评估 ---------------------------------------------------------------------------


@require_perm(CarePerm.VIEW_ASSESSMENT)
def assessment_list(request: AuthedRequest) -> HttpResponse:
    base = CareAssessment.objects.visible_to(request.user, CarePerm.VIEW_ASSESSMENT)
    filterset = CareAssessmentFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    today = _today()

    def row(a: CareAssessment) -> list[Any]:
        expired = a.valid_until < today
        due = not expired and a.valid_until <= today + datetime.timedelta(days=60)
        state = (
            Cell("已过期", badge="bad")
            if expired
            else Cell("即将到期", badge="warn")
            if due
            else Cell("有效", badge="ok")
        )
        return [
            Cell(a.person.name, reverse("eldercare:assessment_detail", args=[a.pk])),
            age_on(a.person.birth_date, today),
            region_label(a.region_id),
            a.get_grade_display(),
            a.assessed_on,
            a.valid_until,
            state,
            a.agency,
            a.assessor,
        ]

    actions = [("复评提醒", "?status=due"), ("评估统计", reverse("eldercare:assessment_dashboard"))]
    if has_perm(request.user, CarePerm.CHANGE_ASSESSMENT):
        actions.insert(0, ("登记评估结果", reverse("eldercare:assessment_create")))
    return _list_page(
        request,
        title="统一需求评估",
        filterset=filterset,
        perm=CarePerm.VIEW_ASSESSMENT,
        queryset=queryset.select_related("person").order_by("-assessed_on", "-id"),
        headers=["姓名", "年龄", "所属村居", "照护等级", "评估日期", "有效期至", "状态", "评估机构", "评估员"],
        row=row,
        actions=actions,
        intro="评估结果有效期 2 年、到期前 60 日列入复评提醒（均为政策参数）。",
    )


@require_perm(CarePerm.CHANGE_ASSESSMENT)
def assessment_create(request: AuthedRequest) -> HttpResponse:
    form = AssessmentForm(request.POST or None, user=request.user, perm=CarePerm.CHANGE_ASSESSMENT)
    if request.method == "POST" and form.is_valid() and form.person is not None:
        data = form.cleaned_data
        try:
            assessment = svc.care_assessment_create(
                person=form.person,
                grade=data["grade"],
                assessed_on=data["assessed_on"],
                agency=data["agency"],
                assessor=data["assessor"],
                dimensions=form.dimensions(),
                cognitive_impairment=data["cognitive_impairment"],
                notes=data["notes"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记 {assessment.person.name} 的评估结果：{assessment.get_grade_display()}")
            return redirect("eldercare:assessment_detail", pk=assessment.pk)
    return _form_page(request, "登记统一需求评估结果", form, reverse("eldercare:assessment_list"))


@require_perm(CarePerm.VIEW_ASSESSMENT)
def assessment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    assessment = get_visible_or_404(
        CareAssessment.objects.select_related("person"), request.user, CarePerm.VIEW_ASSESSMENT, pk=pk
    )
    [person] = present_people([assessment.person], request.user, purpose="统一需求评估详情")
    history = CareAssessment.objects.filter(person_id=assessment.person_id).order_by("-assessed_on")
    from eldercare.policy_care import basic_bed_eligible, care_entitlement

    today = _today()
    entitlement = care_entitlement(assessment.grade, assessment.region_id, min(today, assessment.valid_until))
    basic_bed = basic_bed_eligible(
        grade=assessment.grade,
        region_code=assessment.region_id,
        on=today,
        cognitive_impairment=assessment.cognitive_impairment,
    )
    return render(
        request,
        "eldercare/care/assessment_detail.html",
        {
            "assessment": assessment,
            "person": person,
            "history": history,
            "entitlement": entitlement,
            "basic_bed": basic_bed,
            "valid": assessment.valid_until >= today,
        },
    )


@require_perm(CarePerm.VIEW_ASSESSMENT)
def assessment_dashboard(request: AuthedRequest) -> HttpResponse:
    today = _today()
    counts = grade_counts(request.user, today)
    total = sum(c["count"] for c in counts)
    due = CareAssessmentFilterSet(
        {"status": "due"},
        queryset=CareAssessment.objects.visible_to(request.user, CarePerm.VIEW_ASSESSMENT),
        request=request,
    ).qs.count()
    ltci = sum(c["count"] for c in counts if 2 <= c["grade"] <= 6)
    chart = {
        "type": "bar",
        "labels": [c["label"] for c in counts],
        "values": [c["count"] for c in counts],
        "name": "人数",
        "unit": "人",
    }
    pie = {
        "type": "pie",
        "labels": ["正常/一级/其他", "二至三级（轻度）", "四级（中度）", "五至六级（重度）"],
        "values": [
            sum(c["count"] for c in counts if c["grade"] in (CareGrade.NORMAL, CareGrade.ONE, CareGrade.OTHER)),
            sum(c["count"] for c in counts if c["grade"] in (2, 3)),
            sum(c["count"] for c in counts if c["grade"] == 4),
            sum(c["count"] for c in counts if c["grade"] in (5, 6)),
        ],
    }
    return render(
        request,
        "eldercare/care/assessment_dashboard.html",
        {"counts": counts, "total": total, "due": due, "ltci": ltci, "grade_chart": chart, "band_chart": pie},
    )


# --- 津贴 -----------------------------------------------------------------------------------


def _scheme_and_month(request: AuthedRequest) -> tuple[str, datetime.date, MonthForm]:
    scheme = request.GET.get("scheme") or AllowanceScheme.SENIOR.value
    if scheme not in AllowanceScheme.values:
        scheme = AllowanceScheme.SENIOR.value
    form = MonthForm(request.GET or None)
    month = form.month_value() if request.GET.get("month") else _today().replace(day=1)
    return scheme, month, form


@require_perm(CarePerm.VIEW_ALLOWANCE)
def allowance_list(request: AuthedRequest) -> HttpResponse:
    """Who the scheme pays in a month, and how much: the same queryset the payroll engine runs."""
    scheme, month, _ = _scheme_and_month(request)
    region = home_region(request.user)
    code = region.code if region else "31"
    payable, rule = allowance_queryset(scheme, code, month)
    scoped = payable.filter(pk__in=Person.objects.visible_to(request.user, CarePerm.VIEW_ALLOWANCE).values("pk"))
    filterset = AllowancePeopleFilterSet(request.GET, queryset=scoped, request=request)
    queryset = filterset.qs if filterset.is_valid() else scoped.none()
    reference = rule.reference_date(month) if rule else month

    def row(p: Any) -> list[Any]:
        return [
            _person_link(p),
            p.get_sex_display(),
            p.birth_date,
            age_on(p.birth_date, reference),
            region_label(p.hukou_region_id),
            Cell(Decimal(p.pay_amount).quantize(Decimal("0.01")), num=True),
        ]

    label = AllowanceScheme(scheme).label
    # Per band: people and the month's amount (one GROUP BY over the same queryset).
    bands = list(scoped.values("pay_amount").annotate(n=Count("id")).order_by("pay_amount"))  # type: ignore[misc]
    summary: list[tuple[str, Any]] = [
        (f"{Decimal(b['pay_amount']).quantize(Decimal('0.01'))} 元档", f"{b['n']:,} 人") for b in bands
    ]
    total = sum((Decimal(b["pay_amount"]) * b["n"] for b in bands), Decimal("0"))
    summary.append(("合计", f"{sum(b['n'] for b in bands):,} 人 · {total.quantize(Decimal('0.01')):,} 元"))
    intro = (
        f"{label} {month:%Y年%m月}：户籍在本辖区、在世（死亡当月照发）、达到年龄且不在停发名单的老年人；"
        f"年龄按 {reference:%Y-%m-%d} 计算（政策参数：年龄计算口径）。"
        if rule
        else f"{label}不适用于您的辖区（没有该津贴的标准参数）。"
    )
    schemes = [(f"{s.label}", f"?scheme={s.value}&month={month:%Y-%m}") for s in AllowanceScheme]
    return _list_page(
        request,
        title=f"{label}发放名单",
        filterset=filterset,
        perm=CarePerm.VIEW_ALLOWANCE,
        queryset=queryset.order_by("hukou_region_id", "id"),
        headers=["姓名", "性别", "出生日期", "年龄", "户籍村居", "月标准（元）"],
        row=row,
        actions=[
            *schemes,
            ("停发名单", reverse("eldercare:suspension_list")),
            ("发放批次", reverse("payments:run_list")),
        ],
        extra_form=MonthForm(initial={"month": month}),
        summary=summary if rule else [],
        intro=intro,
    )


@require_perm(CarePerm.VIEW_ALLOWANCE)
def suspension_list(request: AuthedRequest) -> HttpResponse:
    base = AllowanceSuspension.objects.visible_to(request.user, CarePerm.VIEW_ALLOWANCE)
    filterset = AllowanceSuspensionFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    can_manage = has_perm(request.user, CarePerm.MANAGE_ALLOWANCE)

    def row(s: AllowanceSuspension) -> list[Any]:
        end = Cell(f"{s.ends_on:%Y-%m}") if s.ends_on else Cell("持续停发", badge="warn")
        return [
            _person_link(s.person),
            region_label(s.region_id),
            s.get_scheme_display(),
            s.get_reason_display(),
            f"{s.starts_on:%Y-%m}",
            end,
            s.note,
            Cell("恢复发放", reverse("eldercare:suspension_end", args=[s.pk])) if can_manage and not s.ends_on else "",
        ]

    actions = [("登记停发", reverse("eldercare:suspension_create"))] if can_manage else []
    return _list_page(
        request,
        title="津贴停发名单",
        filterset=filterset,
        perm=CarePerm.VIEW_ALLOWANCE,
        queryset=queryset.select_related("person").order_by("-starts_on", "-id"),
        headers=["姓名", "所属村居", "津贴项目", "停发原因", "停发起始月", "停发截止月", "说明", ""],
        row=row,
        actions=[*actions, ("发放名单", reverse("eldercare:allowance_list"))],
        intro="停发名单之外的人员按户籍、年龄自动进入发放名单；停发按整月计。",
    )


@require_perm(CarePerm.MANAGE_ALLOWANCE)
def suspension_create(request: AuthedRequest) -> HttpResponse:
    form = SuspensionForm(request.POST or None, user=request.user, perm=CarePerm.MANAGE_ALLOWANCE)
    if request.method == "POST" and form.is_valid() and form.person is not None:
        data = form.cleaned_data
        try:
            svc.allowance_suspension_create(
                person=form.person,
                scheme=data["scheme"],
                reason=data["reason"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记 {form.person.name} 的停发")
            return redirect("eldercare:suspension_list")
    return _form_page(request, "登记津贴停发", form, reverse("eldercare:suspension_list"))


@require_perm(CarePerm.MANAGE_ALLOWANCE)
def suspension_end(request: AuthedRequest, pk: int) -> HttpResponse:
    suspension = get_visible_or_404(
        AllowanceSuspension.objects.select_related("person"), request.user, CarePerm.MANAGE_ALLOWANCE, pk=pk
    )
    form = SuspensionEndForm(request.POST or None, initial={"last_month": _today().replace(day=1)})
    if request.method == "POST" and form.is_valid():
        try:
            svc.allowance_suspension_end(
                suspension=suspension, last_month=form.cleaned_data["last_month"], acting_user=request.user
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{suspension.person.name} 将于 {suspension.ends_on:%Y-%m} 的次月恢复发放")
            return redirect("eldercare:suspension_list")
    return _form_page(
        request,
        f"恢复发放：{suspension.person.name}",
        form,
        reverse("eldercare:suspension_list"),
        "填写最后一个停发的月份",
    )


# --- 床位轮候 -------------------------------------------------------------------------------


def _queue_region(request: AuthedRequest) -> str:
    region = home_region(request.user)
    return region.code if region else "31"


@require_perm(CarePerm.VIEW_WAITLIST)
def waitlist(request: AuthedRequest) -> HttpResponse:
    """The queue: waiting applications in priority order (points, then date of application)."""
    base = BedApplication.objects.visible_to(request.user, CarePerm.VIEW_WAITLIST)
    filterset = BedApplicationFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    queue = waitlist_queue(queryset, _today(), _queue_region(request))
    page_number = max(1, int(request.GET.get("page", "1"))) if request.GET.get("page", "1").isdigit() else 1
    offset = (page_number - 1) * 20

    def row(a: Any) -> list[Any]:
        return [
            Cell(a.number, reverse("eldercare:application_detail", args=[a.pk])),
            _person_link(a.person),
            age_on(a.person.birth_date, _today()),
            region_label(a.region_id),
            a.get_bed_kind_display(),
            dict(CareGrade.choices).get(a.current_grade, "无有效评估"),
            "、".join(
                f for f, flag in (("特困", a.extreme_poverty), ("低保", a.dibao), ("优抚", a.priority_care)) if flag
            ),
            Cell(Decimal(a.points).quantize(Decimal("0.1")), num=True),
            a.applied_on,
        ]

    rank = iter(range(offset + 1, offset + 10_000))

    def ranked(a: Any) -> list[Any]:
        return [next(rank), *row(a)]

    actions = [("全部申请", reverse("eldercare:application_list"))]
    if has_perm(request.user, CarePerm.MANAGE_WAITLIST):
        actions.insert(0, ("登记床位申请", reverse("eldercare:application_create")))
    filterset.form.fields.pop("status", None)
    can_manage = has_perm(request.user, CarePerm.MANAGE_WAITLIST)
    return _list_page(
        request,
        title="养老床位轮候",
        filterset=filterset,
        perm=CarePerm.VIEW_WAITLIST,
        queryset=queue,
        headers=[
            "轮候序号",
            "申请编号",
            "姓名",
            "年龄",
            "户籍村居",
            "床位类型",
            "照护等级",
            "优先对象",
            "积分",
            "申请日期",
        ],
        row=ranked,
        actions=actions,
        post_actions=[("处理逾期未答复的通知", reverse("eldercare:offers_expire"))] if can_manage else [],
        intro="排序：优先积分（特困、低保、优抚、计生特殊家庭、认知障碍、照护等级、年龄，见政策参数）从高到低，同分按申请日期先后。",
    )


@require_POST
@require_perm(CarePerm.MANAGE_WAITLIST)
def offers_expire(request: AuthedRequest) -> HttpResponse:
    """Offers of the user's applications past their reply date count as declined."""
    count = svc.bed_offers_expire(on=_today(), acting_user=request.user)
    messages.success(request, f"已处理逾期未答复的床位通知 {count} 条（视为放弃，申请回到轮候或按上限取消）")
    return redirect("eldercare:waitlist")


@require_perm(CarePerm.VIEW_WAITLIST)
def application_list(request: AuthedRequest) -> HttpResponse:
    base = BedApplication.objects.visible_to(request.user, CarePerm.VIEW_WAITLIST)
    filterset = BedApplicationFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()

    def row(a: BedApplication) -> list[Any]:
        return [
            Cell(a.number, reverse("eldercare:application_detail", args=[a.pk])),
            _person_link(a.person),
            region_label(a.region_id),
            a.get_bed_kind_display(),
            "是" if a.basic_bed else "否",
            a.applied_on,
            Cell(a.get_status_display(), badge="ok" if a.status == ApplicationStatus.ADMITTED else ""),
            a.declines,
            a.closed_on or "",
        ]

    return _list_page(
        request,
        title="养老床位申请",
        filterset=filterset,
        perm=CarePerm.VIEW_WAITLIST,
        queryset=queryset.select_related("person").order_by("-applied_on", "-id"),
        headers=["申请编号", "姓名", "户籍村居", "床位类型", "保基本", "申请日期", "状态", "放弃次数", "办结日期"],
        row=row,
        actions=[("轮候队列", reverse("eldercare:waitlist"))],
    )


def _facilities_for(user: Any) -> QuerySet[Facility]:
    from eldercare.choices import BED_HOLDING_KINDS

    return Facility.objects.filter(kind__in=BED_HOLDING_KINDS).order_by("region_id", "name")


@require_perm(CarePerm.MANAGE_WAITLIST)
def application_create(request: AuthedRequest) -> HttpResponse:
    form = BedApplicationForm(
        request.POST or None, user=request.user, perm=CarePerm.MANAGE_WAITLIST, facilities=_facilities_for(request.user)
    )
    if request.method == "POST" and form.is_valid() and form.person is not None:
        data = form.cleaned_data
        try:
            application = svc.bed_application_create(
                person=form.person,
                applied_on=data["applied_on"],
                bed_kind=data["bed_kind"],
                basic_bed=data["basic_bed"],
                preferred_facilities=list(data["facilities"]),
                extreme_poverty=data["extreme_poverty"],
                dibao=data["dibao"],
                priority_care=data["priority_care"],
                family_planning_special=data["family_planning_special"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已受理床位申请 {application.number}，进入轮候")
            return redirect("eldercare:application_detail", pk=application.pk)
    return _form_page(request, "登记养老床位申请", form, reverse("eldercare:waitlist"))


def _free_beds(application: BedApplication, user: Any) -> QuerySet[Bed]:
    """Free beds the user may offer (facilities inside their scope) that fit the application."""
    occupied = Residency.objects.filter(discharged_on__isnull=True).values("bed_id")
    offered = BedOffer.objects.filter(status=OfferStatus.PENDING).values("bed_id")
    beds = (
        Bed.objects.filter(region_filter(user, CarePerm.MANAGE_WAITLIST, "facility__region__code"))
        .filter(is_active=True, kind=application.bed_kind, facility__status="open")
        .exclude(pk__in=occupied)
        .exclude(pk__in=offered)
    )
    if application.basic_bed:
        beds = beds.filter(is_basic=True)
    preferred = list(application.preferred_facilities.values_list("pk", flat=True))
    if preferred:
        beds = beds.filter(facility_id__in=preferred)
    return beds.select_related("facility").order_by("facility__name", "number")


@require_perm(CarePerm.VIEW_WAITLIST)
def application_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(
        BedApplication.objects.select_related("person", "residency__bed__facility"),
        request.user,
        CarePerm.VIEW_WAITLIST,
        pk=pk,
    )
    [person] = present_people([application.person], request.user, purpose="床位申请详情")
    can_manage = has_perm(request.user, CarePerm.MANAGE_WAITLIST, application.region_id)
    queue_position = None
    if application.status == ApplicationStatus.WAITING:
        ids = list(
            waitlist_queue(
                BedApplication.objects.filter(bed_kind=application.bed_kind), _today(), application.region_id
            ).values_list("pk", flat=True)
        )
        queue_position = ids.index(application.pk) + 1 if application.pk in ids else None
    offers = application.offers.select_related("bed__facility").order_by("-offered_on", "-id")
    return render(
        request,
        "eldercare/care/application_detail.html",
        {
            "application": application,
            "person": person,
            "offers": offers,
            "preferred": application.preferred_facilities.all(),
            "queue_position": queue_position,
            "can_manage": can_manage,
            "offer_form": OfferForm(beds=_free_beds(application, request.user)) if can_manage else None,
            "withdraw_form": WithdrawForm() if can_manage else None,
            "reply_form": OfferReplyForm(),
        },
    )


@require_POST
@require_perm(CarePerm.MANAGE_WAITLIST)
def offer_create(request: AuthedRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(BedApplication.objects.all(), request.user, CarePerm.MANAGE_WAITLIST, pk=pk)
    form = OfferForm(request.POST, beds=Bed.objects.select_related("facility"))
    if form.is_valid():
        try:
            offer = svc.bed_offer_create(
                application=application,
                bed=form.cleaned_data["bed"],
                offered_on=form.cleaned_data["offered_on"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已发床位通知，答复截止 {offer.expires_on:%Y-%m-%d}")
    else:
        messages.error(request, "请选择床位和通知日期")
    return redirect("eldercare:application_detail", pk=application.pk)


@require_POST
@require_perm(CarePerm.MANAGE_WAITLIST)
def offer_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = get_visible_or_404(
        BedOffer.objects.select_related("application", "bed__facility"), request.user, CarePerm.MANAGE_WAITLIST, pk=pk
    )
    form = OfferReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写日期")
        return redirect("eldercare:application_detail", pk=offer.application_id)
    data = form.cleaned_data
    try:
        if data["action"] == "accept":
            svc.bed_offer_accept(offer=offer, admitted_on=data["on"], acting_user=request.user)
            messages.success(request, f"已办理入住：{offer.bed.facility.name} {offer.bed.number}")
        else:
            svc.bed_offer_decline(offer=offer, on=data["on"], reason=data["reason"], acting_user=request.user)
            messages.success(request, "已登记放弃，申请回到轮候队列（放弃次数达到上限的取消轮候）")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("eldercare:application_detail", pk=offer.application_id)


@require_POST
@require_perm(CarePerm.MANAGE_WAITLIST)
def application_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(BedApplication.objects.all(), request.user, CarePerm.MANAGE_WAITLIST, pk=pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            svc.bed_application_withdraw(
                application=application, reason=form.cleaned_data["reason"], on=_today(), acting_user=request.user
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已撤回申请")
    else:
        messages.error(request, "请填写撤回原因")
    return redirect("eldercare:application_detail", pk=application.pk)


# --- 居家照护 -------------------------------------------------------------------------------


@require_perm(CarePerm.VIEW_HOMECARE)
def homecare_list(request: AuthedRequest) -> HttpResponse:
    base = HomeCareOrder.objects.visible_to(request.user, CarePerm.VIEW_HOMECARE)
    filterset = HomeCareOrderFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()

    def row(o: HomeCareOrder) -> list[Any]:
        hours = f"{o.weekly_hours} 小时/周" if o.service == "home_care" else f"{o.yearly_hours} 小时/年"
        return [
            Cell(o.number, reverse("eldercare:homecare_detail", args=[o.pk])),
            _person_link(o.person),
            region_label(o.region_id),
            o.get_service_display(),
            CareGrade(o.grade).label if o.grade in CareGrade.values else o.grade,
            hours,
            o.provider_name,
            o.starts_on,
            o.ends_on or "",
            Cell(o.get_status_display(), badge="ok" if o.status == "active" else ""),
        ]

    actions = [("月度服务统计", reverse("eldercare:homecare_report"))]
    if has_perm(request.user, CarePerm.MANAGE_HOMECARE):
        actions.insert(0, ("新建服务单", reverse("eldercare:homecare_create")))
    return _list_page(
        request,
        title="居家照护与喘息服务",
        filterset=filterset,
        perm=CarePerm.VIEW_HOMECARE,
        queryset=queryset.select_related("person").order_by("-starts_on", "-id"),
        headers=[
            "服务单号",
            "服务对象",
            "所属村居",
            "服务类型",
            "照护等级",
            "待遇时数",
            "服务机构",
            "开始",
            "结束",
            "状态",
        ],
        row=row,
        actions=actions,
    )


@require_perm(CarePerm.MANAGE_HOMECARE)
def homecare_create(request: AuthedRequest) -> HttpResponse:
    form = HomeCareOrderForm(request.POST or None, user=request.user, perm=CarePerm.MANAGE_HOMECARE)
    if request.method == "POST" and form.is_valid() and form.person is not None:
        data = form.cleaned_data
        try:
            order = svc.homecare_order_create(
                person=form.person,
                service=data["service"],
                starts_on=data["starts_on"],
                provider_name=data["provider_name"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已开具服务单 {order.number}")
            return redirect("eldercare:homecare_detail", pk=order.pk)
    return _form_page(
        request, "新建居家照护服务单", form, reverse("eldercare:homecare_list"), "服务时数按开始日期有效的评估等级确定"
    )


@require_perm(CarePerm.VIEW_HOMECARE)
def homecare_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    order = get_visible_or_404(
        HomeCareOrder.objects.select_related("person"), request.user, CarePerm.VIEW_HOMECARE, pk=pk
    )
    month = _today().replace(day=1)
    report = homecare_month_report(HomeCareOrder.objects.filter(pk=order.pk), month)
    can_manage = has_perm(request.user, CarePerm.MANAGE_HOMECARE, order.region_id)
    return render(
        request,
        "eldercare/care/homecare_detail.html",
        {
            "order": order,
            "visits": order.visits.order_by("-scheduled_start")[:100],
            "month": month,
            "report": report[0] if report else None,
            "respite_used": respite_used_hours(order, month.year) if order.service == "respite" else None,
            "can_manage": can_manage and order.status == "active",
            "visit_form": VisitForm(),
            "close_form": OrderCloseForm(),
            "statuses": VisitStatus,
        },
    )


@require_POST
@require_perm(CarePerm.MANAGE_HOMECARE)
def visit_create(request: AuthedRequest, pk: int) -> HttpResponse:
    order = get_visible_or_404(HomeCareOrder.objects.all(), request.user, CarePerm.MANAGE_HOMECARE, pk=pk)
    form = VisitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            svc.homecare_visit_schedule(
                order=order,
                scheduled_start=data["scheduled_start"],
                minutes=data["minutes"],
                caregiver_name=data["caregiver_name"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已排班")
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("eldercare:homecare_detail", pk=order.pk)


@require_POST
@require_perm(CarePerm.MANAGE_HOMECARE)
def visit_action(request: AuthedRequest, pk: int) -> HttpResponse:
    visit = get_visible_or_404(
        HomeCareVisit.objects.select_related("order"), request.user, CarePerm.MANAGE_HOMECARE, pk=pk
    )
    form = VisitActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        at = data["at"] or timezone.now()
        try:
            if data["action"] == "check_in":
                svc.homecare_visit_check_in(visit=visit, at=at, acting_user=request.user)
            elif data["action"] == "check_out":
                svc.homecare_visit_check_out(visit=visit, at=at, services_done=data["text"], acting_user=request.user)
            else:
                svc.homecare_visit_mark_missed(visit=visit, note=data["text"], acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已记录")
    return redirect("eldercare:homecare_detail", pk=visit.order_id)


@require_POST
@require_perm(CarePerm.MANAGE_HOMECARE)
def homecare_close(request: AuthedRequest, pk: int) -> HttpResponse:
    order = get_visible_or_404(HomeCareOrder.objects.all(), request.user, CarePerm.MANAGE_HOMECARE, pk=pk)
    form = OrderCloseForm(request.POST)
    if form.is_valid():
        try:
            svc.homecare_order_close(order=order, ends_on=form.cleaned_data["ends_on"], acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "服务单已结束")
    return redirect("eldercare:homecare_detail", pk=order.pk)


@require_perm(CarePerm.VIEW_HOMECARE)
def homecare_report(request: AuthedRequest) -> HttpResponse:
    """Hours delivered against entitlement per order for a month."""
    form = MonthForm(request.GET or None)
    month = form.month_value() if request.GET.get("month") else _today().replace(day=1)
    base = HomeCareOrder.objects.visible_to(request.user, CarePerm.VIEW_HOMECARE)
    filterset = HomeCareOrderFilterSet(request.GET, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    region_select(filterset, request.user, CarePerm.VIEW_HOMECARE)
    rows = homecare_month_report(queryset, month)
    headers = [
        "服务单号",
        "服务对象",
        "所属村居",
        "服务类型",
        "照护等级",
        "应享时数",
        "排班时数",
        "实际时数",
        "完成率",
        "完成次数",
        "未上门",
        "差额",
    ]

    def cells(r: Any) -> list[Any]:
        o = r.order
        return [
            Cell(o.number, reverse("eldercare:homecare_detail", args=[o.pk])),
            o.person.name,
            region_label(o.region_id),
            o.get_service_display(),
            o.grade,
            Cell(r.entitled_hours, num=True),
            Cell(r.scheduled_hours, num=True),
            Cell(r.delivered_hours, num=True),
            Cell(f"{r.percent}%", num=True, badge="ok" if r.percent >= 90 else "warn"),
            Cell(r.visits_done, num=True),
            Cell(r.visits_missed, num=True),
            Cell(r.shortfall, num=True),
        ]

    if _wants_export(request):
        return _export(request, f"居家照护服务统计{month:%Y%m}", headers, (cells(r) for r in rows))
    totals = {
        "entitled": sum((r.entitled_hours for r in rows), Decimal("0")),
        "delivered": sum((r.delivered_hours for r in rows), Decimal("0")),
        "orders": len(rows),
    }
    return render(
        request,
        "eldercare/care/homecare_report.html",
        {
            "filter": filterset,
            "month_form": MonthForm(initial={"month": month}),
            "month": month,
            "headers": headers,
            "rows": [cells(r) for r in rows],
            "totals": totals,
            "export_query": urllib.parse.urlencode({**request.GET.dict(), "format": "xlsx"})
            if has_perm(request.user, CorePerm.EXPORT_DATA)
            else "",
        },
    )
