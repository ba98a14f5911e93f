from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors
from core.models import Person, Region
from core.permissions import CorePerm
from core.scoping import get_visible_or_404, has_perm
from core.selectors import region_label, user_regions
from core.views.base import AuthedRequest, paginate, require_perm
from payments import selectors, services
from payments.filtersets import PaymentFilterSet, PayrollRunFilterSet
from payments.forms import AccountForm, ReturnUploadForm, RunCreateForm
from payments.models import PayeeAccount, PayrollRun
from payments.permissions import PaymentPerm


def _region_choices(request: AuthedRequest) -> list[tuple[str, str]]:
    regions = user_regions(request.user, PaymentPerm.RUN_PAYROLL, ("county", "township"))
    return [(r.code, f"{r.name}（{r.code}）") for r in regions]


@require_perm(PaymentPerm.VIEW_PAYROLL)
def run_list(request: AuthedRequest) -> HttpResponse:
    base = PayrollRun.objects.visible_to(request.user, PaymentPerm.VIEW_PAYROLL).select_related(
        "region", "created_by", "approved_by"
    )
    filterset = PayrollRunFilterSet(request.GET, queryset=base)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    page, query = paginate(request, queryset)
    can_run = has_perm(request.user, PaymentPerm.RUN_PAYROLL)
    form = RunCreateForm(request.POST or None, region_choices=_region_choices(request)) if can_run else None
    if request.method == "POST" and form is not None and form.is_valid():
        region = Region.objects.get(code=form.cleaned_data["region"])
        try:
            run = services.payroll_run_create(
                scheme=form.cleaned_data["scheme"],
                region=region,
                month=form.cleaned_data["month"],
                acting_user=request.user,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "已开始生成发放批次")
            return redirect("payments:run_detail", pk=run.pk)
    return render(
        request,
        "payments/run_list.html",
        {"filter": filterset, "page_obj": page, "querystring_without_page": query, "form": form},
    )


def _run(request: AuthedRequest, pk: int, perm: str = PaymentPerm.VIEW_PAYROLL) -> PayrollRun:
    return get_visible_or_404(
        PayrollRun.objects.select_related("region", "job", "created_by", "approved_by"), request.user, perm, pk=pk
    )


@require_perm(PaymentPerm.VIEW_PAYROLL)
def run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    payments = run.payments.select_related("person").order_by("id")
    filterset = PaymentFilterSet(request.GET, queryset=payments)
    page, query = paginate(request, filterset.qs if filterset.is_valid() else payments.none(), per_page=50)
    user = request.user
    context = {
        "run": run,
        "filter": filterset,
        "page_obj": page,
        "querystring_without_page": query,
        "rows": [(p, region_label(p.region_code)) for p in page.object_list],
        "summary": selectors.change_summary(run) if run.status != "computing" else {"previous": None},
        "can_approve": run.status == "computed"
        and run.created_by_id != user.pk
        and has_perm(user, PaymentPerm.APPROVE_PAYROLL, run.region_id),
        "can_export": run.status in ("approved", "exported")
        and has_perm(user, PaymentPerm.EXPORT_BANK_FILE, run.region_id),
        "can_return": run.status in ("exported", "reconciled")
        and has_perm(user, PaymentPerm.EXPORT_BANK_FILE, run.region_id),
        "can_reissue": run.failed_count > 0 and has_perm(user, PaymentPerm.RUN_PAYROLL, run.region_id),
        "can_resume": run.status in ("computing", "failed") and has_perm(user, PaymentPerm.RUN_PAYROLL, run.region_id),
        "return_form": ReturnUploadForm(),
        "reissues": run.reissues.all(),
    }
    template = "payments/run_detail.html#status" if request.headers.get("HX-Request") else "payments/run_detail.html"
    return render(request, template, context)


def _act(request: AuthedRequest, pk: int, perm: str, action: str) -> HttpResponse:
    run = _run(request, pk, perm)
    try:
        if action == "approve":
            services.payroll_run_approve(run=run, acting_user=request.user)
            messages.success(request, "已审核通过")
        elif action == "export":
            job = services.payroll_run_export(run=run, acting_user=request.user)
            messages.success(request, "出盘文件生成中")
            return redirect("core:job_detail", pk=job.pk)
        elif action == "reissue":
            reissue = services.payroll_reissue_create(run=run, acting_user=request.user)
            messages.success(request, f"已生成补发批次（{reissue.total_count} 笔），请审核")
            return redirect("payments:run_detail", pk=reissue.pk)
        elif action == "resume":
            services.payroll_run_resume(run=run, acting_user=request.user)
            messages.success(request, "已重新开始生成，已生成的记录不会重复")
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("payments:run_detail", pk=run.pk)


@require_POST
@require_perm(PaymentPerm.APPROVE_PAYROLL)
def run_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, PaymentPerm.APPROVE_PAYROLL, "approve")


@require_POST
@require_perm(PaymentPerm.EXPORT_BANK_FILE)
def run_export(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, PaymentPerm.EXPORT_BANK_FILE, "export")


@require_POST
@require_perm(PaymentPerm.RUN_PAYROLL)
def run_reissue(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, PaymentPerm.RUN_PAYROLL, "reissue")


@require_POST
@require_perm(PaymentPerm.RUN_PAYROLL)
def run_resume(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, PaymentPerm.RUN_PAYROLL, "resume")


@require_POST
@require_perm(PaymentPerm.EXPORT_BANK_FILE)
def run_return(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk, PaymentPerm.EXPORT_BANK_FILE)
    form = ReturnUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择回盘文件")
        return redirect("payments:run_detail", pk=run.pk)
    upload = form.cleaned_data["file"]
    try:
        job = services.bank_return_start(run=run, file=upload, name=upload.name, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("payments:run_detail", pk=run.pk)
    return redirect("core:job_detail", pk=job.pk)


@require_perm(PaymentPerm.VIEW_PAYROLL)
def run_changes(request: AuthedRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    page, query = paginate(request, selectors.amount_changes(run), per_page=50)
    return render(
        request, "payments/run_changes.html", {"run": run, "page_obj": page, "querystring_without_page": query}
    )


@require_perm(PaymentPerm.MANAGE_ACCOUNTS)
def account_edit(request: AuthedRequest, person_pk: int) -> HttpResponse:
    person = get_visible_or_404(Person.objects.all(), request.user, CorePerm.VIEW_PERSON, pk=person_pk)
    account = PayeeAccount.objects.filter(person=person).first()
    form = AccountForm(request.POST or None, initial={"bank_name": account.bank_name if account else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.payee_account_set(person=person, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, "收款账户已保存")
            return redirect("core:person_detail", pk=person.pk)
    return render(request, "payments/account_form.html", {"form": form, "person": person, "account": account})
