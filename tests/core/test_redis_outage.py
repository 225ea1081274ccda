"""A Redis that hangs (SIGSTOP) instead of refusing connections: reports and staff logins still go through at once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.core import redis_health
from tests.factories import MARGAHAYU, load_areas, make_category, make_user
from tests.private_servers import PrivateRedis, wait_until

pytestmark = pytest.mark.django_db
PASSWORD = "kata-sandi-panjang-42"
# A request that takes longer than this while Redis hangs has waited on it.
QUICK_SECONDS = 1.0


@pytest.fixture
def hung_redis_setup(settings: Any, private_redis: PrivateRedis) -> PrivateRedis:
    settings.PATRIOT_REDIS_URL = private_redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "patriot.core.redis_health.GuardedRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {
                "socket_connect_timeout": settings.PATRIOT_REDIS_TIMEOUT_SECONDS,
                "socket_timeout": settings.PATRIOT_REDIS_TIMEOUT_SECONDS,
            },
        }
    }
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 1000
    load_areas()
    make_category("saluran-tersumbat")
    operator = make_user(RoleChoices.POC_OPERATOR, username="operator")
    operator.set_password(PASSWORD)
    operator.save()
    return private_redis


def _timed(private_redis: PrivateRedis, request: Callable[[], Any]) -> tuple[Any, float]:
    """The answer and its duration. A request stuck on the stopped Redis is freed after 5 s (SIGCONT) and fails slow."""
    watchdog = threading.Timer(5, private_redis.resume)
    watchdog.start()
    started = time.monotonic()
    try:
        answer = request()
    finally:
        watchdog.cancel()
    return answer, time.monotonic() - started


def _report() -> Any:
    body = {
        "category": "saluran-tersumbat",
        "description": "Saluran air tersumbat sampah, air meluap ke jalan.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
    }
    return Client().post("/api/v1/cases", body, content_type="application/json")


def _sign_in() -> Any:
    return Client().post("/masuk/", {"username": "operator", "password": PASSWORD})


def _counted_hits(url: str) -> int:
    """Every hit counted by the rate limits in Redis (the counters are plain integers there)."""
    client = redis.Redis.from_url(url)
    return sum(int(client.get(key) or 0) for key in client.scan_iter(match="*ratelimit:*"))


def test_with_redis_hung_reports_are_accepted_and_staff_sign_in_within_a_second(
    hung_redis_setup: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    private_redis = hung_redis_setup
    caplog.set_level(logging.INFO, logger="patriot.redis")
    # Redis up: the rate limit is counted there.
    assert _report().status_code == 201
    assert _counted_hits(private_redis.url) >= 1
    assert _sign_in().status_code == 302

    private_redis.pause()
    durations = []
    for _round in range(4):
        answer, took = _timed(private_redis, _report)
        assert answer.status_code == 201, answer.content
        durations.append(took)
        answer, took = _timed(private_redis, _sign_in)
        assert answer.status_code == 302, "staff signed in"
        durations.append(took)
    assert private_redis.paused, "no request was stuck long enough for the watchdog to wake Redis"
    assert max(durations) < QUICK_SECONDS, durations
    assert redis_health.breaker.is_down
    down_lines = [r for r in caplog.records if r.name == "patriot.redis" and "down" in r.getMessage()]
    assert len(down_lines) == 1, "one line for the outage, not one per request"

    private_redis.resume()
    # Back: within the backoff the breaker tries Redis again and the counts go there once more.
    wait_until(lambda: _answers_through_cache(), 15, "the cache to use Redis again")
    counted = _counted_hits(private_redis.url)
    assert _report().status_code == 201
    assert _counted_hits(private_redis.url) > counted
    messages = [r.getMessage() for r in caplog.records if r.name == "patriot.redis"]
    assert len(messages) == 2, messages
    assert "answers again" in messages[1]


def _answers_through_cache() -> bool:
    try:
        cache.get("probe")
    except redis.RedisError:
        return False
    return True


def test_a_refused_connection_trips_the_breaker_once_and_skipped_calls_cost_nothing(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "patriot.core.redis_health.GuardedRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    for _call in range(50):
        with pytest.raises(redis_health.RedisUnavailable):
            cache.get("anything")
    assert caplog.text.count("Redis is down") == 1


def test_the_breaker_lets_one_trial_through_per_backoff_and_the_backoff_grows_to_its_cap(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [100.0]
    breaker = redis_health.CircuitBreaker(clock=lambda: now[0])
    breaker.failed(redis.TimeoutError("Timeout reading from socket"))
    gaps = []
    for _trial in range(7):
        waited = 0.0
        while not breaker.allow():
            now[0] += 0.25
            waited += 0.25
        gaps.append(waited)
        assert not breaker.allow(), "one trial per backoff, the other callers skip Redis"
        breaker.failed(redis.TimeoutError("still hung"))
    assert gaps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    while not breaker.allow():
        now[0] += 0.25
    breaker.succeeded()
    assert breaker.allow() and breaker.allow()
    messages = [record.getMessage() for record in caplog.records if record.name == "patriot.redis"]
    assert len(messages) == 2 and "answers again after 27.5 s" in messages[1], messages
