from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

__all__ = ["ApiToken", "LoginThrottle", "Role", "RoleGrant", "User"]


class User(AbstractUser):
    """A person who logs in: bureau, township or village staff, a provider or an auditor.

    What a user may do, and where, comes only from role grants; ``is_superuser`` is not used
    for data access.
    """

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    # Demo accounts can log in only while the site runs in demo mode (MINZHENG_DEMO=1).
    is_demo = models.BooleanField("演示账号", default=False)
    # A resident's own account (居民): the person they are in the registry. Residents hold no
    # role grant; pages for residents show only what concerns this person and their household.
    person = models.OneToOneField(
        "core.Person",
        verbose_name="本人档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user_account",
    )

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Role(models.Model):
    """A named set of permissions (e.g. 村居工作人员). Defaults come from core.roles; data, not code."""

    code = models.CharField("代码", max_length=50, primary_key=True)
    name = models.CharField("名称", max_length=50)
    description = models.CharField("说明", max_length=300, blank=True)
    permissions = models.JSONField("权限", default=list)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class RoleGrant(models.Model):
    """A user holds a role in a region and everything below it."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants")
    role = models.ForeignKey(Role, verbose_name="角色", on_delete=models.PROTECT, related_name="grants")
    region = models.ForeignKey("core.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(
        User, verbose_name="授权人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                name="core_rolegrant_unique",
                violation_error_message="该用户在此区划已有此角色",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.region_id}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 is stored; it expires."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key_hash[:8]}"


class LoginThrottle(models.Model):
    """Failed log-ins per user name (known or not), for the lockout."""

    username = models.CharField(max_length=150, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.username
