"""Helpers shared by the care tests (h5b): people of a given birth date anywhere, parameters seeded."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from core.idnumbers import make_id_number

_sequence = itertools.count(600)
LUFENG_VILLAGE = "532302101001"
BAOSHAN_VILLAGE = "310113003001"


def _registrar(province: str) -> Any:
    from core.models import Region, Role, User
    from core.services import role_grant_create, user_create

    username = f"care-registrar-{province}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(acting_user=None, username=username, password="Test-password-2026", display_name=username)
        role_grant_create(
            acting_user=None,
            user=user,
            role=Role.objects.get(code="district_admin"),
            region=Region.objects.get(code=province),
        )
    return user


def born(make_person: Any, birth: datetime.date, name: str = "老人", region: str = "310151101001", **extra: Any) -> Any:
    """A person born on ``birth`` exactly (ID numbers carry the birth date), registered in ``region``."""
    from core.services import clean_person_input, person_create

    address_code = "310230" if region.startswith("31") else "532331"
    id_number = make_id_number(address_code, birth, next(_sequence) % 1000)
    if region.startswith("310151"):
        return make_person(name, region=region, id_number=id_number, **extra)
    data = clean_person_input(name=name, id_number=id_number, hukou_region=region, **extra)
    return person_create(acting_user=_registrar(region[:2]), data=data)
