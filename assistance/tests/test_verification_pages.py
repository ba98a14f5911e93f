# ruff: noqa: F811  (fixtures imported from the fixture modules are parameters of the tests)
"""The verification pages end to end: upload an extract, read the validation, confirm, see the
batch; start a verification and read the printable report; work a review to its notice."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from assistance.choices_verification import ReviewStatus, ReviewTrigger
from assistance.models import DataSourceFact, FactBatch, Review, VerificationReport
from assistance.services_reviews import review_raise
from assistance.tests.case_fixtures import make_household, open_case, staff  # noqa: F401
from assistance.tests.verification_fixtures import csv_file, verification_parameters  # noqa: F401
from conftest import api_client, client_for
from core.models import Job

pytestmark = pytest.mark.django_db


def test_upload_validate_confirm(open_case: Any, staff: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = open_case(adults=2, start=datetime.date(2021, 6, 1))
    member = case.members.select_related("person").first().person
    file = csv_file(
        [
            ["", member.id_number, "2021-07", "工资", "", "2600", "", ""],
            ["", "123", "2021-07", "工资", "", "2600", "", ""],
        ]
    )
    file.name = "社保7月.csv"
    client = client_for(staff["maker"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/assistance/verification/import/", {"source_kind": "wage_social_insurance", "file": file}
        )
    assert response.status_code == 302
    job = Job.objects.get(kind="assistance.fact_import_validate")
    page = client.get(response["Location"]).content.decode()
    assert "共 2 行：可导入 1 行，有错误 1 行。" in page
    assert "身份证号应为 18 位（或旧版 15 位），当前为 3 位" in page
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/assistance/verification/import/{job.pk}/confirm/")
    assert confirmed.status_code == 302
    commit = Job.objects.get(kind="assistance.fact_import_commit")
    assert commit.status == "succeeded", commit.message
    batch = FactBatch.objects.get()
    assert (batch.row_count, batch.matched_count) == (1, 1)
    assert DataSourceFact.objects.get().person_id == member.pk
    # The new wage raised a review for the case.
    review = Review.objects.get(case=case)
    assert review.trigger == ReviewTrigger.NEW_INCOME
    status = client.get(f"/assistance/verification/import/{job.pk}/").content.decode()
    assert "已写入 1 条（重复未写入 0 条），匹配到登记人员 1 条；触发复核 1 件。" in status
    # A second confirmation starts nothing new.
    client.post(f"/assistance/verification/import/{job.pk}/confirm/")
    assert FactBatch.objects.count() == 1
    detail = client.get(f"/assistance/verification/batches/{batch.pk}/").content.decode()
    assert member.name in detail and "2600.00" in detail


def test_a_malformed_upload_is_answered_at_once(staff: Any) -> None:
    client = client_for(staff["maker"])
    file = csv_file([])
    file.name = "empty.csv"
    response = client.post("/assistance/verification/import/", {"source_kind": "bank_deposit", "file": file})
    assert response.status_code == 200
    assert "文件只有表头，没有数据行" in response.content.decode()
    assert not Job.objects.exists()


def test_verification_page_and_printable_report(
    open_case: Any, staff: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(adults=3)
    client = client_for(staff["township"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/assistance/verification/new/",
            {"households": case.household.number, "category": "dibao", "on_date": "2021-08-31"},
        )
    assert response.status_code == 302
    report = VerificationReport.objects.get()
    assert (report.member_count, report.passed, report.income_limit) == (3, True, 1330)
    page = client.get(f"/assistance/verification/reports/{report.pk}/").content.decode()
    assert "居民家庭经济状况核对报告" in page and "verify-2026.1" in page and "1330" in page
    listing = client.get("/assistance/verification/reports/?passed=yes").content.decode()
    assert case.household.number in listing
    export = client.get("/assistance/verification/reports/?export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_review_worked_through_the_pages(open_case: Any, staff: Any, django_capture_on_commit_callbacks: Any) -> None:
    case = open_case(adults=1)
    review = review_raise(case=case, trigger=ReviewTrigger.MANUAL, detail="抽查", acting_user=staff["maker"])
    client = client_for(staff["township"])
    refused = client.post(f"/assistance/reviews/{review.pk}/", {"outcome": "continue", "reason": "无变化"})
    assert "请先完成经济状况核对，再作复核结论" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/assistance/reviews/{review.pk}/verify/")
    review.refresh_from_db()
    assert review.report is not None
    done = client.post(f"/assistance/reviews/{review.pk}/", {"outcome": "continue", "reason": "无变化"})
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.DONE
    notice = client.get(f"/assistance/reviews/{review.pk}/notice.pdf")
    assert notice.status_code == 200 and b"".join(notice.streaming_content)[:5] == b"%PDF-"
    listing = client.get("/assistance/reviews/?status=done").content.decode()
    assert case.number in listing
    export = client.get("/assistance/reviews/?status=done&export=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("复核编号", "案件编号", "领取人")
    assert [(r[1], r[7], r[8]) for r in rows[1:]] == [(case.number, "已完成", "继续保障")]


def test_api_run_and_read_report(
    open_case: Any, staff: Any, api_token: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(adults=2)
    client = api_client(api_token(staff["maker"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/assistance/verification/runs",
            data={"household_numbers": [case.household.number], "on_date": "2021-08-31"},
            content_type="application/json",
        )
    assert response.status_code == 202
    report = VerificationReport.objects.get()
    body = client.get(f"/api/v1/assistance/verification/reports/{report.pk}").json()
    assert body["member_count"] == 2
    assert body["monetary_limit"] == "33000.00"
    assert body["parameters"]["assistance.monetary_property_limit"]["certainty"] == "S-3p"
    bad = client.post(
        "/api/v1/assistance/verification/runs",
        data={"household_numbers": ["NOPE"], "on_date": "2021-08-31"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"] == "户编号不存在：NOPE"
