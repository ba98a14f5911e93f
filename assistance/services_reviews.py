"""Reviews (复核) of live cases: raised by the schedule or by registry events, decided with a notice.

应保尽保、应退尽退: a case whose household changed (a death, a member leaving or joining, new
income in the data sources) gets a review task at once; every case gets one when its interval
(by category and household type, a policy parameter) comes round. The review re-runs the
economic verification and ends in continue / change amount / suspend / end through the case
services, with a notice PDF.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from assistance.choices import CaseStatus
from assistance.choices_verification import FactSource, HouseholdType, ReviewOutcome, ReviewStatus, ReviewTrigger
from assistance.models import Case, CaseMember, DataSourceFact, FactBatch, Review, VerificationReport
from assistance.parameters_verification import REVIEW_INTERVAL
from assistance.permissions_verification import VerificationPerm
from core.audit import audit_record
from core.models import Job, Region, StoredFile, User
from core.pdf import ChinesePDF
from core.policy import policy_value
from core.scoping import has_perm
from core.services import job_create, stored_file_create

LIVE = (CaseStatus.ACTIVE, CaseStatus.SUSPENDED)
# Working age for the household type (16 to 59 full years): households without such a member
# have a stable income (pensions, allowances) and the longer interval.
WORKING_AGE = (16, 60)


def _trigger_entry(trigger: str, detail: str, on: datetime.date) -> dict[str, str]:
    return {"trigger": trigger, "label": ReviewTrigger(trigger).label, "on": on.isoformat(), "detail": detail}


def review_raise(
    *, case: Case, trigger: str, detail: str, acting_user: User | None, due_date: datetime.date | None = None
) -> Review:
    """Open a review for the case, or add the trigger to its open one (a case has one at most)."""
    today = timezone.localdate()
    entry = _trigger_entry(trigger, detail, today)
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(case=case, status=ReviewStatus.OPEN).first()
        if review is not None:
            review.triggers = [*review.triggers, entry]
            if due_date and due_date < review.due_date:
                review.due_date = due_date
            review.save(update_fields=["triggers", "due_date"])
            action = "assistance.review.add_trigger"
        else:
            review = Review.objects.create(case=case, trigger=trigger, triggers=[entry], due_date=due_date or today)
            action = "assistance.review.raise"
        audit_record(
            action=action, actor=acting_user, obj=review, region_code=case.region_id, changes={"trigger": entry}
        )
    return review


def _live_cases_of(person_ids: Iterable[int]) -> list[Case]:
    return list(Case.objects.filter(status__in=LIVE, members__person_id__in=list(person_ids)).distinct())


# --- registry events (receivers connected in wiring_verification.ready) ---------------------


def on_person_died(sender: Any, person: Any, death_date: datetime.date, acting_user: Any = None, **_: Any) -> None:
    for case in _live_cases_of([person.pk]):
        review_raise(
            case=case,
            trigger=ReviewTrigger.PERSON_DIED,
            detail=f"保障成员 {person.name} 于 {death_date:%Y-%m-%d} 死亡",
            acting_user=acting_user,
        )


def on_member_left(
    sender: Any, person: Any, household: Any, to_household: Any = None, acting_user: Any = None, **_: Any
) -> None:
    for case in Case.objects.filter(status__in=LIVE, household=household, members__person_id=person.pk).distinct():
        review_raise(
            case=case,
            trigger=ReviewTrigger.MEMBER_LEFT,
            detail=f"保障成员 {person.name} 迁出家庭户 {household.number}",
            acting_user=acting_user,
        )
    # A move is announced once, as leaving: the household moved into changes too.
    if to_household is not None:
        on_member_joined(sender, person=person, household=to_household, acting_user=acting_user)


def on_member_joined(sender: Any, person: Any, household: Any, acting_user: Any = None, **_: Any) -> None:
    for case in Case.objects.filter(status__in=LIVE, household=household):
        review_raise(
            case=case,
            trigger=ReviewTrigger.MEMBER_JOINED,
            detail=f"{person.name} 迁入家庭户 {household.number}，需重新核定家庭人口与收入",
            acting_user=acting_user,
        )


def reviews_raise_for_new_income(*, batch: FactBatch, acting_user: User | None) -> int:
    """Live cases with a covered member who has an income fact in this batch dated in or after
    the case's start month: one query finds them, then one review (or trigger) per case."""
    if batch.source_kind != FactSource.WAGE_SOCIAL_INSURANCE:
        return 0
    new_income = DataSourceFact.objects.filter(
        batch=batch,
        person_id=OuterRef("members__person_id"),
        as_of__gte=OuterRef("start_month"),
        amount__gt=0,
    )
    cases = list(Case.objects.filter(status__in=LIVE).filter(Exists(new_income)).distinct())
    for case in cases:
        review_raise(
            case=case,
            trigger=ReviewTrigger.NEW_INCOME,
            detail=f"核对数据批次“{batch.title}”显示保障成员有新的收入记录",
            acting_user=acting_user,
        )
    return len(cases)


