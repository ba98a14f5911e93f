from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from core.scoping import region_filter

if TYPE_CHECKING:
    from core.models.access import User

__all__ = ["AuditEvent"]


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def visible_to(self, user: User, perm: str) -> AuditEventQuerySet:
        return self.filter(region_filter(user, perm, "region_code"))


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    ``hash`` covers every field below plus ``prev_hash``, the hash of the event before it, so
    editing or deleting any stored event breaks the chain from there on
    (``manage.py verify_audit`` finds the first broken link). Personal data is masked in
    ``changes``.
    """

    occurred_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        "core.User", verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=80, db_index=True)
    object_type = models.CharField("对象类型", max_length=80, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    region_code = models.CharField("区划", max_length=12, blank=True, db_index=True)
    changes = models.JSONField("内容", default=dict, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    ip_address = models.CharField("IP", max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action}"
