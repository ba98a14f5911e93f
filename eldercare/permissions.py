"""Permissions of the facility side of eldercare (facilities, residents, workforce, supervision)."""

from enum import StrEnum


class FacilityPerm(StrEnum):
    VIEW_FACILITY = "eldercare.view_facility"
    CHANGE_FACILITY = "eldercare.change_facility"
    # Admit, discharge and transfer residents; register caregivers.
    MANAGE_RESIDENTS = "eldercare.manage_residents"
    VIEW_SUPERVISION = "eldercare.view_supervision"
    MANAGE_SUPERVISION = "eldercare.manage_supervision"
    # The facility portal: acts only on facilities the user is linked to (FacilityStaff).
    USE_PORTAL = "eldercare.use_facility_portal"


PERMISSION_LABELS: dict[str, str] = {
    FacilityPerm.VIEW_FACILITY: "查看养老服务设施",
    FacilityPerm.CHANGE_FACILITY: "维护养老服务设施与床位",
    FacilityPerm.MANAGE_RESIDENTS: "办理入住/退住/转床与护理员登记",
    FacilityPerm.VIEW_SUPERVISION: "查看监督检查",
    FacilityPerm.MANAGE_SUPERVISION: "双随机抽查、检查记录与黑名单管理",
    FacilityPerm.USE_PORTAL: "使用机构端（本机构床位、入住老人、护理员）",
}
