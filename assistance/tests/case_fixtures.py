"""Households and cases for the case, payroll and temporary-grant tests (h3b)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from assistance.choices import Category
from assistance.models import Case
from assistance.services.cases import case_open
from conftest import DISTRICT, OWN_VILLAGE, next_id_number
from core import services as core_services
from core.models import Household, Region


@pytest.fixture(autouse=True)
def temporary_parameters(db: Any) -> None:
    from assistance.parameters_temporary import ensure_temporary_parameters

    ensure_temporary_parameters()


@pytest.fixture
def staff(make_user: Any) -> dict[str, Any]:
    return {
        "maker": make_user("maker", "district_staff", DISTRICT),
        "checker": make_user("checker", "district_staff", DISTRICT),
        "township": make_user("township", "township_officer", OWN_VILLAGE[:9]),
        "village": make_user("village", "village_worker", OWN_VILLAGE),
    }


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


@pytest.fixture
def make_household(make_person: Any, make_user: Any) -> Callable[..., Household]:
    """make_household(adults, minors, region=…) -> Household; members keep their birth order."""
    counter = iter(range(1, 10_000))

    def make(adults: int = 1, minors: int = 0, region: str = OWN_VILLAGE) -> Household:
        admin = make_user(f"hh-admin-{next(counter)}", "district_admin", DISTRICT)
        n = next(counter)
        surname = _SURNAMES[n % len(_SURNAMES)]
        people = [
            make_person(
                surname + _GIVEN[(n * 7 + i) % len(_GIVEN)],
                region=region,
                id_number=next_id_number(datetime.date(1970 + i, 3, 1)),
            )
            for i in range(adults)
        ] + [
            make_person(
                surname + "小" + _GIVEN[(n * 5 + i) % len(_GIVEN)],
                region=region,
                id_number=next_id_number(datetime.date(2015 + i, 3, 1)),
            )
            for i in range(minors)
        ]
        household = core_services.household_create(
            acting_user=admin, region=Region.objects.get(code=region), head=people[0]
        )
        for person in people[1:]:
            relation = "spouse" if person.birth_date.year < 2000 else "child"
            core_services.household_add_member(acting_user=admin, household=household, person=person, relation=relation)
        return household

    return make


def members_of(household: Household, addons: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """Members in joining order; born 2005 or later on the minors' standard."""
    rows = []
    for index, member in enumerate(household.members.select_related("person").order_by("id")):
        kind = "minor" if member.person.birth_date.year >= 2005 else "adult"
        rows.append({"person": member.person, "kind": kind, "addons": (addons or {}).get(index, [])})
    return rows


@pytest.fixture
def open_case(make_household: Callable[..., Household], staff: dict[str, Any]) -> Callable[..., Case]:
    def make(
        adults: int = 3,
        minors: int = 0,
        income: str = "2000",
        start: datetime.date = datetime.date(2021, 6, 1),
        category: str = Category.DIBAO,
        region: str = OWN_VILLAGE,
        addons: dict[int, list[str]] | None = None,
    ) -> Case:
        household = make_household(adults, minors, region=region)
        return case_open(
            household=household,
            category=category,
            members=members_of(household, addons),
            household_monthly_income=Decimal(income),
            start_month=start,
            acting_user=staff["maker"],
        )

    return make
