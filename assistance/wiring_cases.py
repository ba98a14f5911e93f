"""Registration of h3b's part of the app (cases, payroll schemes, temporary grants, dashboard),
called from AssistanceConfig.ready()."""

from __future__ import annotations


def ready() -> None:
    from assistance import schemes
    from assistance.permissions_cases import PERMISSION_LABELS, ROLE_PERMISSIONS
    from core.roles import register_permissions

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    schemes.register()
