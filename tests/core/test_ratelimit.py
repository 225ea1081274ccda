"""Rate limits: counted per window, and shared between processes when the cache is Redis."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCache

from patriot.core import ratelimit


def test_counts_hits_within_the_window(settings: Any) -> None:
    results = [ratelimit.hit("test", "10.0.0.1", limit=3) for _ in range(5)]
    assert results == [True, True, True, False, False]
    assert ratelimit.hit("test", "10.0.0.2", limit=3) is True


def test_redis_cache_shares_the_count_between_processes(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two independent clients stand for two web processes talking to one Redis.
    first = RedisCache(redis_url, {})
    second = RedisCache(redis_url, {})
    first.clear()
    monkeypatch.setattr(ratelimit, "cache", first)
    assert all(ratelimit.hit("intake", "10.0.0.9", limit=4) for _ in range(2))
    monkeypatch.setattr(ratelimit, "cache", second)
    assert all(ratelimit.hit("intake", "10.0.0.9", limit=4) for _ in range(2))
    assert ratelimit.hit("intake", "10.0.0.9", limit=4) is False
    first.clear()
