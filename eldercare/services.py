"""Writes of the facility side: facilities and beds, residents, caregivers, supervision.

Every function is ``<entity>_<verb>(*, …, acting_user)``: one transaction, Chinese validation
errors naming the field, the change and its audit event.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from core.audit import audit_record
from core.models import Person, Region, User
from core.policy import policy_table
from core.scoping import has_perm
from eldercare.choices import (
    BED_HOLDING_KINDS,
    BedKind,
    CaregiverLevel,
    DischargeReason,
    FacilityKind,
    FacilityStatus,
    FindingSeverity,
    FindingStatus,
    InspectionStatus,
    LicenceState,
    OperatorKind,
    Ownership,
    WorkerRole,
)
from eldercare.models import (
    Bed,
    BlacklistEntry,
    Caregiver,
    Facility,
    FacilityStaff,
    Finding,
    Inspection,
    InspectionDraw,
    Inspector,
    Residency,
)
from eldercare.permissions import FacilityPerm
from eldercare.uscc import uscc_error

# ---------------------------------------------------------------- access


def may_act_for_facility(user: Any, facility: Facility, perm: str) -> bool:
    """Bureau/township staff with ``perm`` over the facility's region, or the facility's own
    staff through the portal (FacilityStaff link + portal permission)."""
    if has_perm(user, perm, facility.region_id):
        return True
    if perm in (FacilityPerm.MANAGE_RESIDENTS, FacilityPerm.VIEW_FACILITY) and has_perm(
        user, FacilityPerm.USE_PORTAL, facility.region_id
    ):
        return FacilityStaff.objects.filter(user=user, facility=facility).exists()
    return False


def _require(user: Any, facility: Facility, perm: str) -> None:
    if not may_act_for_facility(user, facility, perm):
        raise ValidationError({"facility": ["您无权办理该设施的业务"]})


# ---------------------------------------------------------------- facilities


@dataclass
class FacilityData:
    name: str
    kind: str
    region: Region
    ownership: str = ""
    parent: Facility | None = None
    address: str = ""
    operator_name: str = ""
    operator_kind: str = ""
    operator_uscc: str = ""
    licence_state: str = LicenceState.NONE
    licence_number: str = ""
    is_standard: bool = False
    floor_area: Decimal = Decimal("0")
    daily_meal_capacity: int = 0
    opened_on: datetime.date | None = None
    status: str = FacilityStatus.OPEN
    phone: str = ""
    number: str = ""


FACILITY_FIELDS = [
    "name",
    "kind",
    "region",
    "ownership",
    "parent",
    "address",
    "operator_name",
    "operator_kind",
    "operator_uscc",
    "licence_state",
    "licence_number",
    "is_standard",
    "floor_area",
    "daily_meal_capacity",
    "opened_on",
    "status",
    "phone",
]


def facility_validate(data: FacilityData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    data.name = (data.name or "").strip()
    if not data.name:
        err("name", "请填写设施名称")
    if data.kind not in FacilityKind.values:
        err("kind", "设施类型无效")
    if data.region is None or len(data.region.code) not in (9, 12) or data.region.is_retired:
        err("region", "所在区划应为现行的乡镇/街道或村/居委会")
    if data.kind == FacilityKind.CARE_INSTITUTION:
        if data.ownership not in Ownership.values:
            err("ownership", "养老机构必须填写性质（公办公营/公建民营/民办）")
    elif data.ownership:
        err("ownership", "只有养老机构填写性质")
    if data.parent is not None:
        if data.kind != FacilityKind.SERVICE_CENTRE or data.parent.kind != FacilityKind.SERVICE_CENTRE:
            err("parent", "只有社区综合为老服务中心分中心可以指定所属中心")
        elif data.parent.parent_id is not None:
            err("parent", "所属中心本身不能是分中心")
    data.operator_uscc = (data.operator_uscc or "").strip().upper()
    if data.operator_uscc:
        problem = uscc_error(data.operator_uscc)
        if problem:
            err("operator_uscc", problem)
    if data.operator_kind and data.operator_kind not in OperatorKind.values:
        err("operator_kind", "运营主体类型无效")
    if data.licence_state not in LicenceState.values:
        err("licence_state", "许可/备案状态无效")
    elif data.licence_state in (LicenceState.FILED, LicenceState.LICENSED) and not data.licence_number.strip():
        err("licence_number", "已备案/已许可的设施须填写编号")
    if data.floor_area is None or data.floor_area < 0:
        err("floor_area", "建筑面积不能为负数")
    if data.daily_meal_capacity is None or data.daily_meal_capacity < 0:
        err("daily_meal_capacity", "日供餐能力不能为负数")
    elif data.daily_meal_capacity and data.kind not in (FacilityKind.MEAL_POINT, FacilityKind.CANTEEN):
        err("daily_meal_capacity", "只有助餐点、长者食堂填写日供餐能力")
    if data.status not in FacilityStatus.values:
        err("status", "状态无效")
    return errors


def _facility_view(facility: Facility) -> dict[str, Any]:
    return {f: getattr(facility, f + "_id" if f in ("region", "parent") else f) for f in FACILITY_FIELDS}


def _next_number(kind: str, region: Region) -> str:
    prefix = f"{region.code[:9]}{list(FacilityKind.values).index(kind):02d}"
    last = (
        Facility.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    seq = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{seq:04d}"


def facility_create(*, data: FacilityData, acting_user: User | None) -> Facility:
    if acting_user is not None and (
        data.region is None or not has_perm(acting_user, FacilityPerm.CHANGE_FACILITY, data.region.code)
    ):
        raise ValidationError({"region": ["您无权在该区划登记设施"]})
    errors = facility_validate(data)
    if data.number and Facility.objects.filter(number=data.number).exists():
        errors.setdefault("number", []).append("设施编号已存在")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            facility = Facility(number=data.number or _next_number(data.kind, data.region))
            for f in FACILITY_FIELDS:
                setattr(facility, f, getattr(data, f))
            facility.save(force_insert=True)
            audit_record(
                action="eldercare.facility.create",
                actor=acting_user,
                obj=facility,
                region_code=facility.region_id,
                changes={"after": _facility_view(facility)},
            )
    except IntegrityError:
        # Two registrations in the same township took the same next number at the same moment.
        raise ValidationError({"number": ["设施编号冲突，请重新提交"]}) from None
    return facility


def facility_update(*, facility: Facility, data: FacilityData, acting_user: User) -> Facility:
    if not has_perm(acting_user, FacilityPerm.CHANGE_FACILITY, facility.region_id) or (
        data.region is not None and not has_perm(acting_user, FacilityPerm.CHANGE_FACILITY, data.region.code)
    ):
        raise ValidationError({"region": ["您无权维护该设施"]})
    errors = facility_validate(data)
    if data.kind != facility.kind and facility.beds.exists() and data.kind not in BED_HOLDING_KINDS:
        errors.setdefault("kind", []).append("该设施有床位，不能改为不设床位的类型")
    if (
        data.status == FacilityStatus.CLOSED
        and Residency.objects.filter(bed__facility=facility, discharged_on__isnull=True).exists()
    ):
        errors.setdefault("status", []).append("该设施仍有在住老人，须先办理退住或转床才能关闭")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = _facility_view(facility)
        for f in FACILITY_FIELDS:
            setattr(facility, f, getattr(data, f))
        if facility.status == FacilityStatus.CLOSED and facility.closed_on is None:
            facility.closed_on = datetime.date.today()
        facility.save()
        audit_record(
            action="eldercare.facility.update",
            actor=acting_user,
            obj=facility,
            region_code=facility.region_id,
            changes={"before": before, "after": _facility_view(facility)},
        )
    return facility


def facility_staff_add(*, facility: Facility, user: User, acting_user: User) -> FacilityStaff:
    if not has_perm(acting_user, FacilityPerm.CHANGE_FACILITY, facility.region_id):
        raise ValidationError({"facility": ["您无权为该设施授权工作人员"]})
    with transaction.atomic():
        link, created = FacilityStaff.objects.get_or_create(user=user, facility=facility)
        if created:
            audit_record(
                action="eldercare.facility_staff.add",
                actor=acting_user,
                obj=link,
                region_code=facility.region_id,
                changes={"user": user.get_username(), "facility": facility.pk},
            )
    return link


def facility_staff_remove(*, link: FacilityStaff, acting_user: User) -> None:
    """The user no longer works for the facility: the portal stops showing it at once."""
    facility = link.facility
    if not has_perm(acting_user, FacilityPerm.CHANGE_FACILITY, facility.region_id):
        raise ValidationError({"facility": ["您无权为该设施授权工作人员"]})
    with transaction.atomic():
        audit_record(
            action="eldercare.facility_staff.remove",
            actor=acting_user,
            obj=link,
            region_code=facility.region_id,
            changes={"user": link.user.get_username(), "facility": facility.pk},
        )
        link.delete()


# ---------------------------------------------------------------- beds


def beds_add(
    *, facility: Facility, count: int, kind: str, acting_user: User | None, is_basic: bool = False, prefix: str = ""
) -> list[Bed]:
    """Add ``count`` beds of a kind, numbered after the facility's existing ones."""
    # Bureau staff who maintain facilities, or the facility's own staff (portal).
    if acting_user is not None and not (
        may_act_for_facility(acting_user, facility, FacilityPerm.CHANGE_FACILITY)
        or may_act_for_facility(acting_user, facility, FacilityPerm.MANAGE_RESIDENTS)
    ):
        raise ValidationError({"facility": ["您无权维护该设施的床位"]})
    if facility.kind not in BED_HOLDING_KINDS:
        raise ValidationError({"facility": [f"{facility.get_kind_display()}不设床位"]})
    if kind not in BedKind.values:
        raise ValidationError({"kind": ["床位类型无效"]})
    if not 1 <= count <= 2000:
        raise ValidationError({"count": ["一次新增床位数应在1至2000之间"]})
    with transaction.atomic():
        Facility.objects.select_for_update().filter(pk=facility.pk).first()
        existing = set(Bed.objects.filter(facility=facility).values_list("number", flat=True))
        beds: list[Bed] = []
        n = 0
        while len(beds) < count:
            n += 1
            number = f"{prefix}{n:04d}"
            if number not in existing:
                beds.append(Bed(facility=facility, number=number, kind=kind, is_basic=is_basic))
        Bed.objects.bulk_create(beds)
        audit_record(
            action="eldercare.bed.add",
            actor=acting_user,
            obj=facility,
            region_code=facility.region_id,
            changes={"count": count, "kind": kind, "is_basic": is_basic, "numbers": [b.number for b in beds][:50]},
        )
    return beds


