"""A household, the staff of each step and helpers to walk an application through its steps (h3a)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from freezegun import freeze_time

from assistance.choices import Category, DocumentKind
from assistance.models import Application
from assistance.services import applications as svc
from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core import services as core_services
from core.models import Household, Person, Region


@dataclass
class World:
    household: Household
    head: Person
    spouse: Person
    child: Person
    handler: Any  # township officer who accepts and handles
    approver: Any  # district staff who decides
    village: Any


@pytest.fixture
def world(make_person: Any, make_user: Any) -> World:
    admin = make_user("hh-admin", "district_admin", DISTRICT)
    head = make_person("王建国", id_number=next_id_number(datetime.date(1975, 3, 1)))
    spouse = make_person("李秀英", id_number=next_id_number(datetime.date(1978, 6, 1), male=False))
    child = make_person("王小明", id_number=next_id_number(datetime.date(2015, 9, 1)))
    household = core_services.household_create(
        acting_user=admin, region=Region.objects.get(code=OWN_VILLAGE), head=head, address="南门路1号"
    )
    core_services.household_add_member(acting_user=admin, household=household, person=spouse, relation="spouse")
    core_services.household_add_member(acting_user=admin, household=household, person=child, relation="child")
    return World(
        household=household,
        head=head,
        spouse=spouse,
        child=child,
        handler=make_user("handler", "township_officer", OWN_TOWNSHIP),
        approver=make_user("approver", "district_staff", DISTRICT),
        village=make_user("villager", "village_worker", OWN_VILLAGE),
    )


def submit(world: World, category: str = Category.DIBAO, income: str = "2000", **extra: Any) -> Application:
    return svc.application_submit(
        household=world.household,
        category=category,
        applicant=world.head,
        acting_user=extra.pop("acting_user", world.handler),
        members=[
            {"person": world.head, "relation": "head"},
            {"person": world.spouse, "relation": "spouse"},
            {"person": world.child, "relation": "child", "kind": "minor"},
        ],
        declared_items=[{"kind": "wages", "amount": income, "person": world.head}],
        reason="夫妻一方失业，孩子上学",
        **extra,
    )


def upload_required(application: Application, user: Any) -> None:
    for kind in (DocumentKind.APPLICATION_FORM, DocumentKind.ID_CARD, DocumentKind.AUTHORIZATION):
        svc.application_document_upload(
            application=application, kind=kind, content=b"%PDF-1.4 scan", name=f"{kind}.pdf", acting_user=user
        )


def walk_to(application: Application, world: World, step: str, income: str = "2000") -> Application:
    """Do each step in order up to and including ``step`` (publicity closed: 'publicized')."""
    user = world.handler
    order = ["verifying", "verified", "visited", "appraised", "publicizing", "publicized"]
    for current in order[: order.index(step) + 1]:
        if current == "verifying":
            upload_required(application, user)
            application = svc.application_verify_request(application=application, acting_user=user)
        elif current == "verified":
            application = svc.application_verification_result(
                application=application, passed=True, monthly_income=income, acting_user=user
            )
        elif current == "visited":
            svc.visit_record(
                application=application,
                visited_on=datetime.date.today(),
                visitors="张三、李四",
                findings="家中陈设简陋，一人失业",
                recommendation="support",
                acting_user=user,
            )
        elif current == "appraised":
            svc.appraisal_skip(application=application, reason="", acting_user=user)
        elif current == "publicizing":
            svc.publicity_start(application=application, place="南门居委会公示栏", acting_user=user)
        elif current == "publicized":
            application.refresh_from_db()
            # The day after the last day of publicity.
            with freeze_time(application.publicity.ends_on + datetime.timedelta(days=1)):
                svc.publicity_close(application=application, conclusion="", acting_user=user)
        application.refresh_from_db()
    return application


WalkTo = Callable[[Application, World, str], Application]
