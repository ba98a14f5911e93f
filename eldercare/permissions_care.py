"""Permissions of the care side of eldercare: assessments, allowances, the waiting list, home care."""

from enum import StrEnum


class CarePerm(StrEnum):
    VIEW_ASSESSMENT = "eldercare.view_assessment"
    CHANGE_ASSESSMENT = "eldercare.change_assessment"
    VIEW_ALLOWANCE = "eldercare.view_allowance"
    # Suspend / resume a person's allowance (停发、恢复发放).
    MANAGE_ALLOWANCE = "eldercare.manage_allowance"
    VIEW_WAITLIST = "eldercare.view_waitlist"
    # Applications, offers, admission from the waiting list.
    MANAGE_WAITLIST = "eldercare.manage_waitlist"
    VIEW_HOMECARE = "eldercare.view_homecare"
    # Orders, scheduling of visits, check-in and check-out.
    MANAGE_HOMECARE = "eldercare.manage_homecare"


PERMISSION_LABELS: dict[str, str] = {
    CarePerm.VIEW_ASSESSMENT: "查看统一需求评估",
    CarePerm.CHANGE_ASSESSMENT: "登记统一需求评估结果",
    CarePerm.VIEW_ALLOWANCE: "查看老年综合津贴/高龄津贴",
    CarePerm.MANAGE_ALLOWANCE: "津贴停发与恢复",
    CarePerm.VIEW_WAITLIST: "查看养老床位轮候",
    CarePerm.MANAGE_WAITLIST: "办理床位申请、轮候通知与入住",
    CarePerm.VIEW_HOMECARE: "查看居家照护与喘息服务",
    CarePerm.MANAGE_HOMECARE: "办理居家照护服务单、排班与签到签退",
}

_VIEW: list[str] = [CarePerm.VIEW_ASSESSMENT, CarePerm.VIEW_ALLOWANCE, CarePerm.VIEW_WAITLIST, CarePerm.VIEW_HOMECARE]
_ALL: list[str] = list(CarePerm)

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "district_staff": _ALL,
    "township_officer": _ALL,
    "village_worker": [*_VIEW, CarePerm.MANAGE_HOMECARE],
    "viewer": [CarePerm.VIEW_ASSESSMENT],
}
