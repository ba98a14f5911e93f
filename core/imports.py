"""Import of people and households from Excel, in two phases.

1. ``validate``: read the workbook, check every row exactly as the services would, and
   write an error workbook (row, column, Chinese message). Nothing in the registry changes.
2. ``commit`` (only after the user confirms): validate again — the registry may have
   changed meanwhile — and apply the valid rows in batches through the same services as the
   web forms. People are matched on ID number and households on 户编号, so importing the
   same file twice creates nothing new.

A household is imported whole or not at all: if any row of a 户编号 has an error, every row
of that household is reported and skipped.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core import services
from core.choices import Relation
from core.models import Household, HouseholdMember, Person, Region, User
from core.permissions import CorePerm
from core.scoping import has_perm
from core.services.people import FIELD_LABELS, PersonData, _id_extra_codes, audit_view, id_hash
from core.sheets import Column, RowError, read_sheet

PERSON_COLUMNS = [
    Column("name", "姓名", required=True, width=12),
    Column("id_number", "身份证号", required=True, aliases=("公民身份号码", "身份证号码"), width=22),
    Column("hukou_region", "户籍地区划代码", required=True, aliases=("户籍地代码",), width=16),
    Column("residence_region", "居住地区划代码", aliases=("居住地代码",), width=16),
    Column("phone", "手机号码", aliases=("联系电话", "手机号"), width=14),
    Column("address", "居住地址", width=30),
    Column("household", "户编号", width=16),
    Column("relation", "与户主关系", width=12),
]
_HEADER = {c.key: c.header for c in PERSON_COLUMNS}
_RELATIONS = {label: value for value, label in Relation.choices} | {v: v for v in Relation.values}
BATCH_SIZE = 500


@dataclass
class PlannedRow:
    row: int
    raw: dict[str, str]
    data: PersonData | None = None
    existing: Person | None = None
    action: str = ""  # create / update / unchanged
    relation: str = ""


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    households: dict[str, list[PlannedRow]] = field(default_factory=dict)
    existing_households: dict[str, Household] = field(default_factory=dict)

    @property
    def valid_rows(self) -> list[PlannedRow]:
        bad = {e.row for e in self.errors}
        return [r for r in self.rows if r.row not in bad]

    def counts(self) -> dict[str, int]:
        valid = self.valid_rows
        bad_rows = {e.row for e in self.errors}
        return {
            "rows": len(self.rows),
            "valid": len(valid),
            "invalid": len(bad_rows),
            "create": sum(1 for r in valid if r.action == "create"),
            "update": sum(1 for r in valid if r.action == "update"),
            "unchanged": sum(1 for r in valid if r.action == "unchanged"),
            "new_households": sum(
                1
                for number, members in self.households.items()
                if number not in self.existing_households and not any(m.row in bad_rows for m in members)
            ),
        }


def _error(plan: ImportPlan, row: int, key: str, message: str) -> None:
    plan.errors.append(RowError(row, _HEADER.get(key, key), message))


def build_plan(file: IO[bytes], acting_user: User) -> ImportPlan:
    """Validate every row against the registry as it is now. Changes nothing."""
    sheet, read_errors = read_sheet(file, PERSON_COLUMNS)
    plan = ImportPlan(errors=list(read_errors))
    regions = {r.code: r for r in Region.objects.all()}
    extra_codes = _id_extra_codes()
    seen: dict[str, int] = {}

    for row_number, raw in sheet.rows:
        planned = PlannedRow(row=row_number, raw=raw)
        plan.rows.append(planned)
        planned.data = _clean_row(plan, planned, acting_user, regions, extra_codes, seen)

        # A row belongs to its household even when the row itself is bad, so that the
        # household is refused whole.
        household_number = raw["household"]
        if household_number:
            relation = _RELATIONS.get(raw["relation"])
            if not raw["relation"]:
                _error(plan, row_number, "relation", "填写了户编号时必须填写与户主关系")
            elif relation is None:
                _error(
                    plan,
                    row_number,
                    "relation",
                    f"与户主关系“{raw['relation']}”无效，可选：{'、'.join(Relation.labels)}",
                )
            else:
                planned.relation = relation
            plan.households.setdefault(household_number, []).append(planned)
        elif raw["relation"]:
            _error(plan, row_number, "household", "填写了与户主关系时必须填写户编号")

    _match_existing_people(plan, acting_user)
    _check_households(plan, acting_user)
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def _clean_row(
    plan: ImportPlan,
    planned: PlannedRow,
    acting_user: User,
    regions: dict[str, Region],
    extra_codes: frozenset[str],
    seen: dict[str, int],
) -> PersonData | None:
    """The row's person data, or None after reporting why the row cannot be imported."""
    raw, row_number = planned.raw, planned.row
    try:
        data = services.clean_person_input(
            name=raw["name"],
            id_number=raw["id_number"],
            hukou_region=raw["hukou_region"],
            residence_region=raw["residence_region"],
            phone=raw["phone"],
            address=raw["address"],
            regions=regions,
            extra_codes=extra_codes,
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                _error(plan, row_number, key, message)
        return None
    regions_of_row = [data.hukou_region.code] + ([data.residence_region.code] if data.residence_region else [])
    if not any(has_perm(acting_user, CorePerm.CHANGE_PERSON, code) for code in regions_of_row):
        _error(plan, row_number, "hukou_region", "户籍地和居住地都不在您的管辖范围内")
        return None
    number = data.id.number
    if number in seen:
        _error(plan, row_number, "id_number", f"与第 {seen[number]} 行的身份证号重复")
        return None
    seen[number] = row_number
    return data


def _match_existing_people(plan: ImportPlan, acting_user: User) -> None:
    by_hash = {id_hash(r.data.id.number): r for r in plan.rows if r.data}
    hashes = list(by_hash)
    visible = Person.objects.visible_to(acting_user, CorePerm.CHANGE_PERSON)
    for start in range(0, len(hashes), 1000):
        chunk = hashes[start : start + 1000]
        found = {
            p.id_number_hash: p for p in Person.objects.filter(id_number_hash__in=chunk).select_related("hukou_region")
        }
        in_scope = set(visible.filter(id_number_hash__in=chunk).values_list("id_number_hash", flat=True))
        for number_hash in chunk:
            planned = by_hash[number_hash]
            person = found.get(number_hash)
            if person is None:
                planned.action = "create"
            elif number_hash not in in_scope:
                _error(
                    plan,
                    planned.row,
                    "id_number",
                    f"该身份证号已在 {person.hukou_region.display_name} 登记，不在您的管辖范围内",
                )
            else:
                planned.existing = person
                assert planned.data is not None
                proposed = Person(pk=person.pk)
                services.people._apply(proposed, planned.data)
                # Keep fields the sheet leaves empty (an import without phones must not erase them).
                unchanged = all(
                    audit_view(proposed)[key] == audit_view(person)[key] or not planned.raw.get(key)
                    for key in ("name", "phone", "hukou_region", "residence_region", "address")
                )
                planned.action = "unchanged" if unchanged else "update"


def _check_households(plan: ImportPlan, acting_user: User) -> None:
    numbers = list(plan.households)
    existing = {h.number: h for h in Household.objects.filter(number__in=numbers)}
    plan.existing_households = existing
    persons = [r.existing for members in plan.households.values() for r in members if r.existing]
    current = {m.person_id: m for m in HouseholdMember.objects.filter(person__in=persons).select_related("household")}
    for number, members in plan.households.items():
        household = existing.get(number)
        heads = [m for m in members if m.relation == Relation.HEAD]
        if household is not None:
            if not has_perm(acting_user, CorePerm.CHANGE_HOUSEHOLD, household.region_id):
                for m in members:
                    _error(plan, m.row, "household", f"户编号 {number} 已存在且不在您的管辖范围内")
                continue
            has_head = (
                household.members.filter(relation=Relation.HEAD)
                .exclude(person__in=[m.existing for m in members if m.existing])
                .exists()
            )
            if heads and has_head:
                for m in heads:
                    _error(plan, m.row, "relation", f"户 {number} 已有户主")
        else:
            if len(heads) != 1:
                message = "新建家庭户必须有且只有一名户主" if not heads else f"户编号 {number} 有 {len(heads)} 名户主"
                for m in members:
                    _error(plan, m.row, "relation", message)
            else:
                head = heads[0]
                # A head whose row is bad already has its error; the household is refused below.
                if head.data is not None:
                    region = head.data.residence_region or head.data.hukou_region
                    if region.level != "village":
                        _error(
                            plan, head.row, "residence_region", "新建家庭户时户主的居住地（或户籍地）应填写到村/居委会"
                        )
                    elif not has_perm(acting_user, CorePerm.CHANGE_HOUSEHOLD, region.code):
                        _error(plan, head.row, "household", "新建家庭户所在村居不在您的管辖范围内")
        for m in members:
            membership = current.get(m.existing.pk) if m.existing else None
            if membership is None or membership.household.number == number or membership.relation != Relation.HEAD:
                continue
            if membership.household.members.count() > 1:
                _error(
                    plan,
                    m.row,
                    "household",
                    f"该人员是户 {membership.household.number} 的户主，不能迁出，请先变更原户户主",
                )
        # A household is imported whole or not at all.
        bad = {e.row for e in plan.errors}
        if any(m.row in bad for m in members):
            for m in members:
                if m.row not in bad:
                    _error(plan, m.row, "household", f"户编号 {number} 的其他行有错误，整户未导入")


def _batches(plan: ImportPlan) -> Iterator[list[PlannedRow]]:
    """Valid rows in batches, keeping each household's rows together."""
    valid = plan.valid_rows
    grouped: dict[str, list[PlannedRow]] = defaultdict(list)
    for row in valid:
        grouped[row.raw["household"] or f"#{row.row}"].append(row)
    batch: list[PlannedRow] = []
    for members in grouped.values():
        batch.extend(members)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def commit_plan(plan: ImportPlan, acting_user: User, on_progress: Any = None) -> dict[str, int]:
    """Apply the valid rows through the services, a batch per transaction."""
    done = 0
    applied = {
        "create": 0,
        "update": 0,
        "unchanged": 0,
        "households_created": 0,
        "members_added": 0,
        "members_moved": 0,
    }
    for batch in _batches(plan):
        with transaction.atomic():
            people: dict[int, Person] = {}
            for row in batch:
                assert row.data is not None
                if row.action == "create":
                    people[row.row] = services.person_create(acting_user=acting_user, data=row.data)
                elif row.action == "update" and row.existing is not None:
                    _keep_unfilled(row)
                    people[row.row] = services.person_update(
                        person=row.existing, acting_user=acting_user, data=row.data
                    )
                elif row.existing is not None:
                    people[row.row] = row.existing
                applied[row.action] += 1
            _apply_households(batch, people, plan, acting_user, applied)
        done += len(batch)
        if on_progress:
            on_progress(done)
    return applied


def _keep_unfilled(row: PlannedRow) -> None:
    """Fields left empty in the sheet keep the registry's value."""
    assert row.data is not None and row.existing is not None
    if not row.raw["phone"]:
        row.data.phone = row.existing.phone
    if not row.raw["address"]:
        row.data.address = row.existing.address
    if not row.raw["residence_region"]:
        row.data.residence_region = row.existing.residence_region
    row.data.death_date = row.existing.death_date


def _apply_households(
    batch: list[PlannedRow], people: dict[int, Person], plan: ImportPlan, acting_user: User, applied: dict[str, int]
) -> None:
    groups: dict[str, list[PlannedRow]] = defaultdict(list)
    for row in batch:
        if row.raw["household"]:
            groups[row.raw["household"]].append(row)
    today = datetime.date.today()
    for number, members in groups.items():
        household = Household.objects.filter(number=number).first()
        if household is None:
            head = next(m for m in members if m.relation == Relation.HEAD)
            assert head.data is not None
            household = services.household_create(
                acting_user=acting_user,
                region=head.data.residence_region or head.data.hukou_region,
                head=people[head.row],
                address=head.data.address,
                number=number,
                joined_on=today,
            )
            applied["households_created"] += 1
            members = [m for m in members if m is not head]
        for m in members:
            person = people[m.row]
            membership = HouseholdMember.objects.filter(person=person).select_related("household").first()
            if membership is None:
                services.household_add_member(
                    acting_user=acting_user, household=household, person=person, relation=m.relation
                )
                applied["members_added"] += 1
            elif membership.household_id != household.pk:
                services.household_move_member(
                    acting_user=acting_user, person=person, to_household=household, relation=m.relation
                )
                applied["members_moved"] += 1


def describe(key: str) -> str:
    return FIELD_LABELS.get(key, key)


def template_rows() -> list[list[str]]:
    """Example rows for the downloadable template."""
    return [
        [
            "张三",
            "310230195001010011",
            "310151101001",
            "310151101001",
            "13800000000",
            "城桥镇南门路1号",
            "H001",
            "户主",
        ],
        ["李四", "31023019520202046X", "310151101001", "", "", "", "H001", "配偶"],
    ]


def template_note() -> list[list[Any]]:
    return [
        ["列", "是否必填", "说明"],
        ["姓名", "必填", "汉字或字母，少数民族姓名可含“·”"],
        ["身份证号", "必填", "18 位（旧 15 位自动升位）；请将该列设为文本格式，避免 Excel 截断"],
        ["户籍地区划代码", "必填", "12 位村/居委会代码（或 9 位乡镇/街道代码）"],
        ["居住地区划代码", "选填", "同上；不填表示与户籍地相同"],
        ["手机号码", "选填", "11 位手机号或带区号的固定电话"],
        ["居住地址", "选填", ""],
        ["户编号", "选填", "同一户的成员填写相同户编号；已存在的户编号表示加入该户"],
        ["与户主关系", "填写户编号时必填", "、".join(Relation.labels)],
    ]
