"""Registration of the facility side (permissions, the facility_staff role, navigation, demo)."""

from __future__ import annotations


def ready() -> None:
    from core.roles import DEFAULT_ROLES, register_permissions
    from eldercare.permissions import PERMISSION_LABELS, FacilityPerm

    DEFAULT_ROLES.setdefault(
        "facility_staff",
        ("养老服务机构工作人员", "机构端：只管理本机构（授权关联的设施）的床位、入住老人和护理员", []),
    )
    register_permissions(
        PERMISSION_LABELS,
        {
            "district_staff": [
                FacilityPerm.VIEW_FACILITY,
                FacilityPerm.CHANGE_FACILITY,
                FacilityPerm.MANAGE_RESIDENTS,
                FacilityPerm.VIEW_SUPERVISION,
                FacilityPerm.MANAGE_SUPERVISION,
            ],
            "township_officer": [
                FacilityPerm.VIEW_FACILITY,
                FacilityPerm.MANAGE_RESIDENTS,
                FacilityPerm.VIEW_SUPERVISION,
            ],
            "village_worker": [FacilityPerm.VIEW_FACILITY],
            "auditor": [FacilityPerm.VIEW_FACILITY, FacilityPerm.VIEW_SUPERVISION],
            "facility_staff": [FacilityPerm.USE_PORTAL],
        },
    )
