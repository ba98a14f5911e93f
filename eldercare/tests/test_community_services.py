"""Community services through their services and selectors: exact settlement amounts by
category with a township override and the blacklist, meals against capacity, peer-visit
coverage, home-adaptation subsidy with its cap, and the status flow."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import DISTRICT, OTHER_TOWNSHIP_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core.models import AuditEvent, PolicyParameter, Region, User
from eldercare import services_community as svc
from eldercare.choices_community import AdaptationStatus, PersonCategory, SettlementStatus
from eldercare.models import Facility, MealCount, MealSettlement
from eldercare.policy_community import MEAL_SUBSIDY, ensure_community_parameters
from eldercare.selectors import facility_subsidy_blocked
from eldercare.selectors_community import (
    data_meals_served_per_day,
    data_peer_visit_coverage,
    meal_capacity_report,
    peer_coverage,
    peer_coverage_by_township,
)

pytestmark = pytest.mark.django_db

SEPT = datetime.date(2026, 9, 1)


@pytest.fixture
def params(db: Any) -> None:
    ensure_community_parameters()


@pytest.fixture
def staff(make_user: Callable[..., User], params: None) -> User:
    return make_user("settle-staff", "district_staff", DISTRICT)


def meal_point(number: str, region: str, capacity: int) -> Facility:
    return Facility.objects.create(
        number=number, name=f"助餐点{number}", kind="meal_point", region_id=region, daily_meal_capacity=capacity
    )


def fill_month(point: Facility, per_day: dict[str, tuple[int, int]], user: User, days: int = 30) -> None:
    for day in range(1, days + 1):
        svc.meal_counts_save(day=SEPT.replace(day=day), entries={point.pk: per_day}, acting_user=user)


def test_settlement_amounts_by_category_with_override_and_blacklist(staff: User) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    b = meal_point("ZC-B", OTHER_TOWNSHIP_VILLAGE, 40)
    # 城桥镇 pays 2.50 a meal to 65–79 (a township override of the district table).
    table = dict(PolicyParameter.objects.get(code=MEAL_SUBSIDY, region_id="31").value)
    PolicyParameter.objects.create(
        code=MEAL_SUBSIDY,
        name="助餐每餐补贴",
        region_id=OWN_TOWNSHIP,
        effective_from=datetime.date(2021, 1, 1),
        value=table | {"age65": "2.50"},
    )
    fill_month(a, {"age65": (12, 10), "age80": (5, 5), "dibao": (2, 2), "other": (3, 3)}, staff)
    fill_month(b, {"age65": (7, 7), "extreme_poverty": (1, 1)}, staff)
    # B on the blacklist from the 21st, removed on the 26th: five days without subsidy.
    from eldercare.services import blacklist_add, blacklist_remove

    entry = blacklist_add(
        facility=b, listed_on=datetime.date(2026, 9, 21), reason="食品安全检查不合格", acting_user=staff
    )
    blacklist_remove(entry=entry, removed_on=datetime.date(2026, 9, 26), reason="整改合格", acting_user=staff)
    assert facility_subsidy_blocked(b, datetime.date(2026, 9, 25)) is True
    assert facility_subsidy_blocked(b, datetime.date(2026, 9, 26)) is False

    summary = svc.meal_settlement_compute(month=SEPT, region=Region.objects.get(code=DISTRICT), acting_user=staff)
    assert summary == {"points": 2, "skipped_confirmed": 0, "total": Decimal("2150.00")}

    sa = MealSettlement.objects.get(meal_point=a, month=SEPT)
    lines = {line.category: (line.meals, line.blocked_meals, line.rate, line.amount) for line in sa.lines.all()}
    assert lines == {
        "age65": (300, 0, Decimal("2.50"), Decimal("750.00")),
        "age80": (150, 0, Decimal("4.00"), Decimal("600.00")),
        "dibao": (60, 0, Decimal("5.00"), Decimal("300.00")),
        "other": (90, 0, Decimal("0.00"), Decimal("0.00")),
    }
    assert (sa.total_meals, sa.blocked_meals, sa.blocked_days, sa.subsidy_amount) == (600, 0, 0, Decimal("1650.00"))

    sb = MealSettlement.objects.get(meal_point=b, month=SEPT)
    lines = {line.category: (line.meals, line.blocked_meals, line.rate, line.amount) for line in sb.lines.all()}
    assert lines == {
        "age65": (210, 35, Decimal("2.00"), Decimal("350.00")),
        "extreme_poverty": (30, 5, Decimal("6.00"), Decimal("150.00")),
    }
    assert (sb.total_meals, sb.blocked_meals, sb.blocked_days, sb.subsidy_amount) == (240, 40, 5, Decimal("500.00"))


def test_whole_month_blacklisted_point_gets_nothing(staff: User) -> None:
    b = meal_point("ZC-B", OTHER_TOWNSHIP_VILLAGE, 40)
    fill_month(b, {"age80": (4, 4)}, staff)
    from eldercare.services import blacklist_add

    blacklist_add(facility=b, listed_on=datetime.date(2026, 8, 15), reason="虚报餐次", acting_user=staff)
    svc.meal_settlement_compute(month=SEPT, region=Region.objects.get(code=DISTRICT), acting_user=staff)
    settlement = MealSettlement.objects.get(meal_point=b)
    assert (settlement.total_meals, settlement.blocked_meals, settlement.blocked_days) == (120, 120, 30)
    assert settlement.subsidy_amount == Decimal("0.00")


def test_confirmed_settlement_is_frozen(staff: User, make_user: Callable[..., User]) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    fill_month(a, {"age65": (10, 10)}, staff, days=2)
    district = Region.objects.get(code=DISTRICT)
    svc.meal_settlement_compute(month=SEPT, region=district, acting_user=staff)
    settlement = MealSettlement.objects.get(meal_point=a)
    assert settlement.subsidy_amount == Decimal("40.00")
    svc.meal_settlement_confirm(settlement=settlement, acting_user=staff)
    with pytest.raises(ValidationError) as exc:
        svc.meal_counts_save(day=SEPT, entries={a.pk: {"age65": (99, 99)}}, acting_user=staff)
    assert "已确认" in exc.value.messages[0]
    assert svc.meal_settlement_compute(month=SEPT, region=district, acting_user=staff)["skipped_confirmed"] == 1
    assert MealSettlement.objects.get(meal_point=a).subsidy_amount == Decimal("40.00")
    officer = make_user("officer", "township_officer", OWN_TOWNSHIP)
    with pytest.raises(ValidationError) as exc:
        svc.meal_settlement_compute(month=SEPT, region=district, acting_user=officer)
    assert exc.value.message_dict == {"region": ["您无权结算该区划的助餐补贴"]}


def test_meals_against_capacity(staff: User) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    summary = svc.meal_counts_save(day=SEPT, entries={a.pk: {"age65": (40, 38), "age80": (15, 12)}}, acting_user=staff)
    assert summary["over_capacity"] == [{"point": a.pk, "ordered": 55, "capacity": 50}]
    svc.meal_counts_save(day=SEPT.replace(day=2), entries={a.pk: {"age65": (30, 30)}}, acting_user=staff)
    # Re-entering a day replaces its figures (one row per point, day and category).
    svc.meal_counts_save(day=SEPT.replace(day=2), entries={a.pk: {"age65": (30, 29)}}, acting_user=staff)
    assert MealCount.objects.filter(meal_point=a).count() == 3
    [row] = meal_capacity_report(staff, DISTRICT, SEPT, SEPT.replace(day=30))
    assert row["point"] == a
    assert (row["days"], row["ordered"], row["served"], row["peak_ordered"], row["over_capacity_days"]) == (
        2,
        85,
        79,
        55,
        1,
    )
    assert row["avg_ordered"] == Decimal("42.5")
    assert row["utilisation"] == Decimal("79.0")  # 39.5 a day of 50
    assert data_meals_served_per_day(DISTRICT, SEPT.replace(day=30)) == Decimal("39.5")
    assert data_meals_served_per_day(DISTRICT, datetime.date(2026, 8, 31)) is None


def test_meal_counts_validation(staff: User, make_user: Callable[..., User]) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    with pytest.raises(ValidationError) as exc:
        svc.meal_counts_save(day=SEPT, entries={a.pk: {"age65": (-1, 2)}}, acting_user=staff)
    assert exc.value.message_dict == {"counts": ["订餐数和供餐数不能为负数"]}
    other = make_user("other-worker", "village_worker", "310151101002")
    with pytest.raises(ValidationError) as exc:
        svc.meal_counts_save(day=SEPT, entries={a.pk: {"age65": (1, 1)}}, acting_user=other)
    assert exc.value.message_dict == {"meal_point": ["该助餐点不在您的管辖范围内"]}
    assert MealCount.objects.count() == 0


def test_import_is_all_or_nothing(staff: User) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    rows = [
        (2, {"point": "ZC-A", "day": "2026-09-01", "category": "65–79 周岁", "ordered": "10", "served": "9"}),
        (3, {"point": "ZC-A", "day": "2026-09-01", "category": "age80", "ordered": "4", "served": "4"}),
        (4, {"point": "NOPE", "day": "2026-09-01", "category": "age80", "ordered": "4", "served": "4"}),
    ]
    summary, errors = svc.meal_counts_import(records=rows, acting_user=staff)
    assert errors == [{"row": 4, "column": "助餐点编号", "message": "找不到助餐点 NOPE"}]
    assert MealCount.objects.count() == 0
    summary, errors = svc.meal_counts_import(records=rows[:2], acting_user=staff)
    assert errors == [] and summary == {"rows": 2, "points": 1, "days": 1}
    assert sorted(MealCount.objects.filter(meal_point=a).values_list("category", "ordered", "served")) == [
        ("age65", 10, 9),
        ("age80", 4, 4),
    ]


def test_enrolment_category_derived_from_assistance_and_age(staff: User, make_person: Callable[..., Any]) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    old = make_person("钱老伯", id_number=next_id_number(datetime.date(1940, 3, 1)))
    young = make_person("孙阿姨", id_number=next_id_number(datetime.date(1963, 3, 1), male=False))
    poor = make_person("李阿婆", id_number=next_id_number(datetime.date(1955, 3, 1), male=False))
    _dibao_case(poor, staff)
    on = datetime.date(2026, 10, 1)
    assert svc.meal_enrolment_create(person=old, meal_point=a, enrolled_on=on, acting_user=staff).category == "age80"
    assert svc.meal_enrolment_create(person=young, meal_point=a, enrolled_on=on, acting_user=staff).category == "other"
    assert svc.meal_enrolment_create(person=poor, meal_point=a, enrolled_on=on, acting_user=staff).category == "dibao"
    with pytest.raises(ValidationError) as exc:
        svc.meal_enrolment_create(person=old, meal_point=a, enrolled_on=on, acting_user=staff)
    assert exc.value.message_dict == {"person": ["该老人已在助餐点登记，请先终止原登记"]}
    other = make_person("周老伯", id_number=next_id_number(datetime.date(1950, 3, 1)))
    with pytest.raises(ValidationError) as exc:
        svc.meal_enrolment_create(person=other, meal_point=a, enrolled_on=on, category="dibao", acting_user=staff)
    assert exc.value.message_dict == {"note": ["认定的补贴类别为“65–79 周岁”，手动指定其他类别须在备注中说明依据"]}
    overridden = svc.meal_enrolment_create(
        person=other, meal_point=a, enrolled_on=on, category="dibao", note="外区低保，证明已核", acting_user=staff
    )
    assert overridden.category == "dibao"


def _dibao_case(person: Any, user: User) -> None:
    from assistance.models import Case, CaseMember
    from core import services as core_services

    household = core_services.household_create(
        acting_user=user, region=Region.objects.get(code=OWN_VILLAGE), head=person, number=f"HH-DB-{person.pk}"
    )
    counts = {"member_count": 1}
    if any(f.name == "adult_count" for f in Case._meta.get_fields()):
        # Newer assistance: member_count = adult_count + minor_count (a CHECK constraint).
        counts["adult_count"] = 1
    case = Case.objects.create(
        number=f"DB-{person.pk}",
        category="dibao",
        household=household,
        payee=person,
        region_id=OWN_VILLAGE,
        start_month=datetime.date(2025, 1, 1),
        **counts,
    )
    CaseMember.objects.create(case=case, person=person)


# ------------------------------------------------------------------ peer visits


def _household(head: Any, user: User, *members: Any) -> None:
    from core import services as core_services

    household = core_services.household_create(
        acting_user=user, region=head.hukou_region, head=head, number=f"HH-{head.pk}"
    )
    for member in members:
        core_services.household_add_member(acting_user=user, household=household, person=member, relation="spouse")


def test_peer_coverage_exact(staff: User, make_person: Callable[..., Any]) -> None:
    def person(name: str, born: datetime.date, region: str = OWN_VILLAGE) -> Any:
        return make_person(name, region=region, id_number=next_id_number(born))

    very_old = person("高龄甲", datetime.date(1940, 1, 1))  # 86, with a spouse
    spouse = person("配偶甲", datetime.date(1950, 1, 1))  # 76, with a spouse: not a target
    alone = person("独居乙", datetime.date(1955, 1, 1))  # 71, alone
    childless = person("无子丙", datetime.date(1960, 6, 1))  # 66, with a spouse, recorded childless
    spouse_c = person("配偶丙", datetime.date(1962, 6, 1))  # 64, with a spouse: not a target
    young_alone = person("独居丁", datetime.date(1970, 1, 1))  # 56, alone: below the age limit
    far_alone = person("独居戊", datetime.date(1950, 1, 1), OTHER_TOWNSHIP_VILLAGE)  # 76, alone, 堡镇
    volunteer = person("志愿者", datetime.date(1963, 1, 1))
    resident = person("入住己", datetime.date(1936, 1, 1))  # 90, alone, but lives in a care home
    _household(resident, staff)
    home = Facility.objects.create(
        number="JG-1", name="城桥敬老院", kind="institution", ownership="public", region_id=OWN_VILLAGE
    )
    from eldercare.models import Bed, Residency

    Residency.objects.create(
        person=resident, bed=Bed.objects.create(facility=home, number="101"), admitted_on=datetime.date(2025, 5, 1)
    )
    _household(very_old, staff, spouse)
    _household(alone, staff)
    _household(childless, staff, spouse_c)
    _household(young_alone, staff)
    _household(far_alone, staff)
    svc.childless_record_create(person=childless, recorded_on=datetime.date(2026, 1, 1), acting_user=staff)

    start, end = datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
    pairs = {
        p: svc.peer_pair_create(volunteer=volunteer, target=p, started_on=datetime.date(2026, 8, 1), acting_user=staff)
        for p in (very_old, alone, far_alone)
    }
    assert pairs[alone].reasons == ["living_alone"]
    assert pairs[very_old].reasons == ["very_old"]
    svc.peer_visit_create(pair=pairs[very_old], visited_on=datetime.date(2026, 10, 5), acting_user=staff)
    svc.peer_visit_create(pair=pairs[alone], visited_on=datetime.date(2026, 9, 28), acting_user=staff)
    svc.peer_visit_create(pair=pairs[far_alone], visited_on=datetime.date(2026, 10, 31), acting_user=staff)
    with pytest.raises(ValidationError):
        svc.peer_pair_create(volunteer=volunteer, target=resident, started_on=start, acting_user=staff)
    with pytest.raises(ValidationError) as exc:
        svc.peer_pair_create(volunteer=volunteer, target=spouse, started_on=start, acting_user=staff)
    assert exc.value.message_dict == {"target": ["该老人不属于老伙伴计划关爱对象（独居、高龄或无子女）"]}

    report = peer_coverage_by_township(DISTRICT, start, end)
    assert (report["targets"], report["paired"], report["visited"], report["unvisited"], report["share"]) == (
        4,
        3,
        2,
        2,
        Decimal("50.0"),
    )
    assert [(r["township"], r["targets"], r["paired"], r["visited"], r["share"]) for r in report["rows"]] == [
        (OWN_TOWNSHIP, 3, 2, 1, Decimal("33.3")),
        ("310151102", 1, 1, 1, Decimal("100.0")),
    ]
    unvisited = peer_coverage(DISTRICT, start, end).filter(visited=False).order_by("id")
    assert [p.name for p in unvisited] == ["独居乙", "无子丙"]
    assert data_peer_visit_coverage(DISTRICT, end) == {"targets": 4, "visited": 2, "rate": Decimal("50.0")}


# ------------------------------------------------------------------ home adaptation


def _through_works(person: Any, user: User, costs: list[str]) -> Any:
    a = svc.adaptation_apply(person=person, applied_on=datetime.date(2026, 6, 1), needs="加装扶手", acting_user=user)
    svc.adaptation_assess(
        adaptation=a,
        assessed_on=datetime.date(2026, 6, 5),
        assessor_name="吴工",
        assessment="跌倒风险",
        estimated_cost=Decimal("4000"),
        acting_user=user,
    )
    svc.adaptation_decide(adaptation=a, approve=True, decided_on=datetime.date(2026, 6, 10), acting_user=user)
    for cost in costs:
        svc.adaptation_item_add(
            adaptation=a, kind="grab_bar", cost=Decimal(cost), done_on=datetime.date(2026, 6, 20), acting_user=user
        )
    return svc.adaptation_complete(adaptation=a, completed_on=datetime.date(2026, 6, 21), acting_user=user)


def test_adaptation_subsidy_share_and_cap(staff: User, make_person: Callable[..., Any]) -> None:
    old = make_person("高龄老人", id_number=next_id_number(datetime.date(1944, 1, 1)))
    a = _through_works(old, staff, ["2000.00", "2500.00"])
    assert a.category == PersonCategory.AGE_80
    # 80%, capped at 3000.
    assert (a.total_cost, a.subsidy_amount, a.self_pay) == (Decimal("4500.00"), Decimal("3000.00"), Decimal("1500.00"))
    younger = make_person("低龄老人", id_number=next_id_number(datetime.date(1960, 1, 1)))
    b = _through_works(younger, staff, ["1234.57"])
    assert b.category == PersonCategory.AGE_65
    # 60% of 1234.57 = 740.742 → 740.74, under the 2000 cap.
    assert (b.subsidy_amount, b.self_pay, b.subsidy_share, b.subsidy_cap) == (
        Decimal("740.74"),
        Decimal("493.83"),
        Decimal("0.6000"),
        Decimal("2000.00"),
    )
    poor = make_person("低保老人", id_number=next_id_number(datetime.date(1958, 1, 1)))
    _dibao_case(poor, staff)
    c = _through_works(poor, staff, ["2800.00"])
    assert (c.category, c.subsidy_amount, c.self_pay) == ("dibao", Decimal("2800.00"), Decimal("0.00"))


def test_adaptation_status_flow_and_audit(staff: User, make_person: Callable[..., Any]) -> None:
    person = make_person("申请人", id_number=next_id_number(datetime.date(1950, 1, 1)))
    a = svc.adaptation_apply(person=person, applied_on=datetime.date(2026, 6, 1), needs="防滑", acting_user=staff)
    assert a.number == "SLH2026000001"
    with pytest.raises(ValidationError) as exc:
        svc.adaptation_complete(adaptation=a, completed_on=datetime.date(2026, 6, 2), acting_user=staff)
    assert exc.value.message_dict == {"status": ["当前状态为“已申请”，此操作只适用于：已批准"]}
    with pytest.raises(ValidationError):
        svc.adaptation_apply(person=person, applied_on=datetime.date(2026, 6, 2), needs="再次申请", acting_user=staff)
    svc.adaptation_assess(
        adaptation=a,
        assessed_on=datetime.date(2026, 6, 3),
        assessor_name="吴工",
        assessment="",
        estimated_cost=Decimal("100"),
        acting_user=staff,
    )
    svc.adaptation_decide(
        adaptation=a, approve=False, decided_on=datetime.date(2026, 6, 4), note="不符合条件", acting_user=staff
    )
    assert a.status == AdaptationStatus.REJECTED
    actions = list(
        AuditEvent.objects.filter(object_type="eldercare.homeadaptation", object_id=str(a.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["eldercare.adaptation.apply", "eldercare.adaptation.assess", "eldercare.adaptation.reject"]
    # A rejected application does not block a new one.
    b = svc.adaptation_apply(person=person, applied_on=datetime.date(2026, 7, 1), needs="防滑", acting_user=staff)
    assert b.number == "SLH2026000002"


def test_settlement_status_default(staff: User) -> None:
    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    fill_month(a, {"other": (1, 1)}, staff, days=1)
    svc.meal_settlement_compute(month=SEPT, region=Region.objects.get(code=DISTRICT), acting_user=staff)
    settlement = MealSettlement.objects.get()
    assert (settlement.status, settlement.subsidy_amount) == (SettlementStatus.DRAFT, Decimal("0.00"))


def test_death_ends_enrolment_pairs_and_open_adaptation(
    staff: User, make_person: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    from core.services import person_mark_dead

    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    elder = make_person("将故老人", id_number=next_id_number(datetime.date(1938, 1, 1)))
    volunteer = make_person("志愿者甲", id_number=next_id_number(datetime.date(1962, 1, 1)))
    enrolment = svc.meal_enrolment_create(
        person=elder, meal_point=a, enrolled_on=datetime.date(2026, 1, 1), acting_user=staff
    )
    pair = svc.peer_pair_create(
        volunteer=volunteer, target=elder, started_on=datetime.date(2026, 1, 1), acting_user=staff
    )
    adaptation = svc.adaptation_apply(
        person=elder, applied_on=datetime.date(2026, 2, 1), needs="扶手", acting_user=staff
    )
    with django_capture_on_commit_callbacks(execute=True):
        person_mark_dead(person=elder, death_date=datetime.date(2026, 3, 5), acting_user=staff)
    enrolment.refresh_from_db()
    pair.refresh_from_db()
    adaptation.refresh_from_db()
    assert enrolment.ended_on == datetime.date(2026, 3, 5)
    assert pair.ended_on == datetime.date(2026, 3, 5)
    assert (adaptation.status, adaptation.decision_note) == (AdaptationStatus.WITHDRAWN, "申请人已故")


def test_common_region_prefix() -> None:
    assert svc.common_region_prefix(["310151101001", "310151101002"]) == "310151101"
    assert svc.common_region_prefix(["310151101001", "310151102001"]) == "310151"
    assert svc.common_region_prefix(["310151101", "310113101001"]) == "3101"
    assert svc.common_region_prefix(["310151", "532331"]) == ""


def test_institution_resident_cannot_enrol_for_community_meals(staff: User, make_person: Callable[..., Any]) -> None:
    from eldercare.models import Bed, Residency

    a = meal_point("ZC-A", OWN_VILLAGE, 50)
    resident = make_person("入住老人", id_number=next_id_number(datetime.date(1936, 1, 1)))
    home = Facility.objects.create(
        number="JG-1", name="城桥敬老院", kind="institution", ownership="public", region_id=OWN_VILLAGE
    )
    Residency.objects.create(
        person=resident, bed=Bed.objects.create(facility=home, number="101"), admitted_on=datetime.date(2025, 5, 1)
    )
    with pytest.raises(ValidationError) as exc:
        svc.meal_enrolment_create(
            person=resident, meal_point=a, enrolled_on=datetime.date(2026, 10, 1), acting_user=staff
        )
    assert exc.value.message_dict == {"person": ["该老人正入住养老机构，由机构供餐，不能登记社区助餐"]}
