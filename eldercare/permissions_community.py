"""Permissions of the community services (助餐, 养老顾问, 老伙伴计划, 适老化改造)."""

from enum import StrEnum


class CommunityPerm(StrEnum):
    VIEW = "eldercare.view_community"
    # Enrol people at meal points; enter daily orders and meals served.
    MANAGE_MEALS = "eldercare.manage_meals"
    # Compute and confirm the monthly subsidy settlement of meal points.
    SETTLE_MEALS = "eldercare.settle_meals"
    RECORD_ADVICE = "eldercare.record_advice"
    MANAGE_PEER = "eldercare.manage_peer_visits"
    # Accept, assess and record the works of home adaptations.
    MANAGE_ADAPTATION = "eldercare.manage_adaptation"
    # Approve or reject, and settle the subsidy.
    APPROVE_ADAPTATION = "eldercare.approve_adaptation"


PERMISSION_LABELS: dict[str, str] = {
    CommunityPerm.VIEW: "查看社区养老服务（助餐、养老顾问、老伙伴计划、适老化改造）",
    CommunityPerm.MANAGE_MEALS: "助餐登记与每日订餐/供餐填报",
    CommunityPerm.SETTLE_MEALS: "助餐补贴月度结算",
    CommunityPerm.RECORD_ADVICE: "登记养老顾问咨询",
    CommunityPerm.MANAGE_PEER: "老伙伴计划结对与探访登记",
    CommunityPerm.MANAGE_ADAPTATION: "适老化改造受理、评估与完工登记",
    CommunityPerm.APPROVE_ADAPTATION: "适老化改造审批与补贴结算",
}

_FRONT_LINE = [
    CommunityPerm.VIEW,
    CommunityPerm.MANAGE_MEALS,
    CommunityPerm.RECORD_ADVICE,
    CommunityPerm.MANAGE_PEER,
    CommunityPerm.MANAGE_ADAPTATION,
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "district_staff": [*_FRONT_LINE, CommunityPerm.SETTLE_MEALS, CommunityPerm.APPROVE_ADAPTATION],
    "township_officer": [*_FRONT_LINE, CommunityPerm.APPROVE_ADAPTATION],
    "village_worker": list(_FRONT_LINE),
    "auditor": [CommunityPerm.VIEW],
}
