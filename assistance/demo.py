"""Demo data of social assistance for the 崇明 profile (h3c): cases in every category and state,
data-source facts and verification reports, reviews, 临时救助 grants (one on the 急难 fast
path), and a paid, reconciled 低保 payroll for the last three months (one failed payment
reissued and paid).

The number of 低保 recipients is calibrated to 崇明's 2020 baseline: 低保人数 / 户籍人口 ≈ 1.64 %
on 2020-12-31 (``assistance.selectors.dibao_recipient_count``; the plans' indicator reads it).

Everything goes through the services as staff would (case_open, the import's commit, the
verification job, reviews_schedule, review_decide, the payroll engine and its approval by a
second user). Idempotent: a second run finds its fact batch and changes nothing.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

DISTRICT = "310151"
BASELINE_DAY = datetime.date(2020, 12, 31)
BASELINE_RATIO = Decimal("0.0164")  # 崇明 2020: 低保人数 / 户籍人口 (plan baseline)
MARKER = "演示：社保与银行核对数据"
DEMO_TOWNSHIP = "310151101"  # 城桥镇 (demo township officer)
DEMO_VILLAGE = "310151101001"  # 南门居委会 (demo village worker)


def _month(day: datetime.date, back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def build_demo_assistance(profile: str, seed: int) -> str:
    from assistance.models import FactBatch
    from core.models import User

    if profile != "chongming":
        return "仅崇明演示区县生成社会救助数据，跳过"
    if FactBatch.objects.filter(title=MARKER).exists():
        return "已存在，跳过"
    maker = User.objects.filter(username="district_staff").first()
    checker = User.objects.filter(username="district_admin").first()
    if maker is None or checker is None:
        return "缺少演示账号（district_staff / district_admin），跳过"
    from assistance.parameters_temporary import ensure_temporary_parameters
    from assistance.parameters_verification import ensure_verification_parameters

    ensure_verification_parameters()
    ensure_temporary_parameters()
    rng = random.Random(seed)
    today = timezone.localdate()
    cases = _cases(rng, maker, today)
    facts, reports = _verification(rng, cases, maker, today)
    reviews = _reviews(cases, maker, checker, today)
    grants = _temporary(rng, maker, checker)
    payments = _payroll(rng, maker, checker, today)
    from assistance.selectors import dibao_recipient_count
    from core.models import Person

    recipients = dibao_recipient_count(DISTRICT, BASELINE_DAY)
    population = _population()
    ratio = f"{recipients / population:.2%}" if population else "—"
    _ = Person
    return (
        f"案件 {sum(len(v) for v in cases.values())} 件（低保 2020 年末 {recipients} 人 / 户籍 {population} 人 = {ratio}），"
        f"核对数据 {facts} 条、报告 {reports} 份，复核 {reviews} 件，临时救助 {grants} 笔，发放 {payments}"
    )


def _population() -> int:
    from core.models import Person

    return (
        Person.objects.filter(hukou_region__code__startswith=DISTRICT, birth_date__lte=BASELINE_DAY)
        .filter(Q(death_date__isnull=True) | Q(death_date__gt=BASELINE_DAY))
        .count()
    )


def _households(rng: random.Random, today: datetime.date) -> list[tuple[Any, list[Any]]]:
    """Households of the district whose members are all alive, in a seeded random order,
    without a live case already (the applications demo opens a few)."""
    from assistance.models import Case
    from core.models import HouseholdMember

    taken = set(Case.objects.filter(status__in=["active", "suspended"]).values_list("household_id", flat=True))
    grouped: dict[int, list[Any]] = defaultdict(list)
    for member in (
        HouseholdMember.objects.filter(household__region__code__startswith=DISTRICT)
        .select_related("person", "household")
        .order_by("household_id", "id")
    ):
        grouped[member.household_id].append(member)
    eligible = [
        (members[0].household, [m.person for m in members])
        for household_id, members in grouped.items()
        if household_id not in taken
        and len(members) <= 4
        and all(m.person.death_date is None and m.person.birth_date <= datetime.date(2020, 1, 1) for m in members)
    ]
    rng.shuffle(eligible)
    # A few in the demo accounts' own village and township first, so that the township
    # officer and the village worker see cases, reports and reviews of their own.
    village = [e for e in eligible if e[0].region_id == DEMO_VILLAGE][:4]
    township = [e for e in eligible if e[0].region_id.startswith(DEMO_TOWNSHIP) and e not in village][:10]
    first = village + township
    return first + [e for e in eligible if e not in first]


def _members(people: list[Any], on: datetime.date) -> list[dict[str, Any]]:
    return [{"person": p, "kind": "minor" if p.age_on(on) < 18 else "adult", "addons": []} for p in people]


def _cases(rng: random.Random, maker: Any, today: datetime.date) -> dict[str, list[Any]]:
    from assistance.services.cases import case_end, case_open, case_suspend
    from payments.services import payee_account_set

    pool = _households(rng, today)
    target = int((_population() * BASELINE_RATIO).to_integral_value()) if _population() else 0
    result: dict[str, list[Any]] = defaultdict(list)

    def open_case(household: Any, people: list[Any], category: str, income: Decimal) -> Any:
        # Opened between the 2019 standard (2019-04) and the end of 2020 (the plan's baseline year).
        start = _month(datetime.date(2020, 12, 1), rng.randint(0, 19))
        due_in = rng.randint(-40, 180)  # about one in six due already
        case = case_open(
            household=household,
            category=category,
            members=_members(people, start),
            household_monthly_income=income,
            start_month=start,
            acting_user=maker,
            next_review_due=today + datetime.timedelta(days=due_in),
            reason="演示：审核确认批准",
        )
        payee_account_set(
            person=case.payee,
            bank_name="上海农村商业银行崇明支行",
            account_number=f"6231{rng.randrange(10**15):015d}",
            acting_user=None,
        )
        result[category].append(case)
        return case

    covered = 0
    singles = [(h, p) for h, p in pool if len(p) == 1 and p[0].age_on(today) >= 65]
    others = [(h, p) for h, p in pool if (h, p) not in singles]
    # 特困供养: elderly people living alone without support.
    for household, people in singles[:12]:
        open_case(household, people, "extreme_poverty_support", Decimal("0"))
    # 低保: households until the 2020 baseline ratio is reached.
    index = 0
    while covered < target and index < len(others):
        household, people = others[index]
        index += 1
        if covered + len(people) > target:
            continue
        income = Decimal(rng.randrange(0, 600 * len(people), 10))
        open_case(household, people, "dibao", income)
        covered += len(people)
    # Other categories (no monthly payroll): 低收入, 低保边缘, 支出型贫困.
    for category, count, per_head in (
        ("low_income", 6, 2200),
        ("dibao_edge", 5, 1700),
        ("expenditure_poverty", 4, 1500),
    ):
        for household, people in others[index : index + count]:
            open_case(household, people, category, Decimal(rng.randrange(per_head // 2, per_head, 10) * len(people)))
        index += count
    # States: some 低保 cases suspended (review pending, unreachable) or ended (income rose, moved away).
    dibao = result["dibao"]
    suspended, ended = max(1, len(dibao) // 30), max(1, len(dibao) // 18)  # 3 and 5 at the default scale
    for case in dibao[-suspended:]:
        case_suspend(case=case, reason="演示：连续两个月联系不上，暂停发放待核实", acting_user=maker)
    for position, case in enumerate(dibao[-(suspended + ended) : -suspended]):
        case_end(
            case=case,
            reason="演示：复核发现家庭收入已超过低保标准",
            acting_user=maker,
            end_month=datetime.date(2022 + position % 3, 6, 1),
        )
    return result


def _verification(rng: random.Random, cases: dict[str, list[Any]], maker: Any, today: datetime.date) -> tuple[int, int]:
    """Wages/pensions and deposits of some case households through the import's commit, then
    one verification job over them (a few households have a car or too much money)."""
    from assistance.choices_verification import FactSource
    from assistance.imports_verification import FactPlan, FactRow, commit_fact_plan
    from assistance.services_reviews import reviews_raise_for_new_income
    from assistance.services_verification import verification_start
    from core.models import Region
    from core.tasks import run_job

    district = Region.objects.get(code=DISTRICT)
    sample = list(cases["dibao"][:40]) + cases["low_income"][:3] + cases["dibao_edge"][:3]
    wages, deposits, vehicles = [], [], []
    row = 0
    last_month_end = _month(today, 0) - datetime.timedelta(days=1)
    for case in sample:
        for member in case.members.select_related("person"):
            person = member.person
            row += 1
            age = person.age_on(today)
            if 18 <= age < 60 and rng.random() < 0.5:
                wage = Decimal(rng.randrange(80_000, 260_000, 100)) / 100
                item = "工资"
            elif age >= 60:
                wage = Decimal(rng.randrange(120_000, 200_000, 100)) / 100
                item = "养老金"
            else:
                wage = None
                item = ""
            if wage is not None:
                for back in range(12):
                    as_of = _month(today, back) - datetime.timedelta(days=1)
                    wages.append(FactRow(row, person.id_number_hash, person.name, as_of, item, "", wage, False, ""))
            balance = Decimal(rng.randrange(0, 2_000_000, 1)) / 100
            deposits.append(
                FactRow(
                    row,
                    person.id_number_hash,
                    person.name,
                    last_month_end,
                    "活期",
                    f"6228{rng.randrange(10**12):012d}",
                    balance,
                    False,
                    "",
                )
            )
    # Two households that do not qualify: a private car; savings above the limit.
    first = cases["low_income"][0].payee if cases["low_income"] else None
    if first is not None:
        vehicles.append(
            FactRow(
                row + 1,
                first.id_number_hash,
                first.name,
                last_month_end,
                "小型轿车",
                "沪C·D8123",
                Decimal("68000"),
                False,
                "",
            )
        )
    rich = cases["dibao_edge"][0].payee if cases["dibao_edge"] else None
    if rich is not None:
        deposits.append(
            FactRow(
                row + 2,
                rich.id_number_hash,
                rich.name,
                last_month_end,
                "定期",
                "6228990000000001",
                Decimal("180000"),
                False,
                "",
            )
        )
    count = 0
    for source, rows, title in (
        (FactSource.WAGE_SOCIAL_INSURANCE, wages, MARKER),
        (FactSource.BANK_DEPOSIT, deposits, "演示：银行存款核对数据"),
        (FactSource.VEHICLE, vehicles, "演示：车辆登记核对数据"),
    ):
        if rows:
            batch = commit_fact_plan(
                FactPlan(source_kind=source, rows=len(rows), valid=rows),
                title=title,
                region=district,
                acting_user=maker,
            )
            count += batch.row_count
            # As the import job does: new income of a covered member raises a review of the case.
            reviews_raise_for_new_income(batch=batch, acting_user=maker)
    job = verification_start(
        household_ids=[c.household_id for c in sample],
        on_date=last_month_end,
        category="dibao",
        acting_user=maker,
        region=district,
        purpose="演示：年度核对",
    )
    run_job.call(job.pk)
    from assistance.models import VerificationReport

    return count, VerificationReport.objects.filter(job=job).count()


def _reviews(cases: dict[str, list[Any]], maker: Any, checker: Any, today: datetime.date) -> int:
    """Schedule the due reviews, then work three of them to a decision with a notice."""
    from assistance.choices_verification import ReviewStatus
    from assistance.models import Review
    from assistance.services_reviews import review_decide, review_verification_start, reviews_schedule
    from core.models import Region
    from core.tasks import run_job

    district = Region.objects.get(code=DISTRICT)
    reviews_schedule(region=district, on=today, acting_user=maker)
    open_reviews = list(
        Review.objects.filter(status=ReviewStatus.OPEN, case__category="dibao", case__status="active")
        .select_related("case", "case__region")
        .order_by("id")[:3]
    )
    if open_reviews:
        job = review_verification_start(reviews=open_reviews, on_date=today, acting_user=maker, region=district)
        run_job.call(job.pk)
        for review, (outcome, income) in zip(
            open_reviews, (("continue", None), ("change_amount", Decimal("900")), ("continue", None)), strict=False
        ):
            review.refresh_from_db()
            review_decide(
                review=review,
                outcome=outcome,
                reason="演示：入户核实，家庭情况与核对结果一致"
                if outcome == "continue"
                else "演示：家庭成员实现就业，收入增加",
                household_monthly_income=income,
                acting_user=checker,
            )
    return Review.objects.count()


def _temporary(rng: random.Random, maker: Any, checker: Any) -> int:
    from assistance.services.temporary import (
        temporary_grant_create,
        temporary_grant_decide,
        temporary_grant_pay,
        temporary_grant_review,
    )
    from core.models import HouseholdMember

    people = list(
        HouseholdMember.objects.filter(household__region__code__startswith=DISTRICT, relation="head")
        .filter(person__death_date__isnull=True)
        .select_related("person")
        .order_by("id")[200:206]
    )
    made = 0
    plans = [
        ("ordinary", "illness", "住院自付医疗费用较高", "3000", True),
        ("ordinary", "education", "子女入学费用", "1500", True),
        ("ordinary", "accident", "家中失火，申请生活补助", "5000", False),
        ("urgent", "accident", "交通事故致家庭生活陷入困境，先行救助", "2000", True),
        ("urgent", "disaster", "房屋倒塌，先行救助", "2500", None),
    ]
    for member, (kind, need, reason, amount, outcome) in zip(people, plans, strict=False):
        grant = temporary_grant_create(
            person=member.person,
            kind=kind,
            need=need,
            reason=f"演示：{reason}",
            requested_amount=amount,
            acting_user=maker,
            granted_amount=amount if kind == "urgent" else None,
            decision_note="演示：急难型先行救助" if kind == "urgent" else "",
        )
        if kind == "ordinary":
            temporary_grant_decide(
                grant=grant,
                approve=bool(outcome),
                acting_user=checker,
                granted_amount=amount if outcome else None,
                note="" if outcome else "演示：已获保险理赔，不予救助",
            )
        elif outcome is not None:
            temporary_grant_review(grant=grant, confirm=True, acting_user=checker, note="演示：事后补审确认")
        grant.refresh_from_db()
        if grant.status in ("approved", "decided_pending_review", "confirmed"):
            temporary_grant_pay(grant=grant, acting_user=maker)
        made += 1
    _ = rng
    return made


def _payroll(rng: random.Random, maker: Any, checker: Any, today: datetime.date) -> str:
    """低保 payroll of the last three months: generated, approved by a second user, exported,
    reconciled; in the first month two payments fail and are reissued and paid."""
    from core.models import Region
    from core.tasks import run_job
    from payments.models import Payment
    from payments.services import (
        apply_bank_results,
        payroll_reissue_create,
        payroll_run_approve,
        payroll_run_create,
        payroll_run_export,
    )

    district = Region.objects.get(code=DISTRICT)
    total = Decimal("0")
    runs = 0

    def settle(run: Any, failures: int) -> None:
        if run.job_id:  # a reissue run is computed when it is created
            run_job.call(run.job_id)
            run.refresh_from_db()
        payroll_run_approve(run=run, acting_user=checker)
        run_job.call(payroll_run_export(run=run, acting_user=maker).pk)
        run.refresh_from_db()
        ids = list(Payment.objects.filter(run=run).order_by("id").values_list("id", flat=True))
        failed = set(ids[:failures])
        apply_bank_results(run, {pk: (pk not in failed, "账户已销户" if pk in failed else "") for pk in ids}, maker)

    for back in (3, 2, 1):
        for scheme in ("assistance.dibao", "assistance.extreme_poverty_support"):
            run = payroll_run_create(scheme=scheme, region=district, month=_month(today, back), acting_user=maker)
            first = back == 3 and scheme == "assistance.dibao"
            settle(run, 2 if first else 0)
            runs += 1
            run.refresh_from_db()
            if first and run.failed_count:
                reissue = payroll_reissue_create(run=run, acting_user=maker)
                settle(reissue, 0)
                runs += 1
            run.refresh_from_db()
            total += run.paid_amount
    _ = rng
    return f"{runs} 批，已到账 {total} 元"


def register() -> None:
    from core.demo import register_demo_builder

    register_demo_builder(330, "社会救助案件、核对、复核与发放", build_demo_assistance)
