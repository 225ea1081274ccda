"""Per request: an id (X-Request-ID, also on error pages), one JSON access log line, and the request metrics."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import Token
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty

from patriot.core import metrics
from patriot.core.logging import request_id_var, route_of
from patriot.core.ratelimit import is_trusted_proxy

logger = logging.getLogger("patriot.request")

HEADER = "X-Request-ID"
# What a trusted proxy may hand us as the id: short, and nothing that could break a log line or a header.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}\Z")


def incoming_request_id(request: HttpRequest) -> str:
    """A trusted proxy's X-Request-ID when it is sane (so one id follows the request through nginx), else a new one."""
    offered = request.headers.get(HEADER, "")
    if offered and _SANE_ID.match(offered) and is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
        return offered
    return uuid.uuid4().hex


def role_of(request: HttpRequest, *, may_load: bool) -> str:
    """The signed-in user's role or "anonymous"; "unknown" when the user was never loaded and may not be now
    (on the event loop, loading would query the database)."""
    user = getattr(request, "user", None)
    if user is None:
        return "anonymous"
    if not may_load and getattr(user, "_wrapped", None) is empty:
        return "unknown"
    if not user.is_authenticated:
        return "anonymous"
    return str(getattr(user, "role", "") or "unknown")


class RequestLogMiddleware:
    """Outermost middleware: sets the request id, times the answer, logs it and counts it.

    A streaming answer (the live events) is passed on untouched: its time is the time to start it.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        token, started = self._begin(request)
        try:
            response = self.get_response(request)
            self._finish(request, response, started, role_of(request, may_load=True))
            return response
        finally:
            request_id_var.reset(token)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        token, started = self._begin(request)
        try:
            response = await self.get_response(request)
            self._finish(request, response, started, role_of(request, may_load=False))
            return response
        finally:
            request_id_var.reset(token)

    @staticmethod
    def _begin(request: HttpRequest) -> tuple[Token[str], float]:
        request_id = incoming_request_id(request)
        request.request_id = request_id  # type: ignore[attr-defined]  # our own attribute on the request
        return request_id_var.set(request_id), time.perf_counter()

    @staticmethod
    def _finish(request: HttpRequest, response: HttpResponseBase, started: float, role: str) -> None:
        seconds = time.perf_counter() - started
        route = route_of(request)
        response[HEADER] = request.request_id  # type: ignore[attr-defined]  # set in _begin
        metrics.observe_request(route, request.method or "", response.status_code, seconds)
        logger.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "role": role,
            },
        )
