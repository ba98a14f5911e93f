"""Helpers shared by the web views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from core.models import User
from core.scoping import has_perm


class AuthedRequest(HttpRequest):
    """The request of a view behind login_required/require_perm: its user is signed in."""

    user: User  # type: ignore[assignment]


PAGE_SIZE = 20


def require_perm(perm: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Signed in (else to the log-in page) and holding ``perm`` in some region (else 403).
    Which records they may touch is then the scoped queryset's business."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not has_perm(request.user, perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def region_select(filterset: Any, user: User, perm: str) -> None:
    """Show the list's region filter as a choice of the townships and villages in the user's scope."""
    from django import forms

    from core.selectors import region_choices

    field = filterset.form.fields["region"]
    field.widget = forms.Select(choices=[("", "全部"), *region_choices(user, perm)])


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> tuple[Page[Any], str]:
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
