"""The case pages, notices, change report, 临时救助 pages and the dashboard, through HTTP and the API."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pypdf
import pytest

from assistance.choices import CaseStatus, Category
from assistance.models import Case, TemporaryGrant
from conftest import DISTRICT, OTHER_TOWNSHIP_VILLAGE, OWN_VILLAGE, api_client, client_for
from core.models import Region
from payments import services as pay
from payments.models import Payment

pytestmark = pytest.mark.django_db
JUNE, JULY = datetime.date(2021, 6, 1), datetime.date(2021, 7, 1)


def test_case_list_filters_and_exports(open_case: Any, staff: dict[str, Any]) -> None:
    dibao = open_case(adults=3, income="2000", start=JULY)
    extreme = open_case(adults=1, income="0", start=JULY, category=Category.EXTREME_POVERTY_SUPPORT)
    elsewhere = open_case(adults=1, income="0", start=JULY, region=OTHER_TOWNSHIP_VILLAGE)
    client = client_for(staff["township"])
    body = client.get("/assistance/cases/").content.decode()
    assert dibao.number in body and extreme.number in body and elsewhere.number not in body
    body = client.get("/assistance/cases/?category=extreme_poverty_support").content.decode()
    assert extreme.number in body and dibao.number not in body
    body = client.get(f"/assistance/cases/?q={dibao.payee.id_number}").content.decode()
    assert dibao.number in body and extreme.number not in body
    response = client.get("/assistance/cases/?category=dibao&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("案件编号", "救助类别", "状态")
    assert [(r[0], r[1], r[2], r[5], Decimal(str(r[7]))) for r in rows[1:]] == [
        (dibao.number, "最低生活保障（低保）", "在保", 3, Decimal("1990"))
    ]


def test_case_detail_and_actions_issue_notices_as_pdf(open_case: Any, staff: dict[str, Any]) -> None:
    case = open_case(adults=3, income="2000", start=JULY)
    client = client_for(staff["township"])
    body = client.get(f"/assistance/cases/{case.pk}/").content.decode()
    assert "1990.00 元" in body and "审批纳入" in body and "保障成员" in body
    response = client.post(
        f"/assistance/cases/{case.pk}/action/",
        {"action": "change", "reason": "复核：就业收入增加", "household_monthly_income": "2600", "month": "2021-09"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("1390.00")
    notice = case.notices.get()
    pdf = client.get(f"/assistance/cases/{case.pk}/notices/{notice.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).replace("\x00", "")
    assert "救助金调整告知书" in text and case.number in text
    # A refused action (resume an active case) says why and changes nothing.
    response = client.post(f"/assistance/cases/{case.pk}/action/", {"action": "resume", "reason": "x"}, follow=True)
    assert "不能恢复发放" in response.content.decode()
    client.post(f"/assistance/cases/{case.pk}/action/", {"action": "end", "reason": "收入超标", "month": "2021-10"})
    case.refresh_from_db()
    assert (case.status, case.end_month) == (CaseStatus.ENDED, datetime.date(2021, 10, 1))


def _run(month: datetime.date, user: Any, capture: Any) -> Any:
    with capture(execute=True):
        run = pay.payroll_run_create(
            scheme="assistance.dibao", region=Region.objects.get(code=DISTRICT), month=month, acting_user=user
        )
    return run


def test_change_report_page_api_and_export(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any, api_token: Any
) -> None:
    three = open_case(adults=3, income="2000", start=JUNE)
    single = open_case(adults=1, income="0", start=JUNE)
    _run(JUNE, staff["maker"], django_capture_on_commit_callbacks)
    july = _run(JULY, staff["maker"], django_capture_on_commit_callbacks)
    client = client_for(staff["checker"])
    body = client.get(f"/assistance/payroll/{july.pk}/changes/").content.decode()
    assert "共 2 件：增加 2 件，减少 0 件" in body and three.number in body and single.number in body
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/assistance/payroll/{july.pk}/changes/?export=xlsx").content)
    ).active
    rows = [
        (r[0], Decimal(str(r[3])), Decimal(str(r[4])), Decimal(str(r[5])))
        for r in list(sheet.iter_rows(values_only=True))[1:]
    ]
    assert rows == [
        (three.number, Decimal("1720"), Decimal("1990"), Decimal("270")),
        (single.number, Decimal("1240"), Decimal("1330"), Decimal("90")),
    ]
    answer = api_client(api_token(staff["checker"])).get(f"/api/v1/assistance/payroll/{july.pk}/changes").json()
    assert [(r["number"], r["previous"], r["amount"]) for r in answer] == [
        (three.number, "1720.00", "1990.00"),
        (single.number, "1240.00", "1330.00"),
    ]


def test_api_drives_a_case_through_its_life(open_case: Any, staff: dict[str, Any], api_token: Any) -> None:
    case = open_case(adults=2, income="1000", start=JULY)
    client = api_client(api_token(staff["township"]))
    detail = client.get(f"/api/v1/assistance/cases/{case.pk}").json()
    assert (detail["monthly_amount"], detail["member_count"], len(detail["members"])) == ("1660.00", 2, 2)
    changed = client.post(
        f"/api/v1/assistance/cases/{case.pk}/change-amount",
        data={"reason": "复核", "household_monthly_income": "1200", "effective_month": "2021-08-01"},
        content_type="application/json",
    ).json()
    assert changed["monthly_amount"] == "1460.00"
    refused = client.post(
        f"/api/v1/assistance/cases/{case.pk}/resume", data={"reason": "x"}, content_type="application/json"
    )
    assert refused.status_code == 422 and "不能恢复发放" in str(refused.json())
    suspended = client.post(
        f"/api/v1/assistance/cases/{case.pk}/suspend", data={"reason": "核查"}, content_type="application/json"
    ).json()
    assert suspended["status"] == "suspended"
    listed = client.get("/api/v1/assistance/cases?status=suspended").json()
    assert [r["number"] for r in listed["results"]] == [case.number]
    ended = client.post(
        f"/api/v1/assistance/cases/{case.pk}/end",
        data={"reason": "迁出本区", "end_month": "2021-09-01"},
        content_type="application/json",
    ).json()
    assert (ended["status"], ended["end_month"]) == ("ended", "2021-09-01")
    events = client.get(f"/api/v1/assistance/cases/{case.pk}").json()["events"]
    assert [e["kind"] for e in events] == ["open", "change", "suspend", "end"]


def test_temporary_grant_pages_urgent_then_review(make_household: Any, staff: dict[str, Any]) -> None:
    person = make_household(2).members.order_by("id").first().person
    township = client_for(staff["township"])
    response = township.post(
        "/assistance/temporary/new/",
        {
            "id_number": person.id_number,
            "kind": "urgent",
            "need": "disaster",
            "reason": "住房失火",
            "requested_amount": "5000",
            "granted_amount": "4000",
            "decision_note": "先行救助",
        },
    )
    grant = TemporaryGrant.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assistance/temporary/{grant.pk}/"
    assert (grant.status, grant.granted_amount) == ("decided_pending_review", Decimal("4000.00"))
    body = township.get(f"/assistance/temporary/{grant.pk}/").content.decode()
    assert "登记发放" in body and "事后补审" not in body
    township.post(f"/assistance/temporary/{grant.pk}/pay/")
    district = client_for(staff["maker"])
    assert "事后补审" in district.get(f"/assistance/temporary/{grant.pk}/").content.decode()
    district.post(f"/assistance/temporary/{grant.pk}/review/", {"approve": "1", "note": "属实"})
    grant.refresh_from_db()
    assert (grant.status, grant.paid_on is not None, grant.reviewed_by) == ("confirmed", True, staff["maker"])
    assert grant.number in district.get("/assistance/temporary/?kind=urgent").content.decode()
    sheet = openpyxl.load_workbook(io.BytesIO(district.get("/assistance/temporary/?export=xlsx").content)).active
    assert [
        (r[0], r[2], Decimal(str(r[7])), r[11] is not None) for r in list(sheet.iter_rows(values_only=True))[1:]
    ] == [(grant.number, "补审确认", Decimal("4000"), True)]
    # An unknown ID number is a field error, nothing is written.
    response = township.post(
        "/assistance/temporary/new/",
        {
            "id_number": "110105194912310029",
            "kind": "ordinary",
            "need": "other",
            "reason": "r",
            "requested_amount": "1",
        },
    )
    assert "没有登记该身份证号的人员" in response.content.decode() and TemporaryGrant.objects.count() == 1


def test_dashboard_figures_by_month_region_and_category(
    open_case: Any, staff: dict[str, Any], django_capture_on_commit_callbacks: Any, api_token: Any
) -> None:
    today = datetime.date.today().replace(day=1)
    open_case(adults=3, income="2000", start=today)
    open_case(adults=1, income="0", start=today, region=OTHER_TOWNSHIP_VILLAGE)
    open_case(adults=1, income="0", start=today, category=Category.EXTREME_POVERTY_SUPPORT)
    _run(today, staff["maker"], django_capture_on_commit_callbacks)
    figures = api_client(api_token(staff["maker"])).get("/api/v1/assistance/dashboard").json()
    assert figures["region"]["code"] == DISTRICT and figures["months"][-1] == f"{today:%Y-%m}"
    dibao = next(s for s in figures["series"] if s["scheme"] == "assistance.dibao")
    amounts = Case.objects.filter(category="dibao").values_list("monthly_amount", flat=True)
    assert dibao["people"][-1] == 2 and Decimal(dibao["amount"][-1]) == sum(amounts)
    assert Decimal(dibao["amount"][-1]) == sum(Payment.objects.values_list("amount", flat=True))
    assert [(r["code"], r["cases"], r["people"]) for r in figures["by_region"]] == [
        (OWN_VILLAGE[:9], 2, 4),
        (OTHER_TOWNSHIP_VILLAGE[:9], 1, 1),
    ]
    # Money by township and month (from the payments), the dashboard's region × month view.
    assert [(r["code"], r["people"][-1]) for r in figures["by_region_month"]] == [
        (OWN_VILLAGE[:9], 1),
        (OTHER_TOWNSHIP_VILLAGE[:9], 1),
    ]
    assert sum(Decimal(r["amount"][-1]) for r in figures["by_region_month"]) == Decimal(dibao["amount"][-1])
    assert [(r["category"], r["cases"]) for r in figures["by_category"]] == [
        ("dibao", 2),
        ("extreme_poverty_support", 1),
    ]
    # Drill into the township: its villages; a township officer sees only their township.
    page = client_for(staff["maker"]).get(f"/assistance/dashboard/?region={OWN_VILLAGE[:9]}").content.decode()
    assert "社会救助统计" in page and 'data-chart="region-month-chart"' in page and "南门居委会" in page
    township = api_client(api_token(staff["township"])).get("/api/v1/assistance/dashboard").json()
    assert township["region"]["code"] == OWN_VILLAGE[:9]
    assert [(r["code"], r["cases"]) for r in township["by_region"]] == [(OWN_VILLAGE, 2)]
