# ruff: noqa: F811  (fixtures imported from the fixture modules are parameters of the tests)
"""Dynamic management: reviews raised by registry events and new income facts, the schedule,
and each outcome through the case services with its notice."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from assistance.choices import CaseStatus
from assistance.choices_verification import FactSource, ReviewOutcome, ReviewStatus, ReviewTrigger
from assistance.models import Case, Review
from assistance.services_reviews import review_decide, review_raise, reviews_schedule
from assistance.services_verification import verify_households
from assistance.tests.case_fixtures import make_household, open_case, staff  # noqa: F401
from assistance.tests.verification_fixtures import load_facts, verification_parameters  # noqa: F401
from conftest import DISTRICT, OWN_VILLAGE
from core import services as core_services
from core.models import AuditEvent, Region

pytestmark = pytest.mark.django_db


def _member(case: Case, index: int = 0) -> Any:
    return case.members.select_related("person").order_by("id")[index].person


def test_a_death_raises_a_review(open_case: Any, staff: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = open_case(adults=3)
    person = _member(case, 2)
    with django_capture_on_commit_callbacks(execute=True):
        core_services.person_mark_dead(person=person, death_date=datetime.date(2021, 9, 3), acting_user=staff["maker"])
    review = Review.objects.get(case=case)
    assert (review.status, review.trigger) == (ReviewStatus.OPEN, ReviewTrigger.PERSON_DIED)
    assert review.triggers[0]["detail"] == f"保障成员 {person.name} 于 2021-09-03 死亡"


def test_moving_out_then_in_adds_triggers_to_the_one_open_review(
    open_case: Any, make_household: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(adults=3)
    other = make_household(1)
    leaving = _member(case, 2)
    with django_capture_on_commit_callbacks(execute=True):
        core_services.household_move_member(
            acting_user=staff["maker"], person=leaving, to_household=other, relation="spouse"
        )
    with django_capture_on_commit_callbacks(execute=True):
        core_services.household_move_member(
            acting_user=staff["maker"], person=leaving, to_household=case.household, relation="child"
        )
    reviews = list(Review.objects.filter(case=case))
    assert len(reviews) == 1
    assert [t["trigger"] for t in reviews[0].triggers] == [ReviewTrigger.MEMBER_LEFT, ReviewTrigger.MEMBER_JOINED]


def test_new_income_facts_raise_a_review_only_for_case_members(open_case: Any, load_facts: Any) -> None:
    case = open_case(adults=2, start=datetime.date(2021, 6, 1))
    untouched = open_case(adults=1, start=datetime.date(2021, 6, 1))
    member = _member(case).id_number
    rows = [["", member, "2021-07", "工资", "", "3000", "", ""], ["", member, "2021-05", "工资", "", "3000", "", ""]]
    batch = load_facts(FactSource.WAGE_SOCIAL_INSURANCE, rows, title="7月社保数据")
    from assistance.services_reviews import reviews_raise_for_new_income

    assert reviews_raise_for_new_income(batch=batch, acting_user=None) == 1
    review = Review.objects.get(case=case)
    assert review.trigger == ReviewTrigger.NEW_INCOME
    assert "7月社保数据" in review.triggers[0]["detail"]
    assert not Review.objects.filter(case=untouched).exists()


def test_schedule_dates_cases_by_household_type_and_opens_due_reviews(open_case: Any, staff: Any) -> None:
    working = open_case(adults=2, start=datetime.date(2021, 1, 1))  # members born 1970s: working age
    district = Region.objects.get(code=DISTRICT)
    result = reviews_schedule(region=district, on=datetime.date(2021, 8, 1), acting_user=staff["maker"])
    working.refresh_from_db()
    # 低保, household with working-age members: every 6 months.
    assert working.next_review_due == datetime.date(2021, 7, 1)
    assert result == {"raised": 1, "dated": 1}
    review = Review.objects.get(case=working)
    assert (review.trigger, review.due_date) == (ReviewTrigger.SCHEDULE, datetime.date(2021, 7, 1))
    # Idempotent.
    assert reviews_schedule(region=district, on=datetime.date(2021, 8, 1), acting_user=staff["maker"]) == {
        "raised": 0,
        "dated": 0,
    }


def test_schedule_refused_outside_the_users_region(open_case: Any, make_user: Any) -> None:
    open_case(adults=1)
    village = make_user("v-officer", "township_officer", "310151102")
    with pytest.raises(ValidationError):
        reviews_schedule(
            region=Region.objects.get(code=OWN_VILLAGE[:9]), on=datetime.date(2030, 1, 1), acting_user=village
        )
    assert not Review.objects.exists()


def _reviewed(case: Case, staff: Any) -> Review:
    review = review_raise(case=case, trigger=ReviewTrigger.MANUAL, detail="抽查", acting_user=staff["maker"])
    (report,) = verify_households(
        household_ids=[case.household_id], on_date=datetime.date(2021, 8, 31), acting_user=staff["maker"]
    )
    Review.objects.filter(pk=review.pk).update(report=report)
    review.refresh_from_db()
    return review


def test_decision_needs_a_verification_first(open_case: Any, staff: Any) -> None:
    case = open_case(adults=1)
    review = review_raise(case=case, trigger=ReviewTrigger.MANUAL, detail="", acting_user=staff["maker"])
    with pytest.raises(ValidationError) as caught:
        review_decide(review=review, outcome=ReviewOutcome.CONTINUE, reason="情况无变化", acting_user=staff["checker"])
    assert caught.value.message_dict == {"report": ["请先完成经济状况核对，再作复核结论"]}


def test_change_amount_recomputes_through_the_case_service(open_case: Any, staff: Any) -> None:
    case = open_case(adults=3, income="2000", start=datetime.date(2021, 8, 1))
    assert case.monthly_amount == Decimal("1990.00")  # 1,330 × 3 − 2,000 (domain-rules §8 item 6)
    review = _reviewed(case, staff)
    done = review_decide(
        review=review,
        outcome=ReviewOutcome.CHANGE_AMOUNT,
        reason="家庭收入增加",
        household_monthly_income="2500",
        effective_month=datetime.date(2021, 9, 1),
        acting_user=staff["checker"],
    )
    case.refresh_from_db()
    assert (done.status, done.outcome) == (ReviewStatus.DONE, ReviewOutcome.CHANGE_AMOUNT)
    # 1,330 × 3 − 2,500
    assert (done.old_monthly_amount, done.new_monthly_amount) == (Decimal("1990.00"), Decimal("1490.00"))
    assert case.monthly_amount == Decimal("1490.00")
    assert case.household_monthly_income == Decimal("2500.00")
    assert done.notice is not None and done.notice.content_type == "application/pdf"
    assert done.notice.file.open("rb").read(5) == b"%PDF-"
    assert case.next_review_due is not None
    assert AuditEvent.objects.filter(action="assistance.review.decide", object_id=str(done.pk)).exists()


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (ReviewOutcome.SUSPEND, CaseStatus.SUSPENDED),
        (ReviewOutcome.END, CaseStatus.ENDED),
        (ReviewOutcome.CONTINUE, CaseStatus.ACTIVE),
    ],
)
def test_suspend_end_continue(open_case: Any, staff: Any, outcome: str, status: str) -> None:
    case = open_case(adults=2)
    review = _reviewed(case, staff)
    done = review_decide(review=review, outcome=outcome, reason="复核结论", acting_user=staff["checker"])
    case.refresh_from_db()
    assert case.status == status
    assert done.status == ReviewStatus.DONE
    with pytest.raises(ValidationError):
        review_decide(review=done, outcome=outcome, reason="再次", acting_user=staff["checker"])


def test_a_village_worker_cannot_decide(open_case: Any, staff: Any) -> None:
    case = open_case(adults=1)
    review = _reviewed(case, staff)
    with pytest.raises(ValidationError):
        review_decide(review=review, outcome=ReviewOutcome.END, reason="x", acting_user=staff["village"])
    case.refresh_from_db()
    review.refresh_from_db()
    assert (case.status, review.status) == (CaseStatus.ACTIVE, ReviewStatus.OPEN)
