"""Registration of plan documents (permissions, menu), called from PlansConfig.ready()."""

from __future__ import annotations


def ready() -> None:
    from core.demo import register_demo_builder
    from core.navigation import register_nav
    from core.roles import register_permissions
    from plans.demo_documents import build_demo
    from plans.permissions import PERMISSION_LABELS, PlanPerm

    register_permissions(
        PERMISSION_LABELS,
        {
            "district_staff": [PlanPerm.VIEW_PLAN, PlanPerm.MANAGE_PLAN],
            "township_officer": [PlanPerm.VIEW_PLAN],
            "village_worker": [PlanPerm.VIEW_PLAN],
            "viewer": [PlanPerm.VIEW_PLAN],
        },
    )
    register_nav("规划与指标", "规划文件", "plans:plan_list", PlanPerm.VIEW_PLAN, order=10)
    register_nav("规划与指标", "导入规划", "plans:plan_upload", PlanPerm.MANAGE_PLAN, order=15)
    # Before the indicator demo (900), which computes the plan these versions belong to.
    register_demo_builder(880, "规划文件", build_demo)
