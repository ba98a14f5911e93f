"""Assessments and what a grade entitles to (domain-rules §8 items 13–14), the waiting list
(priority order, offers, admission, occupancy), home care (entitlement against delivery)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import DISTRICT
from core import services as core_services
from core.models import AuditEvent, Region
from eldercare import services as facility_services
from eldercare import services_care as care
from eldercare.choices import BedKind, DischargeReason, FacilityKind, Ownership
from eldercare.choices_care import ApplicationStatus, CareGrade, HomeCareService, OfferStatus, VisitStatus
from eldercare.models import BedApplication, BedOffer, CareAssessment, HomeCareOrder, Residency
from eldercare.policy_care import (
    BASIC_BED_MIN_GRADE,
    basic_bed_eligible,
    care_entitlement,
    ensure_care_parameters,
)
from eldercare.selectors_care import (
    care_assessment_current,
    entitled_hours,
    homecare_month_report,
    reassessment_due,
    waitlist_for_bed,
    waitlist_queue,
)
from eldercare.tests.care_fixtures import born

pytestmark = pytest.mark.django_db
VILLAGE = "310151101001"
TODAY = datetime.date(2026, 11, 2)


@pytest.fixture(autouse=True)
def parameters(db: Any) -> None:
    ensure_care_parameters()


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user("care-staff", "district_staff", DISTRICT)


def _assess(person: Any, grade: int, on: datetime.date, staff: Any, **extra: Any) -> CareAssessment:
    return care.care_assessment_create(
        person=person, grade=grade, assessed_on=on, agency="崇明区评估中心", assessor="评估员甲", acting_user=staff,
        **extra,
    )  # fmt: skip


# --- assessments and entitlements ------------------------------------------------------------


def test_assessment_valid_two_years_and_reassessment_due(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1940, 3, 1), "评估老人")
    first = _assess(person, 4, datetime.date(2024, 12, 15), staff)
    assert first.valid_until == datetime.date(2026, 12, 14)
    assert AuditEvent.objects.filter(action="eldercare.assessment.create", object_id=str(first.pk)).exists()
    # Due within the 60-day notice period on 2026-11-02; not on 2026-09-01.
    assert list(reassessment_due(staff, TODAY)) == [first]
    assert list(reassessment_due(staff, datetime.date(2026, 9, 1))) == []
    second = _assess(person, 5, datetime.date(2026, 11, 1), staff)
    assert list(reassessment_due(staff, TODAY)) == []
    assert list(care_assessment_current(TODAY).filter(person=person)) == [second]
    # Expired assessments give no current grade.
    assert not care_assessment_current(datetime.date(2028, 11, 1)).filter(person=person).exists()


def test_assessment_validation_names_fields(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1940, 3, 1), "评估老人")
    with pytest.raises(ValidationError) as error:
        care.care_assessment_create(
            person=person, grade=7, assessed_on=timezone.localdate() + datetime.timedelta(days=3), agency="",
            assessor="x", acting_user=staff,
        )  # fmt: skip
    assert set(error.value.message_dict) == {"grade", "assessed_on", "agency"}
    assert not CareAssessment.objects.exists()


def test_home_care_hours_by_grade_worked_examples() -> None:
    """§8 item 13: grade 4 → 5 h/week; grade 6 continuous 4 months → 7 h/week + 1 h/month or
    40 yuan; after 8 months → +2 h/month or 80 yuan; grade 1 → no LTCI benefit."""
    day = datetime.date(2026, 11, 1)
    four = care_entitlement(4, VILLAGE, day)
    assert (four.weekly_hours, four.fund_share, four.ltci_eligible) == (Decimal("5"), Decimal("0.90"), True)
    assert (care_entitlement(2, VILLAGE, day).weekly_hours, care_entitlement(3, VILLAGE, day).weekly_hours) == (
        Decimal("3"),
        Decimal("3"),
    )
    six_4 = care_entitlement(6, VILLAGE, day, continuous_months=4)
    assert (six_4.weekly_hours, six_4.bonus_hours_per_month, six_4.bonus_cash_per_month) == (
        Decimal("7"),
        Decimal("1"),
        Decimal("40.00"),
    )
    six_8 = care_entitlement(6, VILLAGE, day, continuous_months=8)
    assert (six_8.bonus_hours_per_month, six_8.bonus_cash_per_month) == (Decimal("2"), Decimal("80.00"))
    five_1 = care_entitlement(5, VILLAGE, day, continuous_months=1)  # "more than 1 month" not reached
    assert five_1.bonus_hours_per_month == Decimal("0")
    four_8 = care_entitlement(4, VILLAGE, day, continuous_months=8)  # the bonus is for grades 5–6 only
    assert four_8.bonus_cash_per_month == Decimal("0.00")
    one = care_entitlement(1, VILLAGE, day)
    assert (one.ltci_eligible, one.weekly_hours, one.fund_share) == (False, Decimal("0"), Decimal("0"))
    assert care_entitlement(CareGrade.OTHER, VILLAGE, day).ltci_eligible is False


def test_basic_bed_eligibility_worked_example() -> None:
    """§8 item 14: grade 3 → may apply; grade 2 without another condition → may not, unless the
    district relaxes the grade (a parameter of its own region)."""
    day = datetime.date(2026, 11, 1)
    assert basic_bed_eligible(grade=3, region_code=VILLAGE, on=day) is True
    assert basic_bed_eligible(grade=2, region_code=VILLAGE, on=day) is False
    assert basic_bed_eligible(grade=None, region_code=VILLAGE, on=day) is False
    assert basic_bed_eligible(grade=2, region_code=VILLAGE, on=day, extreme_poverty=True) is True
    assert basic_bed_eligible(grade=1, region_code=VILLAGE, on=day, cognitive_impairment=True) is True
    assert basic_bed_eligible(grade=CareGrade.OTHER, region_code=VILLAGE, on=day) is False
    core_services.policy_parameter_set(
        acting_user=None,
        code=BASIC_BED_MIN_GRADE,
        name="保基本床位最低等级（放宽）",
        region=Region.objects.get(code=DISTRICT),
        effective_from=datetime.date(2026, 1, 1),
        value="2",
    )
    assert basic_bed_eligible(grade=2, region_code=VILLAGE, on=day) is True
    assert basic_bed_eligible(grade=2, region_code="310113003001", on=day) is False  # Baoshan keeps grade 3


# --- waiting list ----------------------------------------------------------------------------


@pytest.fixture
def home(staff: Any) -> Any:
    facility = facility_services.facility_create(
        data=facility_services.FacilityData(
            name="城桥镇敬老院", kind=FacilityKind.CARE_INSTITUTION, region=Region.objects.get(code=VILLAGE),
            ownership=Ownership.PUBLIC,
        ),
        acting_user=None,
    )  # fmt: skip
    facility_services.beds_add(facility=facility, count=2, kind=BedKind.GENERAL, is_basic=True, acting_user=None)
    return facility


def _apply(person: Any, staff: Any, on: datetime.date, **extra: Any) -> BedApplication:
    return care.bed_application_create(person=person, applied_on=on, acting_user=staff, **extra)


def test_waitlist_order_from_priority_rules(make_person: Any, staff: Any, home: Any) -> None:
    day = datetime.date(2026, 10, 1)
    # Points (policy data): 特困 100, 低保 60, grade 3/4/5/6 → 10/20/30/40, age 80+ → 10, 90+ → 20.
    plain = born(make_person, datetime.date(1950, 1, 1), "普通老人")  # grade 4: 20
    _assess(plain, 4, day, staff)
    older = born(make_person, datetime.date(1935, 1, 1), "九十岁老人")  # grade 3 + 90+: 30
    _assess(older, 3, day, staff)
    poor = born(make_person, datetime.date(1955, 1, 1), "特困老人")  # 特困 100, no grade
    dibao = born(make_person, datetime.date(1944, 1, 1), "低保老人")  # 低保 60 + grade 3 (10) + 80+ (10): 80
    _assess(dibao, 3, day, staff)
    early = born(make_person, datetime.date(1950, 6, 1), "早申请")  # grade 4: 20, applied earlier than plain
    _assess(early, 4, day, staff)
    a_plain = _apply(plain, staff, datetime.date(2026, 10, 5))
    a_older = _apply(older, staff, datetime.date(2026, 10, 6))
    a_poor = _apply(poor, staff, datetime.date(2026, 10, 7), extreme_poverty=True)
    a_dibao = _apply(dibao, staff, datetime.date(2026, 10, 8), dibao=True)
    a_early = _apply(early, staff, datetime.date(2026, 10, 2))
    queue = list(waitlist_queue(BedApplication.objects.all(), TODAY).values("pk", "points", "current_grade"))  # type: ignore[misc]
    assert [(a["pk"], a["points"]) for a in queue] == [
        (a_poor.pk, Decimal("100")),
        (a_dibao.pk, Decimal("80")),
        (a_older.pk, Decimal("30")),
        (a_early.pk, Decimal("20")),
        (a_plain.pk, Decimal("20")),
    ]
    assert [a["current_grade"] for a in queue] == [None, 3, 3, 4, 4]


def test_basic_bed_application_refused_without_condition(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1950, 1, 1), "二级老人")
    _assess(person, 2, datetime.date(2026, 10, 1), staff)
    with pytest.raises(ValidationError) as error:
        _apply(person, staff, datetime.date(2026, 10, 5))
    assert "basic_bed" in error.value.message_dict
    assert not BedApplication.objects.exists()
    # A general (not 保基本) bed may be applied for at any grade.
    assert _apply(person, staff, datetime.date(2026, 10, 5), basic_bed=False).status == ApplicationStatus.WAITING


def test_offer_accept_admits_and_occupancy_equals_residents(make_person: Any, staff: Any, home: Any) -> None:
    first = born(make_person, datetime.date(1940, 1, 1), "甲老人")
    second = born(make_person, datetime.date(1941, 1, 1), "乙老人")
    for p in (first, second):
        _assess(p, 5, datetime.date(2026, 10, 1), staff)
    a1 = _apply(first, staff, datetime.date(2026, 10, 2), preferred_facilities=[home])
    a2 = _apply(second, staff, datetime.date(2026, 10, 3))
    bed1, bed2 = list(home.beds.order_by("number"))
    assert [a.pk for a in waitlist_for_bed(BedApplication.objects.all(), bed1, TODAY)] == [a1.pk, a2.pk]
    offer = care.bed_offer_create(application=a1, bed=bed1, offered_on=TODAY, acting_user=staff)
    assert offer.expires_on == TODAY + datetime.timedelta(days=7)
    # The offered bed cannot be offered twice; the application leaves the queue while offered.
    with pytest.raises(ValidationError):
        care.bed_offer_create(application=a2, bed=bed1, offered_on=TODAY, acting_user=staff)
    assert [a.pk for a in waitlist_for_bed(BedApplication.objects.all(), bed2, TODAY)] == [a2.pk]
    residency = care.bed_offer_accept(offer=offer, admitted_on=TODAY, acting_user=staff)
    a1.refresh_from_db()
    offer.refresh_from_db()
    assert (a1.status, a1.residency_id, offer.status) == (
        ApplicationStatus.ADMITTED,
        residency.pk,
        OfferStatus.ACCEPTED,
    )
    assert residency.source == f"waitlist:{a1.pk}"
    open_stays = Residency.objects.open().filter(bed__facility=home)
    assert open_stays.count() == 1
    # Discharge frees the bed; transfer keeps the count of open stays equal to the residents.
    facility_services.resident_transfer(residency=residency, to_bed=bed2, transferred_on=TODAY, acting_user=staff)
    assert list(Residency.objects.open().filter(bed__facility=home).values_list("bed_id", flat=True)) == [bed2.pk]
    offer2 = care.bed_offer_create(application=a2, bed=bed1, offered_on=TODAY, acting_user=staff)
    care.bed_offer_accept(offer=offer2, admitted_on=TODAY, acting_user=staff)
    assert Residency.objects.open().filter(bed__facility=home).count() == 2
    stay = Residency.objects.open().get(person=first)
    facility_services.resident_discharge(
        residency=stay, discharged_on=TODAY, reason=DischargeReason.HOME, acting_user=staff
    )
    assert Residency.objects.open().filter(bed__facility=home).count() == 1


def test_decline_and_expiry_requeue_then_withdraw(make_person: Any, staff: Any, home: Any) -> None:
    person = born(make_person, datetime.date(1940, 1, 1), "犹豫老人")
    _assess(person, 4, datetime.date(2026, 10, 1), staff)
    application = _apply(person, staff, datetime.date(2026, 10, 2))
    bed = home.beds.first()
    offer = care.bed_offer_create(
        application=application, bed=bed, offered_on=datetime.date(2026, 10, 10), acting_user=staff
    )
    care.bed_offer_decline(offer=offer, on=datetime.date(2026, 10, 11), reason="离家太远", acting_user=staff)
    application.refresh_from_db()
    assert (application.status, application.declines) == (ApplicationStatus.WAITING, 1)
    offer = care.bed_offer_create(
        application=application, bed=bed, offered_on=datetime.date(2026, 10, 12), acting_user=staff
    )
    assert care.bed_offers_expire(on=datetime.date(2026, 10, 20)) == 1
    offer.refresh_from_db()
    application.refresh_from_db()
    # Second refusal reaches the limit of 2 (policy parameter): the application leaves the queue.
    assert offer.status == OfferStatus.EXPIRED
    assert (application.status, application.declines) == (ApplicationStatus.WITHDRAWN, 2)
    assert not BedOffer.objects.filter(status=OfferStatus.PENDING).exists()


# --- home care -------------------------------------------------------------------------------


def test_home_care_order_hours_and_month_report(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1938, 1, 1), "居家老人")
    _assess(person, 4, datetime.date(2026, 9, 1), staff)
    order = care.homecare_order_create(
        person=person, service=HomeCareService.HOME_CARE, starts_on=datetime.date(2026, 10, 1),
        provider_name="崇明区居家照护服务社", acting_user=staff,
    )  # fmt: skip
    assert (order.grade, order.weekly_hours, order.fund_share) == (4, Decimal("5"), Decimal("0.90"))
    tz = timezone.get_current_timezone()
    visits = []
    for day in (5, 6, 7):
        start = datetime.datetime(2026, 10, day, 9, 0, tzinfo=tz)
        visit = care.homecare_visit_schedule(
            order=order, scheduled_start=start, minutes=60, caregiver_name="护理员乙", acting_user=staff
        )
        visits.append(visit)
    care.homecare_visit_check_in(visit=visits[0], at=datetime.datetime(2026, 10, 5, 9, 2, tzinfo=tz), acting_user=staff)
    done = care.homecare_visit_check_out(
        visit=visits[0], at=datetime.datetime(2026, 10, 5, 10, 32, tzinfo=tz), acting_user=staff
    )
    assert (done.status, done.delivered_minutes) == (VisitStatus.DONE, 90)
    care.homecare_visit_check_in(visit=visits[1], at=datetime.datetime(2026, 10, 6, 9, 0, tzinfo=tz), acting_user=staff)
    care.homecare_visit_check_out(
        visit=visits[1], at=datetime.datetime(2026, 10, 6, 9, 45, tzinfo=tz), acting_user=staff
    )
    care.homecare_visit_mark_missed(visit=visits[2], note="老人住院", acting_user=staff)
    with pytest.raises(ValidationError):
        care.homecare_visit_check_out(
            visit=visits[2], at=datetime.datetime(2026, 10, 7, 10, 0, tzinfo=tz), acting_user=staff
        )
    [row] = homecare_month_report(HomeCareOrder.objects.all(), datetime.date(2026, 10, 1))
    # October: 5 h/week × 31 days / 7 = 22.1 h entitled; 1.5 h + 0.75 h delivered.
    assert (row.entitled_hours, row.delivered_hours, row.scheduled_hours) == (
        Decimal("22.1"),
        Decimal("2.3"),
        Decimal("3.0"),
    )
    assert (row.visits_done, row.visits_missed, row.shortfall) == (2, 1, Decimal("19.8"))
    assert homecare_month_report(HomeCareOrder.objects.all(), datetime.date(2026, 9, 1)) == []


def test_grade_5_order_gets_continuous_care_bonus_hours(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1930, 1, 1), "五级老人")
    _assess(person, 5, datetime.date(2026, 1, 5), staff)
    order = care.homecare_order_create(
        person=person, service=HomeCareService.HOME_CARE, starts_on=datetime.date(2026, 2, 1),
        provider_name="服务社", acting_user=staff,
    )  # fmt: skip
    # February (28 days): 7 × 4 = 28 h, no bonus yet; May: 3 completed months → +1 h; October: 8 → +2 h.
    assert entitled_hours(order, datetime.date(2026, 2, 1)) == Decimal("28.0")
    assert entitled_hours(order, datetime.date(2026, 5, 1)) == Decimal("32.0")  # 7 × 31/7 + 1
    assert entitled_hours(order, datetime.date(2026, 10, 1)) == Decimal("33.0")
    # The month report reads the parameters once for all orders and gives the same hours.
    [row] = homecare_month_report(HomeCareOrder.objects.filter(pk=order.pk), datetime.date(2026, 5, 1))
    assert row.entitled_hours == Decimal("32.0")


def test_respite_has_its_own_limits(make_person: Any, staff: Any) -> None:
    three = born(make_person, datetime.date(1940, 1, 1), "三级老人")
    _assess(three, 3, datetime.date(2026, 9, 1), staff)
    with pytest.raises(ValidationError) as error:
        care.homecare_order_create(
            person=three, service=HomeCareService.RESPITE, starts_on=datetime.date(2026, 10, 1),
            provider_name="长者照护之家", acting_user=staff,
        )  # fmt: skip
    assert "service" in error.value.message_dict
    four = born(make_person, datetime.date(1940, 2, 1), "四级老人")
    _assess(four, 4, datetime.date(2026, 9, 1), staff)
    order = care.homecare_order_create(
        person=four, service=HomeCareService.RESPITE, starts_on=datetime.date(2026, 10, 1),
        provider_name="长者照护之家", acting_user=staff,
    )  # fmt: skip
    # 30 days × 8 h a year (parameters), shown monthly as a twelfth.
    assert order.yearly_hours == Decimal("240.0")
    assert entitled_hours(order, datetime.date(2026, 10, 1)) == Decimal("20.0")


def test_order_needs_a_valid_assessment_of_grade_2_or_more(make_person: Any, staff: Any) -> None:
    never = born(make_person, datetime.date(1940, 1, 1), "未评估")
    one = born(make_person, datetime.date(1940, 1, 2), "一级老人")
    _assess(one, 1, datetime.date(2026, 9, 1), staff)
    for person in (never, one):
        with pytest.raises(ValidationError) as error:
            care.homecare_order_create(
                person=person, service=HomeCareService.HOME_CARE, starts_on=datetime.date(2026, 10, 1),
                provider_name="服务社", acting_user=staff,
            )  # fmt: skip
        assert "person" in error.value.message_dict
    assert not HomeCareOrder.objects.exists()


def test_visits_cannot_be_booked_beyond_the_entitlement(make_person: Any, staff: Any) -> None:
    tz = timezone.get_current_timezone()
    person = born(make_person, datetime.date(1940, 5, 5), "排满老人")
    _assess(person, 2, datetime.date(2026, 9, 1), staff)
    order = care.homecare_order_create(
        person=person, service=HomeCareService.HOME_CARE, starts_on=datetime.date(2026, 10, 1),
        provider_name="服务社", acting_user=staff,
    )  # fmt: skip
    # Grade 2: 3 h/week → October 31 days: 13.3 h. 13 hours fit; 30 more minutes do not.
    for day in range(1, 14):
        start = datetime.datetime(2026, 10, day, 9, 0, tzinfo=tz)
        care.homecare_visit_schedule(
            order=order, scheduled_start=start, minutes=60, caregiver_name="甲", acting_user=staff
        )
    with pytest.raises(ValidationError) as error:
        care.homecare_visit_schedule(
            order=order, scheduled_start=datetime.datetime(2026, 10, 20, 9, 0, tzinfo=tz), minutes=30,
            caregiver_name="甲", acting_user=staff,
        )  # fmt: skip
    assert error.value.message_dict["minutes"] == [
        "超出2026年10月的服务时数：应享 13.3 小时，已排 13.0 小时，本次 30 分钟"
    ]
    # November has its own hours.
    care.homecare_visit_schedule(
        order=order, scheduled_start=datetime.datetime(2026, 11, 2, 9, 0, tzinfo=tz), minutes=60, caregiver_name="甲",
        acting_user=staff,
    )  # fmt: skip
    # Respite: the person's yearly cap (30 days × 8 h = 240 h).
    other = born(make_person, datetime.date(1940, 6, 6), "喘息老人")
    _assess(other, 5, datetime.date(2026, 9, 1), staff)
    respite = care.homecare_order_create(
        person=other, service=HomeCareService.RESPITE, starts_on=datetime.date(2026, 9, 1), provider_name="照护之家",
        acting_user=staff,
    )  # fmt: skip
    for day in range(1, 25):
        start = datetime.datetime(2026, 10, day, 8, 0, tzinfo=tz)
        care.homecare_visit_schedule(
            order=respite, scheduled_start=start, minutes=600, caregiver_name="乙", acting_user=staff
        )
    with pytest.raises(ValidationError):
        care.homecare_visit_schedule(
            order=respite, scheduled_start=datetime.datetime(2026, 11, 1, 8, 0, tzinfo=tz), minutes=30,
            caregiver_name="乙", acting_user=staff,
        )  # fmt: skip


def test_dibao_taken_from_social_assistance_cases(make_person: Any, staff: Any) -> None:
    from assistance.models import Case, CaseMember
    from core import services as core_services

    person = born(make_person, datetime.date(1950, 1, 1), "在保老人")
    household = core_services.household_create(
        acting_user=staff, region=Region.objects.get(code=VILLAGE), head=person, number=f"HH-CARE-{person.pk}"
    )
    counts = {"member_count": 1}
    if any(f.name == "adult_count" for f in Case._meta.get_fields()):
        counts["adult_count"] = 1
    case = Case.objects.create(
        number=f"DB-CARE-{person.pk}", category="dibao", household=household, payee=person, region_id=VILLAGE,
        start_month=datetime.date(2025, 1, 1), **counts,
    )  # fmt: skip
    CaseMember.objects.create(case=case, person=person)
    _assess(person, 4, datetime.date(2026, 10, 1), staff)
    application = _apply(person, staff, datetime.date(2026, 10, 2))  # 低保 not declared at intake
    assert (application.dibao, application.extreme_poverty) == (True, False)
    [row] = waitlist_queue(BedApplication.objects.all(), TODAY).values("points")  # type: ignore[misc]
    assert row["points"] == Decimal("80")  # 低保 60 + grade 4: 20


def test_expiry_of_offers_by_command_and_by_scope(make_person: Any, make_user: Any, staff: Any, home: Any) -> None:
    from django.core.management import call_command

    person = born(make_person, datetime.date(1940, 1, 1), "逾期老人")
    _assess(person, 4, datetime.date(2026, 10, 1), staff)
    application = _apply(person, staff, datetime.date(2026, 10, 2))
    offer = care.bed_offer_create(
        application=application, bed=home.beds.first(), offered_on=datetime.date(2026, 10, 10), acting_user=staff
    )
    other_town = make_user("other-town", "township_officer", "310151102")
    assert care.bed_offers_expire(on=TODAY, acting_user=other_town) == 0  # not in their scope
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING
    call_command("expire_bed_offers", stdout=io.StringIO())
    offer.refresh_from_db()
    application.refresh_from_db()
    assert (offer.status, application.status, application.declines) == (
        OfferStatus.EXPIRED,
        ApplicationStatus.WAITING,
        1,
    )
