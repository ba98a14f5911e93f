"""Registering and changing people (一人一档)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core import events
from core.audit import audit_record
from core.bulkload import bulk_insert
from core.choices import RegionLevel
from core.crypto import blind_index, encrypt
from core.idnumbers import IdNumber, IdNumberError, mask_id_number, parse_id_number
from core.models import Person, Region, User
from core.models.regions import common_region_prefix
from core.permissions import CorePerm
from core.pinyin import name_pinyin
from core.scoping import has_perm

FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "手机号码",
    "hukou_region": "户籍地",
    "residence_region": "居住地",
    "address": "居住地址",
    "death_date": "死亡日期",
}

_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·• ]+$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# People are registered at a village (居委会/村委会) or, when that is not known, a township.
_REGISTRABLE_LEVELS = {RegionLevel.VILLAGE, RegionLevel.TOWNSHIP}


def id_hash(number: str) -> str:
    return blind_index("id", number)


def phone_hash(phone: str) -> str:
    return blind_index("phone", phone)


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "*" * len(phone)


@dataclass
class PersonData:
    """Validated input for one person."""

    name: str
    id: IdNumber
    phone: str
    hukou_region: Region
    residence_region: Region | None
    address: str
    death_date: datetime.date | None = None


def _region(code: str, field: str, errors: dict[str, list[str]], cache: Mapping[str, Region] | None) -> Region | None:
    code = (code or "").strip()
    region = cache.get(code) if cache is not None else Region.objects.filter(code=code).first()
    if region is None:
        errors.setdefault(field, []).append(f"{FIELD_LABELS[field]}区划代码 {code} 不存在")
    elif region.is_retired:
        errors.setdefault(field, []).append(
            f"{FIELD_LABELS[field]} {region.display_name}（{code}）已撤销，请填写现行区划"
        )
    elif region.level not in _REGISTRABLE_LEVELS:
        errors.setdefault(field, []).append(
            f"{FIELD_LABELS[field]}应填写到村/居委会（或乡镇/街道），{code} 是{region.get_level_display()}"
        )
    else:
        return region
    return None


def _id_extra_codes() -> frozenset[str]:
    """County codes of our own region table (current and retired) accepted in ID numbers."""
    return frozenset(Region.objects.filter(level="county").values_list("code", flat=True))


def clean_person_input(
    *,
    name: str,
    id_number: str,
    hukou_region: str,
    residence_region: str = "",
    phone: str = "",
    address: str = "",
    death_date: datetime.date | str | None = None,
    regions: Mapping[str, Region] | None = None,
    extra_codes: frozenset[str] | None = None,
) -> PersonData:
    """Check every field and raise one ValidationError naming each bad field in Chinese."""
    errors: dict[str, list[str]] = {}
    name = re.sub(r"\s+", " ", (name or "").strip())
    if not name:
        errors["name"] = ["姓名不能为空"]
    elif len(name) > 50:
        errors["name"] = ["姓名不能超过 50 个字"]
    elif not _NAME.match(name):
        errors["name"] = ["姓名只能包含汉字、字母和间隔号“·”"]

    parsed: IdNumber | None = None
    try:
        parsed = parse_id_number(
            id_number or "", extra_codes=extra_codes if extra_codes is not None else _id_extra_codes()
        )
    except IdNumberError as exc:
        errors["id_number"] = [str(exc)]

    phone = re.sub(r"[\s()（）]", "", phone or "")
    if phone and not _PHONE.match(phone):
        errors["phone"] = ["手机号码应为 11 位手机号或带区号的固定电话"]

    hukou = _region(hukou_region, "hukou_region", errors, regions) if hukou_region else None
    if not hukou_region:
        errors["hukou_region"] = ["户籍地不能为空"]
    residence = _region(residence_region, "residence_region", errors, regions) if residence_region else None

    address = (address or "").strip()
    if len(address) > 200:
        errors["address"] = ["居住地址不能超过 200 个字"]

    if isinstance(death_date, str):
        death_date = death_date.strip() or None  # type: ignore[assignment]
        if death_date:
            try:
                death_date = datetime.date.fromisoformat(str(death_date))
            except ValueError:
                errors["death_date"] = ["死亡日期格式应为 YYYY-MM-DD"]
                death_date = None
    if isinstance(death_date, datetime.date):
        if death_date > datetime.date.today():
            errors["death_date"] = ["死亡日期不能晚于今天"]
        elif parsed and death_date < parsed.birth_date:
            errors["death_date"] = ["死亡日期不能早于出生日期"]

    if errors:
        raise ValidationError(errors)
    assert parsed is not None and hukou is not None
    return PersonData(
        name=name,
        id=parsed,
        phone=phone,
        hukou_region=hukou,
        residence_region=residence,
        address=address,
        death_date=death_date if isinstance(death_date, datetime.date) else None,
    )


def _check_scope(acting_user: User, data: PersonData) -> None:
    regions = [data.hukou_region] + ([data.residence_region] if data.residence_region else [])
    if not any(has_perm(acting_user, CorePerm.CHANGE_PERSON, r.code) for r in regions):
        raise ValidationError({"hukou_region": ["户籍地和居住地都不在您的管辖范围内，无权登记"]})


def _duplicate_error(number_hash: str, exclude_pk: int | None = None) -> ValidationError | None:
    candidates = Person.objects.filter(id_number_hash=number_hash).select_related("hukou_region")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    existing = candidates.first()
    if existing is None:
        return None
    return ValidationError({"id_number": [f"该身份证号已登记，登记地：{existing.hukou_region.display_name}"]})


def audit_view(person: Person) -> dict[str, Any]:
    """A person's fields as the audit trail records them (ID and phone masked)."""
    return {
        "name": person.name,
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone) if person.phone_encrypted else "",
        "hukou_region": person.hukou_region_id,
        "residence_region": person.residence_region_id or "",
        "address": person.address,
        "death_date": person.death_date.isoformat() if person.death_date else "",
    }


