"""Registration of h3a's part of the app (applications, case plans, parameters), called from
AssistanceConfig.ready()."""

from __future__ import annotations

from typing import Any


def _ensure_parameters(**kwargs: Any) -> None:
    from assistance.parameters import ensure_parameters

    ensure_parameters()


def ready() -> None:
    from django.db.models.signals import post_migrate

    from assistance.permissions import PERMISSION_LABELS, ROLE_PERMISSIONS, AssistancePerm
    from core.navigation import register_nav
    from core.roles import register_permissions

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    register_nav("社会救助", "救助申请", "assistance:application_list", AssistancePerm.VIEW_APPLICATION, order=10)
    register_nav("社会救助", "超期申请", "assistance:application_overdue", AssistancePerm.VIEW_APPLICATION, order=11)
    register_nav("社会救助", "救助方案", "assistance:plan_list", AssistancePerm.VIEW_CASE_PLAN, order=40)
    register_nav("工作台", "我的救助申请", "assistance:resident_home", None, order=90)
    post_migrate.connect(_ensure_parameters, dispatch_uid="assistance_ensure_parameters")
