"""Demo facilities at the scale of the Chongming plan's 2020 figures (崇明“十四五”规划 一(一)
and indicators 3–8): 47 institutions with 8,439 beds (30% nursing, 200 dementia), 29 service
centres, 37 day centres, 5 elder homes, 92 meal places serving 5,500 a day, 439 activity rooms,
305 neighbour points; residents, caregivers (89% certified), inspectors, a draw with inspections
and one blacklisting. Idempotent: a second run finds the facilities and changes nothing."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from core.audit import audit_record
from core.filtersets import years_ago
from core.models import Person, Region, Role, User
from eldercare.choices import (
    BedKind,
    CaregiverLevel,
    FacilityKind,
    FacilityStatus,
    FindingSeverity,
    LicenceState,
    OperatorKind,
    Ownership,
    WorkerRole,
)
from eldercare.models import Bed, Caregiver, Facility, FacilityStaff, Inspection, Inspector, Residency
from eldercare.policy import ensure_facility_parameters
from eldercare.selectors import is_township_proper
from eldercare.uscc import make_uscc

COUNTY_BY_PROFILE = {"chongming": "310151", "baoshan": "310113", "lufeng": "532302"}

# The plan's 2020 figures.
INSTITUTIONS = 47
BEDS = 8439
NURSING_SHARE = Decimal("0.30")
DEMENTIA_BEDS = 200
SERVICE_CENTRES = 29
DAY_CENTRES = 37
ELDER_HOMES = 5
ELDER_HOME_BEDS = 30  # each, all nursing (community beds count in indicator 3)
MEAL_PLACES = 92
MEAL_CAPACITY = 5500
ACTIVITY_ROOMS = 439
NEIGHBOUR_POINTS = 305
CERTIFIED_SHARE = Decimal("0.89")
REHAB_RENTAL_TOWNSHIPS = 13  # 72% of 18 townships (indicator 8 baseline)
CANTEEN_TOWNSHIPS = 15  # 长者食堂 not yet in every township in 2020: the coverage page shows which
OPENED = datetime.date(2020, 12, 31)


def _split(total: int, parts: int, rng: random.Random, low: float = 0.5, high: float = 1.5) -> list[int]:
    """``total`` split into ``parts`` positive integers that add up exactly."""
    weights = [rng.uniform(low, high) for _ in range(parts)]
    scale = total / sum(weights)
    values = [max(1, int(w * scale)) for w in weights]
    diff = total - sum(values)
    i = 0
    while diff:
        step = 1 if diff > 0 else -1
        if values[i % parts] + step >= 1:
            values[i % parts] += step
            diff -= step
        i += 1
    return values


def _uscc(rng: random.Random, kind: str, county: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    head = "52" if kind == OperatorKind.SOCIAL_ORG else "91" if kind == OperatorKind.COMPANY else "12"
    return make_uscc(head + county + "".join(rng.choice(alphabet) for _ in range(9)))


def build_facilities_demo(profile: str, seed: int) -> str:
    county = COUNTY_BY_PROFILE.get(profile)
    if county is None or not Region.objects.filter(code=county).exists():
        return "未知的演示区县，跳过"
    ensure_facility_parameters()
    if Facility.objects.filter(region__code__startswith=county).exists():
        return "已存在，跳过"
    rng = random.Random(seed * 7 + 5)
    townships = [
        r
        for r in Region.objects.active().filter(code__startswith=county, level="township").order_by("code")
        if is_township_proper(r.code)
    ]
    villages = list(Region.objects.active().filter(code__startswith=county, level="village").order_by("code"))
    by_township: dict[str, list[Region]] = {}
    for v in villages:
        by_township.setdefault(v.code[:9], []).append(v)
    if not townships or not villages:
        return "区县没有乡镇或村居，跳过"
    today = datetime.date.today()
    # The plan's figures are Chongming's; other demo counties get the same scale under their own codes.
    licence_prefix = {"310151": "沪崇", "310113": "沪宝"}.get(county, "滇禄")
    counters: dict[str, int] = {}
    facilities: list[Facility] = []

    def add(kind: str, region: Region, name: str, **extra: Any) -> Facility:
        key = f"{region.code[:9]}{list(FacilityKind.values).index(kind):02d}"
        counters[key] = counters.get(key, 0) + 1
        operator_kind = extra.pop("operator_kind", rng.choice(list(OperatorKind.values)))
        facility = Facility(
            number=f"{key}{counters[key]:04d}",
            name=name,
            kind=kind,
            region=region,
            address=f"{region.name}{rng.randint(1, 300)}号",
            operator_name=f"{region.name}{FacilityKind(kind).label}运营方",
            operator_kind=operator_kind,
            operator_uscc=_uscc(rng, str(operator_kind), county),
            licence_state=LicenceState.FILED,
            licence_number=f"{licence_prefix}养备{rng.randint(2010, 2020)}{len(facilities) + 1:04d}",
            opened_on=OPENED - datetime.timedelta(days=rng.randint(0, 5000)),
            status=FacilityStatus.OPEN,
            floor_area=extra.pop("floor_area", Decimal(rng.randint(60, 400))),
            **extra,
        )
        facilities.append(facility)
        return facility

    def village_in(township: Region) -> Region:
        return rng.choice(by_township.get(township.code) or villages)

    # 养老机构: one standard institution in every township, the rest spread at random.
    ownerships = [Ownership.PUBLIC] * 20 + [Ownership.PUBLIC_PRIVATE] * 15 + [Ownership.PRIVATE] * 12
    rng.shuffle(ownerships)
    institution_towns = townships + [rng.choice(townships) for _ in range(INSTITUTIONS - len(townships))]
    institutions = []
    for i, township in enumerate(institution_towns):
        region = village_in(township)
        institutions.append(
            add(
                FacilityKind.CARE_INSTITUTION,
                region,
                f"{township.name}{'敬老院' if i < len(townships) else f'第{i}养老院'}",
                ownership=ownerships[i % len(ownerships)],
                is_standard=i < len(townships) or rng.random() < 0.5,
                floor_area=Decimal(rng.randint(2500, 12000)),
                operator_kind=OperatorKind.GOVERNMENT
                if ownerships[i % len(ownerships)] == Ownership.PUBLIC
                else OperatorKind.SOCIAL_ORG,
            )
        )
    # 社区综合为老服务中心: one per township, the rest as branches (分中心) of a centre.
    centres = [
        add(FacilityKind.SERVICE_CENTRE, township, f"{township.name}社区综合为老服务中心", floor_area=Decimal(800))
        for township in townships
    ]
    branches = []
    for i in range(SERVICE_CENTRES - len(centres)):
        parent = centres[i % len(centres)]
        branch = add(FacilityKind.SERVICE_CENTRE, village_in(parent.region), f"{parent.name}第{i + 1}分中心")
        branches.append((branch, parent))
    for i in range(DAY_CENTRES):
        township = townships[i % len(townships)]
        add(FacilityKind.DAY_CENTRE, village_in(township), f"{township.name}日间照护中心{i // len(townships) + 1}")
    elder_homes = [
        add(FacilityKind.ELDER_HOME, village_in(t), f"{t.name}长者照护之家", floor_area=Decimal(600))
        for t in rng.sample(townships, ELDER_HOMES)
    ]
    capacities = _split(MEAL_CAPACITY, MEAL_PLACES, rng)
    canteen_towns = townships[:CANTEEN_TOWNSHIPS]
    for i, capacity in enumerate(capacities):
        if i < len(canteen_towns):
            t = canteen_towns[i]
            add(FacilityKind.CANTEEN, village_in(t), f"{t.name}长者食堂", daily_meal_capacity=capacity)
        else:
            t = rng.choice(townships)
            add(FacilityKind.MEAL_POINT, village_in(t), f"{t.name}助餐点{i}", daily_meal_capacity=capacity)
    # Activity rooms: every village but a few gets one; the rest go to the bigger villages.
    room_villages = villages[:]
    rng.shuffle(room_villages)
    without = room_villages[: max(1, len(villages) // 40)]
    with_room = [v for v in villages if v not in without]
    for i in range(ACTIVITY_ROOMS):
        v = with_room[i] if i < len(with_room) else rng.choice(with_room)
        add(
            FacilityKind.ACTIVITY_ROOM,
            v,
            f"{v.name}标准化老年活动室{'' if i < len(with_room) else i}",
            is_standard=True,
        )
    for i in range(NEIGHBOUR_POINTS):
        v = rng.choice(villages)
        add(FacilityKind.NEIGHBOUR_POINT, v, f"{v.name}睦邻点{i + 1}", operator_kind=OperatorKind.COLLECTIVE)
    for t in townships:
        add(FacilityKind.ADVISOR_POINT, t, f"{t.name}养老顾问点", floor_area=Decimal(30))
    for t in rng.sample(townships, min(REHAB_RENTAL_TOWNSHIPS, len(townships))):
        add(FacilityKind.REHAB_AID_RENTAL, t, f"{t.name}康复辅具租赁点", operator_kind=OperatorKind.COMPANY)

    with transaction.atomic():
        Facility.objects.bulk_create(facilities, batch_size=500)
        by_number = {f.number: f for f in Facility.objects.filter(region__code__startswith=county)}
        for branch, parent in branches:
            Facility.objects.filter(number=branch.number).update(parent=by_number[parent.number])
        institutions = [by_number[f.number] for f in institutions]
        elder_homes = [by_number[f.number] for f in elder_homes]
        beds = _build_beds(institutions, elder_homes, rng)
        Bed.objects.bulk_create(beds, batch_size=2000)
        residents = _admit_residents(county, today, rng)
        caregivers = _hire_caregivers(county, institutions + elder_homes, today, rng)
        inspections = _supervise(county, institutions, today, rng)
        staff = _facility_staff_account(institutions[0])
        audit_record(
            action="eldercare.demo.build",
            actor=None,
            object_type="eldercare.facility",
            object_repr="演示养老服务设施",
            region_code=county,
            changes={
                "facilities": len(facilities),
                "beds": len(beds),
                "residents": residents,
                "caregivers": caregivers,
                "inspections": inspections,
            },
        )
    return (
        f"设施 {len(facilities)} 个（机构 {len(institutions)}），床位 {len(beds)} 张，入住 {residents} 人，"
        f"护理员 {caregivers} 人，检查 {inspections} 次{staff}"
    )


def _build_beds(institutions: list[Facility], elder_homes: list[Facility], rng: random.Random) -> list[Bed]:
    institution_beds = BEDS - ELDER_HOME_BEDS * len(elder_homes)
    nursing_total = int((Decimal(BEDS) * NURSING_SHARE).to_integral_value())
    nursing_institutions = nursing_total - ELDER_HOME_BEDS * len(elder_homes)
    sizes = _split(institution_beds, len(institutions), rng, 0.4, 1.6)
    nursing = _split(nursing_institutions, len(institutions), rng, 0.4, 1.6)
    dementia_homes = sorted(range(len(institutions)), key=lambda i: -sizes[i])[:4]
    dementia = dict.fromkeys(dementia_homes, DEMENTIA_BEDS // 4)
    beds: list[Bed] = []
    for i, facility in enumerate(institutions):
        n_nursing = min(nursing[i], sizes[i] - dementia.get(i, 0))
        kinds = [BedKind.DEMENTIA] * dementia.get(i, 0) + [BedKind.NURSING] * n_nursing
        kinds += [BedKind.GENERAL] * (sizes[i] - len(kinds))
        beds += [
            Bed(facility=facility, number=f"{n + 1:04d}", kind=kind, is_basic=facility.ownership == Ownership.PUBLIC)
            for n, kind in enumerate(kinds)
        ]
    # Nursing beds lost to the min() above go to the largest institutions' general beds.
    shortfall = nursing_institutions - sum(1 for b in beds if b.kind == BedKind.NURSING)
    for bed in beds:
        if shortfall <= 0:
            break
        if bed.kind == BedKind.GENERAL:
            bed.kind = BedKind.NURSING
            shortfall -= 1
    for facility in elder_homes:
        beds += [Bed(facility=facility, number=f"{n + 1:04d}", kind=BedKind.NURSING) for n in range(ELDER_HOME_BEDS)]
    return beds


def _admit_residents(county: str, today: datetime.date, rng: random.Random) -> int:
    """Admit people aged 70+ of the county (two in three of them, at most 70% of the beds), in bulk."""
    beds = list(
        Bed.objects.filter(facility__region__code__startswith=county, is_active=True)
        .exclude(pk__in=Residency.objects.filter(discharged_on__isnull=True).values("bed_id"))
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    already = Residency.objects.filter(discharged_on__isnull=True).values("person_id")
    elderly = list(
        Person.objects.filter(
            hukou_region__code__startswith=county, death_date__isnull=True, birth_date__lte=years_ago(70, today)
        )
        .exclude(pk__in=already)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(beds)
    count = min(int(len(beds) * 0.7), len(elderly) * 2 // 3)
    chosen = rng.sample(elderly, count) if count else []
    Residency.objects.bulk_create(
        [
            Residency(
                person_id=person_id,
                bed_id=bed_id,
                admitted_on=today - datetime.timedelta(days=rng.randint(1, 2000)),
                source="demo",
            )
            for person_id, bed_id in zip(chosen, beds, strict=False)
        ],
        batch_size=2000,
    )
    return count


def _hire_caregivers(county: str, facilities: list[Facility], today: datetime.date, rng: random.Random) -> int:
    """Caregivers: about one for every six beds, 89% holding a valid certificate."""
    taken = set(Residency.objects.values_list("person_id", flat=True))
    workers = [
        pk
        for pk in Person.objects.filter(
            hukou_region__code__startswith=county,
            death_date__isnull=True,
            birth_date__lte=years_ago(30, today),
            birth_date__gt=years_ago(59, today),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:20000]
        if pk not in taken
    ]
    bed_counts = {f.pk: f.beds.count() for f in facilities}
    wanted = {f.pk: max(2, bed_counts[f.pk] // 6) for f in facilities}
    total = min(sum(wanted.values()), len(workers))
    certified = int((Decimal(total) * CERTIFIED_SHARE).to_integral_value())
    levels = [CaregiverLevel.JUNIOR] * 6 + [CaregiverLevel.INTERMEDIATE] * 3 + [CaregiverLevel.SENIOR]
    rows: list[Caregiver] = []
    people = iter(rng.sample(workers, total))
    flags = [True] * certified + [False] * (total - certified)
    rng.shuffle(flags)
    for facility in facilities:
        for _ in range(wanted[facility.pk]):
            if len(rows) >= total:
                break
            is_certified = flags[len(rows)]
            hired_on = today - datetime.timedelta(days=rng.randint(30, 4000))
            # Certified before being hired, so the 89% holds on every past date as well (the
            # plan's 2020 baseline of indicator 7 is computed from these records).
            certified_on = hired_on - datetime.timedelta(days=rng.randint(0, 1500))
            rows.append(
                Caregiver(
                    person_id=next(people),
                    facility=facility,
                    role=WorkerRole.CAREGIVER,
                    level=rng.choice(levels) if is_certified else CaregiverLevel.NONE,
                    certificate_number=f"31{rng.randint(10**9, 10**10 - 1)}" if is_certified else "",
                    certified_on=certified_on if is_certified else None,
                    hired_on=hired_on,
                )
            )
    Caregiver.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _supervise(county: str, institutions: list[Facility], today: datetime.date, rng: random.Random) -> int:
    from eldercare.models import BlacklistEntry, Finding, InspectionDraw
    from eldercare.services import draw_selection

    region = Region.objects.get(code=county)
    Inspector.objects.bulk_create(
        [
            Inspector(
                name=f"检查员{i + 1:02d}",
                unit="区民政局" if i < 8 else "区市场监管局",
                certificate_number=f"{county}ZF{i + 1:03d}",
                region=region,
            )
            for i in range(12)
        ]
    )
    inspector_ids = sorted(i.pk for i in Inspector.objects.filter(region=region).order_by("pk"))
    facility_ids = sorted(f.pk for f in institutions)
    seed = rng.randrange(1, 2**40)
    result = draw_selection(facility_ids, inspector_ids, seed, 10, 2)
    admin = User.objects.filter(username="district_admin").first() or User.objects.order_by("pk").first()
    if admin is None:
        return 0
    planned = today - datetime.timedelta(days=60)
    draw = InspectionDraw.objects.create(
        title=f"{today.year}年度养老机构双随机抽查",
        region=region,
        drawn_on=planned - datetime.timedelta(days=14),
        seed=seed,
        facility_kinds=[FacilityKind.CARE_INSTITUTION],
        facility_count=10,
        inspectors_per_facility=2,
        candidate_facility_ids=facility_ids,
        candidate_inspector_ids=inspector_ids,
        result=result,
        created_by=admin,
    )
    problems = [
        ("消防安全", FindingSeverity.SERIOUS, "疏散通道堆放杂物"),
        ("服务质量", FindingSeverity.MINOR, "护理记录不完整"),
        ("食品安全", FindingSeverity.MAJOR, "留样记录缺失"),
        ("人员资质", FindingSeverity.MINOR, "部分护理员证书过期"),
    ]
    for n, (facility_id, ids) in enumerate(result):
        inspection = Inspection.objects.create(
            facility_id=facility_id,
            draw=draw,
            planned_on=planned,
            is_published=n < 4,
            published_on=planned + datetime.timedelta(days=20) if n < 4 else None,
        )
        inspection.inspectors.set(ids)
        if n < 7:
            inspected = planned + datetime.timedelta(days=n)
            found = problems[: n % 3 + 1] if n else problems
            findings = [
                Finding(
                    inspection=inspection,
                    item=item,
                    severity=severity,
                    description=text,
                    deadline=inspected + datetime.timedelta(days=15),
                    status="rectified" if (n + k) % 2 == 0 else "open",
                    rectified_on=inspected + datetime.timedelta(days=10) if (n + k) % 2 == 0 else None,
                    follow_up="复查已整改" if (n + k) % 2 == 0 else "",
                )
                for k, (item, severity, text) in enumerate(found)
            ]
            Finding.objects.bulk_create(findings)
            inspection.inspected_on = inspected
            inspection.summary = "发现问题，责令限期整改" if findings else "未发现问题"
            inspection.status = "rectifying" if any(f.status == "open" for f in findings) else "closed"
            inspection.save()
        elif inspection.is_published:
            inspection.is_published, inspection.published_on = False, None
            inspection.save()
    first = result[0][0]
    BlacklistEntry.objects.create(
        facility_id=first,
        listed_on=planned + datetime.timedelta(days=30),
        reason="严重消防隐患逾期未整改",
        listed_by=admin,
    )
    return len(result)


def _facility_staff_account(facility: Facility) -> str:
    """A demo log-in for the facility portal (demo mode only)."""
    if not getattr(settings, "DEMO_MODE", False):
        return ""
    import os

    from core.management.commands.create_demo_accounts import DEFAULT_DEMO_PASSWORD
    from core.services import role_grant_create, user_create

    user = User.objects.filter(username="facility_staff").first()
    if user is None:
        user = user_create(
            acting_user=None,
            username="facility_staff",
            password=os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
            display_name=f"{facility.name}工作人员",
            is_demo=True,
            region_code=facility.region_id,
        )
        role = Role.objects.filter(code="facility_staff").first()
        if role is not None:
            role_grant_create(acting_user=None, user=user, role=role, region=facility.region)
    FacilityStaff.objects.get_or_create(user=user, facility=facility)
    return f"；机构端演示账号 facility_staff（{facility.name}）"