# --- schedule -------------------------------------------------------------------------------


def _interval(table: Any, category: str, household_type: str) -> int | None:
    if not isinstance(table, dict):
        return None
    value = table.get(f"{category}_stable") if household_type == HouseholdType.STABLE else None
    if value is None:
        value = table.get(category)
    if isinstance(value, dict):  # {"stable": n, "working": n}
        value = value.get(household_type)
    return int(Decimal(str(value))) if value not in (None, "") else None


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _working_age_member(on: datetime.date) -> Exists:
    youngest = add_months(on, -12 * WORKING_AGE[0])
    oldest = add_months(on, -12 * WORKING_AGE[1])
    return Exists(
        CaseMember.objects.filter(
            case_id=OuterRef("pk"), person__birth_date__lte=youngest, person__birth_date__gt=oldest
        ).filter(Q(person__death_date__isnull=True) | Q(person__death_date__gt=on))
    )


def reviews_schedule(*, region: Region, on: datetime.date, acting_user: User | None) -> dict[str, int]:
    """Set-based: (1) give every live case in the region without a due date one, from its start
    month and the interval of its category and household type; (2) open a scheduled review for
    every live case due by ``on`` without an open review. Idempotent."""
    if acting_user is not None and not has_perm(acting_user, VerificationPerm.DECIDE_REVIEW, region.code):
        raise ValidationError({"region": ["您无权安排该区划的复核"]})
    cases = Case.objects.filter(status__in=LIVE, region__code__startswith=region.code)
    scheduled = 0
    with transaction.atomic():
        parameter = policy_value(REVIEW_INTERVAL, region.code, on)
        table = parameter.value if parameter else None
        undated = cases.filter(next_review_due__isnull=True).annotate(working=_working_age_member(on))
        groups = undated.values_list("category", "working", "start_month").distinct()
        for category, working, start_month in groups:
            household_type = HouseholdType.WORKING if working else HouseholdType.STABLE
            months = _interval(table, category, household_type)
            if months is None:
                continue
            scheduled += undated.filter(category=category, working=working, start_month=start_month).update(
                next_review_due=add_months(start_month, months)
            )
        due = cases.filter(next_review_due__lte=on).exclude(
            Exists(Review.objects.filter(case_id=OuterRef("pk"), status=ReviewStatus.OPEN))
        )
        entry = _trigger_entry(ReviewTrigger.SCHEDULE, "复核周期已到", on)
        rows = [
            Review(case_id=pk, trigger=ReviewTrigger.SCHEDULE, triggers=[entry], due_date=due_date or on)
            for pk, due_date in due.values_list("pk", "next_review_due")
        ]
        Review.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        audit_record(
            action="assistance.review.schedule",
            actor=acting_user,
            object_type="assistance.review",
            object_repr=f"安排复核 {len(rows)} 件",
            region_code=region.code,
            changes={"on": on.isoformat(), "raised": len(rows), "dated": scheduled},
        )
    return {"raised": len(rows), "dated": scheduled}


# --- verification and decision --------------------------------------------------------------


