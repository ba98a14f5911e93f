"""Plan document pages and API: list, detail, upload (preview → confirm), diff, key-project progress,
evaluation report and its exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import DISTRICT, api_client, client_for
from core.models import AuditEvent, Region, StoredFile
from plans.models import KeyProjectProgress, Plan, PlanVersion
from plans.services.documents import plan_import_file
from plans.services.indicators import compute_plan
from plans.tests.indicator_world import build_world

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "seeds"
SEED = {k: next(FIXTURES.glob(f"{k}_*.txt")) for k in ("000", "001", "002", "003", "004")}

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Callable[..., Any]) -> Any:
    return make_user("plan-staff", "district_staff", DISTRICT)


@pytest.fixture
def chongming(staff: Any) -> Plan:
    region = Region.objects.get(code=DISTRICT)
    plan_import_file(path=SEED["001"], region=region, acting_user=staff)
    version, _ = plan_import_file(path=SEED["002"], region=region, acting_user=staff)
    return version.plan


@pytest.fixture
def lufeng(staff: Any) -> Plan:
    # Imported into the staff's district so that the same users can enter its progress.
    version, _ = plan_import_file(path=SEED["003"], region=Region.objects.get(code=DISTRICT), acting_user=staff)
    return version.plan


def test_upload_preview_then_confirm(staff: Any) -> None:
    client = client_for(staff)
    assert client.get("/plans/upload/").status_code == 200
    upload = SimpleUploadedFile("崇明区规划.txt", SEED["002"].read_bytes(), content_type="text/plain")
    preview = client.post("/plans/upload/", {"file": upload, "region": "", "title": ""})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "预览：崇明区规划.txt" in text
    assert "崇明区（310151）" in text
    assert "指标 17 项，表格 1 张" in text
    assert "康复辅助技术咨询师数量" in text
    assert not Plan.objects.exists()  # a preview stores the file only
    stored = StoredFile.objects.get()
    confirm = client.post(
        "/plans/upload/confirm/", {"stored_file": stored.pk, "region": DISTRICT, "title": ""}, follow=True
    )
    plan = Plan.objects.get()
    assert confirm.redirect_chain[-1][0] == f"/plans/{plan.pk}/"
    assert "已导入 崇明区民政事业发展“十四五”规划 第1版（正式稿）" in confirm.content.decode()
    version = plan.versions.get()
    assert (version.source_file_id, version.imported_by, version.source_file_name) == (
        stored.pk,
        staff,
        "崇明区规划.txt",
    )
    # Confirming the same file again stores nothing new.
    again = client.post(
        "/plans/upload/confirm/", {"stored_file": stored.pk, "region": DISTRICT, "title": ""}, follow=True
    )
    assert "未重复保存" in again.content.decode()
    assert PlanVersion.objects.count() == 1


def test_upload_of_an_unreadable_file_shows_the_reason(staff: Any) -> None:
    client = client_for(staff)
    page = client.post("/plans/upload/", {"file": SimpleUploadedFile("plan.doc", b"xx"), "region": ""})
    assert page.status_code == 200
    assert "不支持的文件类型“.doc”" in page.content.decode()
    assert not StoredFile.objects.exists()


def test_plan_list_and_detail(staff: Any, chongming: Plan) -> None:
    client = client_for(staff)
    listing = client.get("/plans/")
    assert "崇明区民政事业发展“十四五”规划" in listing.content.decode()
    assert "第2版（正式稿）沪崇府办发〔2021〕15号" in listing.content.decode()
    detail = client.get(f"/plans/{chongming.pk}/")
    text = detail.content.decode()
    assert detail.context["version"].number == 2
    assert len(detail.context["indicators"]) == 17
    assert detail.context["indicators"][0]["target_display"] == "≥ 35 %"
    assert "“十四五”时期崇明民政事业发展的主要任务" in text
    draft = client.get(f"/plans/{chongming.pk}/", {"version": 1})
    assert draft.context["version"].label == "草案"
    export = client.get(f"/plans/{chongming.pk}/", {"export": "xlsx"})
    workbook = load_workbook(io.BytesIO(export.content))
    rows = list(workbook["主要指标"].iter_rows(values_only=True))
    assert rows[5] == (5, "认知障碍照护床位数", "专业认知障碍照护床位数量", "张", "200", "300", "= 300 张", "约束性")
    assert len(rows) == 18
    listing_export = client.get("/plans/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(listing_export.content)).active
    assert list(sheet.iter_rows(values_only=True))[1] == (
        "崇明区", "崇明区民政事业发展“十四五”规划", "2021—2025", "第2版（正式稿）", 2
    )  # fmt: skip


def test_diff_page_shows_indicator_5_kind_and_task_changes(staff: Any, chongming: Plan) -> None:
    page = client_for(staff).get(f"/plans/{chongming.pk}/diff/")
    assert page.status_code == 200
    text = page.content.decode()
    assert '<del class="diff">预期性</del>' in text and '<ins class="diff">约束性</ins>' in text
    assert "加强法治建设，规范民政行政行为" in text
    diff = page.context["diff"]
    assert (diff["old"].number, diff["new"].number) == (1, 2)
    assert diff["counts"]["tasks_added"] == 1


def test_project_progress_entry_and_evaluation_totals(staff: Any, lufeng: Plan) -> None:
    client = client_for(staff)
    project = lufeng.versions.get().projects.get(seq=1)
    url = f"/plans/{lufeng.pk}/projects/{project.key}/progress/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"year": 2031, "spent_wan_yuan": "-1", "beds_delivered": 0})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    ok = client.post(url, {"year": 2022, "spent_wan_yuan": "1200.50", "beds_delivered": 120, "note": "碧城镇主体完工"})
    assert ok.status_code == 302
    client.post(url, {"year": 2023, "spent_wan_yuan": "1000", "beds_delivered": 100, "note": ""})
    client.post(url, {"year": 2024, "spent_wan_yuan": "500", "beds_delivered": 40, "note": ""})
    # Correcting a year replaces its figures.
    client.post(url, {"year": 2022, "spent_wan_yuan": "1250", "beds_delivered": 120, "note": "碧城镇主体完工"})
    assert KeyProjectProgress.objects.count() == 3
    assert AuditEvent.objects.filter(action="plans.project_progress.set").count() == 4
    mid = client.get(f"/plans/{lufeng.pk}/evaluation/mid/")
    report = mid.context["report"]
    assert report["year"] == 2023
    row = report["projects"][0]
    assert (row["spent_wan_yuan"], row["beds_delivered"], row["spent_share"]) == (
        Decimal("2250.00"),
        220,
        Decimal("58.4"),
    )
    assert row["notes"] == "2022年：碧城镇主体完工"
    assert report["project_totals"] == {
        "planned_wan_yuan": Decimal("235835.00"),
        "spent_wan_yuan": Decimal("2250.00"),
        "planned_beds": 4830,
        "beds_delivered": 220,
    }
    final = client.get(f"/plans/{lufeng.pk}/evaluation/final/").context["report"]
    assert final["project_totals"]["spent_wan_yuan"] == Decimal("2750.00")
    assert len(final["rows"]) == 13
    assert final["rows"][5]["notes"] == "尚未计算"


def test_evaluation_values_by_year_come_from_the_snapshots(
    make_user: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    world = build_world(make_user, make_person)
    compute_plan(world.plan)
    staff = make_user("eval-staff", "district_staff", DISTRICT)
    client = client_for(staff)
    page = client.get(f"/plans/{world.plan.pk}/evaluation/mid/")
    assert page.status_code == 200
    report = page.context["report"]
    assert report["years"] == [2020, 2021, 2022, 2023]
    rows = {r["indicator"].seq: r for r in report["rows"]}
    assert rows[2]["values"][:2] == [Decimal("33.33"), Decimal("14.29")]
    final = client.get(f"/plans/{world.plan.pk}/evaluation/final/").context["report"]
    final_rows = {r["indicator"].seq: r for r in final["rows"]}
    assert final_rows[4]["values"][-1] == Decimal("61.00")
    assert final_rows[4]["status"] == "achieved"
    xlsx = client.get(f"/plans/{world.plan.pk}/evaluation/final/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content))["指标总结评估"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:7] == ("序号", "指标名称", "指标类型", "单位", "基准值（规划）", "目标值（规划）", "2020年")
    fourth = next(v for v in values if v[0] == 4)
    assert fourth[11] == 61.0 and fourth[12] == "已达标"
    pdf = client.get(f"/plans/{world.plan.pk}/evaluation/final/export.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 2
    first = reader.pages[0].extract_text()
    assert "总结评估报告" in first.replace(" ", "").replace("\x00", "")


def test_unknown_evaluation_stage_is_404(staff: Any, chongming: Plan) -> None:
    assert client_for(staff).get(f"/plans/{chongming.pk}/evaluation/half/").status_code == 404


# --- API -------------------------------------------------------------------------------------------


def test_api_plans_versions_indicators_diff(staff: Any, chongming: Plan, api_token: Callable[[Any], str]) -> None:
    client = api_client(api_token(staff))
    listing = client.get("/api/v1/plans/documents").json()
    assert listing["count"] == 1
    assert listing["results"][0]["current_version"]["number"] == 2
    versions = client.get(f"/api/v1/plans/documents/{chongming.pk}/versions").json()
    assert [(v["number"], v["label"], v["is_current"]) for v in versions] == [(1, "草案", False), (2, "正式稿", True)]
    detail = client.get(f"/api/v1/plans/documents/{chongming.pk}/versions/current").json()
    first = detail["indicators"][0]
    assert (first["baseline"], first["target"], first["target_comparator"], first["target_value"], first["kind_label"]) == (
        "32.63", "≥35", "ge", "35.0000", "约束性"
    )  # fmt: skip
    assert detail["tasks"][1]["parent_seq"] == 1
    diff = client.get(f"/api/v1/plans/documents/{chongming.pk}/diff").json()
    assert diff["indicators"][0]["changes"] == [
        {"field": "kind", "label": "指标类型", "old": "预期性", "new": "约束性"}
    ]
    assert diff["counts"]["tasks_added"] == 1


def test_api_import_dry_run_then_confirm(
    staff: Any, api_token: Callable[[Any], str], make_user: Callable[..., Any]
) -> None:
    client = api_client(api_token(staff))
    content = SEED["004"].read_bytes()
    dry = client.post(
        "/api/v1/plans/documents/import",
        {"file": SimpleUploadedFile("004.txt", content), "region": "310113", "dry_run": "true"},
    )
    # Baoshan is outside the staff's district: refused, nothing stored.
    assert dry.status_code == 422
    assert dry.json()["errors"] == {"region": ["您无权为宝山区导入规划"]}
    ok = client.post(
        "/api/v1/plans/documents/import",
        {"file": SimpleUploadedFile("001.txt", SEED["001"].read_bytes()), "dry_run": "true"},
    )
    assert ok.status_code == 200
    body = ok.json()
    assert (body["dry_run"], body["region_code"], len(body["parsed"]["indicators"])) == (True, DISTRICT, 17)
    assert body["parsed"]["indicators"][4]["kind"] == "预期性"
    assert not Plan.objects.exists()
    assert StoredFile.objects.get().pk == body["stored_file"]
    # Confirming the dry run imports the stored file; a second confirmation changes nothing.
    confirm = {"stored_file": body["stored_file"], "region": DISTRICT, "title": ""}
    stored = client.post("/api/v1/plans/documents/import/confirm", confirm, content_type="application/json")
    assert stored.status_code == 201
    assert (stored.json()["created"], stored.json()["version"]) == (True, 1)
    assert PlanVersion.objects.get().source_file_id == body["stored_file"]
    again = client.post("/api/v1/plans/documents/import/confirm", confirm, content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False
    # Sending the file with dry_run=false imports in one step (here: the same file, so nothing new).
    direct = client.post(
        "/api/v1/plans/documents/import", {"file": SimpleUploadedFile("001.txt", SEED["001"].read_bytes())}
    )
    assert direct.status_code == 200 and direct.json()["created"] is False
    assert PlanVersion.objects.count() == 1
    fresh = client.post(
        "/api/v1/plans/documents/import", {"file": SimpleUploadedFile("002.txt", SEED["002"].read_bytes())}
    )
    assert fresh.status_code == 201 and fresh.json()["version"] == 2
    indicators = client.get(f"/api/v1/plans/documents/{fresh.json()['plan_id']}/indicators", {"version": 1}).json()
    assert [(i["seq"], i["kind"]) for i in indicators][4] == (5, "indicative")
    current = client.get(f"/api/v1/plans/documents/{fresh.json()['plan_id']}/indicators").json()
    assert [(i["seq"], i["kind"]) for i in current][4] == (5, "binding")
    # Another user cannot confirm someone else's stored file; a region outside the scope is refused.
    other = api_client(api_token(make_user("colleague", "district_staff", DISTRICT)))
    assert (
        other.post("/api/v1/plans/documents/import/confirm", confirm, content_type="application/json").status_code
        == 404
    )
    outside = client.post(
        "/api/v1/plans/documents/import/confirm", {**confirm, "region": "310113"}, content_type="application/json"
    )
    assert outside.status_code == 422 and outside.json()["errors"] == {"region": ["您无权为宝山区导入规划"]}
    assert PlanVersion.objects.count() == 2


def test_api_progress_and_evaluation(staff: Any, lufeng: Plan, api_token: Callable[[Any], str]) -> None:
    client = api_client(api_token(staff))
    project = lufeng.versions.get().projects.get(seq=2)
    response = client.post(
        f"/api/v1/plans/documents/{lufeng.pk}/projects/{project.key}/progress",
        data={"year": 2022, "spent_wan_yuan": "300.00", "beds_delivered": 50, "note": "开工"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json() == {
        "project_key": project.key,
        "year": 2022,
        "spent_wan_yuan": "300.00",
        "beds_delivered": 50,
        "note": "开工",
    }
    bad = client.post(
        f"/api/v1/plans/documents/{lufeng.pk}/projects/{project.key}/progress",
        data={"year": 2022, "spent_wan_yuan": "-5", "beds_delivered": 0},
        content_type="application/json",
    )
    assert bad.status_code == 422
    report = client.get(f"/api/v1/plans/documents/{lufeng.pk}/evaluation/mid").json()
    assert report["year"] == 2023
    assert report["projects"][1]["spent_wan_yuan"] == "300.00"
    assert report["project_totals"]["planned_wan_yuan"] == "235835.00"
    assert len(report["indicators"]) == 13


def test_evaluation_for_a_township_and_refused_outside_the_plan(
    make_user: Callable[..., Any], make_person: Callable[..., Any]
) -> None:
    world = build_world(make_user, make_person)
    compute_plan(world.plan)
    staff = make_user("eval-staff", "district_staff", DISTRICT)
    client = client_for(staff)
    page = client.get(f"/plans/{world.plan.pk}/evaluation/mid/")
    codes = [r.code for r in page.context["regions"]]
    assert codes[0] == DISTRICT and "310151101" in codes and all(c.startswith(DISTRICT) for c in codes)
    township = client.get(f"/plans/{world.plan.pk}/evaluation/mid/", {"region": "310151101"})
    assert township.context["report"]["region_code"] == "310151101"
    assert client.get(f"/plans/{world.plan.pk}/evaluation/mid/", {"region": "310113"}).status_code == 404


def test_plan_list_filters_shared_by_page_and_api(
    staff: Any, chongming: Plan, make_user: Callable[..., Any], api_token: Callable[[Any], str]
) -> None:
    city = make_user("city-staff", "district_staff", "31")
    plan_import_file(path=SEED["004"], region=Region.objects.get(code="310113"), acting_user=city)
    client = api_client(api_token(city))
    titles = lambda query: [p["title"] for p in client.get("/api/v1/plans/documents", query).json()["results"]]  # noqa: E731
    assert titles({}) == ["宝山区民政事业发展“十四五”规划", "崇明区民政事业发展“十四五”规划"]
    assert titles({"q": "宝山"}) == ["宝山区民政事业发展“十四五”规划"]
    assert titles({"region": DISTRICT}) == ["崇明区民政事业发展“十四五”规划"]
    assert titles({"year": 2030}) == []
    assert titles({"year": 2023}) == ["宝山区民政事业发展“十四五”规划", "崇明区民政事业发展“十四五”规划"]
    bad = client.get("/api/v1/plans/documents", {"year": "x"})
    assert bad.status_code == 422
    page = client_for(city).get("/plans/", {"q": "宝山"})
    assert [p.title for p in page.context["plans"]] == ["宝山区民政事业发展“十四五”规划"]
    # The Chongming staff do not see Baoshan's plan.
    assert [p.title for p in client_for(staff).get("/plans/").context["plans"]] == ["崇明区民政事业发展“十四五”规划"]


def test_evaluation_notes_by_page_and_api(
    staff: Any, chongming: Plan, make_user: Callable[..., Any], api_token: Callable[[Any], str]
) -> None:
    client = client_for(staff)
    key = "认知障碍照护床位数"
    saved = client.post(f"/plans/{chongming.pk}/evaluation/mid/notes/{key}/", {"note": "新建两家认知症照护单元"})
    assert saved.status_code == 302
    assert saved["Location"] == f"/plans/{chongming.pk}/evaluation/mid/#ind-{quote(key)}"
    page = client.get(f"/plans/{chongming.pk}/evaluation/mid/")
    row = next(r for r in page.context["report"]["rows"] if r["indicator"].key == key)
    assert row["staff_note"] == "新建两家认知症照护单元"
    assert "新建两家认知症照护单元" in page.content.decode()
    # The final evaluation has its own notes.
    final = client.get(f"/plans/{chongming.pk}/evaluation/final/").context["report"]
    assert next(r for r in final["rows"] if r["indicator"].key == key)["staff_note"] == ""
    sheet = load_workbook(io.BytesIO(client.get(f"/plans/{chongming.pk}/evaluation/mid/export.xlsx").content))[
        "指标中期评估"
    ]
    fifth = next(v for v in sheet.iter_rows(values_only=True) if v[0] == 5)
    assert fifth[-1] == "新建两家认知症照护单元"
    api = api_client(api_token(staff))
    put = api.put(
        f"/api/v1/plans/documents/{chongming.pk}/evaluation/mid/notes/{key}",
        data={"note": "  "},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json() == {"indicator_key": key, "stage": "mid", "note": ""}
    assert not chongming.evaluation_notes.exists()
    unknown = api.put(
        f"/api/v1/plans/documents/{chongming.pk}/evaluation/half/notes/nokey",
        data={"note": "x"},
        content_type="application/json",
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {
        "stage": ["评估阶段应为中期评估（mid）或总结评估（final）"],
        "indicator_key": ["该指标不在规划现行版本中"],
    }
    actions = list(
        AuditEvent.objects.filter(action__startswith="plans.evaluation_note")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["plans.evaluation_note.set", "plans.evaluation_note.delete"]
    viewer = make_user("township-viewer", "township_officer", "310151101")
    refused = client_for(viewer).post(f"/plans/{chongming.pk}/evaluation/mid/notes/{key}/", {"note": "x"})
    assert refused.status_code == 403


def test_detail_of_baoshan_shows_the_13th_plan_table_and_of_lufeng_the_projects(
    staff: Any, lufeng: Plan, make_user: Callable[..., Any]
) -> None:
    city = make_user("city-viewer", "district_staff", "31")
    baoshan, _ = plan_import_file(path=SEED["004"], region=Region.objects.get(code="310113"), acting_user=city)
    page = client_for(city).get(f"/plans/{baoshan.plan_id}/")
    text = page.content.decode()
    assert "表一：“十三五”规划指标完成情况" in text
    assert "<td>新建社区托养机构（个）</td><td>10</td><td>71</td><td>710%</td><td>约束性</td>" in text
    assert page.context["indicators"][5]["target_display"] == "≥ 98 %；其中持等级证≥80%"
    detail = client_for(staff).get(f"/plans/{lufeng.pk}/")
    totals = detail.context["project_totals"]
    assert (totals["planned_wan_yuan"], totals["planned_beds"]) == (Decimal("235835.00"), 4830)
    assert {k: v["planned"] for k, v in totals["categories"].items()} == {
        "养老服务体系建设项目": Decimal("181200.00"),
        "城乡社区公共服务基础设施建设项目": Decimal("11655.00"),
        "殡葬基础设施建设项目": Decimal("36300.00"),
        "社会福利和儿童福利体系建设项目": Decimal("6680.00"),
    }
    assert "填报进展" in detail.content.decode()


def test_upload_of_a_text_without_title_asks_for_one_unless_the_region_has_its_plan(staff: Any) -> None:
    client = client_for(staff)
    page = client.post(
        "/plans/upload/", {"file": SimpleUploadedFile("000.txt", SEED["000"].read_bytes()), "region": ""}
    )
    assert page.status_code == 200
    assert "文件中没有规划名称，请填写规划名称" in page.content.decode()
    assert not StoredFile.objects.exists()
    plan_import_file(path=SEED["002"], region=Region.objects.get(code=DISTRICT), acting_user=staff)
    preview = client.post(
        "/plans/upload/", {"file": SimpleUploadedFile("000.txt", SEED["000"].read_bytes()), "region": ""}
    )
    assert preview.context["existing"] == Plan.objects.get()
    assert "崇明区民政事业发展“十四五”规划 的新版本" in preview.content.decode()
    stored = StoredFile.objects.get()
    done = client.post("/plans/upload/confirm/", {"stored_file": stored.pk, "region": DISTRICT, "title": ""})
    assert done.status_code == 302
    assert [v.number for v in Plan.objects.get().versions.all()] == [1, 2]