def _apply(person: Person, data: PersonData) -> None:
    person.name = data.name
    person.name_pinyin, person.name_initials = name_pinyin(data.name)
    person.id_number_encrypted = encrypt(data.id.number)
    person.id_number_hash = id_hash(data.id.number)
    person.sex = data.id.sex
    person.birth_date = data.id.birth_date
    person.phone_encrypted = encrypt(data.phone) if data.phone else ""
    person.phone_hash = phone_hash(data.phone) if data.phone else ""
    person.hukou_region = data.hukou_region
    person.residence_region = data.residence_region
    person.address = data.address
    person.death_date = data.death_date


def person_create(*, acting_user: User, data: PersonData) -> Person:
    """Register a new person. Refuses a duplicate ID number, naming where it is registered."""
    _check_scope(acting_user, data)
    number_hash = id_hash(data.id.number)
    duplicate = _duplicate_error(number_hash)
    if duplicate:
        raise duplicate
    person = Person()
    _apply(person, data)
    try:
        with transaction.atomic():
            person.save(force_insert=True)
            audit_record(
                action="person.create",
                actor=acting_user,
                obj=person,
                region_code=person.hukou_region_id,
                changes={"after": audit_view(person)},
            )
    except IntegrityError:
        # A concurrent registration of the same number won the race.
        raise _duplicate_error(number_hash) or ValidationError({"id_number": ["该身份证号已登记"]}) from None
    if data.death_date:
        _announce_death(person, acting_user)
    return person


