"""Registration of the care side (permissions, navigation, payroll schemes, demo builder)."""

from __future__ import annotations


def ready() -> None:
    from core.roles import register_permissions
    from eldercare.allowance import register_allowance_schemes
    from eldercare.permissions_care import PERMISSION_LABELS, ROLE_PERMISSIONS

    register_permissions(PERMISSION_LABELS, ROLE_PERMISSIONS)
    register_allowance_schemes()
