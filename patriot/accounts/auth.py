"""API authentication: bearer tokens for API clients, the Django session (with CSRF) for pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from patriot.accounts.models import User
from patriot.core.errors import Forbidden


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        from patriot.accounts.services import authenticate_token

        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


def session_user(request: HttpRequest) -> User | None:
    """The active account signed in by the session cookie, or None.

    A cookie travels with every request the browser makes, a forged one from another site too; so a write (any
    method but GET, HEAD, OPTIONS, TRACE) counts the session only with a valid CSRF token, and answers 403
    `csrf_failed` without one rather than acting for the account.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if check_csrf(request) is not None:
        raise Forbidden(
            _("Token CSRF tidak ada atau salah. Muat ulang halaman lalu coba lagi, atau kirim token API."),
            code="csrf_failed",
        )
    return user


class StaffSessionAuth(SessionAuth):
    def __init__(self) -> None:
        # CSRF is checked in session_user, once a session is known: a call without any session is then a 401.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return session_user(request)


# Either a token (API clients) or a logged-in session (pages); the role decides what follows.
STAFF_AUTH = [TokenAuth(), StaffSessionAuth()]


class SignedInRequest(HttpRequest):
    """For type checking only: a page request past a sign-in check (login_required, staff_page, citizen_required),
    so `request.user` is a User, never AnonymousUser. Views annotate their `request` with it; nothing creates one."""

    user: User
