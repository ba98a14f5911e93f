"""Users and their role grants."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from core.models import Region, Role, RoleGrant, User
from core.permissions import CorePerm
from core.scoping import forget_grants, has_perm


def user_create(
    *,
    acting_user: User | None,
    username: str,
    password: str,
    display_name: str = "",
    is_demo: bool = False,
    region_code: str = "",
) -> User:
    """Create a log-in. ``acting_user`` None only for set-up commands run by an operator."""
    username = username.strip()
    if not username:
        raise ValidationError({"username": ["用户名不能为空"]})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [f"用户名 {username} 已存在"]})
    user = User(username=username, display_name=display_name.strip())
    if not is_demo:
        # Demo accounts use the demo password, usable only in demo mode; real accounts must
        # pass the password rules.
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
    user.is_demo = is_demo
    user.set_password(password)
    with transaction.atomic():
        user.save()
        audit_record(
            action="user.create",
            actor=acting_user,
            obj=user,
            region_code=region_code,
            changes={"username": username, "display_name": user.display_name, "is_demo": is_demo},
        )
    return user


def user_set_password(*, acting_user: User, user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(action="user.set_password", actor=acting_user, obj=user)


def role_grant_create(*, acting_user: User | None, user: User, role: Role, region: Region) -> RoleGrant:
    """Grant a role in a region. Administrators can grant only inside their own regions."""
    if acting_user is not None and not has_perm(acting_user, CorePerm.MANAGE_USERS, region.code):
        raise ValidationError({"region": ["您无权在该区划授权"]})
    if RoleGrant.objects.filter(user=user, role=role, region=region).exists():
        raise ValidationError({"role": [f"{user} 在 {region.display_name} 已有角色 {role.name}"]})
    with transaction.atomic():
        grant = RoleGrant.objects.create(user=user, role=role, region=region, granted_by=acting_user)
        audit_record(
            action="role_grant.create",
            actor=acting_user,
            obj=grant,
            region_code=region.code,
            changes={"user": user.username, "role": role.code, "region": region.code},
        )
    forget_grants(user)
    return grant


def role_grant_revoke(*, acting_user: User, grant: RoleGrant) -> None:
    if not has_perm(acting_user, CorePerm.MANAGE_USERS, grant.region_id):
        raise ValidationError({"region": ["您无权撤销该区划的授权"]})
    with transaction.atomic():
        audit_record(
            action="role_grant.revoke",
            actor=acting_user,
            obj=grant,
            region_code=grant.region_id,
            changes={"user": grant.user.username, "role": grant.role_id, "region": grant.region_id},
        )
        grant.delete()
    forget_grants(grant.user)
