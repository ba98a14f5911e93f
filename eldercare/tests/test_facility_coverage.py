"""Coverage shortfalls, 持证率, credit, random draws and the blacklist, with exact figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import DISTRICT, OTHER_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE
from core.models import Region
from eldercare import selectors, services
from eldercare.choices import BedKind, CaregiverLevel, FacilityKind, FindingSeverity, WorkerRole
from eldercare.models import Inspection, InspectionDraw, Inspector
from eldercare.tests.test_facility_models import facility_parameters, make_facility  # noqa: F401

D = datetime.date
ON = D(2026, 1, 1)


@pytest.fixture
def admin(make_user):
    return make_user("eadmin", "district_staff", DISTRICT)


def rule(rules, code):
    return next(r for r in rules if r.code == code)


@pytest.mark.django_db
def test_parameters_seeded_with_sources():
    assert selectors.policy_decimal("eldercare.coverage.beds_per_1000_elderly", OWN_VILLAGE, ON) == Decimal("35")
    info = selectors.policy_value("eldercare.coverage.institutions_per_township", OWN_TOWNSHIP, ON)
    assert info is not None
    assert "每个乡镇至少有1个标准化养老机构" in info.source


@pytest.mark.django_db
def test_coverage_shortfalls_exact(admin, make_person):
    villages = list(
        Region.objects.filter(code__startswith=OWN_TOWNSHIP, level="village", is_retired=False).values_list(
            "code", flat=True
        )
    )
    assert len(villages) > 2
    for code in (OWN_VILLAGE, OTHER_VILLAGE):
        make_facility(admin, name=f"活动室{code}", kind=FacilityKind.ACTIVITY_ROOM, region=code, is_standard=True)
    # A non-standard room does not count.
    make_facility(admin, name="简易活动室", kind=FacilityKind.ACTIVITY_ROOM, region=villages[-1])
    for _ in range(3):
        make_person()  # born 1960: 65 on 1 January 2026
    rules = selectors.coverage_report(OWN_TOWNSHIP, ON)

    rooms = rule(rules, "activity_room")
    assert sorted(r.code for r in rooms.shortfalls) == sorted(set(villages) - {OWN_VILLAGE, OTHER_VILLAGE})
    assert rooms.covered == 2
    assert [(r.code, r.actual, r.required) for r in rule(rules, "institution").rows] == [
        (OWN_TOWNSHIP, Decimal(0), Decimal(1))
    ]
    meals = rule(rules, "meal_capacity")
    assert [(r.actual, r.required, r.basis, r.short) for r in meals.rows] == [(Decimal(0), Decimal("0.12"), 3, True)]
    beds = rule(rules, "beds")
    assert [(r.actual, r.required, r.basis) for r in beds.rows] == [(Decimal(0), Decimal("0.11"), 3)]

    institution = make_facility(admin, name="城桥镇敬老院", is_standard=True)
    services.beds_add(facility=institution, count=2, kind=BedKind.NURSING, acting_user=admin)
    make_facility(admin, name="城桥长者食堂", kind=FacilityKind.CANTEEN, daily_meal_capacity=150)
    make_facility(admin, name="城桥租赁点", kind=FacilityKind.REHAB_AID_RENTAL, floor_area=Decimal("30"))
    rules = selectors.coverage_report(OWN_TOWNSHIP, ON)
    assert rule(rules, "institution").shortfalls == []
    assert rule(rules, "canteen").shortfalls == []
    assert rule(rules, "rehab_rental").shortfalls == []
    assert rule(rules, "meal_capacity").shortfalls == []
    assert [(r.actual, r.short) for r in rule(rules, "beds").rows] == [(Decimal(2), False)]
    # 30 m² for 3 residents against 40 m² per 1,000: enough.
    assert [(r.actual, r.required, r.short) for r in rule(rules, "floor_area").rows] == [
        (Decimal("30.00"), Decimal("0.12"), False)
    ]
    # District-wide live data items.
    assert selectors.data_bed_counts(DISTRICT, ON) == {"general": 0, "nursing": 2, "dementia": 0, "total": 2}
    assert selectors.data_meal_capacity(DISTRICT, ON) == 150
    assert selectors.data_canteen_count(DISTRICT, ON) == 1
    assert selectors.data_activity_room_count(DISTRICT, ON) == 2
    assert selectors.data_institution_count(DISTRICT, ON) == 1
    coverage = selectors.data_rehab_rental_township_coverage(DISTRICT, ON)
    assert coverage["covered"] == 1 and coverage["rate"] == (Decimal(100) / coverage["townships"]).quantize(
        Decimal("0.1")
    )


@pytest.mark.django_db
def test_certification_rate(admin, make_person):
    home = make_facility(admin)
    other = make_facility(admin, name="堡镇养老院", region="310151102001")
    cases = [
        (home, CaregiverLevel.JUNIOR, "C1", D(2020, 1, 1), None),
        (home, CaregiverLevel.SENIOR, "C2", D(2020, 1, 1), D(2030, 1, 1)),
        (home, CaregiverLevel.JUNIOR, "C3", D(2018, 1, 1), D(2025, 12, 31)),  # expired on ON
        (home, CaregiverLevel.NONE, "", None, None),
        (other, CaregiverLevel.INTERMEDIATE, "C5", D(2021, 1, 1), None),
    ]
    for facility, level, number, certified_on, valid_until in cases:
        services.caregiver_create(
            data=services.CaregiverData(
                person=make_person(),
                facility=facility,
                level=level,
                certificate_number=number,
                certified_on=certified_on,
                valid_until=valid_until,
            ),
            acting_user=admin,
        )
    services.caregiver_create(
        data=services.CaregiverData(
            person=make_person(),
            facility=home,
            role=WorkerRole.REHAB_ADVISOR,
            level=CaregiverLevel.JUNIOR,
            certificate_number="R1",
            certified_on=D(2022, 1, 1),
        ),
        acting_user=admin,
    )
    rows = selectors.certification_rates([DISTRICT], ON)
    assert [(r["facility_id"], r["total"], r["certified"], r["rate"]) for r in rows] == [
        (home.pk, 4, 2, Decimal("50.0")),
        (other.pk, 1, 1, Decimal("100.0")),
    ]
    by_township = selectors.certification_rates([DISTRICT], ON, by="township")
    assert [(r["code"], r["certified"], r["total"]) for r in by_township] == [(OWN_TOWNSHIP, 2, 4), ("310151102", 1, 1)]
    assert selectors.data_caregiver_certification(DISTRICT, ON) == {"total": 5, "certified": 3, "rate": Decimal("60.0")}
    assert selectors.data_rehab_advisor_count(DISTRICT, ON) == 1
    with pytest.raises(ValidationError) as exc:
        services.caregiver_create(
            data=services.CaregiverData(person=make_person(), facility=home, level=CaregiverLevel.JUNIOR),
            acting_user=admin,
        )
    assert exc.value.message_dict == {
        "certificate_number": ["有证书等级时须填写证书编号"],
        "certified_on": ["有证书等级时须填写发证日期"],
    }


@pytest.mark.django_db
def test_random_draw_reproducible_and_recorded(admin):
    facilities = [make_facility(admin, name=f"机构{i}") for i in range(6)]
    make_facility(admin, name="食堂", kind=FacilityKind.CANTEEN)
    district = Region.objects.get(code=DISTRICT)
    for i in range(5):
        services.inspector_create(
            name=f"检查员{i}", unit="区民政局", certificate_number=f"ZF{i}", region=district, acting_user=admin
        )
    draw = services.inspection_draw_create(
        title="2026年第一季度双随机抽查",
        region=district,
        facility_kinds=[FacilityKind.CARE_INSTITUTION],
        facility_count=3,
        inspectors_per_facility=2,
        planned_on=D(2026, 3, 1),
        acting_user=admin,
        seed=20260101,
    )
    assert draw.candidate_facility_ids == sorted(f.pk for f in facilities)
    assert len(draw.result) == 3 and all(len(ids) == 2 for _, ids in draw.result)
    assert services.inspection_draw_verify(draw)
    expected = services.draw_selection(draw.candidate_facility_ids, draw.candidate_inspector_ids, 20260101, 3, 2)
    assert draw.result == expected
    inspections = Inspection.objects.filter(draw=draw).order_by("pk")
    assert [i.facility_id for i in inspections] == [fid for fid, _ in draw.result]
    assert [sorted(i.inspectors.values_list("pk", flat=True)) for i in inspections] == [ids for _, ids in draw.result]
    # A tampered record no longer verifies.
    draw.result[0][0] = next(f.pk for f in facilities if f.pk not in [fid for fid, _ in draw.result])
    assert not services.inspection_draw_verify(draw)
    with pytest.raises(ValidationError) as exc:
        services.inspection_draw_create(
            title="x",
            region=district,
            facility_kinds=[FacilityKind.CARE_INSTITUTION],
            facility_count=1,
            inspectors_per_facility=6,
            planned_on=ON,
            acting_user=admin,
        )
    assert exc.value.message_dict == {"inspectors_per_facility": ["检查人员库只有5人，不足每家6人"]}
    assert InspectionDraw.objects.count() == 1
    # An inspector taken out of the pool is not drawn.
    out = Inspector.objects.order_by("pk")[0]
    services.inspector_set_active(inspector=out, is_active=False, acting_user=admin)
    second = services.inspection_draw_create(
        title="第二批",
        region=district,
        facility_kinds=[FacilityKind.CARE_INSTITUTION],
        facility_count=6,
        inspectors_per_facility=4,
        planned_on=D(2026, 4, 1),
        acting_user=admin,
        seed=99,
    )
    assert out.pk not in second.candidate_inspector_ids
    assert all(out.pk not in ids for _, ids in second.result) and len(second.candidate_inspector_ids) == 4


@pytest.mark.django_db
def test_findings_credit_and_blacklist_blocks_subsidy(admin):
    facility = make_facility(admin)
    inspection = Inspection.objects.create(facility=facility, planned_on=D(2025, 6, 1))
    services.inspection_record(
        inspection=inspection,
        inspected_on=D(2025, 6, 2),
        summary="存在消防隐患",
        findings=[
            services.FindingData("消防", FindingSeverity.SERIOUS, "疏散通道堵塞"),
            services.FindingData("台账", FindingSeverity.MINOR, "护理记录缺失"),
        ],
        acting_user=admin,
    )
    serious, minor = inspection.findings.order_by("id")
    assert (serious.deadline, minor.deadline) == (D(2025, 6, 9), D(2025, 7, 2))
    services.finding_rectify(finding=minor, rectified_on=D(2025, 6, 20), follow_up="已补齐", acting_user=admin)
    # serious: 10 + overdue 5; minor on time: 2 → 83.
    scores = selectors.credit_scores([facility.pk], ON, OWN_VILLAGE)
    assert scores[facility.pk]["score"] == Decimal("83")
    assert scores[facility.pk]["findings"] == {"minor": 1, "major": 0, "serious": 1, "overdue": 1}
    assert services.findings_mark_overdue(on=ON) == 1

    assert not selectors.facility_subsidy_blocked(facility, D(2025, 7, 1))
    entry = services.blacklist_add(
        facility=facility, listed_on=D(2025, 7, 1), reason="严重问题逾期未整改", acting_user=admin
    )
    assert selectors.facility_subsidy_blocked(facility, D(2025, 7, 1))
    assert selectors.facility_subsidy_blocked(facility.pk, D(2025, 12, 31))
    assert not selectors.facility_subsidy_blocked(facility, D(2025, 6, 30))
    assert selectors.blocked_facility_ids(D(2025, 8, 1)) == {facility.pk}
    with pytest.raises(ValidationError):
        services.blacklist_add(facility=facility, listed_on=D(2025, 8, 1), reason="重复", acting_user=admin)
    services.blacklist_remove(entry=entry, removed_on=D(2025, 10, 1), reason="整改到位", acting_user=admin)
    assert selectors.facility_subsidy_blocked(facility, D(2025, 9, 30))
    assert not selectors.facility_subsidy_blocked(facility, D(2025, 10, 1))
