"""Whether Redis answers: one circuit breaker per process, and the cache backend that goes through it.

A Redis that refuses connections fails fast, but one that hangs (stopped, blackholed) would hold every request
that touches the cache for as long as the socket waits. So every call has a short timeout
(PATRIOT_REDIS_TIMEOUT_SECONDS), and after a failure Redis counts as down: calls skip it at once, and one call
per backoff (growing to a cap) tries it again. Each change of state is logged once, never each skipped call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis import ConnectionError as RedisConnectionError
from redis import RedisError

logger = logging.getLogger("patriot.redis")

# Seconds Redis stays "down" after a failure before one call tries it again: doubling from the first to the cap.
RETRY_SECONDS = (0.5, 5.0)

T = TypeVar("T")


class RedisUnavailable(RedisConnectionError):
    """Redis failed or is still counted as down; callers go on without it (the breaker has logged the outage)."""


class CircuitBreaker:
    """Up, or down until a retry time; thread-safe, shared by the cache, the publisher and the pub/sub listener."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.down_since: float | None = None
        self._retry_at = 0.0
        self._delay = RETRY_SECONDS[0]

    @property
    def is_down(self) -> bool:
        return self.down_since is not None

    def allow(self) -> bool:
        """May a call go to Redis now? While down, only the first caller after each backoff (the trial)."""
        with self._lock:
            if self.down_since is None:
                return True
            now = self._clock()
            if now < self._retry_at:
                return False
            # The trial takes the slot: callers meanwhile skip Redis rather than all waiting on a timeout.
            self._retry_at = now + self._delay
            return True

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = self._clock()
            if self.down_since is None:
                self.down_since = now
                self._delay = RETRY_SECONDS[0]
                logger.warning(
                    "Redis is down (%s): going on without rate limits and login throttling, live events by polling; "
                    "retrying every %.1f-%.0f s",
                    error or type(error).__name__,
                    *RETRY_SECONDS,
                )
            else:
                self._delay = min(self._delay * 2, RETRY_SECONDS[1])
            self._retry_at = now + self._delay

    def succeeded(self) -> None:
        if self.down_since is None:  # the common case, without the lock
            return
        with self._lock:
            if self.down_since is None:
                return
            logger.info("Redis answers again after %.1f s down", self._clock() - self.down_since)
            self.reset()

    def call(self, operation: Callable[[], T]) -> T:
        """Run one Redis operation through the breaker; RedisUnavailable when skipped or failed."""
        if not self.allow():
            raise RedisUnavailable("Redis is down; skipped")
        try:
            result = operation()
        except RedisError as error:
            self.failed(error)
            raise RedisUnavailable(str(error)) from error
        self.succeeded()
        return result


breaker = CircuitBreaker()


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(method)
    def call(self: RedisCacheClient, *args: Any, **kwargs: Any) -> T:
        return breaker.call(lambda: method(self, *args, **kwargs))

    return call


class _GuardedClient(RedisCacheClient):
    """Django's Redis cache client with every command behind the breaker."""


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(_GuardedClient, _name, _guarded(getattr(RedisCacheClient, _name)))


class GuardedRedisCache(RedisCache):
    """CACHES backend: Django's RedisCache whose failures and skips raise RedisUnavailable (a RedisError)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _GuardedClient