def review_verification_start(
    *, reviews: list[Review], on_date: datetime.date, acting_user: User, region: Region
) -> Job:
    """One verification job for the households of these open reviews; each gets its report."""
    from assistance.job_handlers_verification import VERIFICATION_RUN

    open_reviews = [r for r in reviews if r.status == ReviewStatus.OPEN]
    if not open_reviews:
        raise ValidationError({"reviews": ["没有待复核的案件"]})
    for review in open_reviews:
        if not has_perm(acting_user, VerificationPerm.DECIDE_REVIEW, review.case.region_id):
            raise ValidationError({"reviews": ["您无权办理该区划的复核"]})
    return job_create(
        kind=VERIFICATION_RUN,
        title=f"复核核对：{len(open_reviews)} 户（{on_date:%Y-%m-%d}）",
        acting_user=acting_user,
        region=region,
        params={
            "household_ids": sorted({r.case.household_id for r in open_reviews}),
            "on_date": on_date.isoformat(),
            "category": open_reviews[0].case.category,
            "purpose": "复核",
            "review_ids": [r.pk for r in open_reviews],
        },
    )


def reviews_attach_reports(*, review_ids: list[int], job: Job) -> int:
    attached = 0
    reports = {r.household_id: r.pk for r in VerificationReport.objects.filter(job=job)}
    for review in Review.objects.filter(pk__in=review_ids, status=ReviewStatus.OPEN).select_related("case"):
        report_id = reports.get(review.case.household_id)
        if report_id:
            Review.objects.filter(pk=review.pk).update(report_id=report_id)
            attached += 1
    return attached


