"""The access matrix machinery shared by every app's access tests.

Each app lists its endpoints as :class:`Case` rows and, per family of endpoints, who stands in
each column (anonymous / no permission / other region / own region / parent region). The
check is the same everywhere: refused requests answer like a missing record (404), or 403
for a user without the permission at all, or a field error for a write into another region,
and a refused request writes nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from conftest import api_client, client_for
from core.models import User

COLUMNS = ["anonymous", "noperm", "other", "own", "parent"]
OK, FOUND_NOT, FORBIDDEN, REJECTED = "ok", "404", "403", "rejected"


@dataclass(frozen=True)
class Case:
    id: str
    family: str
    method: str
    path: Callable[[Any], str]
    api: bool = False
    data: Callable[[Any], Any] | None = None
    # Expected outcome per column; "ok" means the success status below.
    expect: dict[str, str] = field(default_factory=dict)
    success: int = 200
    # For lists: text that must appear for own/parent and must not appear for other.
    marker: Callable[[Any], str] | None = None
    # Send ``data`` as a multipart form (file uploads), for the web and the API alike.
    multipart: bool = False


def object_access(**overrides: str) -> dict[str, str]:
    return {"noperm": FORBIDDEN, "other": FOUND_NOT, "own": OK, "parent": OK} | overrides


def list_access(**overrides: str) -> dict[str, str]:
    return {"noperm": FORBIDDEN, "other": OK, "own": OK, "parent": OK} | overrides


def create_access(**overrides: str) -> dict[str, str]:
    return {"noperm": FORBIDDEN, "other": REJECTED, "own": OK, "parent": OK} | overrides


def everyone() -> dict[str, str]:
    return {"noperm": OK, "other": OK, "own": OK, "parent": OK}


def client_for_column(
    case: Case,
    column: str,
    families: dict[str, dict[str, tuple[str, str]]],
    make_user: Callable[..., User],
    api_token: Callable[[User], str],
) -> Client:
    if column == "anonymous":
        return api_client(None) if case.api else Client()
    role, region = families[case.family][column]
    user = User.objects.filter(username=f"matrix-{column}").first() or make_user(f"matrix-{column}", role, region)
    return api_client(api_token(user)) if case.api else client_for(user)


def send(client: Client, case: Case, world: Any) -> Any:
    path = case.path(world)
    data = case.data(world) if case.data else None
    if case.multipart:
        return client.post(path, data=data or {})
    if case.api:
        method = getattr(client, case.method)
        if case.method in ("get", "delete"):
            return method(path)
        return method(path, data=json.dumps(data or {}), content_type="application/json")
    if case.method == "get":
        return client.get(path)
    return client.post(path, data=data or {})


def check(case: Case, column: str, world: Any, client: Client, snapshot: Callable[[], Any]) -> None:
    """Send the case's request as the column's user and check the outcome and that refusals wrote nothing."""
    before = snapshot()
    response = send(client, case, world)
    expected = "anon" if column == "anonymous" else case.expect[column]
    body = response.content.decode("utf-8", errors="replace") if not response.streaming else ""
    if expected == "anon":
        if case.api:
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and response["Location"].startswith("/login/")
    elif expected == FORBIDDEN:
        assert response.status_code == 403
    elif expected == FOUND_NOT:
        assert response.status_code == 404
        if case.api:
            assert response.json() == {"detail": "未找到该记录，或不在您的管辖范围内"}
    elif expected == REJECTED:
        # Writing into a region outside the user's scope: a field error, not a write.
        if case.api:
            assert response.status_code == 422
            assert response.json()["errors"]
        else:
            assert response.status_code == 200
            assert "errorlist" in body
    else:
        assert response.status_code == case.success, body[:500]

    if expected in ("anon", FORBIDDEN, FOUND_NOT, REJECTED):
        assert snapshot() == before
    if case.marker and expected == OK and response.status_code == 200 and not response.get("Content-Disposition"):
        marker = case.marker(world)
        if column == "other":
            assert marker not in body
        else:
            assert marker in body