def bed_update(*, bed: Bed, kind: str, is_basic: bool, is_active: bool, acting_user: User) -> Bed:
    _require(acting_user, bed.facility, FacilityPerm.MANAGE_RESIDENTS)
    if kind not in BedKind.values:
        raise ValidationError({"kind": ["床位类型无效"]})
    if not is_active and Residency.objects.filter(bed=bed, discharged_on__isnull=True).exists():
        raise ValidationError({"is_active": ["床位有在住老人，不能停用"]})
    with transaction.atomic():
        before = {"kind": bed.kind, "is_basic": bed.is_basic, "is_active": bed.is_active}
        bed.kind, bed.is_basic, bed.is_active = kind, is_basic, is_active
        bed.save()
        audit_record(
            action="eldercare.bed.update",
            actor=acting_user,
            obj=bed,
            region_code=bed.facility.region_id,
            changes={"before": before, "after": {"kind": kind, "is_basic": is_basic, "is_active": is_active}},
        )
    return bed


# ---------------------------------------------------------------- residents


def _check_admission(bed: Bed, person: Person, admitted_on: datetime.date, exclude: Residency | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if not bed.is_active:
        errors["bed"] = ["该床位已停用"]
    elif bed.facility.status != FacilityStatus.OPEN:
        errors["bed"] = ["该设施不在运营中"]
    if person.death_date and person.death_date <= admitted_on:
        errors["person"] = ["该人员已死亡"]
    if admitted_on > datetime.date.today() + datetime.timedelta(days=30):
        errors["admitted_on"] = ["入住日期不能晚于30天以后"]
    others = Residency.objects.exclude(pk=exclude.pk) if exclude else Residency.objects.all()
    # A bed (or a person) holds one stay at a time, including stays already closed that
    # overlap the new admission date.
    overlapping = Q(discharged_on__isnull=True) | Q(discharged_on__gt=admitted_on)
    if "bed" not in errors and others.filter(overlapping, bed=bed).exists():
        errors["bed"] = ["该床位已有在住老人"]
    if "person" not in errors and others.filter(overlapping, person=person).exists():
        errors["person"] = ["该老人已在其他床位入住"]
    if errors:
        raise ValidationError(errors)


def resident_admit(
    *,
    bed: Bed,
    person: Person,
    admitted_on: datetime.date,
    acting_user: User | None,
    source: str = "",
    note: str = "",
) -> Residency:
    """Admit a person to a bed (入住). ``acting_user`` None only for system jobs (demo)."""
    if acting_user is not None:
        _require(acting_user, bed.facility, FacilityPerm.MANAGE_RESIDENTS)
    _check_admission(bed, person, admitted_on)
    try:
        with transaction.atomic():
            residency = Residency.objects.create(
                person=person, bed=bed, admitted_on=admitted_on, source=source[:50], note=note[:200]
            )
            audit_record(
                action="eldercare.resident.admit",
                actor=acting_user,
                obj=residency,
                region_code=bed.facility.region_id,
                changes={"person": person.pk, "bed": bed.pk, "facility": bed.facility_id, "admitted_on": admitted_on},
            )
    except IntegrityError:
        # A concurrent admission to the same bed or of the same person won the race.
        raise ValidationError({"bed": ["该床位或该老人已有在住记录"]}) from None
    return residency


def resident_discharge(
    *,
    residency: Residency,
    discharged_on: datetime.date,
    reason: str,
    acting_user: User | None,
    note: str = "",
) -> Residency:
    if acting_user is not None:
        _require(acting_user, residency.bed.facility, FacilityPerm.MANAGE_RESIDENTS)
    errors: dict[str, list[str]] = {}
    if residency.discharged_on is not None:
        errors["residency"] = ["该老人已退住"]
    if discharged_on < residency.admitted_on:
        errors["discharged_on"] = ["退住日期不能早于入住日期"]
    if reason not in DischargeReason.values:
        errors["reason"] = ["退住原因无效"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = Residency.objects.filter(pk=residency.pk, discharged_on__isnull=True).update(
            discharged_on=discharged_on, discharge_reason=reason, note=(note or residency.note)[:200]
        )
        if not updated:
            raise ValidationError({"residency": ["该老人已退住"]})
        residency.refresh_from_db()
        audit_record(
            action="eldercare.resident.discharge",
            actor=acting_user,
            obj=residency,
            region_code=residency.bed.facility.region_id,
            changes={"discharged_on": discharged_on, "reason": reason},
        )
    return residency


def resident_transfer(
    *, residency: Residency, to_bed: Bed, transferred_on: datetime.date, acting_user: User | None, note: str = ""
) -> Residency:
    """Move a resident to another bed (same or another facility): close the stay, open a new one."""
    if acting_user is not None:
        _require(acting_user, residency.bed.facility, FacilityPerm.MANAGE_RESIDENTS)
        _require(acting_user, to_bed.facility, FacilityPerm.MANAGE_RESIDENTS)
    errors: dict[str, list[str]] = {}
    if residency.discharged_on is not None:
        errors["residency"] = ["该老人已退住"]
    if to_bed.pk == residency.bed_id:
        errors["to_bed"] = ["目标床位与当前床位相同"]
    if transferred_on < residency.admitted_on:
        errors["transferred_on"] = ["转床日期不能早于入住日期"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        resident_discharge(
            residency=residency,
            discharged_on=transferred_on,
            reason=DischargeReason.TRANSFER,
            acting_user=acting_user,
            note=note,
        )
        try:
            _check_admission(to_bed, residency.person, transferred_on)
        except ValidationError as exc:
            raise ValidationError({"to_bed": exc.message_dict.get("bed", exc.messages)}) from None
        return resident_admit(
            bed=to_bed,
            person=residency.person,
            admitted_on=transferred_on,
            acting_user=acting_user,
            source=f"transfer:{residency.pk}",
            note=note,
        )


# ---------------------------------------------------------------- workforce


@dataclass
class CaregiverData:
    person: Person
    facility: Facility
    role: str = WorkerRole.CAREGIVER
    level: str = CaregiverLevel.NONE
    certificate_number: str = ""
    certified_on: datetime.date | None = None
    valid_until: datetime.date | None = None
    hired_on: datetime.date | None = None


CAREGIVER_FIELDS = ["role", "level", "certificate_number", "certified_on", "valid_until", "hired_on"]


def caregiver_validate(data: CaregiverData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    data.certificate_number = (data.certificate_number or "").strip()
    if data.role not in WorkerRole.values:
        errors["role"] = ["岗位无效"]
    if data.level not in CaregiverLevel.values:
        errors["level"] = ["证书等级无效"]
    elif data.level != CaregiverLevel.NONE:
        if not data.certificate_number:
            errors["certificate_number"] = ["有证书等级时须填写证书编号"]
        if data.certified_on is None:
            errors["certified_on"] = ["有证书等级时须填写发证日期"]
    if data.certified_on and data.valid_until and data.valid_until < data.certified_on:
        errors["valid_until"] = ["有效期不能早于发证日期"]
    return errors


def caregiver_create(*, data: CaregiverData, acting_user: User | None) -> Caregiver:
    if acting_user is not None:
        _require(acting_user, data.facility, FacilityPerm.MANAGE_RESIDENTS)
    errors = caregiver_validate(data)
    if Caregiver.objects.filter(
        person=data.person, facility=data.facility, role=data.role, left_on__isnull=True
    ).exists():
        errors.setdefault("person", []).append("该人员已在本设施登记")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        caregiver = Caregiver(person=data.person, facility=data.facility)
        for f in CAREGIVER_FIELDS:
            setattr(caregiver, f, getattr(data, f))
        caregiver.save(force_insert=True)
        audit_record(
            action="eldercare.caregiver.create",
            actor=acting_user,
            obj=caregiver,
            region_code=data.facility.region_id,
            changes={f: getattr(caregiver, f) for f in CAREGIVER_FIELDS},
        )
    return caregiver


def caregiver_update(*, caregiver: Caregiver, data: CaregiverData, acting_user: User) -> Caregiver:
    _require(acting_user, caregiver.facility, FacilityPerm.MANAGE_RESIDENTS)
    errors = caregiver_validate(data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = {f: getattr(caregiver, f) for f in CAREGIVER_FIELDS}
        for f in CAREGIVER_FIELDS:
            setattr(caregiver, f, getattr(data, f))
        caregiver.save()
        audit_record(
            action="eldercare.caregiver.update",
            actor=acting_user,
            obj=caregiver,
            region_code=caregiver.facility.region_id,
            changes={"before": before, "after": {f: getattr(caregiver, f) for f in CAREGIVER_FIELDS}},
        )
    return caregiver


def caregiver_leave(*, caregiver: Caregiver, left_on: datetime.date, acting_user: User) -> Caregiver:
    _require(acting_user, caregiver.facility, FacilityPerm.MANAGE_RESIDENTS)
    if caregiver.left_on is not None:
        raise ValidationError({"left_on": ["该人员已离职"]})
    if caregiver.hired_on and left_on < caregiver.hired_on:
        raise ValidationError({"left_on": ["离职日期不能早于入职日期"]})
    with transaction.atomic():
        caregiver.left_on = left_on
        caregiver.save(update_fields=["left_on"])
        audit_record(
            action="eldercare.caregiver.leave",
            actor=acting_user,
            obj=caregiver,
            region_code=caregiver.facility.region_id,
            changes={"left_on": left_on},
        )
    return caregiver


# ---------------------------------------------------------------- supervision


def _require_supervision(user: Any, region_code: str) -> None:
    if not has_perm(user, FacilityPerm.MANAGE_SUPERVISION, region_code):
        raise ValidationError({"region": ["您无权在该区划开展监督检查"]})


def inspector_create(
    *, name: str, unit: str, certificate_number: str, region: Region, acting_user: User, user: User | None = None
) -> Inspector:
    _require_supervision(acting_user, region.code)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["请填写姓名"]
    if not unit.strip():
        errors["unit"] = ["请填写所在单位"]
    if not certificate_number.strip():
        errors["certificate_number"] = ["请填写执法证号"]
    elif Inspector.objects.filter(certificate_number=certificate_number.strip()).exists():
        errors["certificate_number"] = ["执法证号已存在"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        inspector = Inspector.objects.create(
            name=name.strip(),
            unit=unit.strip(),
            certificate_number=certificate_number.strip(),
            region=region,
            user=user,
        )
        audit_record(
            action="eldercare.inspector.create",
            actor=acting_user,
            obj=inspector,
            region_code=region.code,
            changes={"name": inspector.name, "unit": inspector.unit},
        )
    return inspector


def inspector_set_active(*, inspector: Inspector, is_active: bool, acting_user: User) -> Inspector:
    """Take an inspector out of the pool (transferred, retired) or back in; draws use the active pool."""
    _require_supervision(acting_user, inspector.region_id)
    if inspector.is_active == is_active:
        return inspector
    with transaction.atomic():
        inspector.is_active = is_active
        inspector.save(update_fields=["is_active"])
        audit_record(
            action="eldercare.inspector.activate" if is_active else "eldercare.inspector.deactivate",
            actor=acting_user,
            obj=inspector,
            region_code=inspector.region_id,
            changes={"is_active": is_active},
        )
    return inspector


def draw_selection(
    candidate_facility_ids: Iterable[int],
    candidate_inspector_ids: Iterable[int],
    seed: int,
    facility_count: int,
    inspectors_per_facility: int,
) -> list[list[Any]]:
    """The random draw itself: a pure function of the (sorted) candidate lists and the seed.

    Facilities are sampled without replacement; each drawn facility gets its own sample of
    inspectors, so the same officer may inspect several facilities but never twice the same one.
    """
    facilities = sorted(candidate_facility_ids)
    inspectors = sorted(candidate_inspector_ids)
    rng = random.Random(seed)
    chosen = rng.sample(facilities, min(facility_count, len(facilities)))
    return [[fid, sorted(rng.sample(inspectors, inspectors_per_facility))] for fid in chosen]


def inspection_draw_create(
    *,
    title: str,
    region: Region,
    facility_kinds: list[str],
    facility_count: int,
    inspectors_per_facility: int,
    planned_on: datetime.date,
    acting_user: User,
    seed: int | None = None,
) -> InspectionDraw:
    """双随机: draw institutions and inspectors at random from the pools, record everything, and
    create one planned inspection per drawn facility."""
    _require_supervision(acting_user, region.code)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["请填写抽查任务名称"]
    kinds = [k for k in facility_kinds if k in FacilityKind.values]
    if not kinds or len(kinds) != len(facility_kinds):
        errors["facility_kinds"] = ["请选择有效的设施类型"]
    if facility_count < 1:
        errors["facility_count"] = ["抽取设施数至少为1"]
    if inspectors_per_facility < 1:
        errors["inspectors_per_facility"] = ["每家检查人员至少1人"]
    facility_ids = list(
        Facility.objects.filter(region__code__startswith=region.code, kind__in=kinds, status=FacilityStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # The pool: inspectors of the region, of any region above it, or of any region inside it.
    ancestors = [region.code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region.code)]
    inspector_ids = list(
        Inspector.objects.filter(Q(region_id__in=ancestors) | Q(region__code__startswith=region.code), is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not errors and not facility_ids:
        errors["region"] = ["抽查范围内没有符合条件的设施"]
    if not errors and len(inspector_ids) < inspectors_per_facility:
        errors["inspectors_per_facility"] = [
            f"检查人员库只有{len(inspector_ids)}人，不足每家{inspectors_per_facility}人"
        ]
    if errors:
        raise ValidationError(errors)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**53)
    result = draw_selection(facility_ids, inspector_ids, seed, facility_count, inspectors_per_facility)
    with transaction.atomic():
        draw = InspectionDraw.objects.create(
            title=title.strip(),
            region=region,
            drawn_on=datetime.date.today(),
            seed=seed,
            facility_kinds=kinds,
            facility_count=facility_count,
            inspectors_per_facility=inspectors_per_facility,
            candidate_facility_ids=sorted(facility_ids),
            candidate_inspector_ids=sorted(inspector_ids),
            result=result,
            created_by=acting_user,
        )
        for facility_id, inspector_ids_for in result:
            inspection = Inspection.objects.create(facility_id=facility_id, draw=draw, planned_on=planned_on)
            inspection.inspectors.set(inspector_ids_for)
        audit_record(
            action="eldercare.inspection_draw.create",
            actor=acting_user,
            obj=draw,
            region_code=region.code,
            changes={"seed": seed, "result": result, "candidates": len(facility_ids), "inspectors": len(inspector_ids)},
        )
    return draw


def inspection_draw_verify(draw: InspectionDraw) -> bool:
    """Re-run the recorded draw: True when it gives the recorded result."""
    again = draw_selection(
        draw.candidate_facility_ids,
        draw.candidate_inspector_ids,
        draw.seed,
        draw.facility_count,
        draw.inspectors_per_facility,
    )
    return again == draw.result


@dataclass
class FindingData:
    item: str
    severity: str
    description: str
    deadline: datetime.date | None = None


def inspection_record(
    *,
    inspection: Inspection,
    inspected_on: datetime.date,
    summary: str,
    findings: list[FindingData],
    acting_user: User,
) -> Inspection:
    """Record what the inspectors found; each finding gets a rectification deadline (the
    parameter's days by severity unless a deadline is given)."""
    _require_supervision(acting_user, inspection.facility.region_id)
    errors: dict[str, list[str]] = {}
    if inspection.status != InspectionStatus.PLANNED:
        errors["inspection"] = ["该检查已记录结果"]
    if inspected_on > datetime.date.today():
        errors["inspected_on"] = ["检查日期不能晚于今天"]
    if not summary.strip():
        errors["summary"] = ["请填写检查结论"]
    for i, finding in enumerate(findings, start=1):
        if not finding.item.strip() or not finding.description.strip():
            errors.setdefault("findings", []).append(f"第{i}个问题：请填写检查项目和问题描述")
        if finding.severity not in FindingSeverity.values:
            errors.setdefault("findings", []).append(f"第{i}个问题：问题等级无效")
        if finding.deadline and finding.deadline < inspected_on:
            errors.setdefault("findings", []).append(f"第{i}个问题：整改期限不能早于检查日期")
    if errors:
        raise ValidationError(errors)
    days = policy_table("eldercare.supervision.rectify_days", inspection.facility.region_id, inspected_on)
    with transaction.atomic():
        rows = [
            Finding(
                inspection=inspection,
                item=f.item.strip(),
                severity=f.severity,
                description=f.description.strip(),
                deadline=f.deadline or inspected_on + datetime.timedelta(days=int(Decimal(days[f.severity]))),
            )
            for f in findings
        ]
        Finding.objects.bulk_create(rows)
        inspection.inspected_on = inspected_on
        inspection.summary = summary.strip()
        inspection.status = InspectionStatus.RECTIFYING if rows else InspectionStatus.CLOSED
        inspection.save()
        audit_record(
            action="eldercare.inspection.record",
            actor=acting_user,
            obj=inspection,
            region_code=inspection.facility.region_id,
            changes={
                "inspected_on": inspected_on,
                "findings": [{"item": r.item, "severity": r.severity, "deadline": r.deadline} for r in rows],
            },
        )
    return inspection


def finding_rectify(*, finding: Finding, rectified_on: datetime.date, follow_up: str, acting_user: User) -> Finding:
    """Follow-up check (复查): the problem was put right. Late rectification stays visible (the
    deadline is kept) and counts in the credit score as overdue."""
    inspection = finding.inspection
    _require_supervision(acting_user, inspection.facility.region_id)
    errors: dict[str, list[str]] = {}
    if finding.status == FindingStatus.RECTIFIED:
        errors["finding"] = ["该问题已整改"]
    if inspection.inspected_on and rectified_on < inspection.inspected_on:
        errors["rectified_on"] = ["整改日期不能早于检查日期"]
    if not follow_up.strip():
        errors["follow_up"] = ["请填写复查情况"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        finding.status = FindingStatus.RECTIFIED
        finding.rectified_on = rectified_on
        finding.follow_up = follow_up.strip()
        finding.save()
        if not inspection.findings.exclude(status=FindingStatus.RECTIFIED).exists():
            inspection.status = InspectionStatus.CLOSED
            inspection.save(update_fields=["status"])
        audit_record(
            action="eldercare.finding.rectify",
            actor=acting_user,
            obj=finding,
            region_code=inspection.facility.region_id,
            changes={"rectified_on": rectified_on, "late": rectified_on > finding.deadline},
        )
    return finding


def findings_mark_overdue(*, on: datetime.date, region_code: str = "") -> int:
    """Set-based: open findings past their deadline become overdue (daily job), in a region."""
    with transaction.atomic():
        count = Finding.objects.filter(
            status=FindingStatus.OPEN, deadline__lt=on, inspection__facility__region__code__startswith=region_code
        ).update(status=FindingStatus.OVERDUE)
        if count:
            audit_record(
                action="eldercare.finding.overdue",
                actor=None,
                object_type="eldercare.finding",
                object_repr=f"{count} 个问题逾期",
                region_code=region_code,
                changes={"on": on, "count": count},
            )
    return count


def inspection_publish(*, inspection: Inspection, published_on: datetime.date, acting_user: User) -> Inspection:
    """一公开: the result goes on the public results page."""
    _require_supervision(acting_user, inspection.facility.region_id)
    if inspection.status == InspectionStatus.PLANNED:
        raise ValidationError({"inspection": ["检查结果尚未记录，不能公开"]})
    if inspection.is_published:
        raise ValidationError({"inspection": ["检查结果已公开"]})
    with transaction.atomic():
        inspection.is_published = True
        inspection.published_on = published_on
        inspection.save(update_fields=["is_published", "published_on"])
        audit_record(
            action="eldercare.inspection.publish",
            actor=acting_user,
            obj=inspection,
            region_code=inspection.facility.region_id,
            changes={"published_on": published_on},
        )
    return inspection


def blacklist_add(*, facility: Facility, listed_on: datetime.date, reason: str, acting_user: User) -> BlacklistEntry:
    _require_supervision(acting_user, facility.region_id)
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["请填写列入原因"]
    if BlacklistEntry.objects.filter(facility=facility, removed_on__isnull=True).exists():
        errors["facility"] = ["该设施已在黑名单中"]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            entry = BlacklistEntry.objects.create(
                facility=facility, listed_on=listed_on, reason=reason.strip(), listed_by=acting_user
            )
            audit_record(
                action="eldercare.blacklist.add",
                actor=acting_user,
                obj=entry,
                region_code=facility.region_id,
                changes={"listed_on": listed_on, "reason": entry.reason},
            )
    except IntegrityError:
        raise ValidationError({"facility": ["该设施已在黑名单中"]}) from None
    return entry


def blacklist_remove(
    *, entry: BlacklistEntry, removed_on: datetime.date, reason: str, acting_user: User
) -> BlacklistEntry:
    _require_supervision(acting_user, entry.facility.region_id)
    errors: dict[str, list[str]] = {}
    if entry.removed_on is not None:
        errors["entry"] = ["该记录已移出黑名单"]
    if removed_on < entry.listed_on:
        errors["removed_on"] = ["移出日期不能早于列入日期"]
    if not reason.strip():
        errors["removal_reason"] = ["请填写移出原因"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry.removed_on = removed_on
        entry.removal_reason = reason.strip()
        entry.save(update_fields=["removed_on", "removal_reason"])
        audit_record(
            action="eldercare.blacklist.remove",
            actor=acting_user,
            obj=entry,
            region_code=entry.facility.region_id,
            changes={"removed_on": removed_on, "reason": entry.removal_reason},
        )
    return entry
