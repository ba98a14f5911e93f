"""An external intake system drives the whole flow through the API: submission, documents,
verification (the real verification job), visit, appraisal skip, publicity, decision → case."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from freezegun import freeze_time

from assistance.models import Application, Case
from assistance.tests.application_fixtures import World
from conftest import api_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/assistance"


def post(client: Any, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(BASE + path, data=data or {}, content_type="application/json")


def test_api_drives_the_whole_flow(world: World, api_token: Any, django_capture_on_commit_callbacks: Any) -> None:
    from assistance.parameters_verification import ensure_verification_parameters

    ensure_verification_parameters()
    handler = api_client(api_token(world.handler))
    approver = api_client(api_token(world.approver))
    response = post(
        handler,
        "/applications",
        {
            "household": world.household.pk,
            "category": "dibao",
            "applicant": world.head.pk,
            "members": [
                {"person": world.head.pk, "relation": "head"},
                {"person": world.spouse.pk, "relation": "spouse"},
            ],
            "declared_items": [{"kind": "wages", "amount": "900.00", "person": world.head.pk}],
            "reason": "因病失业",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    pk = body["id"]
    assert (body["status"], body["declared_monthly_income"], len(body["members"])) == ("submitted", "900.00", 2)
    assert body["missing_documents"] == ["申请书", "身份证", "家庭经济状况核对授权书"]
    # The child joins before verification (a registry member of the household).
    response = post(
        handler, f"/applications/{pk}/members", {"person": world.child.pk, "relation": "child", "kind": "minor"}
    )
    assert len(response.json()["members"]) == 3
    response = handler.put(
        f"{BASE}/applications/{pk}/declared-items",
        data=[
            {"kind": "wages", "amount": "900.00", "person": world.head.pk},
            {"kind": "pension", "amount": "300.00", "person": world.spouse.pk},
            {"kind": "deposits", "amount": "20000.00"},
        ],
        content_type="application/json",
    )
    assert (response.json()["declared_monthly_income"], response.json()["declared_monetary_assets"]) == (
        "1200.00",
        "20000.00",
    )
    for kind in ("application_form", "id_card", "authorization"):
        response = handler.post(f"{BASE}/applications/{pk}/documents", {"kind": kind, "file": _file(f"{kind}.pdf")})
        assert response.status_code == 201, response.content
    # The verification job runs once the request commits and reports back to the application.
    with django_capture_on_commit_callbacks(execute=True):
        response = post(handler, f"/applications/{pk}/verification")
    assert response.status_code == 200, response.content
    detail = handler.get(f"{BASE}/applications/{pk}").json()
    assert detail["status"] == "verified", detail
    assert detail["verification_passed"] is True
    from conftest import client_for

    page = client_for(world.handler).get(f"/assistance/applications/{pk}/").content.decode()
    assert "核对报告" in page and "家庭货币财产 0.00 元" in page
    today = datetime.date.today().isoformat()
    visit = {"visited_on": today, "visitors": "张三、李四", "findings": "属实", "recommendation": "support"}
    assert post(handler, f"/applications/{pk}/visits", visit).status_code == 201
    assert post(handler, f"/applications/{pk}/appraisal-skip").status_code == 201
    response = post(handler, f"/applications/{pk}/publicity", {"place": "居委会公示栏"})
    assert response.status_code == 201
    ends = datetime.date.fromisoformat(response.json()["publicity"]["ends_on"])
    with freeze_time(ends + datetime.timedelta(days=1)):
        # A token of that day (tokens expire).
        later = api_client(api_token(world.handler))
        assert post(later, f"/applications/{pk}/publicity/close").status_code == 200
    # Four eyes: the handler is refused even through the API.
    refused = post(handler, f"/applications/{pk}/decision", {"outcome": "approve", "reasons": "符合"})
    assert refused.status_code == 422
    response = post(approver, f"/applications/{pk}/decision", {"outcome": "approve", "reasons": "符合低保条件"})
    assert response.status_code == 201, response.content
    decision = response.json()["decision"]
    application = Application.objects.get(pk=pk)
    case = Case.objects.get(pk=application.case_id)
    assert response.json()["status"] == "approved"
    assert Decimal(decision["monthly_amount"]) == case.monthly_amount > 0
    assert decision["parameters_used"]["assistance.dibao_standard"] > 0
    pdf = approver.get(f"{BASE}/applications/{pk}/notice.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    listed = handler.get(f"{BASE}/applications", {"status": "approved"}).json()
    assert [r["number"] for r in listed["results"]] == [application.number]


def test_api_refuses_out_of_order_steps_with_a_chinese_message(world: World, api_token: Any) -> None:
    from assistance.tests.application_fixtures import submit

    application = submit(world)
    client = api_client(api_token(world.handler))
    response = post(client, f"/applications/{application.pk}/publicity", {"place": "公示栏"})
    assert response.status_code == 422
    assert response.json()["detail"] == "当前状态为“已受理”，不能开始公示（应在“已评议”之后）"


def test_api_names_a_missing_field_in_chinese(world: World, api_token: Any) -> None:
    client = api_client(api_token(world.handler))
    response = post(client, "/applications", {"category": "dibao"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["household"] == ["缺少必填字段：家庭户"]
    assert errors["applicant"] == ["缺少必填字段：申请人"]
    assert Application.objects.count() == 0


def _file(name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 scan", content_type="application/pdf")
