"""Audit trail, policy parameters, working-day calendar, users and role grants."""

from __future__ import annotations

import datetime
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core import services
from core.audit import verify_chain
from core.filtersets import AuditEventFilterSet, PolicyParameterFilterSet
from core.forms import CalendarDayForm, GrantForm, PolicyParameterForm, UserForm, apply_service_errors
from core.models import AuditEvent, CalendarDay, PolicyParameter, Region, Role, RoleGrant, User
from core.permissions import CorePerm
from core.scoping import grant_prefixes, has_perm
from core.selectors import user_regions
from core.views.base import AuthedRequest, paginate, require_perm


@require_perm(CorePerm.VIEW_AUDIT)
def audit_list(request: AuthedRequest) -> HttpResponse:
    base = AuditEvent.objects.visible_to(request.user, CorePerm.VIEW_AUDIT)
    filterset = AuditEventFilterSet(request.GET, queryset=base)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    page, query = paginate(request, queryset, per_page=50)
    return render(
        request, "core/audit_list.html", {"filter": filterset, "page_obj": page, "querystring_without_page": query}
    )


@require_POST
@require_perm(CorePerm.VIEW_AUDIT)
def audit_verify(request: AuthedRequest) -> HttpResponse:
    checked, broken = verify_chain()
    if broken:
        messages.error(request, f"审计链在事件 #{broken.event_id} 处断裂：{broken.reason}（此前 {checked} 条完好）")
    else:
        messages.success(request, f"审计链完好：共 {checked} 条事件")
    return redirect("core:audit_list")


def _policy_regions(user: User) -> list[tuple[str, str]]:
    regions = user_regions(user, CorePerm.CHANGE_POLICY, ("county", "township"))
    return [(r.code, f"{r.name}（{r.code}）") for r in regions]


@require_perm(CorePerm.CHANGE_POLICY)
def policy_list(request: AuthedRequest) -> HttpResponse:
    filterset = PolicyParameterFilterSet(request.GET, queryset=PolicyParameter.objects.select_related("region"))
    queryset = filterset.qs if filterset.is_valid() else PolicyParameter.objects.none()
    page, query = paginate(request, queryset, per_page=50)
    form = PolicyParameterForm(request.POST or None, region_choices=_policy_regions(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = Region.objects.filter(code=data["region"]).first()
        raw = data["value"].strip()
        try:
            value = json.loads(raw) if raw[:1] in "[{" else raw
        except json.JSONDecodeError:
            form.add_error("value", "表格取值不是有效的 JSON")
        else:
            try:
                services.policy_parameter_set(
                    acting_user=request.user,
                    code=data["code"].strip(),
                    name=data["name"].strip(),
                    region=region,  # type: ignore[arg-type]
                    effective_from=data["effective_from"],
                    value=value,
                    unit=data["unit"],
                    source=data["source"],
                    certainty=data["certainty"],
                    note=data["note"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "已新增参数取值")
                return redirect("core:policy_list")
    return render(
        request,
        "core/policy_list.html",
        {"filter": filterset, "page_obj": page, "querystring_without_page": query, "form": form},
    )


@require_perm(CorePerm.CHANGE_POLICY)
def calendar_view(request: AuthedRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year", datetime.date.today().year))
    except ValueError:
        year = datetime.date.today().year
    form = CalendarDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.calendar_day_set(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(f"{request.path}?year={form.cleaned_data['date'].year}")
    days = CalendarDay.objects.filter(date__year=year)
    return render(
        request,
        "core/calendar.html",
        {"year": year, "days": days, "form": form, "years": range(2020, datetime.date.today().year + 2)},
    )


@require_POST
@require_perm(CorePerm.CHANGE_POLICY)
def calendar_delete(request: AuthedRequest, date: str) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(date)
        services.calendar_day_delete(acting_user=request.user, date=day)
    except (ValueError, ValidationError):
        raise Http404 from None
    messages.success(request, f"已删除 {day}")
    return redirect(f"{reverse('core:calendar')}?year={day.year}")


def _grant_region_choices(user: User) -> list[tuple[str, str]]:
    regions = user_regions(user, CorePerm.MANAGE_USERS, ("county", "township", "village"))
    return [(r.code, f"{r.code} {r.full_name or r.name}") for r in regions]


def _managed_users(user: User):  # type: ignore[no-untyped-def]
    """Users holding a grant inside the manager's regions, and users with no grant yet."""
    prefixes = grant_prefixes(user, CorePerm.MANAGE_USERS)
    from django.db.models import Q

    condition = Q(grants__isnull=True)
    for prefix in prefixes:
        condition |= Q(grants__region__code__startswith=prefix)
    return User.objects.filter(condition).distinct()


@require_perm(CorePerm.MANAGE_USERS)
def user_list(request: AuthedRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.user_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已创建用户 {created.username}，请为其授权")
            return redirect("core:user_detail", pk=created.pk)
    users = _managed_users(request.user).order_by("username").prefetch_related("grants__role", "grants__region")
    return render(request, "core/user_list.html", {"users": users, "form": form})


@require_perm(CorePerm.MANAGE_USERS)
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    target = _managed_users(request.user).filter(pk=pk).first()
    if target is None:
        raise Http404
    form = GrantForm(
        request.POST or None,
        role_choices=[(r.code, r.name) for r in Role.objects.all()],
        region_choices=_grant_region_choices(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.role_grant_create(
                acting_user=request.user,
                user=target,
                role=Role.objects.get(code=form.cleaned_data["role"]),
                region=Region.objects.get(code=form.cleaned_data["region"]),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已授权")
            return redirect("core:user_detail", pk=target.pk)
    grants = target.grants.select_related("role", "region")
    return render(request, "core/user_detail.html", {"target": target, "grants": grants, "form": form})


@require_POST
@require_perm(CorePerm.MANAGE_USERS)
def grant_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    grant = RoleGrant.objects.select_related("user").filter(pk=pk).first()
    if grant is None or not has_perm(request.user, CorePerm.MANAGE_USERS, grant.region_id):
        raise Http404
    services.role_grant_revoke(acting_user=request.user, grant=grant)
    messages.success(request, "已撤销授权")
    return redirect("core:user_detail", pk=grant.user_id)
