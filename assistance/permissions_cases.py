"""Permissions of cases, temporary grants and the assistance dashboard (h3b's part of the app)."""

from enum import StrEnum


class CasePerm(StrEnum):
    VIEW_CASE = "assistance.view_case"
    # Open a case on a decision, change its amount, suspend, resume, end it.
    MANAGE_CASE = "assistance.manage_case"
    VIEW_TEMPORARY = "assistance.view_temporary"
    # Accept and decide 临时救助 grants (the 急难 fast path at township level included).
    DECIDE_TEMPORARY = "assistance.decide_temporary"
    # The review after a 急难 grant decided first (a second person, district level).
    REVIEW_TEMPORARY = "assistance.review_temporary"
    VIEW_DASHBOARD = "assistance.view_dashboard"


PERMISSION_LABELS: dict[str, str] = {
    CasePerm.VIEW_CASE: "查看救助案件",
    CasePerm.MANAGE_CASE: "办理救助案件（纳入、调整、停保、恢复、终止）",
    CasePerm.VIEW_TEMPORARY: "查看临时救助",
    CasePerm.DECIDE_TEMPORARY: "受理与审批临时救助",
    CasePerm.REVIEW_TEMPORARY: "急难型临时救助事后补审",
    CasePerm.VIEW_DASHBOARD: "查看社会救助统计",
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "district_staff": list(CasePerm),
    "township_officer": [
        CasePerm.VIEW_CASE,
        CasePerm.MANAGE_CASE,
        CasePerm.VIEW_TEMPORARY,
        CasePerm.DECIDE_TEMPORARY,
        CasePerm.VIEW_DASHBOARD,
    ],
    "village_worker": [CasePerm.VIEW_CASE, CasePerm.VIEW_TEMPORARY],
    "auditor": [CasePerm.VIEW_CASE, CasePerm.VIEW_TEMPORARY, CasePerm.VIEW_DASHBOARD],
}
