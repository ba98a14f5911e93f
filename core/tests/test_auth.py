"""Log-in lockout, password rules, session expiry, CSRF, CSP, demo accounts, API tokens."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from conftest import OWN_VILLAGE, PASSWORD, api_client, client_for
from core import services
from core.models import ApiToken, AuditEvent, Person

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_login_and_audit(users: dict[str, Any]) -> None:
    client = Client()
    response = _login(client, "own", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="auth.login", actor_username="own").count() == 1


def test_wrong_password_says_so_in_chinese(users: dict[str, Any]) -> None:
    response = _login(Client(), "own", "wrong-password-1")
    assert "用户名或密码错误" in response.content.decode()


def test_lockout_after_five_failures_even_with_the_right_password(users: dict[str, Any]) -> None:
    client = Client()
    for _ in range(5):
        _login(client, "own", "wrong-password-1")
    response = _login(client, "own", PASSWORD)
    assert response.status_code == 200
    assert "连续登录失败次数过多，账号已锁定至" in response.content.decode()
    token = Client().post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "own", "password": PASSWORD}),
        content_type="application/json",
    )
    assert token.status_code == 423
    assert token.json()["detail"].startswith("连续登录失败次数过多")


def test_unknown_names_are_throttled_too(db: Any) -> None:
    client = Client()
    for _ in range(5):
        _login(client, "nobody", "x")
    assert "账号已锁定" in _login(client, "nobody", "x").content.decode()


def test_lockout_ends(users: dict[str, Any]) -> None:
    from core.models import LoginThrottle

    for _ in range(5):
        _login(Client(), "own", "wrong-password-1")
    LoginThrottle.objects.filter(username="own").update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert _login(Client(), "own", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1", "此密码太短，至少要包含 10 个字符。"),
        ("abcdefghijkl", "密码必须同时包含字母和数字"),
        ("1234567890123", "密码只包含数字。"),
    ],
)
def test_password_rules(db: Any, password: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.user_create(acting_user=None, username="weak", password=password)
    assert message in caught.value.message_dict["password"]


def test_idle_session_expires(users: dict[str, Any]) -> None:
    client = client_for(users["own"])
    assert client.get("/people/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_csrf_is_enforced(users: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["own"], backend="core.auth.LockoutModelBackend")
    response = client.post(
        "/people/new/", {"name": "张三", "id_number": "310230195001010011", "hukou_region": OWN_VILLAGE}
    )
    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_content_security_policy_allows_only_the_site_itself(users: dict[str, Any]) -> None:
    response = client_for(users["own"]).get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_demo_accounts_work_only_in_demo_mode(db: Any) -> None:
    services.user_create(acting_user=None, username="demo", password="minzheng-demo", is_demo=True)
    with override_settings(DEMO_MODE=False):
        assert "用户名或密码错误" in _login(Client(), "demo", "minzheng-demo").content.decode()
        assert (
            Client()
            .post(
                "/api/v1/auth/token",
                data=json.dumps({"username": "demo", "password": "minzheng-demo"}),
                content_type="application/json",
            )
            .status_code
            == 401
        )
    with override_settings(DEMO_MODE=True):
        assert _login(Client(), "demo", "minzheng-demo").status_code == 302


def test_demo_accounts_cannot_be_created_outside_demo_mode(db: Any) -> None:
    with override_settings(DEMO_MODE=False), pytest.raises(CommandError, match="只有演示模式"):
        call_command("create_demo_accounts")


def test_demo_accounts_are_created_with_their_grants(db: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pw")
    with override_settings(DEMO_MODE=True):
        call_command("create_demo_accounts")
        call_command("create_demo_accounts")  # a second run changes nothing
        assert _login(Client(), "village_worker", "another-demo-pw").status_code == 302
    from core.models import User

    worker = User.objects.get(username="village_worker")
    assert list(worker.grants.values_list("role_id", "region_id")) == [("village_worker", "310151101001")]
    admin = User.objects.get(username="district_admin")
    assert list(admin.grants.values_list("role_id", "region_id")) == [("district_admin", "310151")]


def test_api_token_flow(users: dict[str, Any]) -> None:
    bad = Client().post(
        "/api/v1/auth/token", data=json.dumps({"username": "own", "password": "nope"}), content_type="application/json"
    )
    assert bad.status_code == 401 and bad.json() == {"detail": "用户名或密码错误"}
    good = Client().post(
        "/api/v1/auth/token",
        data=json.dumps({"username": "own", "password": PASSWORD}),
        content_type="application/json",
    )
    assert good.status_code == 200
    token = good.json()["token"]
    assert good.json()["token_type"] == "Bearer"
    assert api_client(token).get("/api/v1/persons").status_code == 200
    assert ApiToken.objects.get().key_hash != token  # only a hash is stored
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = api_client(token).get("/api/v1/persons")
    assert expired.status_code == 401 and expired.json() == {"detail": "未登录或令牌已过期，请先获取令牌"}


def test_settings_for_sessions() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE == 1800 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_HTTPONLY
