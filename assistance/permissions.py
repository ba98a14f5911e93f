"""Permissions of applications and case plans (h3a's part of the app). Others keep theirs in
``permissions_cases.py`` / ``permissions_verification.py``; append here, do not rewrite."""

from enum import StrEnum


class AssistancePerm(StrEnum):
    VIEW_APPLICATION = "assistance.view_application"
    # Intake, members, documents, verification request, home visit, appraisal, publicity.
    HANDLE_APPLICATION = "assistance.handle_application"
    # 审核确认: approve or refuse, at the level the region's policy names.
    DECIDE_APPLICATION = "assistance.decide_application"
    VIEW_CASE_PLAN = "assistance.view_case_plan"
    # 救助顾问: open a plan, add services, referrals and follow-ups, close it.
    MANAGE_CASE_PLAN = "assistance.manage_case_plan"


PERMISSION_LABELS: dict[str, str] = {
    AssistancePerm.VIEW_APPLICATION: "查看救助申请",
    AssistancePerm.HANDLE_APPLICATION: "受理与办理救助申请（核对、入户调查、评议、公示）",
    AssistancePerm.DECIDE_APPLICATION: "审核确认救助申请",
    AssistancePerm.VIEW_CASE_PLAN: "查看救助方案",
    AssistancePerm.MANAGE_CASE_PLAN: "制定与跟进救助方案（救助顾问）",
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "district_staff": list(AssistancePerm),
    "township_officer": list(AssistancePerm),
    # Intake and the steps are the township office's (一门受理); village committees see their
    # village's applications and take part in visits with the township staff.
    "village_worker": [AssistancePerm.VIEW_APPLICATION, AssistancePerm.VIEW_CASE_PLAN],
    "auditor": [AssistancePerm.VIEW_APPLICATION, AssistancePerm.VIEW_CASE_PLAN],
}
