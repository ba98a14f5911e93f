from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core import exports, services
from core.audit import audit_in_own_transaction
from core.filtersets import PersonFilterSet
from core.forms import DeathForm, PersonForm, apply_service_errors
from core.idnumbers import mask_id_number
from core.job_handlers import PERSON_EXPORT
from core.models import AuditEvent, Person
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, has_perm
from core.selectors import home_region, may_unmask, present_people, region_choices, region_path
from core.services.people import mask_phone
from core.views.base import AuthedRequest, paginate, region_select, require_perm


@require_perm(CorePerm.VIEW_PERSON)
def person_list(request: AuthedRequest) -> HttpResponse:
    base = Person.objects.visible_to(request.user, CorePerm.VIEW_PERSON)
    filterset = PersonFilterSet(request.GET, queryset=base, request=request)
    region_select(filterset, request.user, CorePerm.VIEW_PERSON)
    queryset = filterset.qs.order_by("-id") if filterset.is_valid() else base.none()
    page, query = paginate(request, queryset)
    context = {
        "filter": filterset,
        "page_obj": page,
        "people": present_people(page.object_list, request.user, purpose="人员列表"),
        "querystring_without_page": query,
        "can_create": has_perm(request.user, CorePerm.CHANGE_PERSON),
        "can_export": has_perm(request.user, CorePerm.EXPORT_DATA),
        "can_import": has_perm(request.user, CorePerm.IMPORT_DATA),
    }
    template = "core/person_list.html#results" if request.headers.get("HX-Request") else "core/person_list.html"
    return render(request, template, context)


@require_perm(CorePerm.VIEW_PERSON)
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(
        Person.objects.select_related("hukou_region", "residence_region"), request.user, CorePerm.VIEW_PERSON, pk=pk
    )
    view = present_people([person], request.user, purpose="人员详情")[0]
    history = []
    if has_perm(request.user, CorePerm.VIEW_AUDIT, person.hukou_region_id):
        history = list(AuditEvent.objects.filter(object_type="core.person", object_id=str(person.pk))[:20])
    return render(
        request,
        "core/person_detail.html",
        {
            "person": person,
            "view": view,
            "path": region_path(person.hukou_region_id),
            "history": history,
            "can_change": has_perm(request.user, CorePerm.CHANGE_PERSON, person.hukou_region_id)
            or bool(
                person.residence_region_id
                and has_perm(request.user, CorePerm.CHANGE_PERSON, person.residence_region_id)
            ),
            "death_form": DeathForm(),
        },
    )


@require_perm(CorePerm.CHANGE_PERSON)
def person_create(request: AuthedRequest) -> HttpResponse:
    choices = region_choices(request.user, CorePerm.CHANGE_PERSON)
    form = PersonForm(request.POST or None, region_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            data = services.clean_person_input(**form.cleaned_data)
            person = services.person_create(acting_user=request.user, data=data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"已登记：{person.name}")
            return redirect("core:person_detail", pk=person.pk)
    return render(request, "core/person_form.html", {"form": form, "title": "登记人员"})


@require_perm(CorePerm.CHANGE_PERSON)
def person_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.all(), request.user, CorePerm.CHANGE_PERSON, pk=pk)
    choices = region_choices(request.user, CorePerm.CHANGE_PERSON)
    # Staff without "view sensitive" edit without seeing the numbers: the fields start empty
    # (showing the masked value) and an empty field keeps the stored number.
    reveal = may_unmask(request.user, person)
    if request.method == "POST":
        form = PersonForm(request.POST, region_choices=choices)
        if form.is_valid():
            fields = dict(form.cleaned_data)
            fields["id_number"] = fields["id_number"] or person.id_number
            if not reveal:
                fields["phone"] = fields["phone"] or person.phone
            try:
                data = services.clean_person_input(**fields, death_date=person.death_date)
                services.person_update(person=person, acting_user=request.user, data=data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "已保存")
                return redirect("core:person_detail", pk=person.pk)
    else:
        initial = {
            "name": person.name,
            "hukou_region": person.hukou_region_id,
            "residence_region": person.residence_region_id or "",
            "address": person.address,
        }
        if reveal:
            audit_in_own_transaction(
                action="person.sensitive_read",
                actor=request.user,
                obj=person,
                region_code=person.hukou_region_id,
                changes={"purpose": "修改人员信息", "person_ids": [person.pk]},
            )
            initial.update(id_number=person.id_number, phone=person.phone)
        form = PersonForm(initial=initial, region_choices=choices)
    if not reveal:
        form.fields["id_number"].widget.attrs["placeholder"] = mask_id_number(person.id_number)
        form.fields["id_number"].help_text = "留空表示不修改"
        form.fields["phone"].widget.attrs["placeholder"] = mask_phone(person.phone) if person.phone else ""
        form.fields["phone"].help_text = "留空表示不修改"
    form.fields["id_number"].widget.attrs.pop("required", None)
    return render(
        request, "core/person_form.html", {"form": form, "title": f"修改人员信息：{person.name}", "person": person}
    )


@require_perm(CorePerm.CHANGE_PERSON)
def person_death(request: AuthedRequest, pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.all(), request.user, CorePerm.CHANGE_PERSON, pk=pk)
    form = DeathForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_mark_dead(
                person=person, death_date=form.cleaned_data["death_date"], acting_user=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"已登记 {person.name} 死亡")
    elif request.method == "POST":
        messages.error(request, "请填写有效的死亡日期")
    return redirect("core:person_detail", pk=person.pk)


@require_perm(CorePerm.EXPORT_DATA)
def person_export(request: AuthedRequest) -> HttpResponse:
    qs = exports.person_export_queryset(request.user, request.GET)
    if qs is None:
        messages.error(request, "筛选条件无效，无法导出")
        return redirect("core:person_list")
    total = qs.count()
    if total > exports.EXPORT_SYNC_LIMIT:
        region = home_region(request.user)
        assert region is not None
        job = services.job_create(
            kind=PERSON_EXPORT,
            title=f"导出人员名单（{total} 人）",
            acting_user=request.user,
            region=region,
            params={"query": request.GET.urlencode()},
        )
        messages.info(request, f"共 {total} 人，已转为后台任务导出，完成后可在此下载")
        return redirect("core:job_detail", pk=job.pk)
    content, _ = exports.person_export_workbook(request.user, request.GET)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%90%8D%E5%8D%95.xlsx"
    return response
