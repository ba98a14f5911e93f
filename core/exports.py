"""Excel exports: always from the user's scoped queryset, masked as on screen, and audited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.http import QueryDict

from core.audit import audit_in_own_transaction
from core.filtersets import PersonFilterSet
from core.models import Person, User
from core.models.regions import common_region_prefix
from core.permissions import CorePerm
from core.selectors import present_people
from core.sheets import Column, write_workbook

# Up to this many rows the file is built during the request; above, it becomes a Job.
EXPORT_SYNC_LIMIT = 5000
CHUNK = 2000

PERSON_EXPORT_COLUMNS = [
    Column("name", "姓名", width=12),
    Column("sex", "性别", width=6),
    Column("birth_date", "出生日期", width=12),
    Column("age", "年龄", width=6),
    Column("id_number", "身份证号", width=22),
    Column("phone", "手机号码", width=14),
    Column("hukou_region", "户籍地", width=24),
    Column("hukou_region_code", "户籍地区划代码", width=16),
    Column("residence_region", "居住地", width=24),
    Column("address", "居住地址", width=30),
    Column("household_number", "户编号", width=14),
    Column("relation", "与户主关系", width=10),
    Column("death_date", "死亡日期", width=12),
]


def person_export_queryset(user: User, query: QueryDict) -> Any:
    base = Person.objects.visible_to(user, CorePerm.EXPORT_DATA) & Person.objects.visible_to(user, CorePerm.VIEW_PERSON)
    filterset = PersonFilterSet(query, queryset=base)
    if not filterset.is_valid():
        return None
    return filterset.qs.order_by("id")


def person_export_workbook(
    user: User, query: QueryDict, on_progress: Callable[[int], None] | None = None
) -> tuple[bytes, int]:
    """Build the workbook; returns (xlsx bytes, number of people)."""
    qs = person_export_queryset(user, query)
    if qs is None:
        raise ValueError("筛选条件无效")
    written = 0
    unmasked = 0
    regions: set[str] = set()

    def rows() -> Iterator[list[Any]]:
        nonlocal written, unmasked
        last_id = 0
        while True:
            # Keyset pagination (never OFFSET) over the id order.
            chunk = list(qs.filter(id__gt=last_id)[:CHUNK])
            if not chunk:
                return
            last_id = chunk[-1].pk
            regions.update(p.hukou_region_id for p in chunk)
            for view in present_people(chunk, user, purpose="导出人员名单"):
                unmasked += view.unmasked
                yield [
                    view.name,
                    view.sex,
                    view.birth_date,
                    view.age,
                    view.id_number,
                    view.phone,
                    view.hukou_region,
                    view.hukou_region_code,
                    view.residence_region,
                    view.address,
                    view.household_number,
                    view.relation,
                    view.death_date,
                ]
                written += 1
            if on_progress:
                on_progress(written)

    content = write_workbook([("人员名单", PERSON_EXPORT_COLUMNS, rows())])
    audit_in_own_transaction(
        action="person.export",
        actor=user,
        object_type="core.person",
        object_repr=f"导出 {written} 人",
        region_code=common_region_prefix(sorted(regions)),
        changes={"query": query.urlencode(), "rows": written, "unmasked_rows": unmasked},
    )
    return content, written
