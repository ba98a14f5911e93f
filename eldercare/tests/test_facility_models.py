"""Constraints and resident services: occupancy always equals admitted residents."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE
from core.models import AuditEvent, Region
from eldercare import services
from eldercare.choices import BedKind, DischargeReason, FacilityKind, LicenceState, Ownership
from eldercare.models import Bed, Residency
from eldercare.selectors import facility_occupancy

D = datetime.date


@pytest.fixture(autouse=True)
def facility_parameters(db):
    """Regions are loaded after migrations in tests, so the seeding migration found no 上海市
    region; seed now (the demo builder does the same on a fresh install)."""
    from eldercare.policy import ensure_facility_parameters

    ensure_facility_parameters()


@pytest.fixture
def admin(make_user):
    return make_user("eadmin", "district_staff", DISTRICT)


def make_facility(admin, name="城桥敬老院", kind=FacilityKind.CARE_INSTITUTION, region=OWN_VILLAGE, **extra):
    data = services.FacilityData(
        name=name,
        kind=kind,
        region=Region.objects.get(code=region),
        ownership=extra.pop("ownership", Ownership.PUBLIC if kind == FacilityKind.CARE_INSTITUTION else ""),
        **extra,
    )
    return services.facility_create(data=data, acting_user=admin)


@pytest.mark.django_db
def test_facility_validation_names_fields(admin):
    data = services.FacilityData(
        name="",
        kind=FacilityKind.CARE_INSTITUTION,
        region=Region.objects.get(code=OWN_TOWNSHIP),
        operator_uscc="91110108551385082A",
        licence_state=LicenceState.FILED,
        daily_meal_capacity=10,
    )
    with pytest.raises(ValidationError) as exc:
        services.facility_create(data=data, acting_user=admin)
    assert exc.value.message_dict == {
        "name": ["请填写设施名称"],
        "ownership": ["养老机构必须填写性质（公办公营/公建民营/民办）"],
        "operator_uscc": ["统一社会信用代码校验位错误"],
        "licence_number": ["已备案/已许可的设施须填写编号"],
        "daily_meal_capacity": ["只有助餐点、长者食堂填写日供餐能力"],
    }


@pytest.mark.django_db
def test_facility_create_numbers_and_audits(admin):
    facility = make_facility(admin, operator_uscc="91110108551385082q", floor_area=Decimal("1200.50"))
    assert facility.number == "310151101000001"
    assert facility.operator_uscc == "91110108551385082Q"
    assert AuditEvent.objects.filter(action="eldercare.facility.create", object_id=str(facility.pk)).count() == 1
    second = make_facility(admin, name="第二敬老院")
    assert second.number == "310151101000002"


@pytest.mark.django_db
def test_database_refuses_two_open_stays(admin, make_person):
    facility = make_facility(admin)
    bed1, bed2 = services.beds_add(facility=facility, count=2, kind=BedKind.NURSING, acting_user=admin)
    p1, p2 = make_person("甲"), make_person("乙")
    Residency.objects.create(person=p1, bed=bed1, admitted_on=D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Residency.objects.create(person=p2, bed=bed1, admitted_on=D(2024, 1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Residency.objects.create(person=p1, bed=bed2, admitted_on=D(2024, 1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        Residency.objects.create(person=p2, bed=bed2, admitted_on=D(2024, 1, 2), discharged_on=D(2024, 1, 1))


@pytest.mark.django_db
def test_occupancy_follows_admit_discharge_transfer(admin, make_person):
    home = make_facility(admin)
    other = make_facility(admin, name="堡镇养老院", region="310151102001")
    beds = services.beds_add(facility=home, count=3, kind=BedKind.GENERAL, acting_user=admin)
    (other_bed,) = services.beds_add(facility=other, count=1, kind=BedKind.DEMENTIA, acting_user=admin)
    people = [make_person(n) for n in ("甲", "乙", "丙")]
    stays = [
        services.resident_admit(bed=b, person=p, admitted_on=D(2024, 3, 1), acting_user=admin)
        for b, p in zip(beds, people, strict=True)
    ]
    assert facility_occupancy([home.pk, other.pk]) == {home.pk: (3, 3), other.pk: (1, 0)}

    with pytest.raises(ValidationError) as exc:
        services.resident_admit(bed=beds[0], person=make_person("丁"), admitted_on=D(2024, 3, 2), acting_user=admin)
    assert exc.value.message_dict == {"bed": ["该床位已有在住老人"]}
    with pytest.raises(ValidationError) as exc:
        services.resident_admit(bed=other_bed, person=people[0], admitted_on=D(2024, 3, 2), acting_user=admin)
    assert exc.value.message_dict == {"person": ["该老人已在其他床位入住"]}

    services.resident_discharge(
        residency=stays[0], discharged_on=D(2024, 4, 1), reason=DischargeReason.HOME, acting_user=admin
    )
    assert facility_occupancy([home.pk, other.pk]) == {home.pk: (3, 2), other.pk: (1, 0)}
    # A discharged stay still blocks an admission dated inside it.
    with pytest.raises(ValidationError):
        services.resident_admit(bed=beds[0], person=make_person("戊"), admitted_on=D(2024, 3, 15), acting_user=admin)

    new_stay = services.resident_transfer(
        residency=stays[1], to_bed=other_bed, transferred_on=D(2024, 5, 1), acting_user=admin
    )
    assert facility_occupancy([home.pk, other.pk]) == {home.pk: (3, 1), other.pk: (1, 1)}
    assert new_stay.source == f"transfer:{stays[1].pk}"
    stays[1].refresh_from_db()
    assert (stays[1].discharged_on, stays[1].discharge_reason) == (D(2024, 5, 1), DischargeReason.TRANSFER)
    # A failed transfer (target occupied) changes nothing.
    with pytest.raises(ValidationError) as exc:
        services.resident_transfer(
            residency=stays[2], to_bed=other_bed, transferred_on=D(2024, 6, 1), acting_user=admin
        )
    assert exc.value.message_dict == {"to_bed": ["该床位已有在住老人"]}
    stays[2].refresh_from_db()
    assert stays[2].discharged_on is None
    assert Residency.objects.filter(discharged_on__isnull=True).count() == 2
    assert Bed.objects.count() == 4


@pytest.mark.django_db
def test_resident_services_refuse_other_region(make_user, admin, make_person):
    facility = make_facility(admin)
    (bed,) = services.beds_add(facility=facility, count=1, kind=BedKind.GENERAL, acting_user=admin)
    outsider = make_user("outsider", "township_officer", "310151102")
    with pytest.raises(ValidationError) as exc:
        services.resident_admit(bed=bed, person=make_person(), admitted_on=D(2024, 1, 1), acting_user=outsider)
    assert exc.value.message_dict == {"facility": ["您无权办理该设施的业务"]}
    assert Residency.objects.count() == 0


def test_uscc_check_character():
    from eldercare.uscc import make_uscc, uscc_error

    # Examples of research/domain-rules.md §1.2.
    assert uscc_error("91110000600037341L") is None
    assert uscc_error("91110108551385082Q") is None
    assert uscc_error("91110108551385082A") == "统一社会信用代码校验位错误"
    assert uscc_error("9111010855138508") == "统一社会信用代码应为18位"
    assert uscc_error("9111010855138508IO") == "统一社会信用代码含有无效字符：IO"
    assert make_uscc("91110108551385082") == "91110108551385082Q"


@pytest.mark.django_db
def test_facility_with_residents_cannot_close(admin, make_person):
    from eldercare.choices import FacilityStatus

    facility = make_facility(admin)
    services.beds_add(facility=facility, count=1, kind=BedKind.GENERAL, acting_user=admin)
    services.resident_admit(bed=Bed.objects.get(), person=make_person(), admitted_on=D(2024, 1, 1), acting_user=admin)
    data = services.FacilityData(
        name=facility.name,
        kind=facility.kind,
        region=facility.region,
        ownership=facility.ownership,
        status=FacilityStatus.CLOSED,
    )
    with pytest.raises(ValidationError) as exc:
        services.facility_update(facility=facility, data=data, acting_user=admin)
    assert exc.value.message_dict == {"status": ["该设施仍有在住老人，须先办理退住或转床才能关闭"]}
