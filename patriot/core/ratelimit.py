"""Fixed-window rate limits kept in the cache (Redis when configured, so shared by all processes)."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest
from redis import RedisError


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def hit(scope: str, key: str, limit: int, window_seconds: int = 60) -> bool:
    """Count one hit; True while the caller is within `limit` hits for the current window.

    With the cache (Redis) down the limit is not enforced: a flood guard must not stop reports coming in. The
    outage is logged once by core.redis_health, not on every request.
    """
    window = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    try:
        if cache.add(cache_key, 1, timeout=window_seconds + 1):
            return True
        try:
            count = cache.incr(cache_key)
        except ValueError:
            cache.set(cache_key, 1, timeout=window_seconds + 1)
            count = 1
    except RedisError:
        return True
    return count <= limit