def review_decide(
    *,
    review: Review,
    outcome: str,
    reason: str,
    acting_user: User,
    household_monthly_income: Decimal | str | None = None,
    effective_month: datetime.date | None = None,
) -> Review:
    """Close the review with its outcome through the case services, and issue the notice PDF."""
    from assistance.services import cases as case_services

    errors: dict[str, list[str]] = {}
    if not has_perm(acting_user, VerificationPerm.DECIDE_REVIEW, review.case.region_id):
        raise ValidationError({"review": ["您无权办理该区划的复核"]})
    if outcome not in ReviewOutcome.values:
        errors["outcome"] = ["复核结论无效"]
    if not reason.strip():
        errors["reason"] = ["请填写复核理由"]
    if review.report_id is None:
        errors["report"] = ["请先完成经济状况核对，再作复核结论"]
    if outcome == ReviewOutcome.CHANGE_AMOUNT and household_monthly_income in (None, ""):
        errors["household_monthly_income"] = ["调整救助金额时请填写核定的家庭月收入"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Review.objects.select_for_update().select_related("case", "report").get(pk=review.pk)
        if locked.status != ReviewStatus.OPEN:
            raise ValidationError({"review": ["该复核已办结"]})
        case = locked.case
        old_amount = case.monthly_amount
        text = f"复核：{reason.strip()}"
        if outcome == ReviewOutcome.CHANGE_AMOUNT:
            case = case_services.case_change_amount(
                case=case,
                acting_user=acting_user,
                reason=text,
                household_monthly_income=household_monthly_income,
                effective_month=effective_month,
            )
        elif outcome == ReviewOutcome.SUSPEND:
            case = case_services.case_suspend(case=case, reason=text, acting_user=acting_user)
        elif outcome == ReviewOutcome.END:
            case = case_services.case_end(case=case, reason=text, acting_user=acting_user, end_month=effective_month)
        next_due = None
        if outcome in (ReviewOutcome.CONTINUE, ReviewOutcome.CHANGE_AMOUNT):
            next_due = _next_due(case, timezone.localdate())
            Case.objects.filter(pk=case.pk).update(next_review_due=next_due)
        case.refresh_from_db()
        locked.status = ReviewStatus.DONE
        locked.outcome = outcome
        locked.reason = reason.strip()[:500]
        locked.old_monthly_amount = old_amount
        locked.new_monthly_amount = case.monthly_amount if outcome != ReviewOutcome.END else Decimal("0")
        locked.effective_month = effective_month
        locked.decided_by = acting_user
        locked.decided_at = timezone.now()
        locked.notice = stored_file_create(
            name=f"复核结论通知书-{case.number}.pdf",
            content=review_notice_pdf(locked, case),
            created_by=acting_user,
            content_type="application/pdf",
        )
        locked.save()
        audit_record(
            action="assistance.review.decide",
            actor=acting_user,
            obj=locked,
            region_code=case.region_id,
            changes={
                "outcome": outcome,
                "old_amount": str(old_amount),
                "new_amount": str(locked.new_monthly_amount),
                "next_review_due": next_due.isoformat() if next_due else None,
            },
        )
    return locked


def _next_due(case: Case, on: datetime.date) -> datetime.date | None:
    parameter = policy_value(REVIEW_INTERVAL, case.region_id, on)
    if parameter is None:
        return None
    working = Case.objects.filter(pk=case.pk).filter(_working_age_member(on)).exists()
    months = _interval(parameter.value, case.category, HouseholdType.WORKING if working else HouseholdType.STABLE)
    return add_months(on, months) if months else None


def review_notice_pdf(review: Review, case: Case) -> bytes:
    report = review.report
    pdf = ChinesePDF(title="社会救助复核结论通知书")
    pdf.footer_text = f"案件 {case.number}"
    pdf.add_page()
    pdf.heading("社会救助复核结论通知书")
    pdf.paragraph(f"{case.payee.name}：")
    outcome = ReviewOutcome(review.outcome).label
    pdf.paragraph(
        f"根据《社会救助暂行办法》及本市最低生活保障审核确认办法，经对您家庭（{case.get_category_display()}，"
        f"案件编号 {case.number}）的经济状况进行复核，结论为：{outcome}。"
    )
    rows: list[tuple[str, Any]] = [
        ("复核结论", outcome),
        ("理由", review.reason),
        ("原月救助金", f"{review.old_monthly_amount} 元"),
    ]
    if review.outcome in (ReviewOutcome.CONTINUE, ReviewOutcome.CHANGE_AMOUNT):
        rows.append(("核定后月救助金", f"{review.new_monthly_amount} 元"))
    if report is not None:
        rows += [
            ("核对基准日", f"{report.on_date:%Y-%m-%d}"),
            ("家庭人数", f"{report.member_count} 人"),
            ("家庭月收入（核对）", f"{report.monthly_income} 元"),
            ("人均货币财产", f"{report.per_capita_monetary} 元（限额 {report.monetary_limit} 元）"),
        ]
    pdf.key_values(rows, label_width=42)
    pdf.ln(3)
    appeal = policy_value("assistance.appeal_clause", case.region_id, timezone.localdate())
    if appeal is not None and review.outcome != ReviewOutcome.CONTINUE:
        pdf.paragraph(str(appeal.value))
    pdf.ln(6)
    pdf.paragraph(f"{timezone.localdate():%Y年%m月%d日}")
    return bytes(pdf.output())


def review_cancel(*, review: Review, reason: str, acting_user: User) -> Review:
    if not has_perm(acting_user, VerificationPerm.DECIDE_REVIEW, review.case.region_id):
        raise ValidationError({"review": ["您无权办理该区划的复核"]})
    if not reason.strip():
        raise ValidationError({"reason": ["请填写撤销原因"]})
    with transaction.atomic():
        updated = Review.objects.filter(pk=review.pk, status=ReviewStatus.OPEN).update(
            status=ReviewStatus.CANCELLED,
            reason=reason.strip()[:500],
            decided_by=acting_user,
            decided_at=timezone.now(),
        )
        if not updated:
            raise ValidationError({"review": ["该复核已办结"]})
        audit_record(
            action="assistance.review.cancel",
            actor=acting_user,
            obj=review,
            region_code=review.case.region_id,
            changes={"reason": reason.strip()},
        )
    review.refresh_from_db()
    return review


__all__ = [
    "IntegrityError",
    "StoredFile",
    "review_cancel",
    "review_decide",
    "review_raise",
    "review_verification_start",
    "reviews_attach_reports",
    "reviews_raise_for_new_income",
    "reviews_schedule",
]
