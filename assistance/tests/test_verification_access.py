# ruff: noqa: F811  (fixtures imported from the fixture modules are parameters of the tests)
"""Access matrix of the verification and review endpoints (web and API): anonymous / no
permission / other region / own region / parent region; refused requests write nothing."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from assistance.choices_verification import FactSource, ReviewOutcome, ReviewTrigger
from assistance.models import DataSourceFact, FactBatch, Review, VerificationReport
from assistance.services_reviews import review_decide, review_raise
from assistance.services_verification import verify_households
from assistance.tests.case_fixtures import make_household, open_case, staff  # noqa: F401
from assistance.tests.verification_fixtures import csv_file, load_facts, verification_parameters  # noqa: F401
from conftest import DISTRICT, OWN_TOWNSHIP, OWN_VILLAGE
from core.models import AuditEvent, Job, User
from core.tests.matrix import COLUMNS, Case, check, client_for_column, create_access, list_access, object_access

FAMILIES: dict[str, dict[str, tuple[str, str]]] = {
    # Reports and verification runs: township staff of the household's township and above.
    "view": {
        "noperm": ("viewer", OWN_VILLAGE),
        "other": ("township_officer", "310151102"),
        "own": ("township_officer", OWN_TOWNSHIP),
        "parent": ("district_staff", DISTRICT),
    },
    # Data-source extracts are loaded by the district bureau.
    "import": {
        "noperm": ("village_worker", OWN_VILLAGE),
        "other": ("district_staff", "310113"),
        "own": ("district_staff", DISTRICT),
        "parent": ("district_staff", "31"),
    },
}
ON = datetime.date(2021, 8, 31)


@dataclass
class World:
    batch: FactBatch
    report: VerificationReport
    review: Review
    done: Review
    household_number: str
    case_number: str


@pytest.fixture
def world(open_case: Any, staff: Any, load_facts: Any) -> World:
    case = open_case(adults=2)
    closed = open_case(adults=1)
    person = case.members.select_related("person").first().person
    batch = load_facts(
        FactSource.BANK_DEPOSIT, [["", person.id_number, "2021-08-31", "活期", "M1", "1234.56", "", ""]], "矩阵批次"
    )
    (report,) = verify_households(household_ids=[case.household_id], on_date=ON, acting_user=staff["maker"])
    review = review_raise(case=case, trigger=ReviewTrigger.MANUAL, detail="矩阵", acting_user=staff["maker"])
    Review.objects.filter(pk=review.pk).update(report=report)
    done = review_raise(case=closed, trigger=ReviewTrigger.MANUAL, detail="矩阵", acting_user=staff["maker"])
    (closed_report,) = verify_households(household_ids=[closed.household_id], on_date=ON, acting_user=staff["maker"])
    Review.objects.filter(pk=done.pk).update(report=closed_report)
    done.refresh_from_db()
    done = review_decide(review=done, outcome=ReviewOutcome.CONTINUE, reason="无变化", acting_user=staff["checker"])
    return World(batch, report, review, done, case.household.number, case.number)


def _upload(world: World) -> dict[str, Any]:
    from conftest import next_id_number

    file = csv_file([["", next_id_number(), "2021-08-31", "活期", "U1", "100", "", ""]])
    file.name = "extract.csv"
    return {"source_kind": FactSource.BANK_DEPOSIT, "file": file}


WEB = [
    Case(
        "web-batches",
        "import",
        "get",
        lambda w: "/assistance/verification/batches/",
        expect=list_access(),
        marker=lambda w: "矩阵批次",
    ),
    Case(
        "web-batch",
        "import",
        "get",
        lambda w: f"/assistance/verification/batches/{w.batch.pk}/",
        expect=object_access(),
    ),
    Case(
        "web-import",
        "import",
        "post",
        lambda w: "/assistance/verification/import/",
        data=_upload,
        multipart=True,
        expect=list_access(),
        success=302,
    ),
    Case(
        "web-reports",
        "view",
        "get",
        lambda w: "/assistance/verification/reports/",
        expect=list_access(),
        marker=lambda w: w.household_number,
    ),
    Case(
        "web-report",
        "view",
        "get",
        lambda w: f"/assistance/verification/reports/{w.report.pk}/",
        expect=object_access(),
    ),
    Case(
        "web-verify",
        "view",
        "post",
        lambda w: "/assistance/verification/new/",
        data=lambda w: {"households": w.household_number, "category": "dibao", "on_date": "2021-08-31"},
        expect=create_access(),
        success=302,
    ),
    Case(
        "web-reviews",
        "view",
        "get",
        lambda w: "/assistance/reviews/",
        expect=list_access(),
        marker=lambda w: w.case_number,
    ),
    Case("web-review", "view", "get", lambda w: f"/assistance/reviews/{w.review.pk}/", expect=object_access()),
    Case(
        "web-review-verify",
        "view",
        "post",
        lambda w: f"/assistance/reviews/{w.review.pk}/verify/",
        expect=object_access(),
        success=302,
    ),
    Case(
        "web-review-decide",
        "view",
        "post",
        lambda w: f"/assistance/reviews/{w.review.pk}/",
        data=lambda w: {"outcome": "continue", "reason": "无变化"},
        expect=object_access(),
        success=302,
    ),
    Case(
        "web-review-cancel",
        "view",
        "post",
        lambda w: f"/assistance/reviews/{w.review.pk}/cancel/",
        data=lambda w: {"reason": "重复"},
        expect=object_access(),
        success=302,
    ),
    Case("web-notice", "view", "get", lambda w: f"/assistance/reviews/{w.done.pk}/notice.pdf", expect=object_access()),
]
API = [
    Case(
        "api-batches",
        "import",
        "get",
        lambda w: "/api/v1/assistance/verification/batches",
        api=True,
        expect=list_access(),
        marker=lambda w: "矩阵批次",
    ),
    Case(
        "api-batch",
        "import",
        "get",
        lambda w: f"/api/v1/assistance/verification/batches/{w.batch.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-import",
        "import",
        "post",
        lambda w: "/api/v1/assistance/verification/imports",
        api=True,
        data=_upload,
        multipart=True,
        expect=list_access(),
        success=202,
    ),
    Case(
        "api-reports",
        "view",
        "get",
        lambda w: "/api/v1/assistance/verification/reports",
        api=True,
        expect=list_access(),
        marker=lambda w: w.household_number,
    ),
    Case(
        "api-report",
        "view",
        "get",
        lambda w: f"/api/v1/assistance/verification/reports/{w.report.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-run",
        "view",
        "post",
        lambda w: "/api/v1/assistance/verification/runs",
        api=True,
        data=lambda w: {"household_numbers": [w.household_number], "category": "dibao", "on_date": "2021-08-31"},
        expect=create_access(),
        success=202,
    ),
    Case(
        "api-reviews",
        "view",
        "get",
        lambda w: "/api/v1/assistance/reviews",
        api=True,
        expect=list_access(),
        marker=lambda w: w.case_number,
    ),
    Case(
        "api-review",
        "view",
        "get",
        lambda w: f"/api/v1/assistance/reviews/{w.review.pk}",
        api=True,
        expect=object_access(),
    ),
    Case(
        "api-review-verify",
        "view",
        "post",
        lambda w: f"/api/v1/assistance/reviews/{w.review.pk}/verify",
        api=True,
        expect=object_access(),
        success=202,
    ),
    Case(
        "api-review-decide",
        "view",
        "post",
        lambda w: f"/api/v1/assistance/reviews/{w.review.pk}/decide",
        api=True,
        data=lambda w: {"outcome": "continue", "reason": "无变化"},
        expect=object_access(),
    ),
    Case(
        "api-review-cancel",
        "view",
        "post",
        lambda w: f"/api/v1/assistance/reviews/{w.review.pk}/cancel",
        api=True,
        data=lambda w: {"reason": "重复"},
        expect=object_access(),
    ),
    Case(
        "api-schedule",
        "view",
        "post",
        lambda w: "/api/v1/assistance/reviews/schedule",
        api=True,
        data=lambda w: {"region": OWN_TOWNSHIP, "on": "2030-01-01"},
        expect=create_access(),
    ),
    Case(
        "api-notice",
        "view",
        "get",
        lambda w: f"/api/v1/assistance/reviews/{w.done.pk}/notice",
        api=True,
        expect=object_access(),
    ),
]
CASES = WEB + API


def _snapshot(world: World) -> Any:
    return (
        FactBatch.objects.count(),
        DataSourceFact.objects.count(),
        VerificationReport.objects.count(),
        sorted(Review.objects.values_list("pk", "status", "outcome", "report_id")),
        Job.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_access_matrix(
    case: Case, column: str, world: World, make_user: Callable[..., User], api_token: Callable[[User], str]
) -> None:
    client = client_for_column(case, column, FAMILIES, make_user, api_token)
    check(case, column, world, client, lambda: _snapshot(world))
