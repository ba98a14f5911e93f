"""Permissions of economic verification and reviews (h3c's part of the app)."""

from enum import StrEnum


class VerificationPerm(StrEnum):
    VIEW_VERIFICATION = "assistance.view_verification"
    # Start verification jobs for households in the user's regions.
    RUN_VERIFICATION = "assistance.run_verification"
    # Load data-source extracts (they hold data on people outside any one township).
    IMPORT_FACTS = "assistance.import_facts"
    VIEW_REVIEW = "assistance.view_review"
    # Decide a review's outcome and schedule due reviews.
    DECIDE_REVIEW = "assistance.decide_review"


PERMISSION_LABELS: dict[str, str] = {
    VerificationPerm.VIEW_VERIFICATION: "查看经济状况核对报告",
    VerificationPerm.RUN_VERIFICATION: "发起经济状况核对",
    VerificationPerm.IMPORT_FACTS: "导入核对数据",
    VerificationPerm.VIEW_REVIEW: "查看复核",
    VerificationPerm.DECIDE_REVIEW: "办理复核",
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "district_staff": list(VerificationPerm),
    "township_officer": [
        VerificationPerm.VIEW_VERIFICATION,
        VerificationPerm.RUN_VERIFICATION,
        VerificationPerm.VIEW_REVIEW,
        VerificationPerm.DECIDE_REVIEW,
    ],
    "village_worker": [VerificationPerm.VIEW_REVIEW],
    "auditor": [VerificationPerm.VIEW_VERIFICATION, VerificationPerm.VIEW_REVIEW],
}
