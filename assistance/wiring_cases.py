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
    from assistance.permissions_cases import PERMISSION_LABELS, ROLE_PERMISSIONS
    from core.roles import register_permissions

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    schemes.register()
    post_migrate.connect(_ensure_parameters, dispatch_uid="assistance_ensure_temporary_parameters")
