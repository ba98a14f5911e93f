"""The demo builder fills every application state and some case plans, once."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from assistance.demo_applications import PLAN, build_demo_applications
from assistance.models import Application, Case, CasePlan
from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core import services as core_services
from core.models import Region

pytestmark = pytest.mark.django_db


def test_demo_builds_every_state_once(make_person: Any, make_user: Any) -> None:
    admin = make_user("demo-admin", "district_admin", DISTRICT)
    make_user("township_officer", "township_officer", OWN_TOWNSHIP)
    make_user("district_staff", "district_staff", DISTRICT)
    village = Region.objects.get(code=OWN_VILLAGE)
    for n in range(len(PLAN) + 2):
        given = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午"[n]
        head = make_person(f"陈{given}", id_number=next_id_number(datetime.date(1965, 1, 1)))
        spouse = make_person(f"林{given}", id_number=next_id_number(datetime.date(1968, 1, 1), male=False))
        household = core_services.household_create(acting_user=admin, region=village, head=head)
        core_services.household_add_member(acting_user=admin, household=household, person=spouse, relation="spouse")
    message = build_demo_applications("chongming", 2026)
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {
        "submitted",
        "verifying",
        "verified",
        "visited",
        "appraised",
        "publicizing",
        "publicized",
        "approved",
        "refused",
        "withdrawn",
    }
    assert Case.objects.filter(application__isnull=False).count() == 3
    assert CasePlan.objects.count() == 2
    assert message == "申请 13 件（已批准 3 件，覆盖各办理环节），救助方案 2 个"
    # Overdue ones exist, and a second run adds nothing.
    assert Application.objects.open().filter(due_date__lt=datetime.date.today()).exists()
    assert build_demo_applications("chongming", 2026) == "已有申请，跳过"
    assert Application.objects.count() == 13
