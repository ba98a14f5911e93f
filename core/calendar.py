"""Working days: Monday–Friday, minus statutory holidays, plus make-up workdays (调休)."""

from __future__ import annotations

import datetime

from core.choices import CalendarDayKind
from core.models import CalendarDay


def _exceptions(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    return dict(CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind"))


def is_working_day(day: datetime.date) -> bool:
    kind = _exceptions(day, day).get(day)
    if kind == CalendarDayKind.HOLIDAY:
        return False
    if kind == CalendarDayKind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    # Holidays never run longer than ~10 days, so this window always suffices.
    window = _exceptions(start, start + datetime.timedelta(days=days * 2 + 30))
    current = start
    remaining = days
    while remaining:
        current += datetime.timedelta(days=1)
        kind = window.get(current)
        working = kind == CalendarDayKind.WORKDAY or (kind is None and current.weekday() < 5)
        remaining -= working
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    if end <= start:
        return 0
    window = _exceptions(start, end)
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        kind = window.get(current)
        count += kind == CalendarDayKind.WORKDAY or (kind is None and current.weekday() < 5)
    return count


def next_working_day_on_or_after(day: datetime.date) -> datetime.date:
    """For periods whose last day falls on a rest day (Civil Code art. 203)."""
    window = _exceptions(day, day + datetime.timedelta(days=30))
    while True:
        kind = window.get(day)
        if kind == CalendarDayKind.WORKDAY or (kind is None and day.weekday() < 5):
            return day
        day += datetime.timedelta(days=1)
