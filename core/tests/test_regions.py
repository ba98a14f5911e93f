"""The divisions of the three places, loaded from the CSVs shipped in core/data/divisions."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import api_client
from core.models import Region
from core.services.regions import regions_load_divisions

pytestmark = pytest.mark.django_db


def test_counts_per_place() -> None:
    assert Region.objects.within("310151").filter(level="township").count() == 21
    # 360 villages of the 2021 edition plus 长兴璟苑社区居委会 added in 2023.
    assert Region.objects.within("310151").filter(level="village", is_retired=False).count() == 361
    assert Region.objects.within("310113").filter(level="township").count() == 13
    assert Region.objects.within("532302").filter(level="township").count() == 14


def test_retired_counties_exist_and_point_to_their_successors() -> None:
    chongming_county = Region.objects.get(code="310230")
    assert (chongming_county.name, chongming_county.is_retired, chongming_county.replaced_by_id) == (
        "崇明县",
        True,
        "310151",
    )
    lufeng_county = Region.objects.get(code="532331")
    assert (lufeng_county.name, lufeng_county.is_retired, lufeng_county.replaced_by_id) == ("禄丰县", True, "532302")


def test_2023_changes_are_applied() -> None:
    assert Region.objects.get(code="310113501").name == "宝山工业园区"
    assert Region.objects.get(code="532302103204").is_retired  # 樊厂村民委员会 became a 社区
    assert Region.objects.get(code="532302103006").name == "樊厂社区居民委员会"
    assert Region.objects.get(code="532302103001").name == "碧城社区居民委员会"


def test_codes_are_prefixes_and_full_names_read_top_down() -> None:
    village = Region.objects.get(code="310151101001")
    assert village.parent_id == "310151101"
    assert village.full_name == "上海市崇明区城桥镇南门居委会"
    assert Region.objects.get(code="310151").parent_id == "3101"
    assert set(Region.objects.within("310151101").values_list("level", flat=True)) == {"township", "village"}


def test_loading_twice_changes_nothing() -> None:
    assert regions_load_divisions() == {"created": 0, "updated": 0, "total": Region.objects.count()}


def test_region_api(users: dict[str, Any], api_token: Any) -> None:
    response = api_client(api_token(users["own"])).get("/api/v1/regions/310151101")
    body = response.json()
    assert response.status_code == 200
    assert (body["name"], body["level"], body["parent"], body["full_name"]) == (
        "城桥镇",
        "township",
        "310151",
        "上海市崇明区城桥镇",
    )
    assert body["children"][0] == {
        "code": "310151101001",
        "name": "南门居委会",
        "level": "village",
        "is_retired": False,
    }


def test_region_api_unknown_code(users: dict[str, Any], api_token: Any) -> None:
    response = api_client(api_token(users["own"])).get("/api/v1/regions/999999")
    assert response.status_code == 404
