from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from core import navigation as nav
from core.scoping import has_perm


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from core.selectors import home_region

    sections: dict[str, list[dict[str, Any]]] = {}
    path = request.path
    for item in nav.items():
        if item.perm and not has_perm(user, item.perm):
            continue
        url = reverse(item.url_name)
        active = path == url if url == "/" else path.startswith(url)
        sections.setdefault(item.section, []).append({"label": item.label, "url": url, "active": active})
    return {
        "nav_sections": [{"title": title, "items": entries} for title, entries in sections.items()],
        "nav_region": home_region(user),
    }
