"""临时救助: caps as multiples of the standard, decision by a second user, the 急难 fast path
decided first and reviewed after by a due date on the working-day calendar, payment once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from assistance.choices import TemporaryGrantStatus
from assistance.models import TemporaryGrant
from assistance.services.temporary import (
    temporary_grant_create,
    temporary_grant_decide,
    temporary_grant_pay,
    temporary_grant_review,
)
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
# Thursday 2026-09-24: 5 working days later crosses a weekend and the National Day holiday.
TODAY = datetime.date(2026, 9, 24)


@pytest.fixture
def today() -> Any:
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield TODAY


def _person(make_household: Any) -> Any:
    return make_household(2).members.order_by("id").first().person


def test_ordinary_grant_capped_and_decided_by_another_user(
    make_household: Any, staff: dict[str, Any], today: datetime.date
) -> None:
    person = _person(make_household)
    grant = temporary_grant_create(
        person=person,
        kind="ordinary",
        need="illness",
        reason="住院自付费用高",
        requested_amount="5000",
        acting_user=staff["township"],
    )
    # Cap: 3 × the 低保 standard in force in 2026 (1,510 [R] from 2023-07-01) = 4,530.
    assert (grant.status, grant.cap_amount, grant.granted_amount) == (
        TemporaryGrantStatus.PENDING,
        Decimal("4530.00"),
        None,
    )
    assert set(grant.parameters_used) == {"assistance.dibao_standard", "assistance.temporary_cap_multiple"}
    with pytest.raises(ValidationError, match="审批人不能是受理人"):
        temporary_grant_decide(grant=grant, approve=True, acting_user=staff["township"])
    with pytest.raises(ValidationError) as caught:
        temporary_grant_decide(grant=grant, approve=True, acting_user=staff["maker"])
    assert caught.value.message_dict == {"granted_amount": ["核准金额不能超过上限 4530.00 元"]}
    grant = temporary_grant_decide(grant=grant, approve=True, granted_amount="4000", acting_user=staff["maker"])
    assert (grant.status, grant.granted_amount, grant.review_due) == (
        TemporaryGrantStatus.APPROVED,
        Decimal("4000.00"),
        None,
    )
    grant = temporary_grant_pay(grant=grant, acting_user=staff["township"])
    assert grant.paid_on == TODAY
    with pytest.raises(ValidationError, match="已于 2026-09-24 发放"):
        temporary_grant_pay(grant=grant, acting_user=staff["township"])


def test_refusal_needs_reasons_and_is_not_paid(
    make_household: Any, staff: dict[str, Any], today: datetime.date
) -> None:
    grant = temporary_grant_create(
        person=_person(make_household),
        kind="ordinary",
        need="living",
        reason="临时生活困难",
        requested_amount="800",
        acting_user=staff["township"],
    )
    with pytest.raises(ValidationError) as caught:
        temporary_grant_decide(grant=grant, approve=False, acting_user=staff["maker"])
    assert caught.value.message_dict == {"note": ["不予救助须写明理由"]}
    grant = temporary_grant_decide(grant=grant, approve=False, note="已由其他救助覆盖", acting_user=staff["maker"])
    assert grant.status == TemporaryGrantStatus.REFUSED
    with pytest.raises(ValidationError, match="不能发放"):
        temporary_grant_pay(grant=grant, acting_user=staff["township"])


def test_urgent_grant_decided_first_and_reviewed_after(
    make_household: Any, staff: dict[str, Any], today: datetime.date
) -> None:
    grant = temporary_grant_create(
        person=_person(make_household),
        kind="urgent",
        need="disaster",
        reason="住房失火",
        requested_amount="9000",
        granted_amount="8000",
        decision_note="先行救助",
        acting_user=staff["township"],
    )
    # Cap 6 × 1,510 = 9,060; the review is due 5 working days on, on the working-day calendar
    # (the National Day holiday is skipped).
    assert (grant.status, grant.cap_amount, grant.granted_amount, grant.decided_by) == (
        TemporaryGrantStatus.DECIDED_PENDING_REVIEW,
        Decimal("9060.00"),
        Decimal("8000.00"),
        staff["township"],
    )
    from core.calendar import add_working_days

    assert grant.review_due == add_working_days(TODAY, 5)
    assert grant.review_due > TODAY + datetime.timedelta(days=7)  # the holiday is skipped
    assert "assistance.temporary_urgent_review_days" in grant.parameters_used
    # Paid at once, before the review.
    grant = temporary_grant_pay(grant=grant, acting_user=staff["township"])
    with pytest.raises(ValidationError, match="补审"):
        temporary_grant_review(grant=grant, confirm=True, acting_user=staff["township"])
    grant = temporary_grant_review(grant=grant, confirm=True, note="材料齐全", acting_user=staff["maker"])
    assert (grant.status, grant.reviewed_by) == (TemporaryGrantStatus.CONFIRMED, staff["maker"])
    with pytest.raises(ValidationError, match="无需补审"):
        temporary_grant_review(grant=grant, confirm=False, note="x", acting_user=staff["checker"])
    actions = list(
        AuditEvent.objects.filter(object_type="assistance.temporarygrant", object_id=str(grant.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["temporary_grant.urgent_decide", "temporary_grant.pay", "temporary_grant.review"]


def test_urgent_grant_over_the_cap_is_refused_and_writes_nothing(
    make_household: Any, staff: dict[str, Any], today: datetime.date
) -> None:
    with pytest.raises(ValidationError) as caught:
        temporary_grant_create(
            person=_person(make_household),
            kind="urgent",
            need="accident",
            reason="车祸",
            requested_amount="10000",
            acting_user=staff["township"],
        )
    assert caught.value.message_dict == {"granted_amount": ["先行救助金额不能超过上限 9060.00 元"]}
    assert TemporaryGrant.objects.count() == 0


def test_review_revoked_needs_reasons_and_a_township_cannot_review(
    make_household: Any, staff: dict[str, Any], today: datetime.date, make_user: Any
) -> None:
    grant = temporary_grant_create(
        person=_person(make_household),
        kind="urgent",
        need="illness",
        reason="突发重病",
        requested_amount="3000",
        acting_user=staff["township"],
    )
    township_officer = make_user("township2", "township_officer", "310151101")
    with pytest.raises(ValidationError, match="无权补审"):
        temporary_grant_review(grant=grant, confirm=True, acting_user=township_officer)
    with pytest.raises(ValidationError) as caught:
        temporary_grant_review(grant=grant, confirm=False, acting_user=staff["maker"])
    assert caught.value.message_dict == {"note": ["撤销先行救助须写明理由"]}
    grant = temporary_grant_review(
        grant=grant, confirm=False, note="经核实不符合条件，责令退回", acting_user=staff["maker"]
    )
    assert grant.status == TemporaryGrantStatus.REVOKED
    with pytest.raises(ValidationError, match="不能发放"):
        temporary_grant_pay(grant=grant, acting_user=staff["township"])


def test_bad_input_names_each_field(make_household: Any, staff: dict[str, Any], today: datetime.date) -> None:
    with pytest.raises(ValidationError) as caught:
        temporary_grant_create(
            person=_person(make_household),
            kind="x",
            need="y",
            reason=" ",
            requested_amount="1",
            acting_user=staff["township"],
        )
    assert caught.value.message_dict == {
        "kind": ["请选择救助类型"],
        "need": ["请选择困难类型"],
        "reason": ["请填写困难情形"],
    }
    with pytest.raises(ValidationError) as caught:
        temporary_grant_create(
            person=_person(make_household),
            kind="ordinary",
            need="other",
            reason="r",
            requested_amount="abc",
            acting_user=staff["township"],
        )
    assert caught.value.message_dict == {"requested_amount": ["请填写金额（元）"]}
    with pytest.raises(ValidationError, match="无权受理"):
        temporary_grant_create(
            person=_person(make_household),
            kind="ordinary",
            need="other",
            reason="r",
            requested_amount="10",
            acting_user=staff["village"],
        )
    assert TemporaryGrant.objects.count() == 0
