"""Working days with statutory holidays and make-up workdays (domain-rules §8 item 16)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import api_client
from core import calendar as workdays
from core import services
from core.models import AuditEvent, CalendarDay

pytestmark = pytest.mark.django_db
D = datetime.date


def test_national_day_2024_is_skipped_and_the_makeup_saturday_counts() -> None:
    assert not workdays.is_working_day(D(2024, 10, 1))
    assert workdays.is_working_day(D(2024, 10, 12))  # Saturday worked in exchange
    assert workdays.add_working_days(D(2024, 9, 30), 1) == D(2024, 10, 8)
    assert workdays.add_working_days(D(2024, 9, 27), 2) == D(2024, 9, 30)  # Sunday 09-29 is a workday
    assert workdays.add_working_days(D(2024, 9, 27), 1) == D(2024, 9, 29)


def test_a_period_ending_on_a_holiday_moves_to_the_next_working_day() -> None:
    # domain-rules §8 item 16: 30 days from 2024-09-01 end on 10-01, in the holiday.
    assert workdays.next_working_day_on_or_after(D(2024, 10, 1)) == D(2024, 10, 8)
    assert workdays.next_working_day_on_or_after(D(2025, 8, 2)) == D(2025, 8, 4)  # item 15: a Saturday


def test_working_days_between_spring_festival_2025() -> None:
    # 2025-01-27 (Mon) to 2025-02-07 (Fri): the festival 01-28..02-04, make-up day 01-26 is before.
    assert workdays.working_days_between(D(2025, 1, 27), D(2025, 2, 7)) == 3


def test_every_seeded_year_is_there() -> None:
    years = {d.year for d in CalendarDay.objects.values_list("date", flat=True)}
    assert {2020, 2021, 2022, 2023, 2024, 2025, 2026} <= years
    assert CalendarDay.objects.filter(kind="workday", date__week_day__in=[2, 3, 4, 5, 6]).count() == 0


def test_setting_a_day_is_audited_and_checked(admin_user: Any) -> None:
    services.calendar_day_set(acting_user=admin_user, date=D(2030, 10, 1), kind="holiday", name="国庆节")
    event = AuditEvent.objects.get(action="calendar.set", object_id="2030-10-01")
    assert event.changes == {"before": None, "after": {"kind": "holiday", "name": "国庆节"}}
    with pytest.raises(ValidationError, match="本来就是工作日"):
        services.calendar_day_set(acting_user=admin_user, date=D(2030, 10, 2), kind="workday")


def test_working_days_api(admin_user: Any, api_token: Any) -> None:
    client = api_client(api_token(admin_user))
    assert client.get("/api/v1/calendar/working-days?start=2024-09-30&days=1").json() == {
        "start": "2024-09-30",
        "days": 1,
        "date": "2024-10-08",
    }
    put = client.put(
        "/api/v1/calendar/2030-10-01",
        data=json.dumps({"kind": "holiday", "name": "国庆节"}),
        content_type="application/json",
    )
    assert put.json() == {"date": "2030-10-01", "kind": "holiday", "name": "国庆节", "source": ""}
