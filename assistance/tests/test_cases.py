"""Case services: open, change the amount, suspend, resume, end — history, notices, audit, refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from assistance.choices import CaseEventKind, CaseStatus, Category
from assistance.models import Case, CaseEvent, CaseMember, CaseNotice
from assistance.services.cases import case_change_amount, case_end, case_open, case_resume, case_suspend
from assistance.tests.case_fixtures import members_of
from conftest import OTHER_VILLAGE
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
AUGUST = datetime.date(2021, 8, 1)


def test_open_computes_the_amount_and_denormalises_the_members(make_household: Any, staff: dict[str, Any]) -> None:
    household = make_household(2, 1)
    members = members_of(household, {1: ["severe_disability"]})
    case = case_open(
        household=household,
        category=Category.DIBAO,
        members=members,
        household_monthly_income="2000",
        start_month=datetime.date(2021, 8, 17),
        acting_user=staff["maker"],
    )
    assert (case.start_month, case.member_count, case.adult_count, case.minor_count, case.addon_counts) == (
        AUGUST,
        3,
        2,
        1,
        {"severe_disability": 1},
    )
    # 1,330 × 2 + 1,730 − 2,000 + 410.
    assert case.monthly_amount == Decimal("2800.00")
    assert case.number.startswith("DB310151202108") and case.payee_id == members[0]["person"].pk
    assert CaseMember.objects.filter(case=case).count() == 3
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.new_amount, event.new_income) == (
        CaseEventKind.OPEN,
        Decimal("2800.00"),
        Decimal("2000.00"),
    )
    audit = AuditEvent.objects.get(action="case.open", object_id=str(case.pk))
    assert audit.changes["monthly_amount"] == "2800.00"


def test_open_refuses_bad_input_and_a_second_live_case(make_household: Any, staff: dict[str, Any]) -> None:
    household = make_household(2)
    other = make_household(1)
    base = {"household": household, "category": Category.DIBAO, "start_month": AUGUST, "acting_user": staff["maker"]}
    with pytest.raises(ValidationError) as caught:
        case_open(members=members_of(other), household_monthly_income="0", **base)
    assert "不是该家庭户的成员" in caught.value.message_dict["members"][0]
    with pytest.raises(ValidationError) as caught:
        case_open(members=[], household_monthly_income="0", **base)
    assert caught.value.message_dict == {"members": ["至少需要一名保障成员"]}
    with pytest.raises(ValidationError) as caught:
        case_open(members=members_of(household), household_monthly_income="-1", **base)
    assert caught.value.message_dict == {"household_monthly_income": ["金额不能为负数"]}
    with pytest.raises(ValidationError) as caught:
        case_open(
            members=[{"person": members_of(household)[0]["person"], "addons": ["golf"]}],
            household_monthly_income="0",
            **base,
        )
    assert caught.value.message_dict == {"members": ["分类施保加发项目“golf”无效"]}
    case_open(members=members_of(household), household_monthly_income="0", **base)
    with pytest.raises(ValidationError) as caught:
        case_open(members=members_of(household), household_monthly_income="0", **base)
    assert caught.value.message_dict == {"household": ["该家庭已有同类别的在保案件"]}
    assert Case.objects.filter(household=household).count() == 1


def test_a_village_worker_and_another_township_cannot_open_or_change(
    make_household: Any, staff: dict[str, Any], make_user: Any, open_case: Any
) -> None:
    household = make_household(1)
    with pytest.raises(ValidationError, match="无权办理"):
        case_open(
            household=household,
            category=Category.DIBAO,
            members=members_of(household),
            household_monthly_income="0",
            start_month=AUGUST,
            acting_user=staff["village"],
        )
    outsider = make_user("outsider", "township_officer", "310151102")
    case = open_case(adults=1, income="0", start=AUGUST)
    with pytest.raises(ValidationError, match="无权办理"):
        case_suspend(case=case, reason="测试", acting_user=outsider)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE and Case.objects.filter(household=household).count() == 0
    assert not CaseEvent.objects.filter(case=case).exclude(kind=CaseEventKind.OPEN).exists()


def test_change_amount_records_history_and_a_notice(open_case: Any, staff: dict[str, Any]) -> None:
    case = open_case(adults=3, income="2000", start=AUGUST)
    assert case.monthly_amount == Decimal("1990.00")
    changed = case_change_amount(
        case=case,
        household_monthly_income="2500",
        reason="复核：家庭成员就业",
        effective_month=datetime.date(2021, 9, 1),
        acting_user=staff["township"],
    )
    assert changed.monthly_amount == Decimal("1490.00")
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.CHANGE)
    assert (event.old_amount, event.new_amount, event.old_income, event.new_income, event.effective_month) == (
        Decimal("1990.00"),
        Decimal("1490.00"),
        Decimal("2000.00"),
        Decimal("2500.00"),
        datetime.date(2021, 9, 1),
    )
    notice = CaseNotice.objects.get(event=event)
    assert "由 1990.00 元调整为 1490.00 元" in notice.body and "2021年09月" in notice.body
    # Fewer members: one leaves; the amount follows.
    fewer = members_of(case.household)[:2]
    changed = case_change_amount(
        case=changed,
        members=fewer,
        reason="成员迁出",
        acting_user=staff["township"],
        effective_month=datetime.date(2021, 10, 1),
    )
    assert (changed.member_count, changed.monthly_amount) == (2, Decimal("160.00"))
    assert CaseMember.objects.filter(case=case).count() == 2
    with pytest.raises(ValidationError) as caught:
        case_change_amount(case=changed, household_monthly_income="1", reason=" ", acting_user=staff["township"])
    assert caught.value.message_dict == {"reason": ["请填写调整原因"]}


def test_suspend_resume_end_with_notices_and_state_rules(open_case: Any, staff: dict[str, Any]) -> None:
    case = open_case(adults=1, income="0", start=AUGUST)
    with pytest.raises(ValidationError, match="不能恢复发放"):
        case_resume(case=case, reason="无", acting_user=staff["maker"])
    case = case_suspend(case=case, reason="外出联系不上", acting_user=staff["maker"])
    assert case.status == CaseStatus.SUSPENDED and case.status_reason == "外出联系不上"
    with pytest.raises(ValidationError, match="不能停保"):
        case_suspend(case=case, reason="再次", acting_user=staff["maker"])
    case = case_resume(case=case, reason="已联系，情况属实", acting_user=staff["maker"])
    assert case.status == CaseStatus.ACTIVE and case.suspended_at is None
    # Resumed at today's standard (the latest configured for Shanghai).
    case = case_end(case=case, reason="死亡", end_month=datetime.date(2021, 12, 1), acting_user=staff["maker"])
    assert (case.status, case.end_month) == (CaseStatus.ENDED, datetime.date(2021, 12, 1))
    with pytest.raises(ValidationError, match="不能终止"):
        case_end(case=case, reason="再次", acting_user=staff["maker"])
    kinds = list(CaseNotice.objects.filter(case=case).order_by("id").values_list("title", flat=True))
    assert kinds == [
        "最低生活保障（低保）停发告知书",
        "最低生活保障（低保）恢复发放告知书",
        "终止最低生活保障（低保）告知书",
    ]
    assert "自 2022年01月 起终止发放" in CaseNotice.objects.filter(case=case).first().body  # type: ignore[union-attr]
    actions = list(
        AuditEvent.objects.filter(object_type="assistance.case", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["case.open", "case.suspend", "case.resume", "case.end"]
    # Ended: the household may be opened again.
    again = case_open(
        household=case.household,
        category=Category.DIBAO,
        members=members_of(case.household),
        household_monthly_income="0",
        start_month=datetime.date(2022, 3, 1),
        acting_user=staff["maker"],
    )
    assert again.pk != case.pk


def test_a_case_in_another_village_is_scoped(open_case: Any, staff: dict[str, Any]) -> None:
    case = open_case(adults=1, income="0", region=OTHER_VILLAGE)
    assert not Case.objects.visible_to(staff["village"], "assistance.view_case").filter(pk=case.pk).exists()
    assert Case.objects.visible_to(staff["township"], "assistance.view_case").filter(pk=case.pk).exists()
