"""Registration of h3b's part of the app (cases, payroll schemes, temporary grants, dashboard),
called from AssistanceConfig.ready()."""

from __future__ import annotations

from typing import Any


def _ensure_parameters(**kwargs: Any) -> None:
    from assistance.parameters_temporary import ensure_temporary_parameters

    ensure_temporary_parameters()


def ready() -> None:
    from django.db.models.signals import post_migrate

    from assistance import schemes
    from assistance.permissions_cases import PERMISSION_LABELS, ROLE_PERMISSIONS, CasePerm
    from core.navigation import register_nav
    from core.roles import register_permissions

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    schemes.register()
    register_nav("社会救助", "救助案件", "assistance:case_list", CasePerm.VIEW_CASE, order=20)
    register_nav("社会救助", "临时救助", "assistance:temporary_list", CasePerm.VIEW_TEMPORARY, order=25)
    register_nav("社会救助", "救助统计", "assistance:dashboard", CasePerm.VIEW_DASHBOARD, order=29)
    post_migrate.connect(_ensure_parameters, dispatch_uid="assistance_ensure_temporary_parameters")
