"""The working-day calendar: statutory holidays and make-up workdays (调休)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from core.choices import CalendarDayKind
from core.models import CalendarDay, User
from core.permissions import CorePerm
from core.scoping import has_perm


def _require(acting_user: User | None) -> None:
    if acting_user is not None and not has_perm(acting_user, CorePerm.CHANGE_POLICY):
        raise ValidationError({"date": ["您无权维护工作日历"]})


def calendar_day_set(
    *, acting_user: User | None, date: datetime.date, kind: str, name: str = "", source: str = ""
) -> CalendarDay:
    _require(acting_user)
    if kind not in CalendarDayKind.values:
        raise ValidationError({"kind": ["类型只能是法定节假日或调休上班日"]})
    if kind == CalendarDayKind.WORKDAY and date.weekday() < 5:
        raise ValidationError({"kind": [f"{date:%Y-%m-%d} 本来就是工作日，无需设为调休上班日"]})
    with transaction.atomic():
        before = CalendarDay.objects.filter(date=date).first()
        day, _ = CalendarDay.objects.update_or_create(
            date=date, defaults={"kind": kind, "name": name, "source": source}
        )
        audit_record(
            action="calendar.set",
            actor=acting_user,
            object_type="core.calendarday",
            object_id=date.isoformat(),
            object_repr=f"{date} {name}",
            changes={
                "before": {"kind": before.kind, "name": before.name} if before else None,
                "after": {"kind": kind, "name": name},
            },
        )
    return day


def calendar_day_delete(*, acting_user: User, date: datetime.date) -> None:
    _require(acting_user)
    with transaction.atomic():
        day = CalendarDay.objects.filter(date=date).first()
        if day is None:
            raise ValidationError({"date": [f"{date:%Y-%m-%d} 没有设置"]})
        day.delete()
        audit_record(
            action="calendar.delete",
            actor=acting_user,
            object_type="core.calendarday",
            object_id=date.isoformat(),
            changes={"before": {"kind": day.kind, "name": day.name}},
        )
