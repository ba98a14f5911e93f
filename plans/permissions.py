"""Permissions of plan documents (import, versions, key-project progress, evaluation)."""

from enum import StrEnum


class PlanPerm(StrEnum):
    # Read plans, their versions, indicators, tasks, key projects and evaluation reports.
    VIEW_PLAN = "plans.view_plan"
    # Import a plan document (a new version) and enter key-project progress.
    MANAGE_PLAN = "plans.manage_plan"


PERMISSION_LABELS: dict[str, str] = {
    PlanPerm.VIEW_PLAN: "查看规划与指标",
    PlanPerm.MANAGE_PLAN: "导入规划文件、填报重点项目进展",
}
