"""Demo data of the care side: assessments for a realistic share of the elderly, the allowance
payroll paid for the last three months (and this month's generated, waiting for approval), a
waiting list with offers, home-care orders with visits. Idempotent: each part is skipped when
its data already exists in the district. Runs after the facilities builder (order 40)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import Person, Region, User
from core.scoping import has_perm
from eldercare.choices import BedKind
from eldercare.choices_care import AllowanceScheme, CareGrade, HomeCareService, SuspensionReason, VisitStatus
from eldercare.models import (
    AllowanceSuspension,
    Bed,
    BedApplication,
    CareAssessment,
    HomeCareOrder,
    HomeCareVisit,
    Residency,
)
from eldercare.policy_care import VALIDITY_YEARS, add_years, ensure_care_parameters
from payments.permissions import PaymentPerm

COUNTY_BY_PROFILE = {"chongming": "310151", "baoshan": "310113", "lufeng": "532302"}
# Share of people aged 60+ holding an assessment, and the grades among them (Shanghai's
# assessed population leans to the light grades; 其他 is rare).
ASSESSED_SHARE = 0.12
GRADE_WEIGHTS = {0: 8, 1: 14, 2: 20, 3: 18, 4: 16, 5: 13, 6: 8, CareGrade.OTHER: 3}
AGENCIES = ["崇明区老年照护统一需求评估中心", "上海市第十人民医院崇明分院评估组", "城桥镇社区卫生服务中心评估组"]
ASSESSORS = ["陆评估员", "施评估员", "黄评估员", "龚评估员", "倪评估员"]
CAREGIVERS = ["张阿姨", "陈阿姨", "施师傅", "黄阿姨", "沈阿姨", "顾师傅", "朱阿姨", "陆阿姨"]


def _month_start(day: datetime.date, back: int = 0) -> datetime.date:
    month = day.replace(day=1)
    for _ in range(back):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def _assessments(county: str, rng: random.Random, today: datetime.date) -> str:
    if CareAssessment.objects.filter(region__code__startswith=county).exists():
        return "评估已存在"
    from core.policy import policy_value

    validity = policy_value(VALIDITY_YEARS, county, today)
    if validity is None:
        return "该区县没有评估有效期参数，未生成评估"
    years = int(Decimal(str(validity.value)))
    elderly = list(
        Person.objects.filter(
            hukou_region__code__startswith=county, death_date__isnull=True, birth_date__lte=add_years(today, -60)
        )
        .order_by("id")
        .values_list("id", "hukou_region_id", "birth_date")
    )
    grades, weights = list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values())
    rows = []
    for person_id, region, birth in elderly:
        age = today.year - birth.year
        # The oldest are assessed far more often (they apply for care and beds).
        if rng.random() >= ASSESSED_SHARE * (1 if age < 75 else 2.5 if age < 85 else 4):
            continue
        grade = rng.choices(grades, weights)[0]
        if age >= 85 and grade in (0, 1) and rng.random() < 0.6:
            grade = rng.choice([3, 4, 5])
        assessed = today - datetime.timedelta(days=rng.randint(1, 900))
        rows.append(
            CareAssessment(
                person_id=person_id,
                region_id=region,
                grade=grade,
                assessed_on=assessed,
                valid_until=add_years(assessed, years) - datetime.timedelta(days=1),
                agency=rng.choice(AGENCIES),
                assessor=rng.choice(ASSESSORS),
                dimensions={"adl": rng.randint(20, 100), "iadl": rng.randint(0, 8), "cognition": rng.randint(10, 30)},
                cognitive_impairment=grade >= 4 and rng.random() < 0.15,
            )
        )
    CareAssessment.objects.bulk_create(rows, batch_size=2000)
    return f"评估 {len(rows)} 人"


def _approver() -> User | None:
    for username in ("district_staff", "district_admin"):
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
    return None


def _payrolls(county: str, scheme: str, today: datetime.date) -> str:
    from core.services import stored_file_create
    from payments import bankfile
    from payments import services as payroll
    from payments.choices import RunKind
    from payments.models import Payment, PayrollRun

    region = Region.objects.get(code=county)
    approver = _approver()
    done = []
    for back in (3, 2, 1, 0):
        month = _month_start(today, back)
        if PayrollRun.objects.filter(scheme=scheme, region=region, month=month, kind=RunKind.REGULAR).exists():
            continue
        # Generated here rather than through a queued job: the demo approves and settles at once.
        with transaction.atomic():
            run = PayrollRun.objects.create(scheme=scheme, region=region, month=month)
            audit_record(
                action="payroll.create",
                actor=None,
                obj=run,
                region_code=county,
                changes={"scheme": scheme, "month": month.isoformat(), "demo": True},
            )
        payroll.compute_run(run)
        done.append(f"{month:%Y-%m} {run.total_count} 笔 {run.total_amount} 元")
        if back == 0 or approver is None or not has_perm(approver, PaymentPerm.APPROVE_PAYROLL, county):
            continue  # this month waits for a second person's approval
        payroll.payroll_run_approve(run=run, acting_user=approver)
        stored = stored_file_create(
            name=f"出盘-{run.scheme_label}-{region.name}-{month:%Y%m}-{run.pk}.xlsx",
            content=bankfile.bank_workbook(run),
            created_by=approver,
        )
        payroll.mark_exported(run, stored, approver)
        ids = list(Payment.objects.filter(run=run).order_by("id").values_list("id", flat=True))
        # A few accounts come back closed, as in any month: they wait for a reissue.
        results = {pk: (i % 250 != 17, "" if i % 250 != 17 else "账户已销户") for i, pk in enumerate(ids)}
        payroll.apply_bank_results(run, results, approver)
    return "；".join(done) if done else "发放批次已存在"


def _suspensions(county: str, rng: random.Random, today: datetime.date) -> str:
    if AllowanceSuspension.objects.filter(region__code__startswith=county).exists():
        return "停发名单已存在"
    people = list(
        Person.objects.filter(
            hukou_region__code__startswith=county, death_date__isnull=True, birth_date__lte=add_years(today, -65)
        )
        .order_by("id")
        .values_list("id", "hukou_region_id")[:4000]
    )
    chosen = rng.sample(people, min(len(people), max(1, len(people) // 150)))
    rows = [
        AllowanceSuspension(
            person_id=pk,
            region_id=region,
            scheme=AllowanceScheme.SENIOR,
            reason=SuspensionReason.AWAY if i % 3 else SuspensionReason.VERIFY,
            starts_on=_month_start(today, 1 + i % 6),
            note="常住外省市（子女处）" if i % 3 else "生存认证未通过，待核实",
        )
        for i, (pk, region) in enumerate(chosen)
    ]
    AllowanceSuspension.objects.bulk_create(rows)
    return f"停发 {len(rows)} 人"


def _waitlist(county: str, rng: random.Random, today: datetime.date) -> str:
    from eldercare import services_care as care

    if BedApplication.objects.filter(region__code__startswith=county).exists():
        return "轮候已存在"
    living = Residency.objects.filter(discharged_on__isnull=True).values("person_id")
    candidates = list(
        CareAssessment.objects.latest_per_person()
        .filter(region__code__startswith=county, grade__gte=3, grade__lte=6, valid_until__gte=today)
        .exclude(person_id__in=living)
        .select_related("person")
        .order_by("id")[:400]
    )
    chosen = rng.sample(candidates, min(len(candidates), 60))
    created = []
    for i, assessment in enumerate(chosen):
        applied = max(assessment.assessed_on, today - datetime.timedelta(days=rng.randint(5, 400)))
        created.append(
            care.bed_application_create(
                person=assessment.person,
                applied_on=applied,
                bed_kind=BedKind.DEMENTIA if assessment.cognitive_impairment else BedKind.GENERAL,
                basic_bed=not assessment.cognitive_impairment,
                extreme_poverty=i % 11 == 0,
                dibao=i % 7 == 0,
                acting_user=None,
            )
        )
    # Offers for free basic general beds to the head of the queue of each bed.
    from eldercare.selectors_care import waitlist_for_bed

    occupied = Residency.objects.filter(discharged_on__isnull=True).values("bed_id")
    free = list(
        Bed.objects.filter(
            facility__region__code__startswith=county, is_active=True, is_basic=True, kind=BedKind.GENERAL
        )
        .exclude(pk__in=occupied)
        .select_related("facility")
        .order_by("id")[:6]
    )
    offers = accepted = declined = 0
    for n, bed in enumerate(free):
        head = waitlist_for_bed(BedApplication.objects.filter(region__code__startswith=county), bed, today).first()
        if head is None:
            break
        offered_on = today - datetime.timedelta(days=[9, 6, 3, 2, 1, 0][n])
        offer = care.bed_offer_create(application=head, bed=bed, offered_on=offered_on, acting_user=None)
        offers += 1
        if n < 2:
            care.bed_offer_accept(offer=offer, admitted_on=offered_on + datetime.timedelta(days=2), acting_user=None)
            accepted += 1
        elif n == 2:
            care.bed_offer_decline(
                offer=offer, on=offered_on + datetime.timedelta(days=1), reason="离家太远", acting_user=None
            )
            declined += 1
    return f"床位申请 {len(created)} 件，通知 {offers} 次（入住 {accepted}，放弃 {declined}）"


def _homecare(county: str, rng: random.Random, today: datetime.date) -> str:
    from eldercare import services_care as care

    if HomeCareOrder.objects.filter(region__code__startswith=county).exists():
        return "居家照护已存在"
    living = Residency.objects.filter(discharged_on__isnull=True).values("person_id")
    waiting = BedApplication.objects.filter(status__in=["waiting", "offered"]).values("person_id")
    candidates = list(
        CareAssessment.objects.latest_per_person()
        .filter(region__code__startswith=county, grade__gte=2, grade__lte=6, valid_until__gte=today)
        .exclude(person_id__in=living)
        .exclude(person_id__in=waiting)
        .select_related("person")
        .order_by("id")[:600]
    )
    chosen = rng.sample(candidates, min(len(candidates), 80))
    tz = timezone.get_current_timezone()
    orders = visits = 0
    rows: list[HomeCareVisit] = []
    for i, assessment in enumerate(chosen):
        respite = i % 10 == 0 and assessment.grade >= 4
        start = max(assessment.assessed_on, today - datetime.timedelta(days=rng.randint(20, 240)))
        order = care.homecare_order_create(
            person=assessment.person,
            service=HomeCareService.RESPITE if respite else HomeCareService.HOME_CARE,
            starts_on=start,
            provider_name=f"{assessment.person.hukou_region.name[:6]}居家养老服务社",
            acting_user=None,
        )
        orders += 1
        caregiver = CAREGIVERS[i % len(CAREGIVERS)]
        per_week = 2 if respite else int(order.weekly_hours)
        first = max(order.starts_on, today - datetime.timedelta(days=42))
        day = first
        while day <= today + datetime.timedelta(days=7):
            if (day - first).days % 7 < per_week:
                start_at = datetime.datetime.combine(day, datetime.time(8 + (i % 8), 0), tzinfo=tz)
                minutes = 240 if respite else 60
                visit = HomeCareVisit(
                    order=order,
                    caregiver_name=caregiver,
                    scheduled_start=start_at,
                    scheduled_minutes=minutes,
                )
                if day < today:
                    roll = rng.random()
                    if roll < 0.05:
                        visit.status = VisitStatus.MISSED
                        visit.note = "老人外出/住院"
                    else:
                        delivered = minutes + rng.randint(-8, 12)
                        visit.status = VisitStatus.DONE
                        visit.checked_in_at = start_at + datetime.timedelta(minutes=rng.randint(-5, 10))
                        visit.checked_out_at = visit.checked_in_at + datetime.timedelta(minutes=delivered)
                        visit.delivered_minutes = delivered
                        visit.services_done = "助浴、助洁、协助进食" if not respite else "日间托养照护"
                rows.append(visit)
            day += datetime.timedelta(days=1)
    HomeCareVisit.objects.bulk_create(rows, batch_size=2000)
    visits = len(rows)
    return f"居家照护服务单 {orders} 张、上门记录 {visits} 条"


def build_care_demo(profile: str, seed: int) -> str:
    county = COUNTY_BY_PROFILE.get(profile)
    if county is None or not Region.objects.filter(code=county).exists():
        return "未知的演示区县，跳过"
    ensure_care_parameters()
    today = timezone.localdate()
    rng = random.Random(seed * 13 + 2)
    scheme = AllowanceScheme.LONGEVITY if county.startswith("53") else AllowanceScheme.SENIOR
    parts: list[Any] = [
        _assessments(county, rng, today),
        _suspensions(county, rng, today) if scheme == AllowanceScheme.SENIOR else "",
        _payrolls(county, scheme.value, today),
        _waitlist(county, rng, today),
        _homecare(county, rng, today),
    ]
    return "；".join(str(p) for p in parts if p)
