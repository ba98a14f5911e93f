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
    from core.demo import register_demo_builder
    from core.navigation import register_nav
    from eldercare import imports_facilities, jobs_facilities  # noqa: F401  (job handlers)
    from eldercare.demo_facilities import build_facilities_demo

    register_nav("养老服务", "养老服务设施", "eldercare:facility_list", FacilityPerm.VIEW_FACILITY, order=10)
    register_nav("养老服务", "设施覆盖", "eldercare:coverage", FacilityPerm.VIEW_FACILITY, order=11)
    register_nav("养老服务", "床位与入住看板", "eldercare:facility_dashboard", FacilityPerm.VIEW_FACILITY, order=12)
    register_nav("养老服务", "机构入住老人", "eldercare:residency_list", FacilityPerm.VIEW_FACILITY, order=13)
    register_nav("养老服务", "养老护理员", "eldercare:caregiver_list", FacilityPerm.VIEW_FACILITY, order=13)
    register_nav("养老服务", "监督检查", "eldercare:inspection_list", FacilityPerm.VIEW_SUPERVISION, order=14)
    register_nav("养老服务", "机构端", "eldercare:portal_home", FacilityPerm.USE_PORTAL, order=15)
    register_demo_builder(40, "养老服务设施、床位、入住老人、护理员与监督检查", build_facilities_demo)
