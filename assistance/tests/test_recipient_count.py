# ruff: noqa: F811  (fixtures imported from the fixture modules are parameters of the tests)
"""dibao_recipient_count: people covered by 低保 cases in force on a date (the plans' indicator)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from assistance.selectors import dibao_recipient_count
from assistance.services.cases import case_end, case_suspend
from assistance.tests.case_fixtures import make_household, open_case, staff  # noqa: F401
from conftest import DISTRICT, OTHER_TOWNSHIP_VILLAGE, OWN_TOWNSHIP
from core import services as core_services

pytestmark = pytest.mark.django_db


def test_counts_people_of_cases_in_force(open_case: Any, staff: Any) -> None:
    a = open_case(adults=3, start=datetime.date(2020, 5, 1))
    open_case(adults=2, start=datetime.date(2020, 8, 1), region=OTHER_TOWNSHIP_VILLAGE)
    ended = open_case(adults=1, start=datetime.date(2020, 4, 1))
    open_case(adults=4, start=datetime.date(2021, 2, 1))  # not yet in force at the end of 2020
    open_case(adults=1, start=datetime.date(2020, 4, 1), category="extreme_poverty_support")  # not 低保
    case_end(case=ended, reason="收入增加", acting_user=staff["maker"], end_month=datetime.date(2020, 10, 1))
    end_2020 = datetime.date(2020, 12, 31)
    assert dibao_recipient_count(DISTRICT, end_2020) == 5
    assert dibao_recipient_count(OWN_TOWNSHIP, end_2020) == 3
    assert dibao_recipient_count(DISTRICT, datetime.date(2020, 9, 15)) == 6  # the ended case still paid then
    assert dibao_recipient_count(DISTRICT, datetime.date(2020, 4, 30)) == 1
    # A member who died is not counted after the death.
    person = a.members.select_related("person").first().person
    core_services.person_mark_dead(person=person, death_date=datetime.date(2020, 11, 2), acting_user=staff["maker"])
    assert dibao_recipient_count(DISTRICT, end_2020) == 4
    assert dibao_recipient_count(DISTRICT, datetime.date(2020, 11, 1)) == 5


def test_a_suspended_case_stops_counting_from_its_suspension(open_case: Any, staff: Any) -> None:
    case = open_case(adults=2, start=datetime.date(2020, 5, 1))
    case_suspend(case=case, reason="联系不上", acting_user=staff["maker"])
    assert dibao_recipient_count(DISTRICT, datetime.date(2020, 12, 31)) == 2
    assert dibao_recipient_count(DISTRICT, datetime.date.today() + datetime.timedelta(days=1)) == 0
