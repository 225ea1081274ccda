"""Password login that closes for a while after repeated failures for one account from one address.

The failure counts live in the cache (Redis when configured). With Redis down the throttle is not applied (the
outage is logged once by core.redis_health): the control room must still be able to sign in during an outage.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest
from redis import RedisError


def _failure_key(username: str, request: HttpRequest | None) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    return f"login-failures:{username.lower()}:{address}"


def is_locked_out(username: str, request: HttpRequest | None) -> bool:
    try:
        failures = int(cache.get(_failure_key(username, request), 0))
    except RedisError:
        return False
    return failures >= settings.PATRIOT_LOGIN_MAX_FAILURES


def _count_failure(key: str) -> None:
    if cache.add(key, 1, timeout=settings.PATRIOT_LOGIN_LOCKOUT_SECONDS) is False:
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.PATRIOT_LOGIN_LOCKOUT_SECONDS)


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        if username is None:
            return None
        if is_locked_out(username, request):
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        key = _failure_key(username, request)
        try:
            if user is None:
                _count_failure(key)
            else:
                cache.delete(key)
        except RedisError:
            pass  # not counted: Redis is down
        return user
