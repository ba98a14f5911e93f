"""Default roles. Roles live in the database (admins may adjust them); these are the defaults
written after every migrate, merged with the permissions other apps contribute."""

from __future__ import annotations

from typing import Any

from core.permissions import PERMISSION_LABELS, CorePerm

_REGISTRY_PERMS = [
    CorePerm.VIEW_PERSON,
    CorePerm.CHANGE_PERSON,
    CorePerm.VIEW_HOUSEHOLD,
    CorePerm.CHANGE_HOUSEHOLD,
    CorePerm.VIEW_JOB,
    CorePerm.EXPORT_DATA,
]

# code -> (name, description, permissions). Other apps extend ROLE_PERMISSIONS via
# register_role_permissions() in their AppConfig.ready().
DEFAULT_ROLES: dict[str, tuple[str, str, list[str]]] = {
    # Every registered permission, including those other apps register.
    "district_admin": ("区民政局管理员", "区级全部业务与管理权限，含敏感信息", []),
    "district_staff": (
        "区民政局业务人员",
        "区级业务办理，含敏感信息与批量导入",
        [*_REGISTRY_PERMS, CorePerm.IMPORT_DATA, CorePerm.VIEW_SENSITIVE],
    ),
    "township_officer": (
        "街镇受理人员",
        "街道/乡镇社区事务受理服务中心工作人员",
        [*_REGISTRY_PERMS, CorePerm.IMPORT_DATA],
    ),
    "village_worker": ("村居工作人员", "村/居委会社区工作者", list(_REGISTRY_PERMS)),
    "auditor": ("审计员", "查阅审计日志与后台任务", [CorePerm.VIEW_AUDIT, CorePerm.VIEW_JOB]),
    "viewer": ("只读用户", "只能查看人员和家庭户（证件号码脱敏）", [CorePerm.VIEW_PERSON, CorePerm.VIEW_HOUSEHOLD]),
}

_EXTRA: dict[str, set[str]] = {}
ALL_PERMISSIONS: dict[str, str] = dict(PERMISSION_LABELS)


def register_permissions(labels: dict[str, str], roles: dict[str, list[str]]) -> None:
    """An app's permissions (code -> Chinese label) and the default roles that get them."""
    ALL_PERMISSIONS.update(labels)
    for role_code, permissions in roles.items():
        _EXTRA.setdefault(role_code, set()).update(permissions)


def default_role_permissions() -> dict[str, list[str]]:
    result = {}
    for code, (_, _, perms) in DEFAULT_ROLES.items():
        granted = set(ALL_PERMISSIONS) if code == "district_admin" else {*perms, *_EXTRA.get(code, set())}
        result[code] = sorted(granted)
    return result


def sync_roles() -> None:
    """Create the default roles and add any new default permission. Never removes one that an
    administrator added, and never re-adds a role's name or description they changed."""
    from core.models import Role

    for code, permissions in default_role_permissions().items():
        name, description, _ = DEFAULT_ROLES[code]
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "permissions": permissions}
        )
        if not created and not set(permissions) <= set(role.permissions):
            role.permissions = sorted({*role.permissions, *permissions})
            role.save(update_fields=["permissions"])


def sync_roles_after_migrate(**kwargs: Any) -> None:
    sync_roles()
