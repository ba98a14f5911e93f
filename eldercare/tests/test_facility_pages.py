"""Pages, portal scoping, imports, API and the demo builder of the facility side."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.db.models import Count
from openpyxl import Workbook, load_workbook

from conftest import DISTRICT, OTHER_VILLAGE, OWN_VILLAGE, api_client, client_for
from core.models import Job, Region, Role
from core.services import role_grant_create
from eldercare import services
from eldercare.choices import BedKind, CaregiverLevel, FacilityKind
from eldercare.models import Bed, Caregiver, Facility, Residency
from eldercare.tests.test_facility_models import facility_parameters, make_facility  # noqa: F401

D = datetime.date


@pytest.fixture
def admin(make_user):
    return make_user("eadmin", "district_staff", DISTRICT)


@pytest.fixture
def home(admin):
    facility = make_facility(admin, is_standard=True)
    services.beds_add(facility=facility, count=3, kind=BedKind.NURSING, acting_user=admin)
    return facility


def portal_user(make_user, facility, name="portal"):
    user = make_user(name)
    role_grant_create(acting_user=None, user=user, role=Role.objects.get(code="facility_staff"), region=facility.region)
    bureau = make_user(f"{name}-bureau", "district_staff", DISTRICT)
    services.facility_staff_add(facility=facility, user=user, acting_user=bureau)
    return user


@pytest.mark.django_db
def test_every_page_renders(admin, home, make_person):
    person = make_person("入住老人", id_number=None)
    bed = home.beds.first()
    services.resident_admit(bed=bed, person=person, admitted_on=D(2025, 1, 1), acting_user=admin)
    services.inspector_create(
        name="检查员甲",
        unit="区民政局",
        certificate_number="ZF1",
        region=Region.objects.get(code=DISTRICT),
        acting_user=admin,
    )
    services.inspector_create(
        name="检查员乙",
        unit="区民政局",
        certificate_number="ZF2",
        region=Region.objects.get(code=DISTRICT),
        acting_user=admin,
    )
    draw = services.inspection_draw_create(
        title="抽查",
        region=Region.objects.get(code=DISTRICT),
        facility_kinds=[FacilityKind.CARE_INSTITUTION],
        facility_count=1,
        inspectors_per_facility=2,
        planned_on=D(2025, 6, 1),
        acting_user=admin,
        seed=7,
    )
    inspection = draw.inspections.get()
    client = client_for(admin)
    pages = [
        "/eldercare/facilities/",
        "/eldercare/facilities/?kind=institution&q=城桥",
        f"/eldercare/facilities/{home.pk}/",
        f"/eldercare/facilities/{home.pk}/edit/",
        "/eldercare/facilities/new/",
        "/eldercare/facilities/coverage/",
        "/eldercare/facilities/dashboard/",
        "/eldercare/facilities/import/",
        "/eldercare/caregivers/",
        "/eldercare/caregivers/certification/",
        "/eldercare/caregivers/import/",
        "/eldercare/supervision/",
        f"/eldercare/supervision/inspections/{inspection.pk}/",
        "/eldercare/supervision/draws/new/",
        f"/eldercare/supervision/draws/{draw.pk}/",
        "/eldercare/supervision/inspectors/",
        "/eldercare/supervision/credit/",
        "/eldercare/supervision/results/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
    body = client.get(f"/eldercare/facilities/{home.pk}/").content.decode()
    assert "入住老人" in body and "城桥敬老院" in body
    assert (
        "按留存的候选名单与种子重新抽取，结果一致"
        in client.get(f"/eldercare/supervision/draws/{draw.pk}/").content.decode()
    )
    export = client.get("/eldercare/facilities/export/")
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == "城桥敬老院" and rows[1][14:18] == (3, 3, 0, 1)
    coverage = client.get("/eldercare/facilities/coverage/?region=310151101&format=xlsx")
    cov_rows = list(load_workbook(io.BytesIO(coverage.content)).active.iter_rows(values_only=True))
    assert ("每个乡镇至少有1个标准化养老机构", "城桥镇") not in [r[:2] for r in cov_rows]
    assert any(r[0] == "社区长者食堂乡镇全覆盖" and r[1] == "城桥镇" and r[5] == 1 for r in cov_rows[1:])
    credit = client.get("/eldercare/supervision/credit/?format=xlsx")
    credit_rows = list(load_workbook(io.BytesIO(credit.content)).worksheets[0].iter_rows(values_only=True))
    assert credit_rows[1][:3] == ("城桥敬老院", "城桥镇南门居委会", 100)
    for url in (
        "/eldercare/caregivers/export/",
        "/eldercare/supervision/export/",
        "/eldercare/caregivers/certification/?format=xlsx",
    ):
        assert client.get(url)["Content-Type"].startswith("application/vnd.openxmlformats"), url


@pytest.mark.django_db
def test_web_admit_discharge_and_record_inspection(admin, home, make_person):
    from core.crypto import decrypt

    person = make_person("王阿婆")
    id_number = decrypt(person.id_number_encrypted)
    bed = home.beds.order_by("number").first()
    client = client_for(admin)
    response = client.post(
        f"/eldercare/facilities/{home.pk}/admit/",
        {"id_number": id_number, "bed": bed.pk, "admitted_on": "2025-03-01"},
    )
    assert response.status_code == 302
    stay = Residency.objects.get(person=person)
    assert (stay.bed_id, stay.admitted_on) == (bed.pk, D(2025, 3, 1))
    # Unknown ID number: a message, nothing written.
    client.post(
        f"/eldercare/facilities/{home.pk}/admit/",
        {"id_number": "310230196005170011", "bed": bed.pk, "admitted_on": "2025-03-01"},
        follow=True,
    )
    assert Residency.objects.count() == 1
    client.post(
        f"/eldercare/facilities/{home.pk}/stays/{stay.pk}/discharge/", {"discharged_on": "2025-04-01", "reason": "home"}
    )
    stay.refresh_from_db()
    assert stay.discharged_on == D(2025, 4, 1)

    from eldercare.models import Inspection

    inspection = Inspection.objects.create(facility=home, planned_on=D(2025, 5, 1))
    response = client.post(
        f"/eldercare/supervision/inspections/{inspection.pk}/",
        {"inspected_on": "2025-05-02", "summary": "基本合格", "findings": "消防|严重|灭火器过期\n台账|一般|记录缺失"},
    )
    assert response.status_code == 302
    assert sorted(inspection.findings.values_list("severity", "deadline")) == [
        ("minor", D(2025, 6, 1)),
        ("serious", D(2025, 5, 9)),
    ]
    bad = client.post(
        f"/eldercare/supervision/inspections/{Inspection.objects.create(facility=home, planned_on=D(2025, 5, 1)).pk}/",
        {"inspected_on": "2025-05-02", "summary": "x", "findings": "消防|很严重|?"},
    )
    assert "第1行格式应为" in bad.content.decode()


@pytest.mark.django_db
def test_portal_is_scoped_to_the_linked_facility(admin, home, make_user, make_person):
    other = make_facility(admin, name="花园弄养老院", region=OTHER_VILLAGE)
    services.beds_add(facility=other, count=1, kind=BedKind.GENERAL, acting_user=admin)
    same_village = make_facility(admin, name="同村另一家养老院")
    user = portal_user(make_user, home)
    client = client_for(user)
    assert client.get("/eldercare/portal/").status_code == 302
    assert client.get(f"/eldercare/portal/{home.pk}/").status_code == 200
    assert client.get(f"/eldercare/portal/{other.pk}/").status_code == 404
    # Same village, same role grant, but no link: not found either.
    assert client.get(f"/eldercare/portal/{same_village.pk}/").status_code == 404
    # The bureau pages are not the portal's.
    assert client.get(f"/eldercare/facilities/{home.pk}/").status_code == 403
    assert client.get("/eldercare/facilities/").status_code == 403

    from core.crypto import decrypt

    person = make_person("李阿公")
    id_number = decrypt(person.id_number_encrypted)
    other_bed = other.beds.get()
    response = client.post(
        f"/eldercare/portal/{other.pk}/admit/",
        {"id_number": id_number, "bed": other_bed.pk, "admitted_on": "2025-01-01"},
    )
    assert response.status_code == 404
    # A bed of another facility through the own facility's URL is refused too.
    client.post(
        f"/eldercare/portal/{home.pk}/admit/",
        {"id_number": id_number, "bed": other_bed.pk, "admitted_on": "2025-01-01"},
    )
    assert Residency.objects.count() == 0
    bed = home.beds.order_by("number").first()
    response = client.post(
        f"/eldercare/portal/{home.pk}/admit/", {"id_number": id_number, "bed": bed.pk, "admitted_on": "2025-01-01"}
    )
    assert response.status_code == 302 and response["Location"] == f"/eldercare/portal/{home.pk}/"
    assert Residency.objects.get().bed_id == bed.pk
    client.post(f"/eldercare/portal/{home.pk}/beds/", {"count": 2, "kind": "dementia"})
    assert home.beds.filter(kind=BedKind.DEMENTIA).count() == 2
    client.post(f"/eldercare/portal/{other.pk}/beds/", {"count": 2, "kind": "dementia"})
    assert other.beds.count() == 1
    # The API answers the same way.
    from core.auth import api_token_issue

    token, _ = api_token_issue(user)
    api = api_client(token)
    assert api.get(f"/api/v1/eldercare/facilities/{home.pk}/beds").status_code == 200
    assert api.get(f"/api/v1/eldercare/facilities/{other.pk}/beds").status_code == 404


def _workbook(header, rows):
    wb = Workbook()
    sheet = wb.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


@pytest.mark.django_db
def test_facility_and_caregiver_import(admin, home, make_person, make_user, django_capture_on_commit_callbacks):
    from core.crypto import decrypt

    client = client_for(admin)
    upload = _workbook(
        [
            "设施编号",
            "名称",
            "类型",
            "区划代码",
            "性质",
            "统一社会信用代码",
            "建筑面积（平方米）",
            "日供餐能力（客/日）",
        ],
        [
            ["", "南门长者食堂", "长者食堂", OWN_VILLAGE, "", "91110108551385082Q", "120", "80"],
            ["", "坏行", "养老机构", OWN_VILLAGE, "", "91110108551385082A", "x", ""],
            ["", "外区设施", "助餐点", "310113003001", "", "", "", "10"],
            [home.number, "城桥敬老院", "养老机构", OWN_VILLAGE, "公办公营", "", "2000", ""],
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/eldercare/facilities/import/", {"file": upload})
    assert response.status_code == 302
    job = Job.objects.get(kind="eldercare.facility_import_validate")
    job.refresh_from_db()
    assert job.counts == {"rows": 4, "valid": 2, "invalid": 2, "create": 1, "update": 1}
    assert {(e["row"], e["message"]) for e in job.errors} >= {
        (3, "统一社会信用代码校验位错误"),
        (3, "养老机构必须填写性质（公办公营/公建民营/民办）"),
        (4, "您无权在该区划登记设施"),
    }
    assert job.result_file is not None
    assert Facility.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/confirm/")
    commit = Job.objects.get(kind="eldercare.facility_import_commit")
    commit.refresh_from_db()
    assert commit.counts["created"] == 1 and commit.counts["updated"] == 1
    canteen = Facility.objects.get(name="南门长者食堂")
    assert (canteen.kind, canteen.daily_meal_capacity, canteen.floor_area) == ("canteen", 80, Decimal("120.00"))
    home.refresh_from_db()
    assert home.floor_area == Decimal("2000.00")

    worker = make_person("护理员甲")
    rows = [
        [decrypt(worker.id_number_encrypted), "护理员甲", home.number, "养老护理员", "初级", "C-1", "2021-01-01"],
        [decrypt(worker.id_number_encrypted), "别人", home.number, "养老护理员", "", "", ""],
        ["310230196005170011", "", home.number, "", "", "", ""],
    ]
    upload = _workbook(["身份证号", "姓名", "设施编号", "岗位", "证书等级", "证书编号", "发证日期"], rows)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/eldercare/caregivers/import/", {"file": upload})
    job = Job.objects.get(kind="eldercare.caregiver_import_validate")
    job.refresh_from_db()
    assert job.counts["valid"] == 1 and job.counts["invalid"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{job.pk}/confirm/")
    caregiver = Caregiver.objects.get()
    assert (caregiver.person_id, caregiver.level, caregiver.certificate_number) == (
        worker.pk,
        CaregiverLevel.JUNIOR,
        "C-1",
    )


@pytest.mark.django_db
def test_api_facility_flow(admin, home, make_person, api_token):
    from core.crypto import decrypt

    api = api_client(api_token(admin))
    listing = api.get("/api/v1/eldercare/facilities?kind=institution").json()
    assert listing["count"] == 1 and listing["results"][0]["beds"] == 3
    created = api.post(
        "/api/v1/eldercare/facilities",
        data={"name": "新食堂", "kind": "canteen", "region": OWN_VILLAGE, "daily_meal_capacity": 60},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["daily_meal_capacity"] == 60
    bad = api.post(
        "/api/v1/eldercare/facilities",
        data={"name": "x", "kind": "institution", "region": OWN_VILLAGE},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "ownership" in bad.json()["errors"]
    person = make_person("赵阿婆")
    bed = home.beds.order_by("number").first()
    admitted = api.post(
        f"/api/v1/eldercare/facilities/{home.pk}/residents",
        data={"bed_id": bed.pk, "id_number": decrypt(person.id_number_encrypted), "admitted_on": "2025-02-01"},
        content_type="application/json",
    )
    assert admitted.status_code == 201
    stay_id = admitted.json()["id"]
    to_bed = home.beds.order_by("number")[1]
    moved = api.post(
        f"/api/v1/eldercare/residents/{stay_id}/transfer",
        data={"to_bed_id": to_bed.pk, "transferred_on": "2025-03-01"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["bed_id"] == to_bed.pk
    beds = api.get(f"/api/v1/eldercare/facilities/{home.pk}/beds").json()
    assert [b["resident_id"] for b in beds] == [None, person.pk, None]
    coverage = api.get("/api/v1/eldercare/coverage?region=310151101").json()
    assert {r["code"] for r in coverage} == {
        "institution",
        "canteen",
        "activity_room",
        "rehab_rental",
        "meal_capacity",
        "floor_area",
        "beds",
    }


@pytest.mark.django_db
def test_demo_builder_matches_plan_figures_and_is_idempotent(admin, make_person):
    from conftest import next_id_number
    from eldercare import selectors
    from eldercare.demo_facilities import build_facilities_demo

    for _ in range(6):
        make_person(id_number=next_id_number(datetime.date(1940, 3, 1)))
    message = build_facilities_demo("chongming", 2026)
    assert Residency.objects.filter(discharged_on__isnull=True, source="demo").count() == 4
    assert message.startswith("设施 ")
    on = datetime.date.today()
    counts = dict(Facility.objects.values("kind").annotate(n=Count("id")).values_list("kind", "n"))
    assert counts == {
        "institution": 47,
        "service_centre": 29,
        "day_centre": 37,
        "elder_home": 5,
        "canteen": 15,
        "meal_point": 77,
        "activity_room": 439,
        "neighbour_point": 305,
        "advisor_point": 18,
        "rehab_rental": 13,
    }
    assert selectors.data_bed_counts(DISTRICT, on) == {"general": 5707, "nursing": 2532, "dementia": 200, "total": 8439}
    assert selectors.data_nursing_bed_share(DISTRICT, on) == Decimal("30.0")
    assert selectors.data_meal_capacity(DISTRICT, on) == 5500
    assert selectors.data_institution_count(DISTRICT, on) == 47
    assert selectors.data_rehab_rental_township_coverage(DISTRICT, on) == {
        "covered": 13,
        "townships": 18,
        "rate": Decimal("72.2"),
    }
    rules = {r.code: r for r in selectors.coverage_report(DISTRICT, on)}
    assert rules["institution"].shortfalls == []
    assert len(rules["canteen"].shortfalls) == 3
    assert Bed.objects.count() == 8439
    assert build_facilities_demo("chongming", 2026) == "已存在，跳过"
    assert Facility.objects.count() == 985


@pytest.mark.django_db
def test_bed_update_and_residents_list(admin, home, make_person, make_user):
    user = portal_user(make_user, home)
    client = client_for(user)
    bed = home.beds.order_by("number").first()
    person = make_person("钱阿婆")
    services.resident_admit(bed=bed, person=person, admitted_on=D(2025, 1, 1), acting_user=admin)
    # An occupied bed cannot be taken out of use; the kind may change.
    client.post(f"/eldercare/portal/{home.pk}/beds/{bed.pk}/", {"kind": "dementia", "is_basic": "on"})
    bed.refresh_from_db()
    assert (bed.kind, bed.is_basic, bed.is_active) == ("nursing", False, True)
    client.post(
        f"/eldercare/portal/{home.pk}/beds/{bed.pk}/", {"kind": "dementia", "is_basic": "on", "is_active": "on"}
    )
    bed.refresh_from_db()
    assert (bed.kind, bed.is_basic, bed.is_active) == ("dementia", True, True)
    free = home.beds.order_by("number")[1]
    client.post(f"/eldercare/portal/{home.pk}/beds/{free.pk}/", {"kind": "general"})
    free.refresh_from_db()
    assert not free.is_active
    bureau = client_for(admin)
    listing = bureau.get("/eldercare/residents/?state=open").content.decode()
    assert "钱阿婆" in listing
    export = bureau.get("/eldercare/residents/export/?state=open")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["钱阿婆"]


@pytest.mark.django_db
def test_published_results_are_public_and_only_published(admin, home):
    from eldercare.models import Inspection

    shown = Inspection.objects.create(facility=home, planned_on=D(2025, 5, 1))
    services.inspection_record(
        inspection=shown, inspected_on=D(2025, 5, 2), summary="公开的结论", findings=[], acting_user=admin
    )
    hidden = Inspection.objects.create(facility=home, planned_on=D(2025, 5, 1))
    services.inspection_record(
        inspection=hidden, inspected_on=D(2025, 5, 2), summary="未公开的结论", findings=[], acting_user=admin
    )
    services.inspection_publish(inspection=shown, published_on=D(2025, 5, 10), acting_user=admin)
    from django.test import Client

    body = Client().get("/eldercare/supervision/results/").content.decode()
    assert "公开的结论" in body and "未公开的结论" not in body


@pytest.mark.django_db
def test_overdue_job_marks_only_past_deadline_in_region(admin, home, django_capture_on_commit_callbacks):
    from eldercare.models import Finding, Inspection

    inspection = Inspection.objects.create(facility=home, planned_on=D(2025, 5, 1))
    services.inspection_record(
        inspection=inspection,
        inspected_on=D(2025, 5, 2),
        summary="有问题",
        findings=[
            services.FindingData("消防", "serious", "通道堵塞", D(2025, 5, 9)),
            services.FindingData("台账", "minor", "缺页", datetime.date.today() + datetime.timedelta(days=5)),
        ],
        acting_user=admin,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post("/eldercare/supervision/overdue/")
    assert response.status_code == 302
    job = Job.objects.get(kind="eldercare.findings_overdue")
    assert job.counts == {"overdue": 1}
    assert sorted(Finding.objects.values_list("item", "status")) == [("台账", "open"), ("消防", "overdue")]


@pytest.mark.django_db
def test_removing_the_staff_link_closes_the_portal(admin, home, make_user):
    from eldercare.models import FacilityStaff

    user = portal_user(make_user, home)
    assert client_for(user).get(f"/eldercare/portal/{home.pk}/").status_code == 200
    link = FacilityStaff.objects.get(user=user)
    response = client_for(admin).post(f"/eldercare/facilities/{home.pk}/staff/{link.pk}/remove/")
    assert response.status_code == 302
    assert client_for(user).get(f"/eldercare/portal/{home.pk}/").status_code == 404
    assert not FacilityStaff.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_web_transfer_within_and_across_facilities(admin, home, make_person, make_user):
    other = make_facility(admin, name="堡镇养老院", region="310151102001")
    services.beds_add(facility=other, count=1, kind=BedKind.GENERAL, acting_user=admin)
    beds = list(home.beds.order_by("number"))
    stay = services.resident_admit(
        bed=beds[0], person=make_person("孙阿婆"), admitted_on=D(2025, 1, 1), acting_user=admin
    )
    client = client_for(admin)
    client.post(
        f"/eldercare/facilities/{home.pk}/stays/{stay.pk}/transfer/",
        {"to_bed": beds[1].pk, "transferred_on": "2025-02-01"},
    )
    second = Residency.objects.get(discharged_on__isnull=True)
    assert second.bed_id == beds[1].pk
    client.post(
        f"/eldercare/facilities/{home.pk}/stays/{second.pk}/transfer/",
        {"to_bed": beds[2].pk, "other_bed": other.beds.get().pk, "transferred_on": "2025-03-01"},
    )
    assert Residency.objects.get(discharged_on__isnull=True).bed.facility_id == other.pk
    # The portal cannot move a resident out of its own facility.
    user = portal_user(make_user, other)
    third = Residency.objects.get(discharged_on__isnull=True)
    client_for(user).post(
        f"/eldercare/portal/{other.pk}/stays/{third.pk}/transfer/",
        {"other_bed": beds[0].pk, "transferred_on": "2025-04-01"},
    )
    assert Residency.objects.get(discharged_on__isnull=True).pk == third.pk
