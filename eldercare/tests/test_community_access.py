"""Access matrix of the community-service endpoints (web and API): anonymous / no permission /
other region / own region / parent region; refused requests write nothing."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import DISTRICT, OTHER_VILLAGE, OWN_TOWNSHIP, OWN_VILLAGE, next_id_number
from core.models import AuditEvent, Person, Region, User
from core.sheets import write_workbook
from core.tests.matrix import (
    COLUMNS,
    Case,
    check,
    client_for_column,
    create_access,
    list_access,
    object_access,
)
from eldercare import services_community as svc
from eldercare.models import (
    AdviceSession,
    ChildlessRecord,
    Facility,
    HomeAdaptation,
    HomeAdaptationItem,
    MealCount,
    MealEnrolment,
    MealSettlement,
    PeerPair,
    PeerVisit,
)
from eldercare.policy_community import ensure_community_parameters
from eldercare.views.community import IMPORT_COLUMNS

FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    "community": {
        "noperm": ("viewer", OWN_VILLAGE),
        "other": ("village_worker", OTHER_VILLAGE),
        "own": ("village_worker", OWN_VILLAGE),
        "parent": ("township_officer", OWN_TOWNSHIP),
    },
    "approve": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    "settle": {
        "noperm": ("township_officer", OWN_TOWNSHIP),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_staff", "31"),
    },
}

SEPT = datetime.date(2026, 9, 1)


@dataclass
class World:
    point: Facility
    elder: Person
    target2: Person
    volunteer: Person
    applicant: Person
    enrolment: MealEnrolment
    settlement: MealSettlement
    advice: AdviceSession
    pair: PeerPair
    applied: HomeAdaptation
    assessed: HomeAdaptation
    approved: HomeAdaptation
    completed: HomeAdaptation


def _household(head: Person, admin: User) -> None:
    from core import services as core_services

    core_services.household_create(
        acting_user=admin, region=Region.objects.get(code=OWN_VILLAGE), head=head, number=f"HH-{head.pk}"
    )


@pytest.fixture
def world(make_person: Callable[..., Person], make_user: Callable[..., User]) -> World:
    ensure_community_parameters()
    admin = User.objects.filter(username="fixture-admin").first() or make_user(
        "fixture-admin", "district_admin", DISTRICT
    )

    def elder(name: str, born: datetime.date) -> Person:
        return make_person(name, region=OWN_VILLAGE, id_number=next_id_number(born))

    people = [elder(f"老人{'甲乙丙丁戊己'[i]}", datetime.date(1941, 1, 1 + i)) for i in range(6)]
    target2 = elder("赵高龄", datetime.date(1938, 5, 5))
    volunteer = elder("钱志愿", datetime.date(1963, 5, 5))
    applicant = elder("孙申请", datetime.date(1952, 5, 5))
    elder_person = people[0]
    _household(elder_person, admin)
    point = Facility.objects.create(
        number="ZC-MX", name="南门助餐点", kind="meal_point", region_id=OWN_VILLAGE, daily_meal_capacity=50
    )
    enrolment = svc.meal_enrolment_create(
        person=elder_person, meal_point=point, enrolled_on=datetime.date(2026, 8, 1), acting_user=admin
    )
    svc.meal_counts_save(day=SEPT, entries={point.pk: {"age80": (10, 9)}}, acting_user=admin)
    svc.meal_settlement_compute(month=SEPT, region=Region.objects.get(code=DISTRICT), acting_user=admin)
    advice = svc.advice_session_create(
        person=elder_person,
        held_on=datetime.date(2026, 10, 2),
        advisor_name="顾晓梅",
        topics=["meals"],
        follow_up_on=datetime.date(2026, 10, 20),
        acting_user=admin,
    )
    pair = svc.peer_pair_create(
        volunteer=volunteer, target=elder_person, started_on=datetime.date(2026, 9, 1), acting_user=admin
    )
    svc.peer_visit_create(pair=pair, visited_on=datetime.date(2026, 9, 3), acting_user=admin)

    def adaptation(person: Person, stage: str) -> HomeAdaptation:
        a = svc.adaptation_apply(person=person, applied_on=datetime.date(2026, 6, 1), needs="扶手", acting_user=admin)
        if stage == "applied":
            return a
        svc.adaptation_assess(
            adaptation=a,
            assessed_on=datetime.date(2026, 6, 2),
            assessor_name="吴工",
            assessment="",
            estimated_cost=Decimal("1000"),
            acting_user=admin,
        )
        if stage == "assessed":
            return a
        svc.adaptation_decide(adaptation=a, approve=True, decided_on=datetime.date(2026, 6, 3), acting_user=admin)
        svc.adaptation_item_add(
            adaptation=a, kind="grab_bar", cost=Decimal("800"), done_on=datetime.date(2026, 6, 10), acting_user=admin
        )
        if stage == "approved":
            return a
        return svc.adaptation_complete(adaptation=a, completed_on=datetime.date(2026, 6, 11), acting_user=admin)

    return World(
        point=point,
        elder=elder_person,
        target2=target2,
        volunteer=volunteer,
        applicant=applicant,
        enrolment=enrolment,
        settlement=MealSettlement.objects.get(),
        advice=advice,
        pair=pair,
        applied=adaptation(people[1], "applied"),
        assessed=adaptation(people[2], "assessed"),
        approved=adaptation(people[3], "approved"),
        completed=adaptation(people[4], "completed"),
    )


def _snapshot(world: World) -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(),
        MealEnrolment.objects.count(),
        MealEnrolment.objects.filter(ended_on__isnull=False).count(),
        tuple(MealCount.objects.order_by("id").values_list("meal_point_id", "day", "category", "ordered", "served")),
        tuple(MealSettlement.objects.order_by("id").values_list("id", "status", "subsidy_amount")),
        tuple(AdviceSession.objects.order_by("id").values_list("id", "followed_up_on")),
        ChildlessRecord.objects.count(),
        tuple(PeerPair.objects.order_by("id").values_list("id", "ended_on")),
        PeerVisit.objects.count(),
        tuple(HomeAdaptation.objects.order_by("id").values_list("id", "status", "subsidy_amount")),
        HomeAdaptationItem.objects.count(),
    )


def _id(person: Callable[[World], Person]) -> Callable[[World], str]:
    return lambda w: person(w).id_number


def _import_file(w: World) -> dict[str, Any]:
    content = write_workbook([("助餐填报", IMPORT_COLUMNS, [["ZC-MX", "2026-09-05", "age80", 8, 8]])])
    return {"file": SimpleUploadedFile("填报.xlsx", io.BytesIO(content).getvalue())}


E = "/eldercare"
A = "/api/v1/eldercare"

WEB_CASES = [
    Case(
        "web meal dashboard",
        "community",
        "get",
        lambda w: f"{E}/meals/?start=2026-09-01&end=2026-09-30",
        expect=list_access(),
        marker=lambda w: w.point.name,
    ),
    Case("web meal capacity export", "community", "get", lambda w: f"{E}/meals/?export=capacity", expect=list_access()),
    Case(
        "web enrolment list",
        "community",
        "get",
        lambda w: f"{E}/meals/enrolments/",
        expect=list_access(),
        marker=lambda w: w.elder.name,
    ),
    Case(
        "web enrolment export", "community", "get", lambda w: f"{E}/meals/enrolments/?export=xlsx", expect=list_access()
    ),
    Case(
        "web enrolment create",
        "community",
        "post",
        lambda w: f"{E}/meals/enrolments/new/",
        data=lambda w: {"person": w.target2.id_number, "meal_point": w.point.pk, "enrolled_on": "2026-10-01"},
        expect=create_access(),
        success=302,
    ),
    Case(
        "web enrolment end",
        "community",
        "post",
        lambda w: f"{E}/meals/enrolments/{w.enrolment.pk}/end/",
        data=lambda w: {"ended_on": "2026-10-31"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web meal daily",
        "community",
        "get",
        lambda w: f"{E}/meals/daily/?day=2026-09-01",
        expect=list_access(),
        marker=lambda w: w.point.name,
    ),
    Case(
        "web meal daily save",
        "community",
        "post",
        lambda w: f"{E}/meals/daily/",
        data=lambda w: {"day": "2026-09-02", f"o-{w.point.pk}-age65": "5", f"s-{w.point.pk}-age65": "4"},
        expect=create_access(),
        success=302,
    ),
    Case("web meal import page", "community", "get", lambda w: f"{E}/meals/daily/import/", expect=list_access()),
    Case(
        "web meal import template",
        "community",
        "get",
        lambda w: f"{E}/meals/daily/import/?template=1",
        expect=list_access(),
    ),
    Case(
        "web meal import",
        "community",
        "post",
        lambda w: f"{E}/meals/daily/import/",
        data=_import_file,
        multipart=True,
        expect=create_access(),
        success=302,
    ),
    Case(
        "web meal counts",
        "community",
        "get",
        lambda w: f"{E}/meals/counts/",
        expect=list_access(),
        marker=lambda w: w.point.name,
    ),
    Case(
        "web settlement list",
        "community",
        "get",
        lambda w: f"{E}/meals/settlements/",
        expect=list_access(),
        marker=lambda w: w.point.name,
    ),
    Case(
        "web settlement export",
        "community",
        "get",
        lambda w: f"{E}/meals/settlements/?export=xlsx",
        expect=list_access(),
    ),
    Case(
        "web settlement detail",
        "community",
        "get",
        lambda w: f"{E}/meals/settlements/{w.settlement.pk}/",
        expect=object_access(),
    ),
    Case(
        "web settlement compute",
        "settle",
        "post",
        lambda w: f"{E}/meals/settlements/compute/",
        data=lambda w: {"month": "2026-09", "region": DISTRICT},
        expect=create_access(),
        success=302,
    ),
    Case(
        "web settlement confirm",
        "settle",
        "post",
        lambda w: f"{E}/meals/settlements/{w.settlement.pk}/confirm/",
        data=lambda w: {},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web advice list",
        "community",
        "get",
        lambda w: f"{E}/advice/",
        expect=list_access(),
        marker=lambda w: w.elder.name,
    ),
    Case(
        "web advice create",
        "community",
        "post",
        lambda w: f"{E}/advice/new/",
        data=lambda w: {
            "person": w.target2.id_number,
            "held_on": "2026-10-05",
            "advisor_name": "顾晓梅",
            "topics": ["meals", "allowance"],
            "recommended": ["meal_service"],
        },
        expect=create_access(),
        success=302,
    ),
    Case("web advice detail", "community", "get", lambda w: f"{E}/advice/{w.advice.pk}/", expect=object_access()),
    Case(
        "web advice follow-up",
        "community",
        "post",
        lambda w: f"{E}/advice/{w.advice.pk}/follow-up/",
        data=lambda w: {"followed_up_on": "2026-10-21", "follow_up_result": "已办理助餐"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web peer coverage",
        "community",
        "get",
        lambda w: f"{E}/peer/?start=2026-10-01&end=2026-10-31",
        expect=list_access(),
        marker=lambda w: w.target2.name,
    ),
    Case(
        "web peer unvisited export",
        "community",
        "get",
        lambda w: f"{E}/peer/?start=2026-10-01&end=2026-10-31&export=xlsx",
        expect=list_access(),
    ),
    Case(
        "web pair list",
        "community",
        "get",
        lambda w: f"{E}/peer/pairs/",
        expect=list_access(),
        marker=lambda w: w.elder.name,
    ),
    Case(
        "web pair create",
        "community",
        "post",
        lambda w: f"{E}/peer/pairs/new/",
        data=lambda w: {"volunteer": w.volunteer.id_number, "target": w.target2.id_number, "started_on": "2026-10-01"},
        expect=create_access(),
        success=302,
    ),
    Case("web pair detail", "community", "get", lambda w: f"{E}/peer/pairs/{w.pair.pk}/", expect=object_access()),
    Case(
        "web visit create",
        "community",
        "post",
        lambda w: f"{E}/peer/pairs/{w.pair.pk}/visits/",
        data=lambda w: {"visited_on": "2026-10-08", "mode": "home", "notes": "良好"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web pair end",
        "community",
        "post",
        lambda w: f"{E}/peer/pairs/{w.pair.pk}/end/",
        data=lambda w: {"ended_on": "2026-10-31"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web visit list",
        "community",
        "get",
        lambda w: f"{E}/peer/visits/",
        expect=list_access(),
        marker=lambda w: w.elder.name,
    ),
    Case("web childless list", "community", "get", lambda w: f"{E}/peer/childless/", expect=list_access()),
    Case(
        "web childless create",
        "community",
        "post",
        lambda w: f"{E}/peer/childless/",
        data=lambda w: {"person": w.applicant.id_number, "recorded_on": "2026-10-01"},
        expect=create_access(),
        success=302,
    ),
    Case(
        "web adaptation list",
        "community",
        "get",
        lambda w: f"{E}/adaptations/",
        expect=list_access(),
        marker=lambda w: w.applied.number,
    ),
    Case("web adaptation export", "community", "get", lambda w: f"{E}/adaptations/?export=xlsx", expect=list_access()),
    Case(
        "web adaptation create",
        "community",
        "post",
        lambda w: f"{E}/adaptations/new/",
        data=lambda w: {"person": w.applicant.id_number, "applied_on": "2026-10-01", "needs": "卫生间扶手"},
        expect=create_access(),
        success=302,
    ),
    Case(
        "web adaptation detail",
        "community",
        "get",
        lambda w: f"{E}/adaptations/{w.applied.pk}/",
        expect=object_access(),
    ),
    Case(
        "web adaptation assess",
        "community",
        "post",
        lambda w: f"{E}/adaptations/{w.applied.pk}/assess/",
        data=lambda w: {"assessed_on": "2026-06-05", "assessor_name": "吴工", "estimated_cost": "900"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web adaptation withdraw",
        "community",
        "post",
        lambda w: f"{E}/adaptations/{w.applied.pk}/withdraw/",
        data=lambda w: {"decision_note": "自行改造"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web adaptation decide",
        "approve",
        "post",
        lambda w: f"{E}/adaptations/{w.assessed.pk}/decide/",
        data=lambda w: {"decision": "approve", "decided_on": "2026-06-05"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web adaptation item",
        "community",
        "post",
        lambda w: f"{E}/adaptations/{w.approved.pk}/item/",
        data=lambda w: {"kind": "non_slip", "quantity": "1", "cost": "300", "done_on": "2026-06-12"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web adaptation complete",
        "community",
        "post",
        lambda w: f"{E}/adaptations/{w.approved.pk}/complete/",
        data=lambda w: {"completed_on": "2026-06-15"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web adaptation settle",
        "approve",
        "post",
        lambda w: f"{E}/adaptations/{w.completed.pk}/settle/",
        data=lambda w: {"settled_on": "2026-06-20"},
        expect=object_access(),
        success=302,
    ),
]

API_CASES = [
    Case(
        "api enrolment list",
        "community",
        "get",
        lambda w: f"{A}/meal-enrolments",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"id": {w.enrolment.pk}',
    ),
    Case(
        "api enrolment create",
        "community",
        "post",
        lambda w: f"{A}/meal-enrolments",
        api=True,
        data=lambda w: {"id_number": w.target2.id_number, "meal_point": w.point.pk, "enrolled_on": "2026-10-01"},
        expect=create_access(),
        success=201,
    ),
    Case(
        "api enrolment end",
        "community",
        "post",
        lambda w: f"{A}/meal-enrolments/{w.enrolment.pk}/end",
        api=True,
        data=lambda w: {"ended_on": "2026-10-31"},
        expect=object_access(),
    ),
    Case(
        "api meal counts",
        "community",
        "get",
        lambda w: f"{A}/meal-counts",
        api=True,
        expect=list_access(),
        marker=lambda w: '"meal_point_number": "ZC-MX"',
    ),
    Case(
        "api meal counts save",
        "community",
        "post",
        lambda w: f"{A}/meal-counts",
        api=True,
        data=lambda w: {
            "day": "2026-09-03",
            "counts": [{"meal_point": w.point.pk, "category": "age80", "ordered": 7, "served": 7}],
        },
        expect=create_access(),
    ),
    Case(
        "api meal capacity",
        "community",
        "get",
        lambda w: f"{A}/meal-capacity?start=2026-09-01&end=2026-09-30",
        api=True,
        expect=list_access(),
        marker=lambda w: '"number": "ZC-MX"',
    ),
    Case(
        "api meal stats",
        "community",
        "get",
        lambda w: f"{A}/meal-stats?start=2026-09-01&end=2026-09-30",
        api=True,
        expect=list_access(),
        marker=lambda w: '"served": 9',
    ),
    Case(
        "api settlement list",
        "community",
        "get",
        lambda w: f"{A}/meal-settlements",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"id": {w.settlement.pk}',
    ),
    Case(
        "api settlement detail",
        "community",
        "get",
        lambda w: f"{A}/meal-settlements/{w.settlement.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api settlement compute",
        "settle",
        "post",
        lambda w: f"{A}/meal-settlements/compute",
        api=True,
        data=lambda w: {"month": "2026-09", "region": DISTRICT},
        expect=create_access(),
    ),
    Case(
        "api settlement confirm",
        "settle",
        "post",
        lambda w: f"{A}/meal-settlements/{w.settlement.pk}/confirm",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api advice list",
        "community",
        "get",
        lambda w: f"{A}/advice-sessions",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"id": {w.advice.pk}',
    ),
    Case(
        "api advice create",
        "community",
        "post",
        lambda w: f"{A}/advice-sessions",
        api=True,
        data=lambda w: {
            "id_number": w.target2.id_number,
            "held_on": "2026-10-05",
            "advisor_name": "顾晓梅",
            "topics": ["meals"],
        },
        expect=create_access(),
        success=201,
    ),
    Case(
        "api advice follow-up",
        "community",
        "post",
        lambda w: f"{A}/advice-sessions/{w.advice.pk}/follow-up",
        api=True,
        data=lambda w: {"followed_up_on": "2026-10-21", "result": "已回访"},
        expect=object_access(),
    ),
    Case(
        "api peer coverage",
        "community",
        "get",
        lambda w: f"{A}/peer-coverage?start=2026-10-01&end=2026-10-31",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"township": "{OWN_TOWNSHIP}"',
    ),
    Case(
        "api peer unvisited",
        "community",
        "get",
        lambda w: f"{A}/peer-coverage/unvisited?start=2026-10-01&end=2026-10-31",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"id": {w.target2.pk}',
    ),
    Case(
        "api pair list",
        "community",
        "get",
        lambda w: f"{A}/peer-pairs",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"id": {w.pair.pk}',
    ),
    Case(
        "api pair create",
        "community",
        "post",
        lambda w: f"{A}/peer-pairs",
        api=True,
        data=lambda w: {
            "volunteer_id_number": w.volunteer.id_number,
            "target_id_number": w.target2.id_number,
            "started_on": "2026-10-01",
        },
        expect=create_access(),
        success=201,
    ),
    Case(
        "api visit create",
        "community",
        "post",
        lambda w: f"{A}/peer-pairs/{w.pair.pk}/visits",
        api=True,
        data=lambda w: {"visited_on": "2026-10-08"},
        expect=object_access(),
        success=201,
    ),
    Case(
        "api pair end",
        "community",
        "post",
        lambda w: f"{A}/peer-pairs/{w.pair.pk}/end",
        api=True,
        data=lambda w: {"ended_on": "2026-10-31"},
        expect=object_access(),
    ),
    Case(
        "api visit list",
        "community",
        "get",
        lambda w: f"{A}/peer-visits",
        api=True,
        expect=list_access(),
        marker=lambda w: f'"pair": {w.pair.pk}',
    ),
    Case(
        "api childless create",
        "community",
        "post",
        lambda w: f"{A}/childless-records",
        api=True,
        data=lambda w: {"id_number": w.applicant.id_number, "recorded_on": "2026-10-01"},
        expect=create_access(),
        success=201,
    ),
    Case(
        "api adaptation list",
        "community",
        "get",
        lambda w: f"{A}/adaptations",
        api=True,
        expect=list_access(),
        marker=lambda w: w.applied.number,
    ),
    Case(
        "api adaptation create",
        "community",
        "post",
        lambda w: f"{A}/adaptations",
        api=True,
        data=lambda w: {"id_number": w.applicant.id_number, "applied_on": "2026-10-01", "needs": "扶手"},
        expect=create_access(),
        success=201,
    ),
    Case(
        "api adaptation detail",
        "community",
        "get",
        lambda w: f"{A}/adaptations/{w.applied.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api adaptation assess",
        "community",
        "post",
        lambda w: f"{A}/adaptations/{w.applied.pk}/assess",
        api=True,
        data=lambda w: {"assessed_on": "2026-06-05", "assessor_name": "吴工", "estimated_cost": "900"},
        expect=object_access(),
    ),
    Case(
        "api adaptation decide",
        "approve",
        "post",
        lambda w: f"{A}/adaptations/{w.assessed.pk}/decide",
        api=True,
        data=lambda w: {"approve": True, "decided_on": "2026-06-05"},
        expect=object_access(),
    ),
    Case(
        "api adaptation item",
        "community",
        "post",
        lambda w: f"{A}/adaptations/{w.approved.pk}/item",
        api=True,
        data=lambda w: {"kind": "non_slip", "cost": "300", "done_on": "2026-06-12"},
        expect=object_access(),
    ),
    Case(
        "api adaptation complete",
        "community",
        "post",
        lambda w: f"{A}/adaptations/{w.approved.pk}/complete",
        api=True,
        data=lambda w: {"completed_on": "2026-06-15"},
        expect=object_access(),
    ),
    Case(
        "api adaptation settle",
        "approve",
        "post",
        lambda w: f"{A}/adaptations/{w.completed.pk}/settle",
        api=True,
        data=lambda w: {"settled_on": "2026-06-20"},
        expect=object_access(),
    ),
    Case(
        "api adaptation withdraw",
        "community",
        "post",
        lambda w: f"{A}/adaptations/{w.applied.pk}/withdraw",
        api=True,
        data=lambda w: {"reason": "自行改造"},
        expect=object_access(),
    ),
]

CASES = WEB_CASES + API_CASES


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_community_access_matrix(
    case: Case, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    before = _snapshot(world)
    check(case, column, world, client, lambda: _snapshot(world))
    if case.method != "get" and column in ("own", "parent"):
        # An accepted write really wrote (and audited) something.
        assert _snapshot(world) != before
