"""Who may see and change what, where: the single choke point for region-scoped access.

A user's rights are their role grants: (role → permissions) × (region and everything below).
Every read of personal data starts from ``Model.objects.visible_to(user, perm)``, which is
built on :func:`region_filter`; single objects come from :func:`get_visible_or_404`, which
answers the same "not found" for a missing record and for one outside the user's regions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from core.models.access import User

    AnyUser = User | AnonymousUser

M = TypeVar("M", bound=models.Model)

_CACHE_ATTR = "_minzheng_grants"


def _grants(user: Any) -> list[tuple[frozenset[str], str]]:
    """(permissions, region code) for each grant of the user, loaded once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        from core.models.access import RoleGrant

        cached = [
            (frozenset(permissions), region_id)
            for permissions, region_id in RoleGrant.objects.filter(user=user).values_list(
                "role__permissions", "region_id"
            )
        ]
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_grants(user: Any) -> None:
    """Drop the cached grants (after granting or revoking a role to this user object)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def grant_prefixes(user: Any, perm: str) -> list[str]:
    """Region codes where the user holds ``perm``, without codes already covered by a broader one."""
    codes = sorted({region for permissions, region in _grants(user) if perm in permissions}, key=len)
    kept: list[str] = []
    for code in codes:
        if not any(code.startswith(broader) for broader in kept):
            kept.append(code)
    return kept


def has_perm(user: Any, perm: str, region_code: str | None = None) -> bool:
    """Does the user hold ``perm`` at ``region_code`` (or anywhere, when no region is given)?"""
    prefixes = grant_prefixes(user, perm)
    if region_code is None:
        return bool(prefixes)
    return any(region_code.startswith(prefix) for prefix in prefixes)


def region_filter(user: Any, perm: str, *code_paths: str) -> Q:
    """A Q matching rows whose region code (any of ``code_paths``) lies inside a granted region."""
    condition = Q(pk__in=[])
    for prefix in grant_prefixes(user, perm):
        for path in code_paths:
            condition |= Q(**{f"{path}__startswith": prefix})
    return condition


def get_visible_or_404[M: models.Model](queryset: models.QuerySet[M], user: Any, perm: str, **lookup: Any) -> M:
    """One object the user may act on with ``perm``; Http404 alike when missing or out of scope."""
    visible = queryset.visible_to(user, perm)  # type: ignore[attr-defined]
    try:
        return visible.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("未找到该记录") from None
