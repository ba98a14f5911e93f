"""Finding a person by ID number for admissions and caregiver registration."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError

from core.idnumbers import IdNumberError, normalize, parse_id_number
from core.models import Person
from core.services.people import id_hash


def person_by_id_number(raw: str, field: str = "id_number") -> Person:
    """The registered person with this ID number. The number itself must be valid; a person not
    yet registered is registered first by the township (一人一档), never created here."""
    try:
        number = parse_id_number(normalize(raw or "")).number
    except IdNumberError as exc:
        raise ValidationError({field: [f"身份证号无效：{exc}"]}) from None
    person = Person.objects.filter(id_number_hash=id_hash(number)).first()
    if person is None:
        raise ValidationError({field: ["人员库中没有该身份证号，请先到街镇社区事务受理服务中心登记"]})
    return person


def age_on(person: Person, on: datetime.date) -> int:
    years = on.year - person.birth_date.year
    return years - ((on.month, on.day) < (person.birth_date.month, person.birth_date.day))
