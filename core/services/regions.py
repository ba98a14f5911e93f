"""Loading the statutory divisions shipped in core/data/divisions (see its SOURCE.md)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.db import transaction

from core.audit import audit_record
from core.choices import RegionLevel
from core.models import Region, User

DIVISIONS_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"
PLACE_FILES = ["shanghai-chongming", "shanghai-baoshan", "yunnan-chuxiong-lufeng"]

# Levels above the counties, at natural code length, so that codes stay prefixes of their children.
UPPER_LEVELS = [
    ("31", "上海市", RegionLevel.PROVINCE, None),
    ("3101", "市辖区", RegionLevel.CITY, "31"),
    ("53", "云南省", RegionLevel.PROVINCE, None),
    ("5323", "楚雄彝族自治州", RegionLevel.CITY, "53"),
]
# The NBS files give a county's parent as a padded 6-digit code.
PADDED_PARENTS = {"310100": "3101", "532300": "5323"}
# Retired county codes that elderly residents' ID numbers still carry (domain-rules §1.1).
RETIRED_COUNTIES = [
    ("310230", "崇明县", "31", "310151", "2016 年撤县设区，改为崇明区 310151"),
    ("532331", "禄丰县", "5323", "532302", "2021 年撤县设市，改为禄丰市 532302"),
]


def _read(name: str) -> list[dict[str, str]]:
    with (DIVISIONS_DIR / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _full_names(regions: dict[str, dict[str, Any]]) -> None:
    for _code, region in sorted(regions.items(), key=lambda item: len(item[0])):
        parent = regions.get(region["parent"] or "")
        own = "" if region["name"] == "市辖区" else region["name"]
        region["full_name"] = (parent["full_name"] if parent else "") + own


def regions_load_divisions(*, acting_user: User | None = None) -> dict[str, int]:
    """Create or update every region from the CSVs: the 2021 village edition, the 2023
    township names, then the 2022→2023 village changes (removed villages become retired)."""
    regions: dict[str, dict[str, Any]] = {}
    for code, name, level, parent in UPPER_LEVELS:
        regions[code] = {
            "name": name,
            "level": level,
            "parent": parent,
            "retired": False,
            "replaced_by": None,
            "note": "",
        }
    for place in PLACE_FILES:
        for row in _read(place):
            regions[row["code"]] = {
                "name": row["name"],
                "level": row["level"],
                "parent": PADDED_PARENTS.get(row["parent_code"], row["parent_code"]),
                "retired": False,
                "replaced_by": None,
                "note": "",
            }
    for row in _read("townships-2023"):
        if row["code"] in regions and regions[row["code"]]["name"] != row["name"]:
            regions[row["code"]]["note"] = f"2023 年更名，原名 {regions[row['code']]['name']}"
            regions[row["code"]]["name"] = row["name"]
    for place in PLACE_FILES:
        for row in _read(f"{place}.changes-2022-to-2023"):
            if row["op"] == "remove" and row["code"] in regions:
                regions[row["code"]]["retired"] = True
                regions[row["code"]]["note"] = "2023 年统计用区划中已撤销"
            elif row["op"] == "add":
                regions[row["code"]] = {
                    "name": row["name"],
                    "level": row["level"],
                    "parent": row["parent_code"],
                    "retired": False,
                    "replaced_by": None,
                    "note": "2023 年统计用区划新增",
                }
    for code, name, parent, successor, note in RETIRED_COUNTIES:
        regions[code] = {
            "name": name,
            "level": RegionLevel.COUNTY,
            "parent": parent,
            "retired": True,
            "replaced_by": successor,
            "note": note,
        }
    _full_names(regions)

    existing = {r.code: r for r in Region.objects.all()}
    created = updated = 0
    with transaction.atomic():
        # Parents before children, successors before the retired codes pointing at them.
        for code in sorted(regions, key=lambda c: (len(c), c)):
            data = regions[code]
            fields = {
                "name": data["name"],
                "level": data["level"],
                "parent_id": data["parent"],
                "full_name": data["full_name"],
                "is_retired": data["retired"],
                "note": data["note"],
            }
            region = existing.get(code)
            if region is None:
                Region.objects.create(code=code, **fields)
                created += 1
            elif any(getattr(region, key) != value for key, value in fields.items()):
                Region.objects.filter(code=code).update(**fields)
                updated += 1
        for code, data in regions.items():
            if data["replaced_by"]:
                Region.objects.filter(code=code).update(replaced_by_id=data["replaced_by"])
        counts = {"created": created, "updated": updated, "total": len(regions)}
        if created or updated:
            audit_record(
                action="region.load",
                actor=acting_user,
                object_type="core.region",
                object_repr="行政区划",
                changes=counts,
            )
    from core.selectors import forget_region_cache

    forget_region_cache()
    from core.events import regions_loaded

    regions_loaded.send(sender=Region, counts=counts)
    return counts
