"""The REST API (/api/v1/…, OpenAPI at /api/openapi.json). Bearer tokens from /api/v1/auth/token.

Errors are JSON with Chinese messages: {"detail": "…", "errors": {"field": ["…"]}}.
"""

from __future__ import annotations

import functools
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from core.auth import api_token_user
from core.services.people import FIELD_LABELS


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None:
            return None
        request.user = user
        return user


class ChineseJSONRenderer(JSONRenderer):
    """UTF-8 JSON: Chinese text as text, not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="民政业务平台 API",
    version="1",
    description="区县民政业务平台接口。先 POST /api/v1/auth/token 取得令牌，再以 Authorization: Bearer <令牌> 调用。",
    auth=BearerToken(),
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def service_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(errors.values()))[0] if errors else "输入有误"
    return api.create_response(request, {"detail": first, "errors": errors}, status=422)


@functools.cache
def _model_field_labels() -> dict[str, str]:
    """Chinese names of every model field (``household`` -> 家庭户), so that a request missing
    an app's field is answered in Chinese too; the first app to name a field wins."""
    labels: dict[str, str] = {}
    for model in django_apps.get_models():
        for field in model._meta.get_fields():
            name = str(getattr(field, "verbose_name", "") or "")
            if name and not name.isascii():
                labels.setdefault(field.name, name)
                attname = getattr(field, "attname", field.name)
                labels.setdefault(attname, name)  # household_id as well as household
    return labels


@api.exception_handler(NinjaValidationError)
def schema_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Pydantic's English messages, rewritten per field in Chinese."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        location = [
            str(part) for part in error.get("loc", []) if part not in ("body", "query", "path", "payload", "data")
        ]
        field = location[-1] if location else "__all__"
        label = FIELD_LABELS.get(field) or _model_field_labels().get(field, field)
        kind = error.get("type", "")
        if kind == "missing":
            message = f"缺少必填字段：{label}"
        elif kind.startswith(("int", "float", "decimal")):
            message = f"{label}应为数字"
        elif kind.startswith("date"):
            message = f"{label}应为日期（YYYY-MM-DD）"
        elif kind == "json_invalid":
            message = "请求体不是有效的 JSON"
        else:
            message = f"{label}格式不正确"
        errors.setdefault(field, []).append(message)
    first = next(iter(errors.values()))[0] if errors else "输入有误"
    return api.create_response(request, {"detail": first, "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "未找到该记录，或不在您的管辖范围内"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "您的账号没有此操作的权限"}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "未登录或令牌已过期，请先获取令牌"}, status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _register_routers() -> None:
    from assistance.api import router as assistance_router
    from core.api import router as core_router
    from eldercare.api import router as eldercare_router
    from payments.api import router as payments_router
    from plans.api import router as plans_router

    api.add_router("/v1", core_router)
    api.add_router("/v1", payments_router)
    api.add_router("/v1/assistance", assistance_router)
    api.add_router("/v1/eldercare", eldercare_router)
    api.add_router("/v1/plans", plans_router)


_register_routers()
