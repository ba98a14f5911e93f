"""Policy parameters: new effective-dated values, never edits of values already in force."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from core.choices import Certainty
from core.models import PolicyParameter, Region, User
from core.permissions import CorePerm
from core.scoping import has_perm


def normalise_value(value: Any) -> Any:
    """Numbers are stored as decimal strings so money never passes through a float."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return str(Decimal(str(value)))
    if isinstance(value, str):
        text = value.strip()
        try:
            return str(Decimal(text))
        except InvalidOperation:
            return text
    return value


def policy_parameter_set(
    *,
    acting_user: User | None,
    code: str,
    name: str,
    region: Region,
    effective_from: datetime.date,
    value: Any,
    unit: str = "",
    source: str = "",
    certainty: str = Certainty.LOCAL,
    note: str = "",
) -> PolicyParameter:
    """Add a value of a parameter for a region from a date.

    A value whose date has come is history (payments were computed from it) and cannot be
    replaced; a future value may be corrected before it takes effect.
    """
    if acting_user is not None and not has_perm(acting_user, CorePerm.CHANGE_POLICY, region.code):
        raise ValidationError({"region": ["您无权维护该区划的政策参数"]})
    if certainty not in Certainty.values:
        raise ValidationError({"certainty": ["可靠程度无效"]})
    if value in (None, ""):
        raise ValidationError({"value": ["取值不能为空"]})
    value = normalise_value(value)
    existing = PolicyParameter.objects.filter(code=code, region=region, effective_from=effective_from).first()
    if existing and effective_from <= datetime.date.today():
        raise ValidationError(
            {"effective_from": [f"{effective_from:%Y-%m-%d} 起的取值已生效，不能修改；请新增一个以后生效的取值"]}
        )
    with transaction.atomic():
        if existing:
            before = {"value": existing.value, "source": existing.source}
            existing.value, existing.name, existing.unit = value, name, unit
            existing.source, existing.certainty, existing.note = source, certainty, note
            existing.save()
            parameter = existing
        else:
            before = None
            parameter = PolicyParameter.objects.create(
                code=code,
                name=name,
                region=region,
                effective_from=effective_from,
                value=value,
                unit=unit,
                source=source,
                certainty=certainty,
                note=note,
                created_by=acting_user,
            )
        audit_record(
            action="policy.set",
            actor=acting_user,
            obj=parameter,
            region_code=region.code,
            changes={
                "code": code,
                "effective_from": effective_from.isoformat(),
                "before": before,
                "after": {"value": value, "source": source, "certainty": certainty},
            },
        )
    return parameter
