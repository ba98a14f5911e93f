"""Access matrix of the facility side's endpoints, web and API: anonymous / no permission /
other region / own region / parent region. Refused requests write nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import DISTRICT, OTHER_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE
from core.crypto import decrypt
from core.models import AuditEvent, Person, Region, User
from core.tests.matrix import (
    COLUMNS,
    FORBIDDEN,
    FOUND_NOT,
    Case,
    check,
    client_for_column,
    create_access,
    list_access,
    object_access,
)
from eldercare import services
from eldercare.choices import BedKind, FacilityKind
from eldercare.models import (
    Bed,
    BlacklistEntry,
    Caregiver,
    Facility,
    FacilityStaff,
    Finding,
    Inspection,
    InspectionDraw,
    Inspector,
    Residency,
)
from eldercare.tests.test_facility_models import facility_parameters, make_facility  # noqa: F401

FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "view": {
        "noperm": ("viewer", OWN_VILLAGE),
        "other": ("village_worker", OTHER_VILLAGE),
        "own": ("village_worker", OWN_VILLAGE),
        "parent": ("township_officer", OWN_TOWNSHIP),
    },
    "manage": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "change": {
        "noperm": ("township_officer", OWN_TOWNSHIP),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_admin", "31"),
    },
    "supervise_view": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "supervise": {
        "noperm": ("township_officer", OWN_TOWNSHIP),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_admin", "31"),
    },
    # Facility staff: "other" is linked to another facility in the same village.
    "portal": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("facility_staff", OWN_VILLAGE),
        "own": ("facility_staff", OWN_VILLAGE),
        "parent": ("facility_staff", OWN_TOWNSHIP),
    },
}


@dataclass
class World:
    a: Facility
    b: Facility
    neighbour: Facility
    bed: Bed
    free_bed: Bed
    stay: Residency
    newcomer: Person
    newcomer_id: str
    worker_id: str
    caregiver: Caregiver
    inspection: Inspection
    recorded: Inspection
    finding: Finding
    entry: BlacklistEntry
    staff_link: FacilityStaff
    inspector_id: int


@pytest.fixture
def world(make_user: Any, make_person: Any) -> World:
    admin = make_user("world-admin", "district_staff", DISTRICT)
    a = make_facility(admin, name="南门敬老院甲")
    b = make_facility(admin, name="花园弄敬老院乙", region=OTHER_VILLAGE)
    neighbour = make_facility(admin, name="南门第二养老院")
    bed, free_bed = services.beds_add(facility=a, count=2, kind=BedKind.NURSING, acting_user=admin)
    bed, free_bed = Bed.objects.get(facility=a, number=bed.number), Bed.objects.get(facility=a, number=free_bed.number)
    resident = make_person("在住老人")
    stay = services.resident_admit(bed=bed, person=resident, admitted_on=datetime.date(2025, 1, 1), acting_user=admin)
    newcomer = make_person("新入住老人")
    worker = make_person("护理员新人")
    caregiver = services.caregiver_create(
        data=services.CaregiverData(person=make_person("护理员张"), facility=a), acting_user=admin
    )
    district = Region.objects.get(code=DISTRICT)
    for i in range(2):
        services.inspector_create(
            name=f"检查员{i}", unit="区民政局", certificate_number=f"ZF-{i}", region=district, acting_user=admin
        )
    inspection = Inspection.objects.create(facility=a, planned_on=datetime.date(2025, 5, 1))
    recorded = Inspection.objects.create(facility=a, planned_on=datetime.date(2025, 4, 1))
    services.inspection_record(
        inspection=recorded,
        inspected_on=datetime.date(2025, 4, 2),
        summary="发现问题",
        findings=[services.FindingData("消防", "serious", "通道堵塞")],
        acting_user=admin,
    )
    finding = recorded.findings.get()
    entry = services.blacklist_add(
        facility=a, listed_on=datetime.date(2025, 4, 10), reason="逾期未整改", acting_user=admin
    )
    staff_user = make_user("world-portal")
    staff_link = services.facility_staff_add(facility=a, user=staff_user, acting_user=admin)
    return World(
        a=a,
        b=b,
        neighbour=neighbour,
        bed=bed,
        free_bed=free_bed,
        stay=stay,
        newcomer=newcomer,
        newcomer_id=decrypt(newcomer.id_number_encrypted),
        worker_id=decrypt(worker.id_number_encrypted),
        caregiver=caregiver,
        inspection=inspection,
        recorded=recorded,
        finding=finding,
        entry=entry,
        staff_link=staff_link,
        inspector_id=Inspector.objects.order_by("pk").values_list("pk", flat=True).first() or 0,
    )


def _snapshot(world: World) -> tuple[Any, ...]:
    world.a.refresh_from_db()
    return (
        Facility.objects.count(),
        Bed.objects.count(),
        tuple(Residency.objects.order_by("id").values_list("bed_id", "person_id", "discharged_on")),
        Caregiver.objects.count(),
        Inspection.objects.count(),
        tuple(Inspection.objects.order_by("id").values_list("status", "is_published")),
        Finding.objects.count(),
        BlacklistEntry.objects.count(),
        InspectionDraw.objects.count(),
        FacilityStaff.objects.count(),
        tuple(Inspector.objects.order_by("pk").values_list("is_active", flat=True)),
        AuditEvent.objects.count(),
        (world.a.name, world.a.floor_area),
    )


def _facility_form(w: World) -> dict[str, Any]:
    return {
        "name": "新登记长者食堂",
        "kind": "canteen",
        "region": OWN_VILLAGE,
        "licence_state": "none",
        "floor_area": "100",
        "daily_meal_capacity": "50",
        "status": "open",
    }


E = "/eldercare"
A = "/api/v1/eldercare"

WEB_CASES = [
    Case("facility_list", "view", "get", lambda w: f"{E}/facilities/", expect=list_access(), marker=lambda w: w.a.name),
    Case("facility_detail", "view", "get", lambda w: f"{E}/facilities/{w.a.pk}/", expect=object_access()),
    Case("facility_export", "view", "get", lambda w: f"{E}/facilities/export/", expect=list_access()),
    Case("coverage", "view", "get", lambda w: f"{E}/facilities/coverage/", expect=list_access()),
    Case("dashboard", "view", "get", lambda w: f"{E}/facilities/dashboard/", expect=list_access()),
    Case(
        "caregiver_list", "view", "get", lambda w: f"{E}/caregivers/", expect=list_access(), marker=lambda w: "护理员张"
    ),
    Case(
        "facility_create",
        "change",
        "post",
        lambda w: f"{E}/facilities/new/",
        data=_facility_form,
        expect=create_access(),
        success=302,
    ),
    Case(
        "facility_edit",
        "change",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/edit/",
        data=lambda w: {**_facility_form(w), "kind": "institution", "ownership": "public", "daily_meal_capacity": "0"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "bed_add",
        "manage",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/beds/",
        data=lambda w: {"count": 2, "kind": "general"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "admit",
        "manage",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/admit/",
        data=lambda w: {"id_number": w.newcomer_id, "bed": w.free_bed.pk, "admitted_on": "2025-06-01"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "discharge",
        "manage",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/stays/{w.stay.pk}/discharge/",
        data=lambda w: {"discharged_on": "2025-06-01", "reason": "home"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "caregiver_add",
        "manage",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/caregivers/",
        data=lambda w: {"id_number": w.worker_id, "role": "caregiver", "level": "none"},
        expect=object_access(),
        success=302,
    ),
    Case("portal_facility", "portal", "get", lambda w: f"{E}/portal/{w.a.pk}/", expect=object_access()),
    Case(
        "portal_admit",
        "portal",
        "post",
        lambda w: f"{E}/portal/{w.a.pk}/admit/",
        data=lambda w: {"id_number": w.newcomer_id, "bed": w.free_bed.pk, "admitted_on": "2025-06-01"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "portal_caregiver_leave",
        "portal",
        "post",
        lambda w: f"{E}/portal/{w.a.pk}/caregivers/{w.caregiver.pk}/leave/",
        data=lambda w: {"left_on": "2025-06-01"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "inspection_list",
        "supervise_view",
        "get",
        lambda w: f"{E}/supervision/",
        expect=list_access(),
        marker=lambda w: w.a.name,
    ),
    Case(
        "inspection_detail",
        "supervise_view",
        "get",
        lambda w: f"{E}/supervision/inspections/{w.inspection.pk}/",
        expect=object_access(),
    ),
    Case(
        "inspection_record",
        "supervise",
        "post",
        lambda w: f"{E}/supervision/inspections/{w.inspection.pk}/",
        data=lambda w: {"inspected_on": "2025-05-02", "summary": "合格", "findings": "台账|一般|缺页"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "blacklist_add",
        "supervise",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/blacklist/",
        data=lambda w: {"listed_on": "2025-06-01", "reason": "严重违规"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "draw_create",
        "supervise",
        "post",
        lambda w: f"{E}/supervision/draws/new/",
        data=lambda w: {
            "title": "抽查",
            "region": DISTRICT,
            "facility_kinds": [FacilityKind.CARE_INSTITUTION],
            "facility_count": 1,
            "inspectors_per_facility": 1,
            "planned_on": "2025-07-01",
        },
        expect=create_access(),
        success=302,
    ),
]

WEB_CASES += [
    Case(
        "residency_list",
        "view",
        "get",
        lambda w: f"{E}/residents/",
        expect=list_access(),
        marker=lambda w: "在住老人",
    ),
    Case(
        "bed_update",
        "manage",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/beds/{w.free_bed.pk}/",
        data=lambda w: {"kind": "dementia", "is_active": "on"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "caregiver_leave",
        "manage",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/caregivers/{w.caregiver.pk}/leave/",
        data=lambda w: {"left_on": "2025-06-01"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "staff_add",
        "change",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/staff/",
        data=lambda w: {"username": "world-admin"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "staff_remove",
        "change",
        "post",
        lambda w: f"{E}/facilities/{w.a.pk}/staff/{w.staff_link.pk}/remove/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "inspection_publish",
        "supervise",
        "post",
        lambda w: f"{E}/supervision/inspections/{w.recorded.pk}/publish/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "finding_rectify",
        "supervise",
        "post",
        lambda w: f"{E}/supervision/findings/{w.finding.pk}/rectify/",
        data=lambda w: {"rectified_on": "2025-04-05", "follow_up": "已清理"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "blacklist_remove",
        "supervise",
        "post",
        lambda w: f"{E}/supervision/blacklist/{w.entry.pk}/remove/",
        data=lambda w: {"removed_on": "2025-06-01", "reason": "整改到位"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "inspector_toggle",
        "supervise",
        "post",
        lambda w: f"{E}/supervision/inspectors/{w.inspector_id}/toggle/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "credit_list",
        "supervise_view",
        "get",
        lambda w: f"{E}/supervision/credit/",
        expect=list_access(),
        marker=lambda w: w.a.name,
    ),
    Case(
        "draw_detail_list",
        "supervise_view",
        "get",
        lambda w: f"{E}/supervision/inspectors/",
        expect=list_access(),
    ),
]

API_CASES = [
    Case(
        "api_facility_list",
        "view",
        "get",
        lambda w: f"{A}/facilities",
        api=True,
        expect=list_access(),
        marker=lambda w: w.a.name,
    ),
    Case("api_facility_detail", "view", "get", lambda w: f"{A}/facilities/{w.a.pk}", api=True, expect=object_access()),
    Case("api_beds", "view", "get", lambda w: f"{A}/facilities/{w.a.pk}/beds", api=True, expect=object_access()),
    Case("api_coverage", "view", "get", lambda w: f"{A}/coverage", api=True, expect=list_access()),
    Case(
        "api_facility_create",
        "change",
        "post",
        lambda w: f"{A}/facilities",
        api=True,
        data=lambda w: {"name": "接口食堂", "kind": "canteen", "region": OWN_VILLAGE, "daily_meal_capacity": 30},
        expect=create_access(),
        success=201,
    ),
    Case(
        "api_admit",
        "manage",
        "post",
        lambda w: f"{A}/facilities/{w.a.pk}/residents",
        api=True,
        data=lambda w: {"bed_id": w.free_bed.pk, "id_number": w.newcomer_id, "admitted_on": "2025-06-01"},
        expect=object_access(),
        success=201,
    ),
    Case(
        "api_discharge",
        "manage",
        "post",
        lambda w: f"{A}/residents/{w.stay.pk}/discharge",
        api=True,
        data=lambda w: {"discharged_on": "2025-06-01", "reason": "home"},
        expect=object_access(),
    ),
    Case(
        "api_portal_admit",
        "portal",
        "post",
        lambda w: f"{A}/facilities/{w.a.pk}/residents",
        api=True,
        data=lambda w: {"bed_id": w.free_bed.pk, "id_number": w.newcomer_id, "admitted_on": "2025-06-01"},
        expect=object_access(),
        success=201,
    ),
    Case(
        "api_inspections",
        "supervise_view",
        "get",
        lambda w: f"{A}/inspections",
        api=True,
        expect=list_access(),
        marker=lambda w: w.a.name,
    ),
    Case(
        "api_inspection_record",
        "supervise",
        "post",
        lambda w: f"{A}/inspections/{w.inspection.pk}/record",
        api=True,
        data=lambda w: {"inspected_on": "2025-05-02", "summary": "合格", "findings": []},
        expect=object_access(),
    ),
]

API_CASES += [
    Case(
        "api_residents",
        "view",
        "get",
        lambda w: f"{A}/residents",
        api=True,
        expect=list_access(),
        marker=lambda w: "在住老人",
    ),
    Case(
        "api_caregivers",
        "view",
        "get",
        lambda w: f"{A}/caregivers",
        api=True,
        expect=list_access(),
        marker=lambda w: "护理员张",
    ),
    Case(
        "api_facility_update",
        "change",
        "put",
        lambda w: f"{A}/facilities/{w.a.pk}",
        api=True,
        data=lambda w: {"name": "改名敬老院", "kind": "institution", "region": OWN_VILLAGE, "ownership": "public"},
        expect=object_access(),
    ),
    Case(
        "api_bed_add",
        "manage",
        "post",
        lambda w: f"{A}/facilities/{w.a.pk}/beds",
        api=True,
        data=lambda w: {"count": 1, "kind": "general"},
        expect=object_access(),
        success=201,
    ),
    Case(
        "api_transfer",
        "manage",
        "post",
        lambda w: f"{A}/residents/{w.stay.pk}/transfer",
        api=True,
        data=lambda w: {"to_bed_id": w.free_bed.pk, "transferred_on": "2025-06-01"},
        expect=object_access(),
    ),
    Case(
        "api_caregiver_create",
        "manage",
        "post",
        lambda w: f"{A}/facilities/{w.a.pk}/caregivers",
        api=True,
        data=lambda w: {"id_number": w.worker_id},
        expect=object_access(),
        success=201,
    ),
    Case(
        "api_draw_create",
        "supervise",
        "post",
        lambda w: f"{A}/inspection-draws",
        api=True,
        data=lambda w: {
            "title": "接口抽查",
            "region": DISTRICT,
            "facility_kinds": ["institution"],
            "facility_count": 1,
            "inspectors_per_facility": 1,
            "planned_on": "2025-07-01",
        },
        expect=create_access(),
        success=201,
    ),
]

CASES = WEB_CASES + API_CASES


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_facility_access_matrix(case: Case, column: str, world: World, make_user: Any, api_token: Any) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    if case.family == "portal" and column in ("other", "own", "parent"):
        user = User.objects.get(username=f"matrix-{column}")
        FacilityStaff.objects.create(user=user, facility=world.neighbour if column == "other" else world.a)
    check(case, column, world, client, lambda: _snapshot(world))


def test_matrix_covers_the_refusals() -> None:
    # Every family has a column that is refused outright and one refused as not found.
    for case in CASES:
        assert FORBIDDEN in case.expect.values() or FOUND_NOT in case.expect.values(), case.id
