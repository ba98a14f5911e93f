"""Log-in rules: lockout after repeated failures, password strength, demo accounts, API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from core.models import ApiToken, LoginThrottle, User


class AccountLocked(Exception):
    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(until)
        self.until = until


def lockout_until(username: str) -> datetime.datetime | None:
    throttle = LoginThrottle.objects.filter(username=username.lower()).first()
    if throttle and throttle.locked_until and throttle.locked_until > timezone.now():
        return throttle.locked_until
    return None


def _record_failure(username: str) -> None:
    with transaction.atomic():
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(username=username.lower())
        now = timezone.now()
        throttle.failures += 1
        throttle.last_failure_at = now
        if throttle.failures >= settings.LOGIN_MAX_FAILURES:
            throttle.locked_until = now + datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            throttle.failures = 0
        throttle.save()


def _clear_failures(username: str) -> None:
    LoginThrottle.objects.filter(username=username.lower()).delete()


def check_credentials(username: str, password: str) -> User | None:
    """The one place a user name and password are checked (web log-in and API tokens).

    Raises AccountLocked while the name is locked, even for the right password, so that
    guessing cannot continue during the lockout.
    """
    until = lockout_until(username)
    if until:
        raise AccountLocked(until)
    user = User.objects.filter(username=username).first()
    valid = (
        user is not None
        and user.is_active
        and (settings.DEMO_MODE or not user.is_demo)
        and user.check_password(password)
    )
    if not valid:
        _record_failure(username)
        until = lockout_until(username)
        if until:
            raise AccountLocked(until)
        return None
    _clear_failures(username)
    return user


class LockoutModelBackend(ModelBackend):
    """Django authentication through check_credentials (lockout, demo accounts)."""

    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        return check_credentials(username, password)

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(user.is_active) and (settings.DEMO_MODE or not getattr(user, "is_demo", False))


class CharacterClassValidator:
    """A password must mix letters and digits (等保 password complexity)."""

    def validate(self, password: str, user: Any = None) -> None:
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError("密码必须同时包含字母和数字", code="password_classes")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(user: User) -> tuple[str, ApiToken]:
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_token_hash(key),
        expires_at=timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_HOURS),
    )
    return key, token


def api_token_user(key: str) -> User | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(key)).first()
    if token is None or token.expires_at <= timezone.now():
        return None
    user = token.user
    if not user.is_active or (user.is_demo and not settings.DEMO_MODE):
        return None
    return user
