"""API of economic verification and reviews: the same services, scoped querysets and FilterSets
as the pages, so an external system can load extracts, verify households and work reviews."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Form, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from assistance import selectors_verification as sel
from assistance.choices import Category
from assistance.choices_verification import FactSource
from assistance.filtersets_verification import FactBatchFilterSet, ReportFilterSet, ReviewFilterSet
from assistance.imports_verification import FACT_COLUMNS, read_table
from assistance.job_handlers_verification import FACT_IMPORT_VALIDATE
from assistance.models import FactBatch, Review, VerificationReport
from assistance.permissions_verification import VerificationPerm as P
from assistance.selectors_verification import report_summary
from assistance.services_reviews import review_cancel, review_decide, review_verification_start, reviews_schedule
from assistance.services_verification import verification_start
from assistance.views.verification import fact_import_start
from core import services as core_services
from core.api import JobOut, _filtered, _job_out, _page, _require
from core.models import Household, Job, Region
from core.policy import MissingPolicyParameter
from core.scoping import get_visible_or_404
from core.sheets import SheetError

router = Router(tags=["经济状况核对与复核"])


class FactBatchOut(Schema):
    id: int
    source_kind: str
    title: str
    region: str
    row_count: int
    duplicate_count: int
    matched_count: int
    created_at: datetime.datetime


class FactBatchPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[FactBatchOut]


def _batch_out(b: FactBatch) -> dict[str, Any]:
    return {
        "id": b.pk,
        "source_kind": b.source_kind,
        "title": b.title,
        "region": b.region_id,
        "row_count": b.row_count,
        "duplicate_count": b.duplicate_count,
        "matched_count": b.matched_count,
        "created_at": b.created_at,
    }


@router.get("/verification/batches", response=FactBatchPage, summary="核对数据批次列表")
def batch_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_VERIFICATION)
    meta, rows = _page(request, _filtered(FactBatchFilterSet, request, sel.fact_batches(user)))
    return {**meta, "results": [_batch_out(b) for b in rows]}


@router.get("/verification/batches/{batch_id}", response=FactBatchOut, summary="核对数据批次")
def batch_detail(request: HttpRequest, batch_id: int) -> Any:
    user = _require(request, P.VIEW_VERIFICATION)
    return _batch_out(get_visible_or_404(FactBatch.objects.all(), user, P.VIEW_VERIFICATION, pk=batch_id))


@router.post("/verification/imports", response={202: JobOut}, summary="上传核对数据（xlsx/csv），开始校验")
def fact_import(
    request: HttpRequest,
    source_kind: str = Form(...),
    file: UploadedFile = File(...),  # noqa: B008
) -> Any:
    user = _require(request, P.IMPORT_FACTS)
    if source_kind not in FactSource.values:
        raise ValidationError({"source_kind": [f"数据来源无效，可选：{'、'.join(FactSource.values)}"]})
    try:
        read_table(file, FACT_COLUMNS)
    except SheetError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    job = fact_import_start(user, file, source_kind)
    job.refresh_from_db()
    return 202, _job_out(job)


@router.post("/verification/imports/{job_id}/confirm", response={202: JobOut}, summary="确认写入校验通过的核对数据")
def fact_import_confirm(request: HttpRequest, job_id: int) -> Any:
    user = _require(request, P.IMPORT_FACTS)
    job = get_visible_or_404(Job.objects.all(), user, P.IMPORT_FACTS, pk=job_id, kind=FACT_IMPORT_VALIDATE)
    try:
        commit, _ = core_services.import_confirm(validation_job=job, acting_user=user)
    except core_services.ImportConfirmRefused as refused:
        if refused.status == 404:
            raise Http404 from None
        if refused.status == 403:
            raise PermissionDenied(str(refused)) from None
        raise HttpError(refused.status, str(refused)) from None
    commit.refresh_from_db()
    return 202, _job_out(commit)


class ReportOut(Schema):
    id: int
    household: int
    household_number: str
    region: str
    category: str
    on_date: datetime.date
    member_count: int
    income_months: int
    monthly_income: Decimal
    per_capita_income: Decimal
    income_limit: Decimal
    monetary_property: Decimal
    per_capita_monetary: Decimal
    monetary_limit: Decimal
    vehicle_count: int
    non_residential_count: int
    income_passed: bool
    property_passed: bool
    vehicle_passed: bool
    housing_passed: bool
    passed: bool
    notes: list[str]
    rule_version: str
    job: int | None


class ReportItemOut(Schema):
    person: int
    person_name: str
    source_kind: str
    item: str
    reference: str
    as_of: datetime.date
    amount: Decimal
    counted_as: str


class ReportDetailOut(ReportOut):
    parameters: dict[str, Any]
    items: list[ReportItemOut]


class ReportPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[ReportOut]


def _report_out(r: VerificationReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "household": r.household_id,
        "household_number": r.household.number,
        "region": r.region_id,
        "category": r.category,
        "on_date": r.on_date,
        "member_count": r.member_count,
        "income_months": r.income_months,
        "monthly_income": r.monthly_income,
        "per_capita_income": r.per_capita_income,
        "income_limit": r.income_limit,
        "monetary_property": r.monetary_property,
        "per_capita_monetary": r.per_capita_monetary,
        "monetary_limit": r.monetary_limit,
        "vehicle_count": r.vehicle_count,
        "non_residential_count": r.non_residential_count,
        "income_passed": r.income_passed,
        "property_passed": r.property_passed,
        "vehicle_passed": r.vehicle_passed,
        "housing_passed": r.housing_passed,
        "passed": r.passed,
        "notes": list(r.notes),
        "rule_version": r.rule_version,
        "job": r.job_id,
    }


@router.get("/verification/reports", response=ReportPage, summary="核对报告列表")
def report_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_VERIFICATION)
    meta, rows = _page(request, _filtered(ReportFilterSet, request, sel.reports(user)))
    return {**meta, "results": [_report_out(r) for r in rows]}


@router.get("/verification/reports/{report_id}", response=ReportDetailOut, summary="核对报告（含明细与所用政策参数）")
def report_detail(request: HttpRequest, report_id: int) -> Any:
    user = _require(request, P.VIEW_VERIFICATION)
    report = get_visible_or_404(sel.reports(user), user, P.VIEW_VERIFICATION, pk=report_id)
    items = [
        {
            "person": i.person_id,
            "person_name": i.person.name,
            "source_kind": i.source_kind,
            "item": i.item,
            "reference": i.reference,
            "as_of": i.as_of,
            "amount": i.amount,
            "counted_as": i.counted_as,
        }
        for i in report.items.select_related("person").order_by("person_id", "source_kind", "-as_of")
    ]
    return {**_report_out(report), "parameters": report.parameters, "items": items}


class VerificationIn(Schema):
    household_numbers: list[str]
    category: str = Category.DIBAO
    on_date: datetime.date


@router.post("/verification/runs", response={202: JobOut}, summary="发起经济状况核对（后台任务）")
def verification_run(request: HttpRequest, payload: VerificationIn) -> Any:
    user = _require(request, P.RUN_VERIFICATION)
    found = dict(Household.objects.filter(number__in=payload.household_numbers).values_list("number", "pk"))
    missing = [n for n in payload.household_numbers if n not in found]
    if missing or not found:
        raise ValidationError({"household_numbers": [f"户编号不存在：{'、'.join(missing[:10]) or '（空）'}"]})
    first = Household.objects.select_related("region").get(pk=found[payload.household_numbers[0]])
    job = verification_start(
        household_ids=list(found.values()),
        on_date=payload.on_date,
        category=payload.category,
        acting_user=user,
        region=first.region,
        purpose="接口核对",
    )
    job.refresh_from_db()
    return 202, _job_out(job)


class ReviewOut(Schema):
    id: int
    case: int
    case_number: str
    category: str
    region: str
    trigger: str
    triggers: list[dict[str, Any]]
    due_date: datetime.date
    status: str
    report: int | None
    outcome: str
    old_monthly_amount: Decimal | None
    new_monthly_amount: Decimal | None
    reason: str
    notice: bool


class ReviewPage(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[ReviewOut]


def _review_out(r: Review) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case": r.case_id,
        "case_number": r.case.number,
        "category": r.case.category,
        "region": r.case.region_id,
        "trigger": r.trigger,
        "triggers": r.triggers,
        "due_date": r.due_date,
        "status": r.status,
        "report": r.report_id,
        "outcome": r.outcome,
        "old_monthly_amount": r.old_monthly_amount,
        "new_monthly_amount": r.new_monthly_amount,
        "reason": r.reason,
        "notice": r.notice_id is not None,
    }


@router.get("/reviews", response=ReviewPage, summary="复核列表（含到期待办）")
def review_list(request: HttpRequest) -> Any:
    user = _require(request, P.VIEW_REVIEW)
    meta, rows = _page(request, _filtered(ReviewFilterSet, request, sel.reviews(user)))
    return {**meta, "results": [_review_out(r) for r in rows]}


class ScheduleIn(Schema):
    region: str
    on: datetime.date


@router.post("/reviews/schedule", response={200: dict[str, int]}, summary="安排到期复核")
def review_schedule(request: HttpRequest, payload: ScheduleIn) -> Any:
    user = _require(request, P.DECIDE_REVIEW)
    region = Region.objects.filter(code=payload.region).first()
    if region is None:
        raise ValidationError({"region": ["区划不存在"]})
    return reviews_schedule(region=region, on=payload.on, acting_user=user)


@router.get("/reviews/{review_id}", response=ReviewOut, summary="复核")
def review_detail(request: HttpRequest, review_id: int) -> Any:
    user = _require(request, P.VIEW_REVIEW)
    return _review_out(get_visible_or_404(sel.reviews(user), user, P.VIEW_REVIEW, pk=review_id))


@router.post("/reviews/{review_id}/verify", response={202: JobOut}, summary="复核：发起经济状况核对")
def review_verify(request: HttpRequest, review_id: int) -> Any:
    user = _require(request, P.DECIDE_REVIEW)
    review = get_visible_or_404(sel.reviews(user, P.DECIDE_REVIEW), user, P.DECIDE_REVIEW, pk=review_id)
    job = review_verification_start(
        reviews=[review], on_date=datetime.date.today(), acting_user=user, region=review.case.region
    )
    job.refresh_from_db()
    return 202, _job_out(job)


class DecideIn(Schema):
    outcome: str
    reason: str
    household_monthly_income: Decimal | None = None
    effective_month: datetime.date | None = None


@router.post("/reviews/{review_id}/decide", response=ReviewOut, summary="复核结论（继续/调整/停保/终止），生成通知书")
def review_decide_api(request: HttpRequest, review_id: int, payload: DecideIn) -> Any:
    user = _require(request, P.DECIDE_REVIEW)
    review = get_visible_or_404(sel.reviews(user, P.DECIDE_REVIEW), user, P.DECIDE_REVIEW, pk=review_id)
    try:
        done = review_decide(review=review, acting_user=user, **payload.dict())
    except MissingPolicyParameter as exc:
        raise ValidationError({"__all__": [str(exc)]}) from None
    return _review_out(Review.objects.select_related("case").get(pk=done.pk))


class CancelIn(Schema):
    reason: str


@router.post("/reviews/{review_id}/cancel", response=ReviewOut, summary="撤销复核")
def review_cancel_api(request: HttpRequest, review_id: int, payload: CancelIn) -> Any:
    user = _require(request, P.DECIDE_REVIEW)
    review = get_visible_or_404(sel.reviews(user, P.DECIDE_REVIEW), user, P.DECIDE_REVIEW, pk=review_id)
    done = review_cancel(review=review, reason=payload.reason, acting_user=user)
    return _review_out(Review.objects.select_related("case").get(pk=done.pk))


@router.get("/reviews/{review_id}/notice", summary="复核结论通知书（PDF）")
def review_notice(request: HttpRequest, review_id: int) -> Any:
    user = _require(request, P.VIEW_REVIEW)
    review = get_visible_or_404(sel.reviews(user), user, P.VIEW_REVIEW, pk=review_id)
    if review.notice is None:
        raise Http404
    return FileResponse(review.notice.file.open("rb"), content_type="application/pdf")


__all__ = ["report_summary", "router"]
