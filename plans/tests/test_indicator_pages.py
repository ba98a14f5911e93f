"""The dashboard, indicator detail with drill-down, formulas, manual values and the API, as users see them."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from conftest import api_client, client_for
from core.models import AuditEvent, Job
from plans.models import Formula, ManualValue, Snapshot
from plans.services.indicators import compute_plan
from plans.tests.indicator_world import DISTRICT, TOWNSHIP_1, VILLAGE_A, build_world

pytestmark = pytest.mark.django_db

DIBAO = "低保人数占户籍人口数比重"
NURSING = "护理型床位占比"


@pytest.fixture
def world(make_user: Callable[..., Any], make_person: Callable[..., Any]) -> Any:
    w = build_world(make_user, make_person)
    compute_plan(w.plan)
    w.staff = make_user("district-staff", "district_staff", DISTRICT)
    w.township = make_user("township", "township_officer", TOWNSHIP_1)
    return w


def test_dashboard_cards_binding_behind_first_with_formula_and_filters(world: Any) -> None:
    client = client_for(world.staff)
    page = client.get(f"/plans/{world.plan.pk}/indicators/")
    assert page.status_code == 200
    cards = page.context["cards"]
    # 2025: 护理型床位占比 61 ≥ 60 achieved; 低保 2021 behind (latest with value); 社会组织 2020.
    assert [c["seq"] for c in cards] == [2, 4, 15, 20]
    assert cards[0]["status"] == "behind" and cards[0]["year"] == 2021
    assert cards[1]["status"] == "achieved" and cards[1]["latest"]["value"] == Decimal("61.00")
    assert cards[0]["formula"]["readable"] == "低保人数 ÷ 户籍人口数 × 100"
    assert cards[0]["formula"]["uses_manual"] is True
    text = page.content.decode()
    assert "低保人数 ÷ 户籍人口数 × 100（含人工填报数据项）" in text
    assert "低保人数/户籍人口数" in text  # the plan's own definition beside it
    assert cards[0]["chart"]["series"][0]["values"][:2] == [33.33, 14.29]
    binding = client.get(f"/plans/{world.plan.pk}/indicators/", {"kind": "binding"}).context["cards"]
    assert [c["seq"] for c in binding] == [4]
    behind = client.get(f"/plans/{world.plan.pk}/indicators/", {"status": "behind"}).context["cards"]
    assert [c["seq"] for c in behind] == [2]


def test_township_officer_sees_the_plan_only_for_their_township(world: Any) -> None:
    client = client_for(world.township)
    page = client.get(f"/plans/{world.plan.pk}/indicators/")
    assert page.status_code == 200 and page.context["region"] == TOWNSHIP_1
    assert page.context["cards"][0]["series"][0]["value"] == Decimal("25.00")
    assert client.get(f"/plans/{world.plan.pk}/indicators/", {"region": DISTRICT}).status_code == 404
    assert client.get(f"/plans/{world.plan.pk}/indicators/", {"region": "310151102"}).status_code == 404
    assert client.post(f"/plans/{world.plan.pk}/indicators/recompute/").status_code == 403


def test_detail_drills_down_and_shows_inputs(world: Any) -> None:
    client = client_for(world.staff)
    page = client.get(f"/plans/{world.plan.pk}/indicators/{DIBAO}/", {"year": 2020})
    assert page.status_code == 200
    rows = {r["region"]: r for r in page.context["subregions"]}
    assert rows[TOWNSHIP_1]["value"] == Decimal("25.00")
    assert (rows["310151102"]["numerator"], rows["310151102"]["denominator"]) == (Decimal(1), Decimal(2))
    village = client.get(f"/plans/{world.plan.pk}/indicators/{DIBAO}/", {"region": TOWNSHIP_1, "year": 2020})
    assert {r["region"]: r["value"] for r in village.context["subregions"]}[VILLAGE_A] == Decimal("33.33")
    assert "低保人数 1；户籍人口数 3" not in village.content.decode()  # district page shows the township's inputs
    assert "户籍人口数 4" in village.content.decode()


def test_export_of_yearly_values_stays_inside_the_users_regions(world: Any) -> None:
    export = client_for(world.township).get(f"/plans/{world.plan.pk}/indicators/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:7] == ("序号", "指标名称", "指标类型", "单位", "区划代码", "区划", "年度")
    assert {r[4][:9] for r in rows[1:]} == {TOWNSHIP_1}
    first = rows[1]
    assert first[:8] == (2, DIBAO, "预期性", "%", TOWNSHIP_1, "城桥镇", 2020, 25)
    assert (first[8], first[9], first[11]) == (1, 4, "按进度")  # the baseline year is the starting point
    assert len(rows) - 1 == 46 * 4 * 6  # the township and its 45 villages × 4 indicators × 6 years
    refused = client_for(world.township).get(f"/plans/{world.plan.pk}/indicators/export.xlsx", {"region": DISTRICT})
    assert refused.status_code == 404


def test_formula_edit_creates_a_version_and_rejects_bad_input(world: Any) -> None:
    client = client_for(world.staff)
    url = f"/plans/{world.plan.pk}/indicators/{NURSING}/formula/"
    data = {"numerator": "护理型床位数 × ", "denominator": "", "factor": "100", "missing_rule": "skip", "decimals": 2}
    response = client.post(url, data, follow=True)
    assert "分子第 9 个字符处：公式不完整" in response.content.decode()
    assert Formula.objects.filter(plan=world.plan, indicator_key=NURSING).count() == 1
    data |= {"numerator": "护理型床位数", "denominator": "养老床位总数", "decimals": 1}
    client.post(url, data)
    assert Formula.objects.get(plan=world.plan, indicator_key=NURSING, is_current=True).version == 2
    assert client_for(world.township).post(url, data).status_code == 403


def test_recompute_runs_as_a_job(world: Any, django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    Snapshot.objects.all().delete()
    Formula.objects.filter(indicator_key=NURSING).delete()  # as after importing a new version
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.staff).post(f"/plans/{world.plan.pk}/indicators/recompute/")
    job = Job.objects.get(kind="plans.indicator_recompute")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    assert job.counts["snapshots"] == Snapshot.objects.count() > 0
    assert job.counts["formulas_linked"] == 1
    assert Snapshot.objects.get(indicator_key=NURSING, region_id=DISTRICT, year=2020).value == Decimal(30)
    assert AuditEvent.objects.filter(action="plans.snapshots_recompute").count() == 1


def test_manual_values_entry_list_export_and_import(world: Any) -> None:
    client = client_for(world.staff)
    response = client.post(
        "/plans/manual-values/new/",
        {"item_code": "resident_population", "region": DISTRICT, "year": 2022, "value": "635500", "source": "统计公报"},
    )
    assert response.status_code == 302
    assert ManualValue.objects.get(item_code="resident_population", year=2022).value == Decimal(635500)
    live = client.post(
        "/plans/manual-values/new/",
        {"item_code": "hukou_population", "region": DISTRICT, "year": 2022, "value": "1", "source": "x"},
    )
    assert live.status_code == 200 and not ManualValue.objects.filter(item_code="hukou_population").exists()
    listing = client.get("/plans/manual-values/", {"item": "resident_population"})
    assert [r["value"].year for r in listing.context["rows"]] == [2022, 2021, 2020]
    export = client.get("/plans/manual-values/", {"item": "resident_population", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [c.value for c in sheet[2]][:5] == ["常住人口数", "310151", "崇明区", 2020, 637921]

    def workbook(rows: list[list[Any]]) -> io.BytesIO:
        book = Workbook()
        book.active.append(["数据项", "区划代码", "年度", "数值", "数据来源"])
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        buffer.name = "values.xlsx"
        return buffer

    before = ManualValue.objects.count()
    bad = client.post(
        "/plans/manual-values/import/",
        {
            "file": workbook(
                [
                    ["社会组织数", "310151", 2023, 590, "年报"],
                    ["不存在", "310151", 2023, 1, "x"],
                    ["户籍人口数", "310151", 2023, 1, "x"],
                    ["社会组织数", "310113", 2023, 1, "x"],
                ]
            )
        },
    )
    assert [(e.row, e.column) for e in bad.context["errors"]] == [(3, "数据项"), (4, "数据项"), (5, "区划代码")]
    assert ManualValue.objects.count() == before
    good = client.post(
        "/plans/manual-values/import/",
        {
            "file": workbook(
                [["社会组织数", "310151", 2023, 590, "年报"], ["常住人口数", "310151", 2023, 634900.5, "公报"]]
            )
        },
    )
    assert good.status_code == 302
    assert ManualValue.objects.get(item_code="resident_population", year=2023).value == Decimal("634900.5")


def test_api_dashboard_snapshots_formulas_and_manual_values(
    world: Any, api_token: Callable[[Any], str], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = api_client(api_token(world.staff))
    dashboard = client.get(f"/api/v1/plans/{world.plan.pk}/dashboard", {"region": TOWNSHIP_1}).json()
    assert dashboard["region"] == TOWNSHIP_1
    assert dashboard["cards"][0]["series"][0]["value"] == "25.00"
    snapshots = client.get(
        f"/api/v1/plans/{world.plan.pk}/snapshots", {"indicator": DIBAO, "year": 2020, "region": TOWNSHIP_1}
    ).json()
    assert snapshots["count"] == 1 + 45  # the township and its 45 villages
    assert [(r["region"], r["value"]) for r in snapshots["results"][:3]] == [
        (TOWNSHIP_1, "25.000000"),
        (VILLAGE_A, "33.333333"),
        ("310151101002", None),
    ]
    formulas = client.get(f"/api/v1/plans/{world.plan.pk}/formulas").json()
    assert formulas[0]["formula"]["readable"] == "低保人数 ÷ 户籍人口数 × 100"
    put = client.put(
        f"/api/v1/plans/{world.plan.pk}/formulas/{NURSING}",
        {"numerator": "护理型床位数", "denominator": "养老床位总数", "factor": 100, "decimals": 1},
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["version"] == 2
    bad = client.put(
        f"/api/v1/plans/{world.plan.pk}/formulas/{NURSING}",
        {"numerator": "(护理型床位数"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "没有对应的“)”" in str(bad.json())
    created = client.post(
        "/api/v1/plans/manual-values",
        {"item_code": "social_orgs", "region": DISTRICT, "year": 2024, "value": "615", "source": "年检"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["item_name"] == "社会组织数"
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post(f"/api/v1/plans/{world.plan.pk}/recompute")
    assert job.status_code == 202
    assert Job.objects.get(pk=job.json()["id"]).status == "succeeded"
    items = {i["code"]: i for i in client.get("/api/v1/plans/data-items").json()}
    assert items["hukou_population"]["is_live"] is True and items["dibao_recipients"]["is_live"] is False
    assert "社会救助模块上线后自动改用系统数据" in items["dibao_recipients"]["source_label"]
