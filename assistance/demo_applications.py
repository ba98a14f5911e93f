"""Demo applications in every state, and case plans, for the demo district (h3a).

Everything goes through the services, as staff would do it; only dates are moved into the past
afterwards (submission, publicity, plan due dates) so the overdue lists and closed publicity
periods have something to show. Idempotent: nothing is added when the district already has
applications.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from assistance.choices import ApplicationStatus, Category, DocumentKind, MemberKind, PlanItemKind
from assistance.models import Application, CasePlan, Publicity
from assistance.parameters import ensure_parameters
from assistance.services import applications as svc
from assistance.services import case_plans as plan_svc
from core import calendar as workdays
from core.models import Household, HouseholdMember, User

# (category, target state, monthly income of the household, days ago submitted)
PLAN: list[tuple[str, str, str, int]] = [
    (Category.DIBAO, "submitted", "800", 2),
    (Category.DIBAO, "submitted", "1200", 60),  # overdue
    (Category.LOW_INCOME, "verifying", "2500", 5),
    (Category.DIBAO, "verified", "900", 8),
    (Category.DIBAO_EDGE, "visited", "2600", 12),
    (Category.DIBAO, "appraised", "500", 15),
    (Category.EXTREME_POVERTY_SUPPORT, "publicizing", "0", 18),
    (Category.DIBAO, "publicized", "1000", 30),
    (Category.DIBAO, "approved", "1500", 40),
    (Category.DIBAO, "approved", "0", 45),
    (Category.EXTREME_POVERTY_SUPPORT, "approved", "0", 50),
    (Category.DIBAO, "refused", "6000", 35),
    (Category.LOW_INCOME, "withdrawn", "3000", 20),
]


def _households(county: str, count: int) -> list[Household]:
    """Households of the first township (the demo township officer's), with at least two members,
    its first village first."""
    township = (
        Household.objects.filter(region__code__startswith=county)
        .order_by("region_id")
        .values_list("region_id", flat=True)
        .first()
    )
    if township is None:
        return []
    candidates = (
        Household.objects.filter(region__code__startswith=township[:9])
        # The first village first: the demo village worker's (南门居委会) sees them too.
        .order_by("region_id", "id")
        .prefetch_related("members__person")[: count * 4]
    )
    chosen = [h for h in candidates if len(h.members.all()) >= 2]
    return chosen[:count]


def _members(household: Household) -> tuple[Any, list[dict[str, Any]]]:
    members = list(HouseholdMember.objects.filter(household=household).select_related("person").order_by("id"))
    head = next((m.person for m in members if m.relation == "head"), members[0].person)
    today = timezone.localdate()
    rows = [
        {
            "person": m.person,
            "relation": m.relation,
            "kind": MemberKind.MINOR if m.person.age_on(today) < 18 else MemberKind.ADULT,
        }
        for m in members
        if m.person.death_date is None
    ]
    return head, rows


def _backdate(application: Application, days: int) -> None:
    submitted = timezone.now() - datetime.timedelta(days=days)
    day = timezone.localdate(submitted)
    sla = svc.sla_working_days(application.category, application.region_id, day)
    Application.objects.filter(pk=application.pk).update(
        submitted_at=submitted, due_date=workdays.add_working_days(day, sla)
    )


def _walk(application: Application, target: str, income: str, handler: User, approver: User) -> None:
    order = ["verifying", "verified", "visited", "appraised", "publicizing", "publicized", "decided"]
    if target in ("submitted", "withdrawn"):
        if target == "withdrawn":
            svc.application_withdraw(application=application, reason="家庭收入增加，主动撤回", acting_user=handler)
        return
    goal = {"approved": "decided", "refused": "verified"}.get(target, target)
    today = timezone.localdate()
    for step in order[: order.index(goal) + 1]:
        application.refresh_from_db()
        if step == "verifying":
            for kind in (DocumentKind.APPLICATION_FORM, DocumentKind.ID_CARD, DocumentKind.AUTHORIZATION):
                svc.application_document_upload(
                    application=application,
                    kind=kind,
                    content=f"{application.number} {DocumentKind(kind).label}（演示扫描件）".encode(),
                    name=f"{DocumentKind(kind).label}.txt",
                    acting_user=handler,
                )
            svc.application_verify_request(application=application, acting_user=handler, run_verification=False)
        elif step == "verified":
            svc.application_verification_result(
                application=application,
                passed=target != "refused",
                monthly_income=income,
                summary={"note": "核对中心反馈（演示）"},
                acting_user=handler,
            )
        elif step == "visited":
            svc.visit_record(
                application=application,
                visited_on=today,
                visitors="城桥镇受理员、南门居委社工",
                findings="家中陈设简单，主要劳动力因病无固定收入，与申报情况一致。",
                recommendation="support",
                acting_user=handler,
            )
        elif step == "appraised":
            svc.appraisal_skip(application=application, reason="", acting_user=handler)
        elif step == "publicizing":
            svc.publicity_start(application=application, place="居委会政务公开栏", acting_user=handler)
        elif step == "publicized":
            # The publicity ran in the past: move its period back, then close it.
            publicity = application.publicity
            start = workdays.next_working_day_on_or_after(today - datetime.timedelta(days=20))
            Publicity.objects.filter(pk=publicity.pk).update(
                starts_on=start, ends_on=workdays.add_working_days(start, publicity.days - 1)
            )
            svc.publicity_close(application=application, conclusion="", acting_user=handler)
        elif step == "decided":
            svc.decision_record(
                application=application,
                outcome="approve",
                reasons="经核对、调查和公示，家庭人均收入低于标准，财产符合规定。",
                acting_user=approver,
            )
    if target == "refused":
        application.refresh_from_db()
        svc.decision_record(
            application=application,
            outcome="refuse",
            reasons="经济状况核对：家庭人均月收入高于本市低保标准。",
            acting_user=approver,
        )


def build_demo_applications(profile: str, seed: int) -> str:
    from core.generator import PROFILES

    county = PROFILES[profile].county
    # The regions were loaded after migrate: seed the parameters now (idempotent).
    ensure_parameters()
    if Application.objects.filter(region__code__startswith=county).exists():
        return "已有申请，跳过"
    handler = User.objects.filter(username="township_officer").first()
    approver = User.objects.filter(username="district_staff").first()
    if handler is None or approver is None:
        return "没有演示账号，跳过"
    households = _households(county, len(PLAN) + 2)
    if len(households) < len(PLAN) + 2:
        return "演示家庭不足，跳过"
    created = 0
    for (category, target, income, days), household in zip(PLAN, households, strict=False):
        head, members = _members(household)
        with transaction.atomic():
            application = svc.application_submit(
                household=household,
                category=category,
                applicant=head,
                acting_user=handler,
                members=members,
                declared_items=[{"kind": "wages", "amount": Decimal(income)}] if Decimal(income) else [],
                reason="家庭成员患病，收入微薄，申请救助。",
            )
            _walk(application, target, income, handler, approver)
            _backdate(application, days)
        created += 1
    plans = 0
    for household in households[len(PLAN) :]:
        plan = plan_svc.case_plan_open(
            household=household,
            needs={
                "income": "户主失业半年，靠零工维持",
                "health": "配偶慢性病，需长期服药",
                "education": "子女上初中，需课后照看",
            },
            summary="就业帮扶为主，医疗救助与课后托管为辅。",
            acting_user=handler,
        )
        today = timezone.localdate()
        plan_svc.case_plan_item_add(
            plan=plan,
            kind=PlanItemKind.REFERRAL,
            description="转介社区就业服务站推荐岗位",
            agency="城桥镇社区就业服务站",
            due_date=today + datetime.timedelta(days=14),
            acting_user=handler,
        )
        item = plan_svc.case_plan_item_add(
            plan=plan,
            kind=PlanItemKind.FOLLOW_UP,
            description="上门回访了解就医情况",
            due_date=today,
            acting_user=handler,
        )
        # One follow-up already late, so the list of late items has an entry.
        type(item).objects.filter(pk=item.pk).update(due_date=today - datetime.timedelta(days=7))
        plans += 1
    approved = Application.objects.filter(region__code__startswith=county, status=ApplicationStatus.APPROVED).count()
    return f"申请 {created} 件（已批准 {approved} 件，覆盖各办理环节），救助方案 {plans} 个"


def register() -> None:
    from core.demo import register_demo_builder

    register_demo_builder(320, "社会救助申请与救助方案", build_demo_applications)


__all__ = ["CasePlan", "build_demo_applications", "register"]
