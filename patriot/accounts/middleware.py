"""Staff sessions end after PATRIOT_STAFF_SESSION_IDLE_SECONDS without activity and PATRIOT_STAFF_SESSION_MAX_SECONDS
after signing in; citizens' sessions keep Django's long cookie age."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SIGNED_IN_AT = "patriot_signed_in_at"
ACTIVE_AT = "patriot_active_at"
# Activity is stored at most this often, so clicking around does not write the session on every request.
ACTIVITY_RESOLUTION_SECONDS = 60


def record_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: the absolute limit counts from here."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[ACTIVE_AT] = now


def _is_activity(request: HttpRequest) -> bool:
    """A person did something: not a live-event stream, nor an htmx refresh fetched on its own (a control-room
    screen left open refreshes all day and must still time out)."""
    if request.method not in ("GET", "HEAD"):
        return True
    if "text/event-stream" in request.headers.get("Accept", ""):
        return False
    return "HX-Request" not in request.headers


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "is_staff_role", False):
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        active_at = session.setdefault(ACTIVE_AT, now)
        idle = now - active_at > settings.PATRIOT_STAFF_SESSION_IDLE_SECONDS
        too_long = now - signed_in_at > settings.PATRIOT_STAFF_SESSION_MAX_SECONDS
        if idle or too_long:
            logout(request)
            messages.info(request, _("Sesi Anda berakhir. Silakan masuk lagi."))
        elif _is_activity(request) and now - active_at >= ACTIVITY_RESOLUTION_SECONDS:
            session[ACTIVE_AT] = now
