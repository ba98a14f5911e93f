from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import services
from core.filtersets import HouseholdFilterSet, PersonFilterSet
from core.forms import HouseholdForm, MemberForm, MoveForm, SetHeadForm, apply_service_errors
from core.models import AuditEvent, Household, HouseholdMember, Person, Region
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, has_perm
from core.selectors import present_people, region_choices, region_label
from core.views.base import AuthedRequest, paginate, region_select, require_perm


@require_perm(CorePerm.VIEW_HOUSEHOLD)
def household_list(request: AuthedRequest) -> HttpResponse:
    base = Household.objects.visible_to(request.user, CorePerm.VIEW_HOUSEHOLD)
    filterset = HouseholdFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, CorePerm.VIEW_HOUSEHOLD)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    page, query = paginate(
        request,
        queryset.prefetch_related(Prefetch("members", queryset=HouseholdMember.objects.select_related("person"))),
    )
    households = list(page.object_list)
    heads = {m.household_id: m.person for h in households for m in h.members.all() if m.relation == "head"}
    rows = [
        {"household": h, "region": region_label(h.region_id), "head": heads.get(h.pk), "size": len(h.members.all())}
        for h in households
    ]
    return render(
        request,
        "core/household_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": rows,
            "querystring_without_page": query,
            "can_create": has_perm(request.user, CorePerm.CHANGE_HOUSEHOLD),
        },
    )


def _household(request: AuthedRequest, pk: int, perm: str) -> Household:
    return get_visible_or_404(Household.objects.select_related("region"), request.user, perm, pk=pk)


@require_perm(CorePerm.VIEW_HOUSEHOLD)
def household_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    household = _household(request, pk, CorePerm.VIEW_HOUSEHOLD)
    people = [m.person for m in household.members.select_related("person").order_by("id")]
    members = present_people(people, request.user, purpose="家庭户详情")
    can_change = has_perm(request.user, CorePerm.CHANGE_HOUSEHOLD, household.region_id)
    history = []
    if has_perm(request.user, CorePerm.VIEW_AUDIT, household.region_id):
        history = list(AuditEvent.objects.filter(object_type="core.household", object_id=str(household.pk))[:30])
    return render(
        request,
        "core/household_detail.html",
        {
            "household": household,
            "members": members,
            "can_change": can_change,
            "member_form": MemberForm(),
            "move_form": MoveForm(),
            "head_form": SetHeadForm(),
            "history": history,
        },
    )


