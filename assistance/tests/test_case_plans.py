"""救助顾问 case plans through the services: one open plan per household, item rules, closing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assistance.models import CasePlan
from assistance.services import case_plans as svc
from assistance.tests.application_fixtures import World

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def test_one_open_plan_per_household(world: World) -> None:
    plan = svc.case_plan_open(household=world.household, needs={"health": "慢性病"}, acting_user=world.handler)
    with pytest.raises(ValidationError, match="该家庭已有进行中的救助方案"):
        svc.case_plan_open(household=world.household, needs={"income": "失业"}, acting_user=world.handler)
    with pytest.raises(IntegrityError), transaction.atomic():
        CasePlan.objects.create(
            household=world.household, region_id=world.household.region_id, advisor=world.handler, needs={}
        )
    svc.case_plan_close(plan=plan, note="情况好转", acting_user=world.handler)
    assert svc.case_plan_open(household=world.household, needs={"income": "再次失业"}, acting_user=world.handler)


def test_needs_and_items_are_checked(world: World) -> None:
    with pytest.raises(ValidationError, match="请至少填写一项需求评估"):
        svc.case_plan_open(household=world.household, needs={"income": " "}, acting_user=world.handler)
    with pytest.raises(ValidationError, match="需求领域“pets”无效"):
        svc.case_plan_open(household=world.household, needs={"pets": "猫"}, acting_user=world.handler)
    plan = svc.case_plan_open(household=world.household, needs={"income": "失业"}, acting_user=world.handler)
    with pytest.raises(ValidationError, match="转介须填写承接单位"):
        svc.case_plan_item_add(
            plan=plan, kind="referral", description="转介", due_date=TODAY, acting_user=world.handler
        )
    with pytest.raises(ValidationError, match="完成时限不能早于今天"):
        svc.case_plan_item_add(
            plan=plan,
            kind="service",
            description="送餐",
            due_date=TODAY - datetime.timedelta(days=1),
            acting_user=world.handler,
        )
    item = svc.case_plan_item_add(
        plan=plan, kind="follow_up", description="电话回访", due_date=TODAY, acting_user=world.handler
    )
    svc.case_plan_item_complete(item=item, done_on=TODAY, outcome="已回访", acting_user=world.handler)
    with pytest.raises(ValidationError, match="该事项已完成"):
        svc.case_plan_item_complete(item=item, done_on=TODAY, outcome="再次", acting_user=world.handler)


def test_village_worker_may_not_manage_plans(world: World) -> None:
    with pytest.raises(ValidationError, match="您无权制定该区划的救助方案"):
        svc.case_plan_open(household=world.household, needs={"income": "失业"}, acting_user=world.village)
    assert not CasePlan.objects.exists()


def test_late_items_are_listed_for_the_region(world: World, make_user: Any) -> None:
    from assistance.models import CasePlanItem
    from assistance.selectors_applications import plan_items_due

    plan = svc.case_plan_open(household=world.household, needs={"income": "失业"}, acting_user=world.handler)
    item = svc.case_plan_item_add(
        plan=plan, kind="service", description="送餐", due_date=TODAY, acting_user=world.handler
    )
    CasePlanItem.objects.filter(pk=item.pk).update(due_date=TODAY - datetime.timedelta(days=3))
    assert list(plan_items_due(world.village)) == [item]
    other = make_user("plan-other", "village_worker", "310151101002")
    assert list(plan_items_due(other)) == []