def person_update(*, person: Person, acting_user: User, data: PersonData) -> Person:
    """Correct or update a person's record (name, ID number, phone, regions, address)."""
    _check_scope(acting_user, data)
    number_hash = id_hash(data.id.number)
    if number_hash != person.id_number_hash:
        duplicate = _duplicate_error(number_hash, exclude_pk=person.pk)
        if duplicate:
            raise duplicate
    before = audit_view(person)
    was_alive = person.death_date is None
    _apply(person, data)
    after = audit_view(person)
    if before == after:
        return person
    with transaction.atomic():
        person.save()
        audit_record(
            action="person.update",
            actor=acting_user,
            obj=person,
            region_code=person.hukou_region_id,
            changes={
                "before": {k: v for k, v in before.items() if after[k] != v},
                "after": {k: v for k, v in after.items() if before[k] != v},
            },
        )
    if was_alive and person.death_date:
        _announce_death(person, acting_user)
    return person


def person_mark_dead(*, person: Person, death_date: datetime.date, acting_user: User) -> Person:
    """Record a death (from 公安/殡葬 data or a village report)."""
    if not has_perm(acting_user, CorePerm.CHANGE_PERSON, person.hukou_region_id) and not (
        person.residence_region_id and has_perm(acting_user, CorePerm.CHANGE_PERSON, person.residence_region_id)
    ):
        raise ValidationError({"death_date": ["该人员不在您的管辖范围内"]})
    if person.death_date:
        raise ValidationError({"death_date": [f"该人员已于 {person.death_date:%Y-%m-%d} 登记死亡"]})
    if death_date > datetime.date.today():
        raise ValidationError({"death_date": ["死亡日期不能晚于今天"]})
    if death_date < person.birth_date:
        raise ValidationError({"death_date": ["死亡日期不能早于出生日期"]})
    with transaction.atomic():
        person.death_date = death_date
        person.save(update_fields=["death_date", "updated_at"])
        audit_record(
            action="person.death",
            actor=acting_user,
            obj=person,
            region_code=person.hukou_region_id,
            changes={"after": {"death_date": death_date.isoformat()}},
        )
    _announce_death(person, acting_user)
    return person


def _announce_death(person: Person, acting_user: User) -> None:
    transaction.on_commit(
        lambda: events.person_died.send(
            sender=Person, person=person, death_date=person.death_date, acting_user=acting_user
        )
    )


def person_build(rows: Iterable[PersonData]) -> list[Person]:
    """Unsaved people for ``person_bulk_insert``, built without a query.

    Kept apart from the insert so that a bulk loader can build the next batch (encryption,
    blind indexes, pinyin: the Python half of the work) while the database writes this one.
    """
    people = []
    for data in rows:
        person = Person()
        _apply(person, data)
        people.append(person)
    return people


def person_bulk_insert(*, acting_user: User | None, people: list[Person], label: str) -> list[Person]:
    """Insert people built by ``person_build`` in one statement, with one audit event."""
    if not people:
        return people
    with transaction.atomic():
        # COPY on PostgreSQL, bulk_create elsewhere; either way the objects get their ids.
        bulk_insert(Person, people)
        ids = [p.pk for p in people if p.pk is not None]
        audit_record(
            action="person.bulk_create",
            actor=acting_user,
            object_type="core.person",
            object_id=f"{min(ids)}-{max(ids)}" if ids else "",
            object_repr=label,
            region_code=common_region_prefix([p.hukou_region_id for p in people]),
            changes={"count": len(people), "label": label},
        )
    return people


def person_bulk_create(
    *, acting_user: User | None, rows: Iterable[PersonData], label: str, batch_size: int = 5000
) -> list[Person]:
    """Insert many new people at once (demo district, data migration from an old system).

    Not for interactive work: no per-person duplicate message, one audit event per batch with
    the id range. Callers guarantee the ID numbers are new; the unique index still protects.
    """
    created: list[Person] = []
    batch: list[PersonData] = []
    for data in rows:
        batch.append(data)
        if len(batch) >= batch_size:
            created.extend(person_bulk_insert(acting_user=acting_user, people=person_build(batch), label=label))
            batch.clear()
    created.extend(person_bulk_insert(acting_user=acting_user, people=person_build(batch), label=label))
    return created