@require_perm(CorePerm.CHANGE_HOUSEHOLD)
def household_create(request: AuthedRequest) -> HttpResponse:
    choices = region_choices(request.user, CorePerm.CHANGE_HOUSEHOLD)
    head_id = request.POST.get("head") or request.GET.get("head")
    head = None
    if head_id:
        head = (
            Person.objects.visible_to(request.user, CorePerm.VIEW_PERSON).filter(pk=head_id).first()
            if str(head_id).isdigit()
            else None
        )
        if head is None:
            raise Http404
    initial = {
        "head": head.pk if head else None,
        "region": (head.residence_region_id or head.hukou_region_id) if head else "",
    }
    form = HouseholdForm(request.POST or None, initial=initial, region_choices=choices)
    if request.method == "POST" and form.is_valid() and head is not None:
        region = Region.objects.filter(code=form.cleaned_data["region"]).first()
        try:
            if region is None:
                raise ValidationError({"region": ["请选择村/居委会"]})
            household = services.household_create(
                acting_user=request.user,
                region=region,
                head=head,
                address=form.cleaned_data["address"] or head.address,
                number=form.cleaned_data["number"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已建户 {household.number}")
            return redirect("core:household_detail", pk=household.pk)
    return render(request, "core/household_form.html", {"form": form, "head": head})


@require_perm(CorePerm.CHANGE_HOUSEHOLD)
def household_candidates(request: AuthedRequest, pk: int) -> HttpResponse:
    """htmx: people in scope who belong to no household, matching the search box."""
    household = _household(request, pk, CorePerm.CHANGE_HOUSEHOLD)
    base = Person.objects.visible_to(request.user, CorePerm.VIEW_PERSON).filter(
        membership__isnull=True, death_date__isnull=True
    )
    filterset = PersonFilterSet({"q": request.GET.get("q", "")}, queryset=base)
    people = list(filterset.qs.order_by("name")[:10]) if request.GET.get("q", "").strip() else []
    return render(
        request,
        "core/household_detail.html#candidates",
        {
            "household": household,
            "candidates": present_people(people, request.user, purpose="入户候选"),
            "member_form": MemberForm(),
        },
    )


@require_POST
@require_perm(CorePerm.CHANGE_HOUSEHOLD)
def household_add_member(request: AuthedRequest, pk: int) -> HttpResponse:
    household = _household(request, pk, CorePerm.CHANGE_HOUSEHOLD)
    form = MemberForm(request.POST)
    if form.is_valid():
        person = get_visible_or_404(
            Person.objects.all(), request.user, CorePerm.VIEW_PERSON, pk=form.cleaned_data["person"]
        )
        try:
            services.household_add_member(
                acting_user=request.user, household=household, person=person, relation=form.cleaned_data["relation"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"{person.name} 已加入本户")
    else:
        messages.error(request, "请选择人员和与户主关系")
    return redirect("core:household_detail", pk=household.pk)


@require_POST
@require_perm(CorePerm.CHANGE_HOUSEHOLD)
def household_remove_member(request: AuthedRequest, pk: int, person_pk: int) -> HttpResponse:
    household = _household(request, pk, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), request.user, CorePerm.VIEW_PERSON, pk=person_pk)
    try:
        services.household_remove_member(
            acting_user=request.user, household=household, person=person, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{person.name} 已移出本户")
    return redirect("core:household_detail", pk=household.pk)


@require_POST
@require_perm(CorePerm.CHANGE_HOUSEHOLD)
def household_set_head(request: AuthedRequest, pk: int, person_pk: int) -> HttpResponse:
    household = _household(request, pk, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), request.user, CorePerm.VIEW_PERSON, pk=person_pk)
    form = SetHeadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择原户主的新关系")
        return redirect("core:household_detail", pk=household.pk)
    try:
        services.household_set_head(
            acting_user=request.user,
            household=household,
            person=person,
            former_head_relation=form.cleaned_data["former_head_relation"],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{person.name} 已设为户主")
    return redirect("core:household_detail", pk=household.pk)


@require_POST
@require_perm(CorePerm.CHANGE_HOUSEHOLD)
def household_move_member(request: AuthedRequest, pk: int, person_pk: int) -> HttpResponse:
    household = _household(request, pk, CorePerm.CHANGE_HOUSEHOLD)
    person = get_visible_or_404(Person.objects.all(), request.user, CorePerm.VIEW_PERSON, pk=person_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写迁入户编号和关系")
        return redirect("core:household_detail", pk=household.pk)
    target = (
        Household.objects.visible_to(request.user, CorePerm.CHANGE_HOUSEHOLD)
        .filter(number=form.cleaned_data["to_household"].strip())
        .first()
    )
    if target is None:
        messages.error(request, f"未找到户编号 {form.cleaned_data['to_household']}（或不在您的管辖范围内）")
        return redirect("core:household_detail", pk=household.pk)
    try:
        if not household.members.filter(person=person).exists():
            raise ValidationError(f"{person.name} 不是本户成员")
        services.household_move_member(
            acting_user=request.user, person=person, to_household=target, relation=form.cleaned_data["relation"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("core:household_detail", pk=household.pk)
    messages.success(request, f"{person.name} 已迁入户 {target.number}")
    return redirect("core:household_detail", pk=target.pk)
