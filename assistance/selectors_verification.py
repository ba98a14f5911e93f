"""Reads of economic verification and reviews, through the scoped querysets."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet

from assistance.choices_verification import ReviewStatus
from assistance.models import FactBatch, Review, VerificationReport
from assistance.permissions_verification import VerificationPerm
from core.models import User


def fact_batches(user: User) -> QuerySet[FactBatch]:
    return FactBatch.objects.visible_to(user, VerificationPerm.VIEW_VERIFICATION).select_related("created_by", "job")


def reports(user: User) -> QuerySet[VerificationReport]:
    return VerificationReport.objects.visible_to(user, VerificationPerm.VIEW_VERIFICATION).select_related(
        "household", "region"
    )


def reviews(user: User, perm: str = VerificationPerm.VIEW_REVIEW) -> QuerySet[Review]:
    return Review.objects.visible_to(user, perm).select_related("case", "case__region", "case__payee", "report")


def reviews_due(user: User, on: datetime.date) -> QuerySet[Review]:
    """The due list: open reviews whose date has come, oldest first."""
    return reviews(user).filter(status=ReviewStatus.OPEN, due_date__lte=on).order_by("due_date", "id")


def report_summary(report: VerificationReport) -> dict[str, Any]:
    """The figures an application or a notice quotes from a report (JSON-safe)."""
    return {
        "report": report.pk,
        "on_date": report.on_date.isoformat(),
        "member_count": report.member_count,
        "monthly_income": str(report.monthly_income),
        "per_capita_income": str(report.per_capita_income),
        "income_limit": str(report.income_limit),
        "monetary_property": str(report.monetary_property),
        "per_capita_monetary": str(report.per_capita_monetary),
        "monetary_limit": str(report.monetary_limit),
        "vehicle_count": report.vehicle_count,
        "non_residential_count": report.non_residential_count,
        "income_passed": report.income_passed,
        "property_passed": report.property_passed,
        "vehicle_passed": report.vehicle_passed,
        "housing_passed": report.housing_passed,
        "passed": report.passed,
        "notes": list(report.notes),
        "rule_version": report.rule_version,
    }
