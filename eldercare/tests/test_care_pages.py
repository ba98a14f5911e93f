"""The care pages and API do what they say: writes land (assessment, offer → admission, visits),
exports hold the listed rows, the dashboard counts grades, and the demo builder is idempotent."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from conftest import DISTRICT, OWN_VILLAGE, api_client, client_for
from core.auth import api_token_issue
from core.models import Region
from eldercare import services as facility_services
from eldercare import services_care as care
from eldercare.choices import BedKind, FacilityKind, Ownership
from eldercare.choices_care import ApplicationStatus, HomeCareService, VisitStatus
from eldercare.models import BedApplication, CareAssessment, HomeCareOrder, HomeCareVisit, Residency
from eldercare.policy_care import ensure_care_parameters
from eldercare.tests.care_fixtures import born

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def parameters(db: Any) -> None:
    ensure_care_parameters()


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user("care-pages", "district_staff", DISTRICT)


def _sheet(response: Any) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_assessment_created_on_the_page_and_listed_and_exported(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1941, 4, 2), "页面评估")
    from core.crypto import decrypt

    number = decrypt(person.id_number_encrypted)
    client = client_for(staff)
    today = timezone.localdate()
    response = client.post(
        "/eldercare/care/assessments/new/",
        {"id_number": number, "grade": "5", "assessed_on": today.isoformat(), "agency": "评估中心", "assessor": "甲",
         "adl": "35", "diseases": "高血压、糖尿病", "cognitive_impairment": "on"},
    )  # fmt: skip
    assessment = CareAssessment.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == f"/eldercare/care/assessments/{assessment.pk}/"
    assert (assessment.grade, assessment.cognitive_impairment) == (5, True)
    assert assessment.dimensions == {"adl": 35, "diseases": ["高血压", "糖尿病"]}
    assert assessment.valid_until == today.replace(year=today.year + 2) - datetime.timedelta(days=1)
    detail = client.get(f"/eldercare/care/assessments/{assessment.pk}/").content.decode()
    assert "照护五级" in detail and "每周 7 小时" in detail
    rows = _sheet(client.get("/eldercare/care/assessments/?grade=5&format=xlsx"))
    assert rows[0][:4] == ["姓名", "年龄", "所属村居", "照护等级"]
    assert [r[0] for r in rows[1:]] == ["页面评估"] and rows[1][3] == "照护五级"
    # A second assessment the same day is refused with the field named.
    again = client.post(
        "/eldercare/care/assessments/new/",
        {"id_number": number, "grade": "4", "assessed_on": today.isoformat(), "agency": "评估中心", "assessor": "甲"},
    )
    assert again.status_code == 200 and "该老人当日已有评估记录" in again.content.decode()
    assert CareAssessment.objects.filter(person=person).count() == 1


def test_dashboard_counts_valid_assessments_by_grade(make_person: Any, staff: Any) -> None:
    day = timezone.localdate() - datetime.timedelta(days=10)
    for i, grade in enumerate([2, 4, 4, 6]):
        p = born(make_person, datetime.date(1940, 1, 1 + i), "统计" + "甲乙丙丁"[i])
        care.care_assessment_create(
            person=p, grade=grade, assessed_on=day, agency="中心", assessor="甲", acting_user=staff
        )
    old = born(make_person, datetime.date(1939, 1, 1), "过期老人")
    care.care_assessment_create(
        person=old,
        grade=3,
        assessed_on=day - datetime.timedelta(days=800),
        agency="中心",
        assessor="甲",
        acting_user=staff,
    )
    api = api_client(api_token_issue(staff)[0])
    counts = {row["grade"]: row["count"] for row in api.get("/api/v1/eldercare/care/assessments/grades").json()}
    assert counts == {0: 0, 1: 0, 2: 1, 3: 0, 4: 2, 5: 0, 6: 1, 9: 0}
    page = client_for(staff).get("/eldercare/care/assessments/dashboard/").content.decode()
    assert '"values": [0, 0, 1, 0, 2, 0, 1, 0]' in page
    due = client_for(staff).get("/eldercare/care/assessments/?status=due").content.decode()
    assert "过期老人" in due and "统计甲" not in due


def test_offer_accepted_on_the_page_admits_the_person(make_person: Any, staff: Any) -> None:
    facility = facility_services.facility_create(
        data=facility_services.FacilityData(
            name="页面敬老院", kind=FacilityKind.CARE_INSTITUTION, region=Region.objects.get(code=OWN_VILLAGE),
            ownership=Ownership.PUBLIC,
        ),
        acting_user=None,
    )  # fmt: skip
    [bed] = facility_services.beds_add(
        facility=facility, count=1, kind=BedKind.GENERAL, is_basic=True, acting_user=None
    )
    person = born(make_person, datetime.date(1936, 2, 2), "入住老人")
    today = timezone.localdate()
    care.care_assessment_create(
        person=person, grade=4, assessed_on=today, agency="中心", assessor="甲", acting_user=staff
    )
    application = care.bed_application_create(person=person, applied_on=today, acting_user=staff)
    client = client_for(staff)
    queue = client.get("/eldercare/care/waitlist/").content.decode()
    assert application.number in queue and "照护四级" in queue
    client.post(f"/eldercare/care/waitlist/{application.pk}/offer/", {"bed": bed.pk, "offered_on": today.isoformat()})
    offer = application.offers.get()
    response = client.post(
        f"/eldercare/care/waitlist/offers/{offer.pk}/reply/", {"action": "accept", "on": today.isoformat()}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ADMITTED
    assert Residency.objects.open().get(person=person).bed_id == bed.pk
    assert application.number not in client.get("/eldercare/care/waitlist/").content.decode()
    detail = client.get(f"/eldercare/care/waitlist/{application.pk}/").content.decode()
    assert f"/eldercare/facilities/{facility.pk}/" in detail and "已入住" in detail


def test_visits_checked_in_and_out_on_the_page_count_in_the_report(make_person: Any, staff: Any) -> None:
    person = born(make_person, datetime.date(1938, 3, 3), "居家页面")
    today = timezone.localdate()
    care.care_assessment_create(
        person=person, grade=3, assessed_on=today - datetime.timedelta(days=40), agency="中心", assessor="甲",
        acting_user=staff,
    )  # fmt: skip
    order = care.homecare_order_create(
        person=person, service=HomeCareService.HOME_CARE, starts_on=today.replace(day=1), provider_name="服务社",
        acting_user=staff,
    )  # fmt: skip
    client = client_for(staff)
    client.post(
        f"/eldercare/care/homecare/{order.pk}/visits/",
        {"scheduled_start": f"{today.isoformat()}T09:00", "minutes": "60", "caregiver_name": "张阿姨"},
    )
    visit = HomeCareVisit.objects.get(order=order)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(today, datetime.time(9, 0), tzinfo=tz)
    client.post(f"/eldercare/care/homecare/visits/{visit.pk}/", {"action": "check_in", "at": f"{today}T09:00"})
    client.post(
        f"/eldercare/care/homecare/visits/{visit.pk}/", {"action": "check_out", "at": f"{today}T10:12", "text": "助浴"}
    )
    visit.refresh_from_db()
    assert (visit.status, visit.delivered_minutes, visit.checked_in_at) == (VisitStatus.DONE, 72, start)
    rows = _sheet(client.get(f"/eldercare/care/homecare/report/?month={today:%Y-%m}&format=xlsx"))
    assert rows[1][0] == order.number
    assert Decimal(str(rows[1][7])) == Decimal("1.2")  # 72 minutes delivered


def test_demo_builder_is_idempotent(staff: Any) -> None:
    from core.generator import generate_district
    from eldercare.demo_care import build_care_demo
    from eldercare.demo_facilities import build_facilities_demo

    generate_district(profile_name="chongming", scale=0.002, seed=3)
    build_facilities_demo("chongming", 3)
    line = build_care_demo("chongming", 3)
    assert CareAssessment.objects.count() > 50
    assert BedApplication.objects.count() >= 10 and HomeCareOrder.objects.count() >= 5
    assert HomeCareVisit.objects.filter(status=VisitStatus.DONE).exists()
    from payments.models import PayrollRun

    runs = PayrollRun.objects.filter(scheme="eldercare.senior_allowance")
    assert runs.count() == 4 and all(r.total_count > 0 for r in runs)
    counts = (CareAssessment.objects.count(), BedApplication.objects.count(), HomeCareVisit.objects.count())
    again = build_care_demo("chongming", 3)
    assert again == "评估已存在；停发名单已存在；发放批次已存在；轮候已存在；居家照护已存在"
    assert (CareAssessment.objects.count(), BedApplication.objects.count(), HomeCareVisit.objects.count()) == counts
    assert line != again


def test_api_flow_assessment_application_queue_and_allowance(make_person: Any, staff: Any) -> None:
    from core.crypto import decrypt

    api = api_client(api_token_issue(staff)[0])
    today = timezone.localdate()
    person = born(make_person, datetime.date(today.year - 75, 1, 1), "接口老人")
    number = decrypt(person.id_number_encrypted)
    created = api.post(
        "/api/v1/eldercare/care/assessments",
        {"id_number": number, "grade": 4, "assessed_on": today.isoformat(), "agency": "中心", "assessor": "甲"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["grade_label"] == "照护四级"
    bad = api.post(
        "/api/v1/eldercare/care/assessments",
        {"id_number": number, "grade": 8, "assessed_on": today.isoformat(), "agency": "中心", "assessor": "甲"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"grade", "assessed_on"}
    applied = api.post(
        "/api/v1/eldercare/care/bed-applications",
        {"id_number": number, "applied_on": today.isoformat(), "dibao": True},
        content_type="application/json",
    )
    assert applied.status_code == 201
    queue = api.get("/api/v1/eldercare/care/waitlist").json()
    assert [(r["position"], r["number"], r["points"], r["current_grade"]) for r in queue["results"]] == [
        (1, applied.json()["number"], "80.0", 4)  # 低保 60 + grade 4: 20
    ]
    roll = api.get(f"/api/v1/eldercare/care/allowances?month={today:%Y-%m}").json()
    assert [(r["person"]["name"], r["age"], r["amount"]) for r in roll["results"]] == [("接口老人", 75, "150.00")]


def test_due_list_follows_the_notice_parameter(make_person: Any, staff: Any) -> None:
    from core import services as core_services
    from eldercare.policy_care import NOTICE_DAYS

    today = timezone.localdate()
    person = born(make_person, datetime.date(1942, 2, 2), "临期老人")
    # Valid until today + 30 days: inside the 60-day default notice, outside a 20-day one.
    assessed = today.replace(year=today.year - 2) + datetime.timedelta(days=31)
    care.care_assessment_create(
        person=person, grade=3, assessed_on=assessed, agency="中心", assessor="甲", acting_user=staff
    )
    client = client_for(staff)
    assert "临期老人" in client.get("/eldercare/care/assessments/?status=due").content.decode()
    core_services.policy_parameter_set(
        acting_user=None, code=NOTICE_DAYS, name="复评提醒提前天数", region=Region.objects.get(code=DISTRICT),
        effective_from=today - datetime.timedelta(days=1), value="20",
    )  # fmt: skip
    assert "临期老人" not in client.get("/eldercare/care/assessments/?status=due").content.decode()


def test_allowance_page_totals_per_band(make_person: Any, staff: Any) -> None:
    today = timezone.localdate()
    born(make_person, datetime.date(today.year - 66, 1, 1), "六十六岁")
    born(make_person, datetime.date(today.year - 67, 1, 1), "六十七岁")
    born(make_person, datetime.date(today.year - 91, 1, 1), "九十一岁")
    born(make_person, datetime.date(today.year - 40, 1, 1), "四十岁")
    page = client_for(staff).get(f"/eldercare/care/allowances/?month={today:%Y-%m}").content.decode()
    assert '75.00 元档</div><div class="value">2 人' in page
    assert '350.00 元档</div><div class="value">1 人' in page
    assert "3 人 · 500.00 元" in page and "四十岁" not in page
    rows = _sheet(client_for(staff).get(f"/eldercare/care/allowances/?month={today:%Y-%m}&format=xlsx"))
    assert sorted((r[0], r[5]) for r in rows[1:]) == [("九十一岁", 350), ("六十七岁", 75), ("六十六岁", 75)]
