"""Excel import of facilities and caregivers, in the core pipeline's style: a validation job
(no writes; an error workbook with row, column and reason) → the uploader confirms → a commit
job that writes the valid rows through the services. Re-importing the same file changes
nothing: facilities match by 设施编号 (or name + region), caregivers by person + facility + role."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from core.jobs import JobError, job_handler, register_import
from core.models import Job, Region, User
from core.scoping import has_perm
from core.services import job_finish, job_progress, stored_file_create
from core.sheets import Column, RowError, SheetError, error_workbook, read_sheet
from eldercare import services
from eldercare.choices import (
    CaregiverLevel,
    FacilityKind,
    FacilityStatus,
    LicenceState,
    OperatorKind,
    Ownership,
    WorkerRole,
)
from eldercare.facility_people import person_by_id_number
from eldercare.models import Caregiver, Facility
from eldercare.permissions import FacilityPerm

FACILITY_VALIDATE = "eldercare.facility_import_validate"
FACILITY_COMMIT = "eldercare.facility_import_commit"
CAREGIVER_VALIDATE = "eldercare.caregiver_import_validate"
CAREGIVER_COMMIT = "eldercare.caregiver_import_commit"
register_import(FACILITY_VALIDATE, FACILITY_COMMIT)
register_import(CAREGIVER_VALIDATE, CAREGIVER_COMMIT)

FACILITY_COLUMNS = [
    Column("number", "设施编号", help="已有设施填写编号则更新；新设施留空，系统编号"),
    Column("name", "名称", required=True, width=24),
    Column("kind", "类型", required=True, help="、".join(FacilityKind.labels)),
    Column("region", "区划代码", required=True, help="9位乡镇/街道或12位村居代码"),
    Column("ownership", "性质", help="养老机构填：" + "、".join(Ownership.labels)),
    Column("parent", "所属中心编号", help="社区综合为老服务中心分中心填所属中心的设施编号"),
    Column("address", "地址", width=30),
    Column("operator_name", "运营主体", width=24),
    Column("operator_kind", "运营主体类型", help="、".join(OperatorKind.labels)),
    Column("operator_uscc", "统一社会信用代码", width=22),
    Column("licence_state", "许可/备案状态", help="、".join(LicenceState.labels)),
    Column("licence_number", "许可/备案编号"),
    Column("is_standard", "标准化", help="是/否"),
    Column("floor_area", "建筑面积（平方米）"),
    Column("daily_meal_capacity", "日供餐能力（客/日）"),
    Column("opened_on", "开业日期", help="YYYY-MM-DD"),
    Column("phone", "联系电话"),
]

CAREGIVER_COLUMNS = [
    Column("id_number", "身份证号", required=True, width=22, help="须已在人员库登记"),
    Column("name", "姓名", help="用于核对"),
    Column("facility", "设施编号", required=True),
    Column("role", "岗位", help="、".join(WorkerRole.labels)),
    Column("level", "证书等级", help="、".join(CaregiverLevel.labels)),
    Column("certificate_number", "证书编号"),
    Column("certified_on", "发证日期"),
    Column("valid_until", "有效期至"),
    Column("hired_on", "入职日期"),
]


def _by_label(choices: Any, text: str, header: str, errors: list[str], default: str = "") -> str:
    text = text.strip()
    if not text:
        return default
    for value, label in choices:
        if text in (value, label) or label.startswith(text):
            return str(value)
    errors.append(f"{header}“{text}”无效")
    return default


def _date(text: str, header: str, errors: list[str]) -> datetime.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10].replace("/", "-").replace(".", "-"))
    except ValueError:
        errors.append(f"{header}“{text}”不是有效日期（YYYY-MM-DD）")
        return None


@dataclass
class Plan:
    total: int = 0
    valid: list[tuple[int, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    create: int = 0
    update: int = 0

    def counts(self) -> dict[str, int]:
        invalid = len({e.row for e in self.errors})
        return {
            "rows": self.total,
            "valid": len(self.valid),
            "invalid": invalid,
            "create": self.create,
            "update": self.update,
        }


def _add_errors(plan: Plan, row: int, exc: ValidationError, columns: list[Column]) -> None:
    headers = {c.key: c.header for c in columns}
    for key, messages in (exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}).items():
        for message in messages:
            plan.errors.append(RowError(row, headers.get(key, key), message))


def facility_plan(file: Any, user: User) -> Plan:
    sheet, read_errors = read_sheet(file, FACILITY_COLUMNS)
    plan = Plan(total=len(sheet.rows), errors=list(read_errors))
    bad_rows = {e.row for e in read_errors}
    regions = {r.code: r for r in Region.objects.filter(code__in={rec["region"] for _, rec in sheet.rows})}
    parents = {
        f.number: f for f in Facility.objects.filter(number__in={rec["parent"].strip() for _, rec in sheet.rows})
    }
    seen: set[str] = set()
    for row, rec in sheet.rows:
        problems: list[str] = []
        errors_before = len(plan.errors)
        kind = _by_label(FacilityKind.choices, rec["kind"], "类型", problems)
        region = regions.get(rec["region"].strip())
        if region is None:
            plan.errors.append(RowError(row, "区划代码", f"区划代码“{rec['region']}”不存在"))
            continue
        if not has_perm(user, FacilityPerm.CHANGE_FACILITY, region.code):
            plan.errors.append(RowError(row, "区划代码", "您无权在该区划登记设施"))
            continue
        try:
            area = Decimal(rec["floor_area"] or "0")
        except InvalidOperation:
            problems.append(f"建筑面积“{rec['floor_area']}”不是数字")
            area = Decimal("0")
        capacity_text = rec["daily_meal_capacity"] or "0"
        capacity = int(capacity_text) if capacity_text.isdigit() else 0
        if not capacity_text.isdigit():
            problems.append(f"日供餐能力“{capacity_text}”应为非负整数")
        data = services.FacilityData(
            name=rec["name"],
            kind=kind,
            region=region,
            ownership=_by_label(Ownership.choices, rec["ownership"], "性质", problems),
            parent=parents.get(rec["parent"].strip()),
            address=rec["address"],
            operator_name=rec["operator_name"],
            operator_kind=_by_label(OperatorKind.choices, rec["operator_kind"], "运营主体类型", problems),
            operator_uscc=rec["operator_uscc"],
            licence_state=_by_label(LicenceState.choices, rec["licence_state"], "许可/备案状态", problems, "none"),
            licence_number=rec["licence_number"],
            is_standard=rec["is_standard"].strip() in ("是", "Y", "y", "1", "true", "TRUE"),
            floor_area=area,
            daily_meal_capacity=capacity,
            opened_on=_date(rec["opened_on"], "开业日期", problems),
            status=FacilityStatus.OPEN,
            phone=rec["phone"],
            number=rec["number"].strip(),
        )
        if rec["parent"].strip() and data.parent is None:
            problems.append(f"所属中心编号“{rec['parent']}”不存在")
        for message in problems:
            plan.errors.append(RowError(row, "", message))
        errors = services.facility_validate(data)
        if errors:
            _add_errors(plan, row, ValidationError(errors), FACILITY_COLUMNS)
        key = data.number or f"{region.code}|{data.name}"
        if key in seen:
            plan.errors.append(RowError(row, "名称", "与前面的行重复"))
        seen.add(key)
        if len(plan.errors) > errors_before or row in bad_rows:
            continue
        existing = _existing_facility(data)
        if data.number and existing is None:
            plan.errors.append(RowError(row, "设施编号", f"设施编号“{data.number}”不存在；新设施请留空"))
            continue
        plan.valid.append((row, (data, existing)))
        if existing is None:
            plan.create += 1
        else:
            plan.update += 1
    return plan


def _existing_facility(data: services.FacilityData) -> Facility | None:
    if data.number:
        return Facility.objects.filter(number=data.number).first()
    return Facility.objects.filter(region=data.region, name=data.name.strip(), kind=data.kind).first()


def _unchanged(facility: Facility, data: services.FacilityData) -> bool:
    return all(
        getattr(facility, f + "_id" if f in ("region", "parent") else f)
        == (getattr(data, f).pk if f in ("region", "parent") and getattr(data, f) is not None else getattr(data, f))
        for f in services.FACILITY_FIELDS
    )


def rec_has_parent(data: services.FacilityData) -> bool:
    return data.parent is not None


def facility_commit(plan: Plan, user: User, on_progress: Callable[[int], None]) -> dict[str, int]:
    created = updated = unchanged = 0
    for done, (_, (data, existing)) in enumerate(plan.valid, start=1):
        if existing is None:
            services.facility_create(data=data, acting_user=user)
            created += 1
        else:
            if not rec_has_parent(data):
                data.parent = existing.parent
            if _unchanged(existing, data):
                unchanged += 1
            else:
                services.facility_update(facility=existing, data=data, acting_user=user)
                updated += 1
        if done % 200 == 0:
            on_progress(done)
    return {"created": created, "updated": updated, "unchanged": unchanged}


def caregiver_plan(file: Any, user: User) -> Plan:
    sheet, read_errors = read_sheet(file, CAREGIVER_COLUMNS)
    plan = Plan(total=len(sheet.rows), errors=list(read_errors))
    bad_rows = {e.row for e in read_errors}
    facilities = {f.number: f for f in Facility.objects.filter(number__in={r["facility"] for _, r in sheet.rows})}
    seen: set[tuple[int, int, str]] = set()
    for row, rec in sheet.rows:
        problems: list[str] = []
        facility = facilities.get(rec["facility"].strip())
        if facility is None:
            plan.errors.append(RowError(row, "设施编号", f"设施编号“{rec['facility']}”不存在"))
            continue
        if not services.may_act_for_facility(user, facility, FacilityPerm.MANAGE_RESIDENTS):
            plan.errors.append(RowError(row, "设施编号", "您无权为该设施登记护理员"))
            continue
        try:
            person = person_by_id_number(rec["id_number"])
        except ValidationError as exc:
            _add_errors(plan, row, exc, CAREGIVER_COLUMNS)
            continue
        if rec["name"].strip() and rec["name"].strip() != person.name:
            plan.errors.append(RowError(row, "姓名", f"姓名与人员库不一致（人员库：{person.name}）"))
            continue
        data = services.CaregiverData(
            person=person,
            facility=facility,
            role=_by_label(WorkerRole.choices, rec["role"], "岗位", problems, WorkerRole.CAREGIVER),
            level=_by_label(CaregiverLevel.choices, rec["level"], "证书等级", problems, CaregiverLevel.NONE),
            certificate_number=rec["certificate_number"],
            certified_on=_date(rec["certified_on"], "发证日期", problems),
            valid_until=_date(rec["valid_until"], "有效期至", problems),
            hired_on=_date(rec["hired_on"], "入职日期", problems),
        )
        for message in problems:
            plan.errors.append(RowError(row, "", message))
        errors = services.caregiver_validate(data)
        if errors:
            _add_errors(plan, row, ValidationError(errors), CAREGIVER_COLUMNS)
        key = (person.pk, facility.pk, data.role)
        if key in seen:
            plan.errors.append(RowError(row, "身份证号", "与前面的行重复"))
            continue
        seen.add(key)
        if problems or errors or row in bad_rows:
            continue
        existing = Caregiver.objects.filter(
            person=person, facility=facility, role=data.role, left_on__isnull=True
        ).first()
        plan.valid.append((row, (data, existing)))
        if existing is None:
            plan.create += 1
        else:
            plan.update += 1
    return plan


def caregiver_commit(plan: Plan, user: User, on_progress: Callable[[int], None]) -> dict[str, int]:
    created = updated = unchanged = 0
    for done, (_, (data, existing)) in enumerate(plan.valid, start=1):
        if existing is None:
            services.caregiver_create(data=data, acting_user=user)
            created += 1
        elif all(getattr(existing, f) == getattr(data, f) for f in services.CAREGIVER_FIELDS):
            unchanged += 1
        else:
            services.caregiver_update(caregiver=existing, data=data, acting_user=user)
            updated += 1
        if done % 200 == 0:
            on_progress(done)
    return {"created": created, "updated": updated, "unchanged": unchanged}


@dataclass(frozen=True)
class ImportSpec:
    title: str
    columns: list[Column]
    example_rows: list[list[str]]
    perm: str
    validate_kind: str
    commit_kind: str
    plan: Callable[[Any, User], Plan]
    commit: Callable[[Plan, User, Callable[[int], None]], dict[str, int]]


SPECS = {
    "facility": ImportSpec(
        "养老服务设施",
        FACILITY_COLUMNS,
        [
            [
                "",
                "城桥镇敬老院",
                "养老机构",
                "310151101",
                "公办公营",
                "",
                "城桥镇人民路1号",
                "崇明区城桥镇敬老院",
                "机关/事业单位",
                "",
                "已备案",
                "沪崇养备2021001",
                "是",
                "3200",
                "",
                "2005-06-01",
                "",
            ]
        ],
        FacilityPerm.CHANGE_FACILITY,
        FACILITY_VALIDATE,
        FACILITY_COMMIT,
        facility_plan,
        facility_commit,
    ),
    "caregiver": ImportSpec(
        "养老护理员",
        CAREGIVER_COLUMNS,
        [
            [
                "310230196005170011",
                "张三",
                "310151101000001",
                "养老护理员",
                "初级（五级）",
                "3131000001",
                "2021-03-01",
                "",
                "2020-01-01",
            ]
        ],
        FacilityPerm.MANAGE_RESIDENTS,
        CAREGIVER_VALIDATE,
        CAREGIVER_COMMIT,
        caregiver_plan,
        caregiver_commit,
    ),
}


def _run_plan(job: Job, spec: ImportSpec) -> Plan:
    if job.input_file is None or job.requested_by is None:
        raise JobError("任务缺少导入文件或发起人")
    try:
        with job.input_file.file.open("rb") as handle:
            return spec.plan(handle, job.requested_by)
    except SheetError as exc:
        raise JobError(str(exc)) from None


def _validate(job: Job, spec: ImportSpec) -> None:
    plan = _run_plan(job, spec)
    counts = plan.counts()
    result = None
    if plan.errors:
        result = stored_file_create(
            name=f"{spec.title}导入错误清单-{job.pk}.xlsx",
            content=error_workbook(plan.errors),
            created_by=job.requested_by,
        )
    job_progress(job, plan.total, total=plan.total)
    message = (
        f"共 {counts['rows']} 行：可导入 {counts['valid']} 行（新增 {counts['create']}，更新 {counts['update']}），"
        f"有错误 {counts['invalid']} 行。"
    )
    job_finish(job, counts=counts, errors=[e.as_dict() for e in plan.errors], message=message, result_file=result)


def _commit(job: Job, spec: ImportSpec) -> None:
    assert job.requested_by is not None
    plan = _run_plan(job, spec)
    job_progress(job, 0, total=len(plan.valid))
    applied = spec.commit(plan, job.requested_by, lambda done: job_progress(job, done))
    job_progress(job, len(plan.valid))
    message = f"已写入：新增 {applied['created']}，更新 {applied['updated']}，无变化 {applied['unchanged']}。"
    if plan.errors:
        message += f" 有错误的 {plan.counts()['invalid']} 行未导入。"
    job_finish(job, counts={**plan.counts(), **applied}, errors=[e.as_dict() for e in plan.errors], message=message)


@job_handler(FACILITY_VALIDATE, "养老服务设施导入：校验")
def validate_facility_import(job: Job) -> None:
    _validate(job, SPECS["facility"])


@job_handler(FACILITY_COMMIT, "养老服务设施导入：写入")
def commit_facility_import(job: Job) -> None:
    _commit(job, SPECS["facility"])


@job_handler(CAREGIVER_VALIDATE, "养老护理员导入：校验")
def validate_caregiver_import(job: Job) -> None:
    _validate(job, SPECS["caregiver"])


@job_handler(CAREGIVER_COMMIT, "养老护理员导入：写入")
def commit_caregiver_import(job: Job) -> None:
    _commit(job, SPECS["caregiver"])
