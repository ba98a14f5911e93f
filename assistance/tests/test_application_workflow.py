"""The application's steps through the services: order, four eyes, SLA and publicity dates, the constraint."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from freezegun import freeze_time

from assistance.choices import ApplicationStatus, Category
from assistance.models import Application, Case
from assistance.services import applications as svc
from assistance.tests.application_fixtures import World, submit, upload_required, walk_to
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_full_path_opens_a_case_with_the_computed_amount(world: World) -> None:
    application = walk_to(submit(world), world, "publicized")
    decision = svc.decision_record(
        application=application, outcome="approve", reasons="符合低保条件", acting_user=world.approver
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    # 2 adults + 1 minor, income 2000 (today's Shanghai parameters): Σ standards − income.
    from assistance.rules import standards_on

    std = standards_on(application.region_id, decision.start_month)
    assert decision.monthly_amount == std.adult * 2 + std.minor_effective - Decimal("2000")
    case = Case.objects.get(pk=application.case_id)
    assert (case.category, case.household_id, case.member_count, case.minor_count) == (
        Category.DIBAO,
        world.household.pk,
        3,
        1,
    )
    assert case.monthly_amount == decision.monthly_amount
    actions = list(
        AuditEvent.objects.filter(object_type="assistance.application", object_id=str(application.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "application.submit",
        "application.document",
        "application.document",
        "application.document",
        "application.verify_request",
        "application.verified",
        "application.visit",
        "application.appraisal_skip",
        "application.publicity_start",
        "application.publicity_close",
        "application.decide",
    ]


def test_steps_cannot_be_skipped_or_reordered(world: World) -> None:
    application = submit(world)
    upload_required(application, world.handler)
    # Visit before verification, publicity before appraisal, decision before publicity: refused.
    with pytest.raises(ValidationError, match="不能登记入户调查"):
        svc.visit_record(
            application=application,
            visited_on=datetime.date.today(),
            visitors="甲、乙",
            findings="情况",
            recommendation="support",
            acting_user=world.handler,
        )
    with pytest.raises(ValidationError, match="不能开始公示"):
        svc.publicity_start(application=application, place="公示栏", acting_user=world.handler)
    with pytest.raises(ValidationError, match="不能批准"):
        svc.decision_record(application=application, outcome="approve", reasons="x", acting_user=world.approver)
    application = walk_to(application, world, "visited")
    with pytest.raises(ValidationError, match="不能发起经济状况核对"):
        svc.application_verify_request(application=application, acting_user=world.handler)
    with pytest.raises(ValidationError, match="不能开始公示"):
        svc.publicity_start(application=application, place="公示栏", acting_user=world.handler)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.VISITED


def test_verification_needs_the_document_checklist(world: World) -> None:
    application = submit(world)
    with pytest.raises(ValidationError, match="缺少材料：申请书、身份证、家庭经济状况核对授权书"):
        svc.application_verify_request(application=application, acting_user=world.handler)


def test_approver_must_differ_from_handler(world: World, make_user: Any) -> None:
    from core.models import Region, Role
    from core.services import role_grant_create

    application = walk_to(submit(world), world, "publicized")
    # The handler also holds the deciding permission at the district: still refused.
    role_grant_create(
        acting_user=None,
        user=world.handler,
        role=Role.objects.get(code="district_staff"),
        region=Region.objects.get(code="310151"),
    )
    from core.scoping import forget_grants

    forget_grants(world.handler)
    with pytest.raises(ValidationError, match="审批人不能是本申请的经办人"):
        svc.decision_record(application=application, outcome="approve", reasons="符合", acting_user=world.handler)
    assert not Case.objects.exists()


def test_township_officer_cannot_decide_where_the_district_decides(world: World) -> None:
    application = walk_to(submit(world), world, "publicized")
    application.handler = world.approver
    application.save()
    with pytest.raises(ValidationError, match="由区（县）民政部门审核确认"):
        svc.decision_record(application=application, outcome="approve", reasons="符合", acting_user=world.handler)


def test_appraisal_skip_only_when_uncontested(world: World) -> None:
    application = walk_to(submit(world), world, "verified")
    svc.visit_record(
        application=application,
        visited_on=datetime.date.today(),
        visitors="甲、乙",
        findings="有出租房收入未申报",
        recommendation="reject",
        acting_user=world.handler,
    )
    with pytest.raises(ValidationError, match="须经民主评议"):
        svc.appraisal_skip(application=application, reason="", acting_user=world.handler)
    svc.appraisal_record(
        application=application,
        held_on=datetime.date.today(),
        participants=9,
        votes_for=3,
        votes_against=6,
        opinion="多数认为不符合",
        acting_user=world.handler,
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPRAISED
    assert application.appraisal.votes_against == 6


def test_failed_verification_may_be_refused_early_but_never_approved(world: World) -> None:
    application = walk_to(submit(world), world, "verifying")
    svc.application_verification_result(
        application=application, passed=False, monthly_income="4200", acting_user=world.handler
    )
    application.refresh_from_db()
    with pytest.raises(ValidationError, match="不能批准"):
        svc.decision_record(application=application, outcome="approve", reasons="x", acting_user=world.approver)
    decision = svc.decision_record(
        application=application, outcome="refuse", reasons="家庭人均收入超过低保标准", acting_user=world.approver
    )
    application.refresh_from_db()
    assert (application.status, decision.monthly_amount, application.case_id) == (ApplicationStatus.REFUSED, 0, None)


def test_one_open_application_per_household_and_category(world: World) -> None:
    first = submit(world)
    with pytest.raises(ValidationError, match="该家庭已有同类别的在办申请"):
        submit(world)
    # The database holds it even past the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            number="X1",
            category=Category.DIBAO,
            household=world.household,
            applicant=world.head,
            region_id=world.household.region_id,
            submitted_at=first.submitted_at,
            due_date=first.due_date,
        )
    # Another category is another application; a withdrawn one no longer blocks.
    submit(world, category=Category.LOW_INCOME)
    svc.application_withdraw(application=first, reason="家庭收入增加", acting_user=world.handler)
    assert submit(world).status == ApplicationStatus.SUBMITTED


@freeze_time("2026-09-24 10:00:00+08:00")
def test_sla_due_date_counts_working_days_across_national_day(world: World) -> None:
    # 30 working days after Thu 2026-09-24: 中秋 (09-25..27) and 国庆 (10-01..07) are holidays,
    # Sat 10-10 is a make-up workday.
    assert submit(world).due_date == datetime.date(2026, 11, 12)


def test_publicity_runs_seven_working_days_across_holidays(world: World) -> None:
    with freeze_time("2026-09-22 10:00:00+08:00"):
        application = walk_to(submit(world), world, "appraised")
    with freeze_time("2026-09-24 09:00:00+08:00"):
        publicity = svc.publicity_start(application=application, place="公示栏", acting_user=world.handler)
        # Thu 09-24, Mon 09-28, 09-29, 09-30, Thu 10-08, Fri 10-09, Sat 10-10 (调休).
        assert (publicity.starts_on, publicity.ends_on, publicity.days) == (
            datetime.date(2026, 9, 24),
            datetime.date(2026, 10, 10),
            7,
        )
    with freeze_time("2026-09-29 09:00:00+08:00"):
        svc.objection_record(
            application=application,
            received_on=datetime.date(2026, 9, 29),
            objector="邻居",
            content="该户有车",
            acting_user=world.handler,
        )
    with freeze_time("2026-10-10 17:00:00+08:00"), pytest.raises(ValidationError, match="期满后才能结束"):
        svc.publicity_close(application=application, conclusion="", acting_user=world.handler)
    with freeze_time("2026-10-12 09:00:00+08:00"):
        with pytest.raises(ValidationError, match="还有未核实的异议"):
            svc.publicity_close(application=application, conclusion="", acting_user=world.handler)
        objection = application.publicity.objections.get()
        svc.objection_resolve(
            objection=objection, finding="车辆为残疾人代步车", upheld=False, acting_user=world.handler
        )
        publicity = svc.publicity_close(application=application, conclusion="", acting_user=world.handler)
    assert publicity.conclusion == "公示期内无异议"


def test_overdue_selector_lists_open_applications_past_due(world: World) -> None:
    from assistance.selectors_applications import applications_overdue

    with freeze_time("2026-01-05 10:00:00+08:00"):
        application = submit(world)
    with freeze_time(application.due_date + datetime.timedelta(days=1)):
        assert [a.pk for a in applications_overdue(world.handler)] == [application.pk]
        assert list(applications_overdue(world.village)) == [application]
    with freeze_time(application.due_date):
        assert list(applications_overdue(world.handler)) == []


def test_member_changes_only_before_verification(world: World, make_person: Any) -> None:
    application = submit(world)
    svc.application_member_remove(application=application, person=world.child, acting_user=world.handler)
    assert application.members.count() == 2
    stranger = make_person("路人甲")
    with pytest.raises(ValidationError, match="不是该家庭户在户籍登记中的成员"):
        svc.application_member_add(application=application, person=stranger, acting_user=world.handler)
    svc.application_member_add(
        application=application, person=world.child, relation="child", kind="minor", acting_user=world.handler
    )
    walk_to(application, world, "verifying")
    with pytest.raises(ValidationError, match="不能移除家庭成员"):
        svc.application_member_remove(application=application, person=world.child, acting_user=world.handler)


def test_township_decides_where_the_region_policy_delegates_it(world: World, make_user: Any) -> None:
    import io

    from pypdf import PdfReader

    from assistance.notices_applications import decision_notice_pdf
    from core.models import Region
    from core.services.policy import policy_parameter_set

    policy_parameter_set(
        acting_user=None,
        code="assistance.decision_level",
        name="审核确认机关",
        region=Region.objects.get(code="310151"),
        effective_from=datetime.date(2022, 1, 1),
        value="township",
        source="崇明区委托乡镇审核确认（测试）",
    )
    application = walk_to(submit(world), world, "publicized")
    # A village worker holds no deciding permission at all; a second township officer decides.
    with pytest.raises(ValidationError, match="由乡镇人民政府（街道办事处）审核确认"):
        svc.decision_record(application=application, outcome="approve", reasons="符合", acting_user=world.village)
    colleague = make_user("township-2", "township_officer", "310151101")
    decision = svc.decision_record(application=application, outcome="approve", reasons="符合", acting_user=colleague)
    assert decision.level == "township"
    text = PdfReader(io.BytesIO(decision_notice_pdf(application))).pages[0].extract_text().replace("\x00", "")
    assert "城桥镇（印）" in text.replace(" ", "")


def test_extreme_poverty_application_opens_a_case_at_1_3_times_the_standard(world: World) -> None:
    from assistance.rules import standards_on

    application = walk_to(
        submit(world, category=Category.EXTREME_POVERTY_SUPPORT, income="0"), world, "publicized", income="0"
    )
    decision = svc.decision_record(
        application=application, outcome="approve", reasons="符合特困", acting_user=world.approver
    )
    adult = standards_on(application.region_id, decision.start_month).adult
    assert decision.monthly_amount == (adult * Decimal("1.3")).quantize(Decimal("0.01")) * 3
    application.refresh_from_db()
    assert Case.objects.get(pk=application.case_id).monthly_amount == decision.monthly_amount


def test_the_verification_report_figures_decide_over_the_declared_ones(world: World) -> None:
    application = walk_to(submit(world), world, "verifying")
    # The declared assets were nil; the report finds 100,000 yuan of deposits (per capita > 30,000).
    svc.application_verification_result(
        application=application,
        passed=False,
        monthly_income="2000",
        summary={"report": 0, "monetary_property": "100000.00", "vehicle_count": 1, "non_residential_count": 0},
        acting_user=world.handler,
    )
    application.refresh_from_db()
    assessment = svc.application_assess(application, datetime.date(2021, 8, 1))
    assert assessment.reasons == [
        "家庭人均货币财产 33333.33 元超过上限 30000.00 元（3 人户）",
        "家庭成员名下有生活用机动车辆",
    ]


def test_a_household_already_covered_cannot_apply_again_for_the_category(world: World) -> None:
    application = walk_to(submit(world), world, "publicized")
    svc.decision_record(application=application, outcome="approve", reasons="符合", acting_user=world.approver)
    with pytest.raises(ValidationError, match="该家庭已在保"):
        submit(world)
    assert submit(world, category=Category.LOW_INCOME).status == ApplicationStatus.SUBMITTED
