"""Permissions of computing indicators. Reading dashboards and snapshots needs the plan's view
permission (``plans.view_plan``, registered with the documents)."""

from enum import StrEnum

VIEW_PLAN = "plans.view_plan"


class IndicatorPerm(StrEnum):
    # Enter manual data values and set formulas.
    MANAGE_DATA = "plans.manage_data"
    # Start a recompute of a plan's snapshots.
    RECOMPUTE = "plans.recompute"


PERMISSION_LABELS: dict[str, str] = {
    IndicatorPerm.MANAGE_DATA: "维护指标公式与人工填报数据",
    IndicatorPerm.RECOMPUTE: "重算规划指标",
}
