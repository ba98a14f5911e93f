"""Excel exports of the facility-side lists (always from the user's scoped, filtered queryset)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from core.audit import audit_in_own_transaction
from core.models import User
from core.selectors import region_label
from core.sheets import Column, write_workbook
from eldercare.models import Caregiver, Facility, Inspection, Residency

FACILITY_COLUMNS = [
    Column("number", "设施编号"),
    Column("name", "名称", width=28),
    Column("kind", "类型", width=18),
    Column("ownership", "性质", width=10),
    Column("region", "所在区划", width=24),
    Column("region_code", "区划代码"),
    Column("address", "地址", width=30),
    Column("operator", "运营主体", width=28),
    Column("uscc", "统一社会信用代码", width=22),
    Column("licence", "许可/备案状态", width=12),
    Column("licence_number", "许可/备案编号"),
    Column("standard", "标准化", width=8),
    Column("area", "建筑面积（平方米）", width=12),
    Column("meals", "日供餐能力", width=10),
    Column("beds", "床位", width=8),
    Column("nursing", "护理型床位", width=10),
    Column("dementia", "认知障碍床位", width=10),
    Column("occupied", "在住", width=8),
    Column("status", "状态", width=10),
    Column("opened_on", "开业日期", width=12),
]


def facility_workbook(user: User, queryset: QuerySet[Facility], title: str) -> bytes:
    rows = [
        [
            f.number,
            f.name,
            f.get_kind_display(),
            f.get_ownership_display() if f.ownership else "",
            region_label(f.region_id),
            f.region_id,
            f.address,
            f.operator_name,
            f.operator_uscc,
            f.get_licence_state_display(),
            f.licence_number,
            "是" if f.is_standard else "否",
            float(f.floor_area),
            f.daily_meal_capacity,
            getattr(f, "bed_total", 0),
            getattr(f, "bed_nursing", 0),
            getattr(f, "bed_dementia", 0),
            getattr(f, "occupied", 0),
            f.get_status_display(),
            f.opened_on.isoformat() if f.opened_on else "",
        ]
        for f in queryset.iterator(chunk_size=2000)
    ]
    audit_in_own_transaction(
        action="eldercare.facility.export",
        actor=user,
        object_type="eldercare.facility",
        object_repr=f"导出设施名录 {len(rows)} 条",
        changes={"rows": len(rows)},
    )
    return write_workbook([(title, FACILITY_COLUMNS, rows)])


CAREGIVER_COLUMNS = [
    Column("name", "姓名", width=12),
    Column("facility", "所在设施", width=28),
    Column("region", "所在区划", width=24),
    Column("role", "岗位", width=16),
    Column("level", "证书等级", width=14),
    Column("certificate", "证书编号", width=18),
    Column("certified_on", "发证日期", width=12),
    Column("valid_until", "有效期至", width=12),
    Column("hired_on", "入职日期", width=12),
    Column("left_on", "离职日期", width=12),
]


def _d(value: Any) -> str:
    return value.isoformat() if value else ""


def caregiver_workbook(user: User, queryset: QuerySet[Caregiver]) -> bytes:
    # Names only: ID numbers of staff are not exported (the list is for 持证 ledgers).
    rows = [
        [
            c.person.name,
            c.facility.name,
            region_label(c.facility.region_id),
            c.get_role_display(),
            c.get_level_display(),
            c.certificate_number,
            _d(c.certified_on),
            _d(c.valid_until),
            _d(c.hired_on),
            _d(c.left_on),
        ]
        for c in queryset.iterator(chunk_size=2000)
    ]
    audit_in_own_transaction(
        action="eldercare.caregiver.export",
        actor=user,
        object_type="eldercare.caregiver",
        object_repr=f"导出护理员名单 {len(rows)} 条",
        changes={"rows": len(rows)},
    )
    return write_workbook([("养老护理员", CAREGIVER_COLUMNS, rows)])


CERT_COLUMNS = [
    Column("name", "设施", width=28),
    Column("region", "所在区划", width=24),
    Column("total", "护理员数", width=10),
    Column("certified", "持证数", width=10),
    Column("rate", "持证率（%）", width=10),
]


def certification_workbook(rows: Iterable[dict[str, Any]]) -> bytes:
    return write_workbook(
        [
            (
                "持证率",
                CERT_COLUMNS,
                ([r["name"], r["region"], r["total"], r["certified"], float(r["rate"] or 0)] for r in rows),
            )
        ]
    )


INSPECTION_COLUMNS = [
    Column("facility", "被检查设施", width=28),
    Column("region", "所在区划", width=24),
    Column("draw", "抽取批次", width=24),
    Column("planned_on", "计划日期", width=12),
    Column("inspected_on", "检查日期", width=12),
    Column("status", "状态", width=10),
    Column("findings", "问题数", width=8),
    Column("open", "未整改", width=8),
    Column("published", "已公开", width=8),
    Column("summary", "检查结论", width=40),
]


def inspection_workbook(queryset: QuerySet[Inspection]) -> bytes:
    rows = [
        [
            i.facility.name,
            region_label(i.facility.region_id),
            i.draw.title if i.draw else "",
            _d(i.planned_on),
            _d(i.inspected_on),
            i.get_status_display(),
            getattr(i, "finding_count", 0),
            getattr(i, "open_findings", 0),
            "是" if i.is_published else "否",
            i.summary,
        ]
        for i in queryset
    ]
    return write_workbook([("监督检查", INSPECTION_COLUMNS, rows)])


RESIDENCY_COLUMNS = [
    Column("name", "姓名", width=12),
    Column("sex", "性别", width=6),
    Column("birth_date", "出生日期", width=12),
    Column("facility", "设施", width=28),
    Column("region", "所在区划", width=24),
    Column("bed", "床位号", width=10),
    Column("bed_kind", "床位类型", width=12),
    Column("admitted_on", "入住日期", width=12),
    Column("discharged_on", "退住日期", width=12),
    Column("reason", "退住原因", width=12),
]


def residency_workbook(user: User, queryset: QuerySet[Residency]) -> bytes:
    rows = [
        [
            r.person.name,
            r.person.get_sex_display(),
            _d(r.person.birth_date),
            r.bed.facility.name,
            region_label(r.bed.facility.region_id),
            r.bed.number,
            r.bed.get_kind_display(),
            _d(r.admitted_on),
            _d(r.discharged_on),
            r.get_discharge_reason_display(),
        ]
        for r in queryset.iterator(chunk_size=2000)
    ]
    audit_in_own_transaction(
        action="eldercare.residency.export",
        actor=user,
        object_type="eldercare.residency",
        object_repr=f"导出入住老人名单 {len(rows)} 条",
        changes={"rows": len(rows)},
    )
    return write_workbook([("入住老人", RESIDENCY_COLUMNS, rows)])


COVERAGE_COLUMNS = [
    Column("rule", "标准", width=36),
    Column("region", "区划", width=24),
    Column("code", "区划代码", width=14),
    Column("actual", "现有", width=10),
    Column("required", "应有", width=10),
    Column("gap", "缺口", width=10),
    Column("basis", "人口基数", width=10),
    Column("source", "依据", width=60),
]


def coverage_workbook(rules: Iterable[Any]) -> bytes:
    """The shortfalls of every coverage rule, one row per region that falls short."""
    rows = [
        [
            rule.title,
            row.name,
            row.code,
            float(row.actual),
            float(row.required),
            float(row.gap),
            row.basis if row.basis is not None else "",
            rule.source,
        ]
        for rule in rules
        for row in rule.shortfalls
    ]
    return write_workbook([("未达标区划", COVERAGE_COLUMNS, rows)])


CREDIT_COLUMNS = [
    Column("facility", "设施", width=28),
    Column("region", "所在区划", width=24),
    Column("score", "信用分", width=8),
    Column("minor", "一般问题", width=8),
    Column("major", "较重问题", width=8),
    Column("serious", "严重问题", width=8),
    Column("overdue", "逾期", width=8),
    Column("blacklisted", "黑名单", width=8),
]
BLACKLIST_COLUMNS = [
    Column("facility", "设施", width=28),
    Column("listed_on", "列入日期", width=12),
    Column("reason", "列入原因", width=40),
    Column("removed_on", "移出日期", width=12),
    Column("removal_reason", "移出原因", width=40),
]


def credit_workbook(rows: Iterable[dict[str, Any]], entries: Iterable[Any]) -> bytes:
    return write_workbook(
        [
            (
                "信用分",
                CREDIT_COLUMNS,
                (
                    [
                        r["facility"].name,
                        r["region"],
                        float(r.get("score", 0)),
                        *(r.get("findings", {}).get(k, 0) for k in ("minor", "major", "serious", "overdue")),
                        "是" if r.get("blacklisted") else "否",
                    ]
                    for r in rows
                ),
            ),
            (
                "黑名单",
                BLACKLIST_COLUMNS,
                ([e.facility.name, _d(e.listed_on), e.reason, _d(e.removed_on), e.removal_reason] for e in entries),
            ),
        ]
    )
