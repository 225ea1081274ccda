"""Password login through the throttle in accounts.throttle (progressive delays, never a long lock-out)."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from patriot.accounts.models import User
from patriot.accounts.throttle import check_password_throttled


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if username is None:
            return None
        check = functools.partial(super().authenticate, request, username=username, password=password, **kwargs)
        return check_password_throttled(username, request, check)
