"""The application pages end to end: intake → each step → approved case, the notice PDF, the
resident's online application, the list with its filters and export, case plans."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time
from openpyxl import load_workbook
from pypdf import PdfReader

from assistance.choices import ApplicationStatus
from assistance.models import Application, Case, CasePlan
from assistance.tests.application_fixtures import World, submit, walk_to
from conftest import client_for

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages).replace("\x00", "").replace(" ", "").replace("\n", "")


def intake_data(world: World, **extra: Any) -> dict[str, Any]:
    data = {
        "household": world.household.pk,
        "category": "dibao",
        "applicant": world.head.pk,
        "reason": "失业",
        f"include_{world.head.pk}": "on",
        f"kind_{world.head.pk}": "adult",
        f"include_{world.spouse.pk}": "on",
        f"kind_{world.spouse.pk}": "adult",
        f"include_{world.child.pk}": "on",
        f"kind_{world.child.pk}": "minor",
        "item_wages": "1500",
        "item_pension": "500",
        "item_deposits": "12000",
    }
    data.update(extra)
    return data


def step(client: Any, application: Application, action: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"/assistance/applications/{application.pk}/{action}/", data or {})


def test_web_flow_from_intake_to_approved_case_and_notice(world: World) -> None:
    handler, approver = client_for(world.handler), client_for(world.approver)
    # Search before create: the household is found in the registry by its head's name.
    page = handler.get("/assistance/applications/new/", {"q": "王建"})
    assert world.household.number in page.content.decode()
    response = handler.post("/assistance/applications/new/", intake_data(world))
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.declared_monthly_income, application.declared_monetary_assets) == (
        Decimal("2000.00"),
        Decimal("12000.00"),
    )
    assert application.members.count() == 3
    for kind in ("application_form", "id_card", "authorization"):
        upload = SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
        assert step(handler, application, "document", {"kind": kind, "file": upload}).status_code == 302
    assert step(handler, application, "verify_request").status_code == 302
    assert (
        step(handler, application, "verification_result", {"passed": "1", "monthly_income": "2000"}).status_code == 302
    )
    visit = {
        "visited_on": datetime.date.today().isoformat(),
        "visitors": "张三、李四",
        "findings": "属实",
        "recommendation": "support",
    }
    assert step(handler, application, "visit", visit).status_code == 302
    assert step(handler, application, "appraisal_skip", {"reason": ""}).status_code == 302
    assert step(handler, application, "publicity_start", {"place": "居委会公示栏"}).status_code == 302
    application.refresh_from_db()
    with freeze_time(application.publicity.ends_on + datetime.timedelta(days=1)):
        assert step(client_for(world.handler), application, "publicity_close", {"conclusion": ""}).status_code == 302
    # The township handler may not decide where the district decides; the district approver does.
    refused = step(handler, application, "decide", {"outcome": "approve", "reasons": "符合"})
    assert refused.status_code == 400 and "本地政策规定由区（县）民政部门审核确认" in refused.content.decode()
    response = step(approver, application, "decide", {"outcome": "approve", "reasons": "符合低保条件"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    case = Case.objects.get()
    assert case.application == application
    detail = approver.get(f"/assistance/applications/{application.pk}/").content.decode()
    assert case.number in detail and "已批准" in detail
    notice = approver.get(f"/assistance/applications/{application.pk}/notice.pdf")
    assert notice["Content-Type"] == "application/pdf"
    text = pdf_text(notice.content)
    amount = application.decision.monthly_amount
    month = application.decision.start_month
    assert "最低生活保障（低保）审核确认决定书" in text
    assert f"月救助金{amount}元，自{month:%Y年%m月}起按月发放" in text
    assert "王建国" in text and "六十日内" in text


def test_refusal_notice_states_reasons_and_appeal(world: World) -> None:
    application = walk_to(submit(world), world, "verifying")
    from assistance.services import applications as svc

    svc.application_verification_result(
        application=application, passed=False, monthly_income="4200", acting_user=world.handler
    )
    response = step(
        client_for(world.approver),
        application,
        "decide",
        {"outcome": "refuse", "reasons": "家庭人均收入1400元，高于低保标准"},
    )
    assert response.status_code == 302
    text = pdf_text(client_for(world.approver).get(f"/assistance/applications/{application.pk}/notice.pdf").content)
    assert "不予批准决定书" in text
    assert "理由：家庭人均收入1400元，高于低保标准" in text
    assert "可以自收到本决定书之日起六十日内向区人民政府申请行政复议" in text
    assert "六个月内直接向人民法院提起行政诉讼" in text


def test_step_out_of_order_shows_the_error_and_changes_nothing(world: World) -> None:
    application = submit(world)
    response = step(client_for(world.handler), application, "publicity_start", {"place": "公示栏"})
    assert response.status_code == 400
    assert "不能开始公示" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not hasattr(application, "publicity")


def test_resident_applies_online_and_follows_the_application(world: World, make_user: Any) -> None:
    resident = make_user("resident-wang")
    resident.person = world.head
    resident.save()
    client = client_for(resident)
    page = client.get("/assistance/my/")
    assert "网上申请" in page.content.decode()
    data = intake_data(world)
    data.pop("household")
    response = client.post("/assistance/my/", data)
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.channel, application.handler_id, application.submitted_by_id) == ("online", None, resident.pk)
    upload = SimpleUploadedFile("id.jpg", b"\xff\xd8\xff jpeg", content_type="image/jpeg")
    response = client.post(f"/assistance/my/applications/{application.pk}/", {"kind": "id_card", "file": upload})
    assert response.status_code == 302
    page = client.get(f"/assistance/my/applications/{application.pk}/").content.decode()
    assert "id.jpg</a>" in page and "尚缺：申请书、家庭经济状况核对授权书" in page
    document = application.documents.get()
    download = client.get(f"/assistance/my/applications/{application.pk}/documents/{document.pk}/")
    assert b"".join(download.streaming_content) == b"\xff\xd8\xff jpeg"
    # The staff picks it up: the first one acting becomes the handler.
    walk_to(application, world, "verifying")
    application.refresh_from_db()
    assert application.handler_id == world.handler.pk
    # Another resident sees nothing of it.
    stranger = make_user("resident-other")
    assert client_for(stranger).get(f"/assistance/my/applications/{application.pk}/").status_code == 404
    assert "尚未关联本人户籍档案" in client_for(stranger).get("/assistance/my/").content.decode()


def test_list_filters_and_export(world: World, make_user: Any) -> None:
    with freeze_time("2026-01-05 10:00:00+08:00"):
        late = submit(world)
    other = submit(world, category="low_income")
    client = client_for(world.approver)
    page = client.get("/assistance/applications/", {"category": "dibao"}).content.decode()
    assert late.number in page and other.number not in page
    mine = client_for(world.handler).get("/assistance/applications/", {"mine": "on"}).content.decode()
    assert late.number in mine and other.number in mine
    assert "SQ310151" not in client.get("/assistance/applications/", {"mine": "on"}).content.decode()
    from assistance.selectors_applications import application_counts

    assert application_counts(world.approver) == {"open": 2, "overdue": 1, "approved": 0, "refused": 0}
    assert application_counts(world.village)["open"] == 2
    overdue = client.get("/assistance/applications/overdue/").content.decode()
    assert late.number in overdue and overdue.count("SQ310151") == 1
    response = client.get("/assistance/applications/", {"overdue": "on", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("申请编号", "救助类别", "办理状态")
    assert [r[0] for r in rows[1:]] == [late.number]
    assert rows[1][9] == "是"


def test_case_plan_pages(world: World, make_user: Any) -> None:
    advisor = client_for(world.handler)
    response = advisor.post(
        "/assistance/plans/new/",
        {
            "household_number": world.household.number,
            "need_income": "夫妻一方失业",
            "need_education": "孩子需课后托管",
            "summary": "就业+托管",
        },
    )
    assert response.status_code == 302
    plan = CasePlan.objects.get()
    due = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()
    response = advisor.post(
        f"/assistance/plans/{plan.pk}/item/",
        {"kind": "referral", "description": "转介街道就业服务站", "agency": "城桥镇社区就业服务站", "due_date": due},
    )
    assert response.status_code == 302
    item = plan.items.get()
    close = advisor.post(f"/assistance/plans/{plan.pk}/close/", {"note": "已就业"})
    assert close.status_code == 400 and "还有 1 个事项未完成" in close.content.decode()
    advisor.post(
        f"/assistance/plans/{plan.pk}/done/",
        {"item": item.pk, "done_on": datetime.date.today().isoformat(), "outcome": "已推荐岗位"},
    )
    assert advisor.post(f"/assistance/plans/{plan.pk}/close/", {"note": "已就业"}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "closed"
    page = advisor.get(f"/assistance/plans/{plan.pk}/").content.decode()
    assert "夫妻一方失业" in page and "已推荐岗位" in page
    assert re.search(r"转介街道就业服务站", advisor.get("/assistance/plans/").content.decode()) is None
