from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core import requestcontext


class RequestIdMiddleware:
    """Give every request an id (echoed in X-Request-ID) that its audit events carry."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = uuid.uuid4().hex
        ip = request.META.get("REMOTE_ADDR", "")
        tokens = (requestcontext.request_id.set(rid), requestcontext.client_ip.set(ip))
        try:
            response = self.get_response(request)
        finally:
            requestcontext.request_id.reset(tokens[0])
            requestcontext.client_ip.reset(tokens[1])
        response["X-Request-ID"] = rid
        return response
