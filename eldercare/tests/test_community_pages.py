"""Community services through the web pages and the API: the daily grid, the settlement
run and its Excel export, the coverage report, and the demo builder (idempotent)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import DISTRICT, OTHER_TOWNSHIP_VILLAGE, OWN_VILLAGE, api_client, client_for, next_id_number
from core.models import Region, User
from eldercare import services_community as svc
from eldercare.models import (
    AdviceSession,
    Facility,
    HomeAdaptation,
    MealCount,
    MealEnrolment,
    MealSettlement,
    PeerPair,
    PeerVisit,
)
from eldercare.policy_community import ensure_community_parameters

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    ensure_community_parameters()
    return make_user("district_staff", "district_staff", DISTRICT)


def _point(number: str, capacity: int, region: str = OWN_VILLAGE, kind: str = "meal_point") -> Facility:
    return Facility.objects.create(
        number=number, name=f"助餐点{number}", kind=kind, region_id=region, daily_meal_capacity=capacity
    )


def test_daily_grid_saves_and_warns_over_capacity(staff: User) -> None:
    point = _point("ZC-1", 20)
    client = client_for(staff)
    response = client.post(
        "/eldercare/meals/daily/",
        {"day": "2026-09-01", f"o-{point.pk}-age65": "18", f"s-{point.pk}-age65": "17", f"o-{point.pk}-age80": "5"},
        follow=True,
    )
    body = response.content.decode()
    assert "已保存 2026-09-01 1 个助餐点的填报" in body
    assert "订餐 23 份，超过日供餐能力 20 份" in body
    assert sorted(MealCount.objects.values_list("category", "ordered", "served")) == [
        ("age65", 18, 17),
        ("age80", 5, 0),
    ]
    # The grid shows what was saved.
    page = client.get("/eldercare/meals/daily/?day=2026-09-01").content.decode()
    assert f'name="o-{point.pk}-age65" value="18"' in page


def test_settlement_run_page_and_export(staff: User) -> None:
    point = _point("ZC-1", 50)
    for day in range(1, 4):
        svc.meal_counts_save(
            day=datetime.date(2026, 9, day), entries={point.pk: {"age80": (6, 6), "dibao": (1, 1)}}, acting_user=staff
        )
    client = client_for(staff)
    response = client.post("/eldercare/meals/settlements/compute/", {"month": "2026-09", "region": DISTRICT})
    assert response.status_code == 302
    settlement = MealSettlement.objects.get()
    assert settlement.subsidy_amount == Decimal("87.00")  # 18 × 4.00 + 3 × 5.00
    detail = client.get(f"/eldercare/meals/settlements/{settlement.pk}/").content.decode()
    assert "87.00 元" in detail and "确认结算" in detail
    listing = client.get("/eldercare/meals/settlements/?month=2026-09").content.decode()
    assert "补贴 87.00 元" in listing
    assert '<tr><td>低保对象</td><td class="num">3</td><td class="num">0</td><td class="num">15.00</td></tr>' in listing
    export = client.get("/eldercare/meals/settlements/?export=xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, row = rows[0], rows[1]
    values = dict(zip(header, row, strict=True))
    assert values["结算月份"] == "2026-09"
    assert values["80 周岁及以上餐数"] == 18 and values["低保对象补贴"] == 15
    assert values["补贴金额"] == 87
    client.post(f"/eldercare/meals/settlements/{settlement.pk}/confirm/")
    settlement.refresh_from_db()
    assert settlement.status == "confirmed" and settlement.confirmed_by == staff


def test_settlement_compute_refused_out_of_scope_shows_error(make_user: Callable[..., User]) -> None:
    ensure_community_parameters()
    outsider = make_user("baoshan", "district_staff", "310113")
    response = client_for(outsider).post(
        "/eldercare/meals/settlements/compute/", {"month": "2026-09", "region": DISTRICT}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert MealSettlement.objects.count() == 0


def test_coverage_api_exact(staff: User, make_person: Callable[..., Any], api_token: Callable[[User], str]) -> None:
    from core import services as core_services

    seen = make_person("王独居", id_number=next_id_number(datetime.date(1950, 2, 2)))
    unseen = make_person("李高龄", id_number=next_id_number(datetime.date(1939, 2, 2)))
    volunteer = make_person("张志愿", id_number=next_id_number(datetime.date(1962, 2, 2)))
    core_services.household_create(
        acting_user=staff, region=Region.objects.get(code=OWN_VILLAGE), head=seen, number="HH-SEEN"
    )
    pair = svc.peer_pair_create(
        volunteer=volunteer, target=seen, started_on=datetime.date(2026, 9, 1), acting_user=staff
    )
    svc.peer_visit_create(pair=pair, visited_on=datetime.date(2026, 10, 10), acting_user=staff)
    client = api_client(api_token(staff))
    report = client.get(f"/api/v1/eldercare/peer-coverage?region={DISTRICT}&start=2026-10-01&end=2026-10-31").json()
    assert (report["targets"], report["visited"], report["share"]) == (2, 1, "50.0")
    assert [(r["township"], r["targets"], r["visited"]) for r in report["rows"]] == [("310151101", 2, 1)]
    unvisited = client.get(
        f"/api/v1/eldercare/peer-coverage/unvisited?region={DISTRICT}&start=2026-10-01&end=2026-10-31"
    ).json()
    assert [(p["id"], p["paired"]) for p in unvisited["results"]] == [(unseen.pk, False)]
    assert unvisited["count"] == 1


def test_demo_builder_is_idempotent(staff: User, make_person: Callable[..., Any]) -> None:
    from core import services as core_services
    from eldercare.demo_community import build_community_demo

    _point("ZC-1", 60)
    _point("ZC-2", 40, OTHER_TOWNSHIP_VILLAGE, kind="canteen")
    for index, born in enumerate([1936, 1941, 1944, 1948, 1950, 1952, 1955, 1957, 1959, 1961, 1963, 1964]):
        region = OWN_VILLAGE if index % 2 else OTHER_TOWNSHIP_VILLAGE
        person = make_person("演示老人", region=region, id_number=next_id_number(datetime.date(born, 4, 4)))
        core_services.household_create(
            acting_user=staff, region=Region.objects.get(code=region), head=person, number=f"HH-D{index}"
        )
    line = build_community_demo("chongming", 7)
    assert line.startswith("助餐登记")
    counts = [
        MealEnrolment.objects.count(),
        MealCount.objects.count(),
        MealSettlement.objects.count(),
        AdviceSession.objects.count(),
        PeerPair.objects.count(),
        PeerVisit.objects.count(),
        HomeAdaptation.objects.count(),
    ]
    assert all(counts[1:4]) and counts[6] > 0
    # Two finished months for two points; one point lost its subsidy for twelve days last month.
    assert counts[2] == 4
    assert MealSettlement.objects.filter(blocked_days=12).count() == 1
    assert set(HomeAdaptation.objects.values_list("status", flat=True)) == {
        "applied",
        "assessed",
        "approved",
        "completed",
        "settled",
        "rejected",
        "withdrawn",
    }
    assert build_community_demo("chongming", 7) == "已存在，跳过"
    assert counts == [
        MealEnrolment.objects.count(),
        MealCount.objects.count(),
        MealSettlement.objects.count(),
        AdviceSession.objects.count(),
        PeerPair.objects.count(),
        PeerVisit.objects.count(),
        HomeAdaptation.objects.count(),
    ]
