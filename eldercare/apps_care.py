"""Registration of the care side (permissions, navigation, payroll schemes, demo builder)."""

from __future__ import annotations


def ready() -> None:
    from core.navigation import register_nav
    from core.roles import register_permissions
    from eldercare.allowance import register_allowance_schemes
    from eldercare.permissions_care import PERMISSION_LABELS, ROLE_PERMISSIONS, CarePerm

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    register_allowance_schemes()
    register_nav("养老服务", "需求评估", "eldercare:assessment_list", CarePerm.VIEW_ASSESSMENT, order=40)
    register_nav("养老服务", "津贴发放名单", "eldercare:allowance_list", CarePerm.VIEW_ALLOWANCE, order=42)
    register_nav("养老服务", "床位轮候", "eldercare:waitlist", CarePerm.VIEW_WAITLIST, order=43)
    register_nav("养老服务", "居家照护", "eldercare:homecare_list", CarePerm.VIEW_HOMECARE, order=44)

    from core.demo import register_demo_builder
    from eldercare.demo_care import build_care_demo

    register_demo_builder(60, "养老服务：需求评估、老年综合津贴、床位轮候、居家照护", build_care_demo)
