"""The access matrix of the care pages and API: anonymous / no permission / other township /
own township / the district, each refused request writing nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE
from core.idnumbers import make_id_number
from core.models import AuditEvent, Person, Region, User
from core.services import clean_person_input, person_create
from core.tests.matrix import COLUMNS, Case, check, client_for_column, create_access, list_access, object_access
from eldercare import services as facility_services
from eldercare import services_care as care
from eldercare.choices import BedKind, FacilityKind, Ownership
from eldercare.choices_care import AllowanceScheme, HomeCareService, SuspensionReason
from eldercare.models import (
    AllowanceSuspension,
    BedApplication,
    BedOffer,
    CareAssessment,
    HomeCareOrder,
    HomeCareVisit,
    Residency,
)
from eldercare.policy_care import ensure_care_parameters

FAMILIES = {
    "care": {
        "noperm": ("auditor", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    }
}
API = "/api/v1/eldercare"
WEB = "/eldercare/care"


@dataclass
class World:
    ids: dict[str, str]
    people: dict[str, Person]
    assessment: CareAssessment
    suspension: AllowanceSuspension
    application: BedApplication
    offered: BedApplication
    offer: BedOffer
    bed_id: int
    order: HomeCareOrder
    visit: HomeCareVisit


@pytest.fixture
def world(db: Any, make_user: Callable[..., User]) -> World:
    ensure_care_parameters()
    admin = make_user("world-admin", "district_admin", DISTRICT)
    names = ["评估甲", "评估乙", "轮候丙", "轮候丁", "照护戊", "新人己"]
    ids, people = {}, {}
    for i, name in enumerate(names):
        number = make_id_number("310230", datetime.date(1940, 1, 10 + i), 900 + i)
        ids[name] = number
        data = clean_person_input(name=name, id_number=number, hukou_region=OWN_VILLAGE)
        people[name] = person_create(acting_user=admin, data=data)
    day = timezone.localdate() - datetime.timedelta(days=30)
    assessments = {
        name: care.care_assessment_create(
            person=people[name], grade=4, assessed_on=day, agency="评估中心", assessor="评估员", acting_user=admin
        )
        for name in names[:5]
    }
    facility = facility_services.facility_create(
        data=facility_services.FacilityData(
            name="矩阵敬老院", kind=FacilityKind.CARE_INSTITUTION, region=Region.objects.get(code=OWN_VILLAGE),
            ownership=Ownership.PUBLIC,
        ),
        acting_user=None,
    )  # fmt: skip
    beds = facility_services.beds_add(facility=facility, count=3, kind=BedKind.GENERAL, is_basic=True, acting_user=None)
    suspension = care.allowance_suspension_create(
        person=people["评估乙"], scheme=AllowanceScheme.SENIOR, reason=SuspensionReason.AWAY,
        starts_on=day.replace(day=1), acting_user=admin,
    )  # fmt: skip
    application = care.bed_application_create(person=people["轮候丙"], applied_on=day, acting_user=admin)
    offered = care.bed_application_create(person=people["轮候丁"], applied_on=day, acting_user=admin)
    offer = care.bed_offer_create(application=offered, bed=beds[0], offered_on=timezone.localdate(), acting_user=admin)
    order = care.homecare_order_create(
        person=people["照护戊"], service=HomeCareService.HOME_CARE, starts_on=day, provider_name="服务社",
        acting_user=admin,
    )  # fmt: skip
    visit = care.homecare_visit_schedule(
        order=order, scheduled_start=timezone.now(), minutes=60, caregiver_name="护理员", acting_user=admin
    )
    return World(ids, people, assessments["评估甲"], suspension, application, offered, offer, beds[1].pk, order, visit)


def _snapshot(world: World) -> tuple[Any, ...]:
    return (
        tuple(CareAssessment.objects.order_by("id").values_list("id", "grade")),
        tuple(AllowanceSuspension.objects.order_by("id").values_list("id", "ends_on")),
        tuple(BedApplication.objects.order_by("id").values_list("id", "status", "declines")),
        tuple(BedOffer.objects.order_by("id").values_list("id", "status")),
        tuple(HomeCareOrder.objects.order_by("id").values_list("id", "status")),
        tuple(HomeCareVisit.objects.order_by("id").values_list("id", "status")),
        Residency.objects.count(),
        AuditEvent.objects.filter(action__startswith="eldercare.").exclude(action="eldercare.export").count(),
    )


TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731

CASES = [
    # Pages
    Case("web assessments", "care", "get", lambda w: f"{WEB}/assessments/", expect=list_access(),
         marker=lambda w: f"{WEB}/assessments/{w.assessment.pk}/"),
    Case("web assessments export", "care", "get", lambda w: f"{WEB}/assessments/?format=xlsx", expect=list_access()),
    Case("web assessment", "care", "get", lambda w: f"{WEB}/assessments/{w.assessment.pk}/", expect=object_access()),
    Case("web assessment create", "care", "post", lambda w: f"{WEB}/assessments/new/",
         data=lambda w: {"id_number": w.ids["新人己"], "grade": "3", "assessed_on": TODAY(), "agency": "评估中心",
                         "assessor": "甲"},
         expect=create_access(), success=302),
    Case("web dashboard", "care", "get", lambda w: f"{WEB}/assessments/dashboard/", expect=list_access()),
    Case("web allowances", "care", "get", lambda w: f"{WEB}/allowances/", expect=list_access(),
         marker=lambda w: "评估甲"),
    Case("web allowances export", "care", "get", lambda w: f"{WEB}/allowances/?format=xlsx", expect=list_access()),
    Case("web suspensions", "care", "get", lambda w: f"{WEB}/allowances/suspensions/", expect=list_access(),
         marker=lambda w: "评估乙"),
    Case("web suspension create", "care", "post", lambda w: f"{WEB}/allowances/suspensions/new/",
         data=lambda w: {"id_number": w.ids["评估甲"], "scheme": AllowanceScheme.SENIOR.value, "reason": "away",
                         "starts_on": TODAY()},
         expect=create_access(), success=302),
    Case("web suspension end", "care", "post", lambda w: f"{WEB}/allowances/suspensions/{w.suspension.pk}/end/",
         data=lambda w: {"last_month": TODAY()}, expect=object_access(), success=302),
    Case("web waitlist", "care", "get", lambda w: f"{WEB}/waitlist/", expect=list_access(),
         marker=lambda w: w.application.number),
    Case("web waitlist export", "care", "get", lambda w: f"{WEB}/waitlist/?format=xlsx", expect=list_access()),
    Case("web applications", "care", "get", lambda w: f"{WEB}/waitlist/applications/", expect=list_access(),
         marker=lambda w: w.offered.number),
    Case("web application", "care", "get", lambda w: f"{WEB}/waitlist/{w.application.pk}/", expect=object_access()),
    Case("web application create", "care", "post", lambda w: f"{WEB}/waitlist/new/",
         data=lambda w: {"id_number": w.ids["评估甲"], "applied_on": TODAY(), "bed_kind": "general",
                         "basic_bed": "on"},
         expect=create_access(), success=302),
    Case("web offer", "care", "post", lambda w: f"{WEB}/waitlist/{w.application.pk}/offer/",
         data=lambda w: {"bed": w.bed_id, "offered_on": TODAY()}, expect=object_access(), success=302),
    Case("web offer accept", "care", "post", lambda w: f"{WEB}/waitlist/offers/{w.offer.pk}/reply/",
         data=lambda w: {"action": "accept", "on": TODAY()}, expect=object_access(), success=302),
    Case("web offers expire", "care", "post", lambda w: f"{WEB}/waitlist/expire/", expect=list_access(),
         success=302),
    Case("web withdraw", "care", "post", lambda w: f"{WEB}/waitlist/{w.application.pk}/withdraw/",
         data=lambda w: {"reason": "家属照顾"}, expect=object_access(), success=302),
    Case("web homecare", "care", "get", lambda w: f"{WEB}/homecare/", expect=list_access(),
         marker=lambda w: w.order.number),
    Case("web homecare export", "care", "get", lambda w: f"{WEB}/homecare/?format=xlsx", expect=list_access()),
    Case("web homecare report", "care", "get", lambda w: f"{WEB}/homecare/report/", expect=list_access(),
         marker=lambda w: w.order.number),
    Case("web homecare report export", "care", "get", lambda w: f"{WEB}/homecare/report/?format=xlsx",
         expect=list_access()),
    Case("web homecare order", "care", "get", lambda w: f"{WEB}/homecare/{w.order.pk}/", expect=object_access()),
    Case("web homecare create", "care", "post", lambda w: f"{WEB}/homecare/new/",
         data=lambda w: {"id_number": w.ids["评估甲"], "service": "home_care", "starts_on": TODAY(),
                         "provider_name": "服务社"},
         expect=create_access(), success=302),
    Case("web visit schedule", "care", "post", lambda w: f"{WEB}/homecare/{w.order.pk}/visits/",
         data=lambda w: {"scheduled_start": f"{TODAY()}T15:00", "minutes": "60", "caregiver_name": "护理员"},
         expect=object_access(), success=302),
    Case("web visit check-in", "care", "post", lambda w: f"{WEB}/homecare/visits/{w.visit.pk}/",
         data=lambda w: {"action": "check_in"}, expect=object_access(), success=302),
    Case("web order close", "care", "post", lambda w: f"{WEB}/homecare/{w.order.pk}/close/",
         data=lambda w: {"ends_on": TODAY()}, expect=object_access(), success=302),
    # API
    Case("api assessments", "care", "get", lambda w: f"{API}/care/assessments", api=True, expect=list_access(),
         marker=lambda w: '"评估甲"'),
    Case("api assessment", "care", "get", lambda w: f"{API}/care/assessments/{w.assessment.pk}", api=True,
         expect=object_access()),
    Case("api assessment create", "care", "post", lambda w: f"{API}/care/assessments", api=True,
         data=lambda w: {"id_number": w.ids["新人己"], "grade": 5, "assessed_on": TODAY(), "agency": "评估中心",
                         "assessor": "乙"},
         expect=create_access(), success=201),
    Case("api grades", "care", "get", lambda w: f"{API}/care/assessments/grades", api=True, expect=list_access()),
    Case("api allowances", "care", "get", lambda w: f"{API}/care/allowances", api=True, expect=list_access(),
         marker=lambda w: '"评估甲"'),
    Case("api suspension create", "care", "post", lambda w: f"{API}/care/allowance-suspensions", api=True,
         data=lambda w: {"id_number": w.ids["评估甲"], "reason": "away", "starts_on": TODAY()},
         expect=create_access(), success=201),
    Case("api suspension end", "care", "post", lambda w: f"{API}/care/allowance-suspensions/{w.suspension.pk}/end",
         api=True, data=lambda w: {"last_month": TODAY()}, expect=object_access()),
    Case("api waitlist", "care", "get", lambda w: f"{API}/care/waitlist", api=True, expect=list_access(),
         marker=lambda w: w.application.number),
    Case("api application create", "care", "post", lambda w: f"{API}/care/bed-applications", api=True,
         data=lambda w: {"id_number": w.ids["评估甲"], "applied_on": TODAY()}, expect=create_access(), success=201),
    Case("api application", "care", "get", lambda w: f"{API}/care/bed-applications/{w.application.pk}", api=True,
         expect=object_access()),
    Case("api offer", "care", "post", lambda w: f"{API}/care/bed-applications/{w.application.pk}/offers", api=True,
         data=lambda w: {"bed": w.bed_id, "offered_on": TODAY()}, expect=object_access(), success=201),
    Case("api offer accept", "care", "post", lambda w: f"{API}/care/bed-offers/{w.offer.pk}/accept", api=True,
         data=lambda w: {"admitted_on": TODAY()}, expect=object_access()),
    Case("api offer decline", "care", "post", lambda w: f"{API}/care/bed-offers/{w.offer.pk}/decline", api=True,
         data=lambda w: {"on": TODAY(), "reason": "太远"}, expect=object_access()),
    Case("api orders", "care", "get", lambda w: f"{API}/care/homecare-orders", api=True, expect=list_access(),
         marker=lambda w: w.order.number),
    Case("api order create", "care", "post", lambda w: f"{API}/care/homecare-orders", api=True,
         data=lambda w: {"id_number": w.ids["评估甲"], "service": "home_care", "starts_on": TODAY(),
                         "provider_name": "服务社"},
         expect=create_access(), success=201),
    Case("api order", "care", "get", lambda w: f"{API}/care/homecare-orders/{w.order.pk}", api=True,
         expect=object_access()),
    Case("api visit check-in", "care", "post", lambda w: f"{API}/care/homecare-visits/{w.visit.pk}/check-in",
         api=True, data=lambda w: {}, expect=object_access()),
    Case("api visit missed", "care", "post", lambda w: f"{API}/care/homecare-visits/{w.visit.pk}/missed",
         api=True, data=lambda w: {"text": "住院"}, expect=object_access()),
    Case("api order close", "care", "post", lambda w: f"{API}/care/homecare-orders/{w.order.pk}/close", api=True,
         data=lambda w: {"ends_on": TODAY()}, expect=object_access()),
    Case("api homecare report", "care", "get", lambda w: f"{API}/care/homecare-report", api=True,
         expect=list_access(), marker=lambda w: w.order.number),
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_care_access_matrix(
    case: Case, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    check(case, column, world, client, lambda: _snapshot(world))
