"""Web pages of 救助顾问 case plans (一户一方案)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import forms_applications as f
from assistance.filtersets_applications import CasePlanFilterSet
from assistance.models import Case, CasePlan
from assistance.permissions import AssistancePerm
from assistance.selectors_applications import case_plans_visible, plan_items_due
from assistance.services import case_plans as svc
from assistance.services.case_plans import NEED_AREAS
from core.forms import apply_service_errors
from core.models import Household
from core.scoping import get_visible_or_404, has_perm
from core.selectors import region_label
from core.views.base import AuthedRequest, paginate, region_select, require_perm


@require_perm(AssistancePerm.VIEW_CASE_PLAN)
def plan_list(request: AuthedRequest) -> HttpResponse:
    base = case_plans_visible(request.user)
    filterset = CasePlanFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, AssistancePerm.VIEW_CASE_PLAN)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    page, query = paginate(request, queryset)
    rows = [{"plan": p, "region": region_label(p.region_id)} for p in page.object_list]
    return render(
        request,
        "assistance/plan_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": rows,
            "querystring_without_page": query,
            "due_items": plan_items_due(request.user)[:50],
            "can_manage": has_perm(request.user, AssistancePerm.MANAGE_CASE_PLAN),
        },
    )


@require_perm(AssistancePerm.MANAGE_CASE_PLAN)
def plan_create(request: AuthedRequest) -> HttpResponse:
    number = (request.POST.get("household_number") or request.GET.get("household_number") or "").strip()
    household = None
    if number:
        household = (
            Household.objects.visible_to(request.user, AssistancePerm.MANAGE_CASE_PLAN).filter(number=number).first()
        )
    form = f.PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if household is None:
            form.add_error(None, "请填写您辖区内的户编号")
        else:
            case = Case.objects.filter(household=household, status__in=["active", "suspended"]).first()
            try:
                plan = svc.case_plan_open(
                    household=household,
                    case=case,
                    needs=form.needs(),
                    summary=form.cleaned_data["summary"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "救助方案已建立")
                return redirect("assistance:plan_detail", plan.pk)
    return render(request, "assistance/plan_form.html", {"form": form, "household_number": number})


def _plan(request: AuthedRequest, pk: int, perm: str) -> CasePlan:
    return get_visible_or_404(
        CasePlan.objects.select_related("household", "case", "advisor"), request.user, perm, pk=pk
    )


@require_perm(AssistancePerm.VIEW_CASE_PLAN)
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk, AssistancePerm.VIEW_CASE_PLAN)
    return _render(request, plan)


def _render(request: AuthedRequest, plan: CasePlan, **forms: object) -> HttpResponse:
    can_manage = has_perm(request.user, AssistancePerm.MANAGE_CASE_PLAN, plan.region_id)
    return render(
        request,
        "assistance/plan_detail.html",
        {
            "plan": plan,
            "region": region_label(plan.region_id),
            "needs": [(NEED_AREAS[k], v) for k, v in plan.needs.items() if k in NEED_AREAS],
            "items": plan.items.all(),
            "today": timezone.localdate(),
            "can_manage": can_manage and plan.status == "open",
            "item_form": forms.get("item_form") or f.PlanItemForm(),
            "done_form": forms.get("done_form") or f.PlanItemDoneForm(),
            "close_form": forms.get("close_form") or f.PlanCloseForm(),
        },
        status=400 if forms else 200,
    )


@require_POST
@login_required
def plan_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if not has_perm(request.user, AssistancePerm.MANAGE_CASE_PLAN):
        raise PermissionDenied
    plan = _plan(request, pk, AssistancePerm.MANAGE_CASE_PLAN)
    try:
        if action == "item":
            form = f.PlanItemForm(request.POST)
            if form.is_valid():
                svc.case_plan_item_add(plan=plan, acting_user=request.user, **form.cleaned_data)
            else:
                return _render(request, plan, item_form=form)
        elif action == "done":
            form = f.PlanItemDoneForm(request.POST)
            item = plan.items.filter(pk=request.POST.get("item") or 0).first()
            if item is None:
                raise Http404("未找到该事项")
            if form.is_valid():
                svc.case_plan_item_complete(item=item, acting_user=request.user, **form.cleaned_data)
            else:
                return _render(request, plan, done_form=form)
        elif action == "close":
            form = f.PlanCloseForm(request.POST)
            if form.is_valid():
                svc.case_plan_close(plan=plan, note=form.cleaned_data["note"], acting_user=request.user)
            else:
                return _render(request, plan, close_form=form)
        else:
            raise Http404("未知操作")
    except ValidationError as exc:
        apply_service_errors(form, exc)
        key = {"item": "item_form", "done": "done_form", "close": "close_form"}[action]
        return _render(request, plan, **{key: form})
    messages.success(request, "已保存")
    return redirect("assistance:plan_detail", plan.pk)
