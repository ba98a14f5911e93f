"""Registration of computing indicators (permissions, menu, job kind, demo), called from PlansConfig.ready()."""

from __future__ import annotations


def ready() -> None:
    from core.demo import register_demo_builder
    from core.jobs import job_handler, register_count_labels
    from core.models import Job
    from core.navigation import register_nav
    from core.roles import register_permissions
    from plans import data_items
    from plans.demo_indicators import build_demo
    from plans.permissions_indicators import PERMISSION_LABELS, VIEW_PLAN, IndicatorPerm
    from plans.services.indicators import RECOMPUTE_JOB, run_recompute

    register_permissions(
        PERMISSION_LABELS,
        {
            "district_staff": [IndicatorPerm.MANAGE_DATA, IndicatorPerm.RECOMPUTE],
        },
    )

    @job_handler(RECOMPUTE_JOB, "规划指标重算")
    def recompute(job: Job) -> None:
        run_recompute(job)

    register_count_labels(
        {
            "indicators": "指标数",
            "formulas": "已设公式",
            "regions": "区划数",
            "years": "年度数",
            "snapshots": "快照数",
            "items": "数据项",
            "formula_errors": "公式错误",
            "formulas_linked": "新关联公式",
        }
    )
    register_nav("规划与指标", "指标监测", "plans:indicator_dashboard_home", VIEW_PLAN, order=20)
    register_nav("规划与指标", "人工填报数据", "plans:manual_value_list", IndicatorPerm.MANAGE_DATA, order=40)
    register_nav("规划与指标", "数据项", "plans:data_item_list", VIEW_PLAN, order=50)
    register_demo_builder(900, "规划指标计算", build_demo)
    data_items.adopt_app_selectors()
