"""Shared fixtures: the real divisions and calendar loaded once, and users at each scope."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from core.idnumbers import make_id_number

# Regions the matrix tests use (real codes from the NBS 2021 edition).
OWN_VILLAGE = "310151101001"  # 城桥镇南门居委会
OTHER_VILLAGE = "310151101002"  # 城桥镇花园弄居委会
OWN_TOWNSHIP = "310151101"  # 城桥镇
OTHER_TOWNSHIP_VILLAGE = "310151102001"  # 堡镇 first 居委会
DISTRICT = "310151"
PASSWORD = "Test-password-2026"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        call_command("load_divisions", verbosity=0)
        call_command("load_calendar", verbosity=0)


_sequence = itertools.count(1)


def next_id_number(birth: datetime.date = datetime.date(1960, 5, 17), code: str = "310230", male: bool = True) -> str:
    """A fresh valid ID number for each call."""
    n = next(_sequence)
    sequence = (n * 2 + (1 if male else 0)) % 1000
    day = birth + datetime.timedelta(days=n // 400)
    return make_id_number(code, day, sequence)


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from core.models import Region, Role
    from core.services import role_grant_create, user_create

    def make(username: str, role: str | None = None, region: str | None = None) -> Any:
        user = user_create(acting_user=None, username=username, password=PASSWORD, display_name=username)
        if role and region:
            role_grant_create(
                acting_user=None, user=user, role=Role.objects.get(code=role), region=Region.objects.get(code=region)
            )
        return user

    return make


@pytest.fixture
def users(make_user: Callable[..., Any]) -> dict[str, Any]:
    """One user per column of the access matrix."""
    return {
        "noperm": make_user("noperm", "auditor", OWN_VILLAGE),
        "other": make_user("other", "village_worker", OTHER_VILLAGE),
        "own": make_user("own", "village_worker", OWN_VILLAGE),
        "parent": make_user("parent", "township_officer", OWN_TOWNSHIP),
        "district": make_user("district", "district_admin", DISTRICT),
    }


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", "district_admin", DISTRICT)


@pytest.fixture
def make_person(db: Any, make_user: Callable[..., Any]) -> Callable[..., Any]:
    from core.models import User
    from core.services import clean_person_input, person_create

    def make(name: str = "张三", region: str = OWN_VILLAGE, id_number: str | None = None, **extra: Any) -> Any:
        actor = User.objects.filter(username="fixture-admin").first() or make_user(
            "fixture-admin", "district_admin", DISTRICT
        )
        data = clean_person_input(name=name, id_number=id_number or next_id_number(), hukou_region=region, **extra)
        return person_create(acting_user=actor, data=data)

    return make


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="core.auth.LockoutModelBackend")
    return client


@pytest.fixture
def api_token() -> Callable[[Any], str]:
    from core.auth import api_token_issue

    def issue(user: Any) -> str:
        key, _ = api_token_issue(user)
        return key

    return issue


def api_client(token: str | None) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"}) if token else Client()
