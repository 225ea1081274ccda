"""The per-key and per-address limits hold across processes: counted in Redis (this suite's database 7)."""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.test import Client

from patriot.cases.models import Case
from tests.factories import MARGAHAYU

REDIS_URL = os.environ.get("PATRIOT_OPEN311_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def redis_cache(settings: Any) -> Any:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    cache.clear()
    yield cache
    cache.clear()


def test_limits_are_counted_in_redis(api_key: str, redis_cache: Any, settings: Any) -> None:
    settings.PATRIOT_OPEN311_KEY_RATE_PER_MINUTE = 1
    body = {
        "api_key": api_key,
        "service_code": "jalan-berlubang",
        "lat": str(MARGAHAYU[0]),
        "long": str(MARGAHAYU[1]),
        "description": "Lubang di depan halte.",
        "attribute[kedalaman]": "sedang",
    }
    # Two clients stand for two web processes: the second sees the first one's count.
    assert Client().post("/open311/v2/requests.json", body).status_code == 200
    answer = Client().post("/open311/v2/requests.xml", body)
    assert answer.status_code == 429 and answer["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<code>429</code>" in answer.content
    assert Case.objects.count() == 1
    assert any(key.startswith(b":1:ratelimit:open311-key:") for key in redis.Redis.from_url(REDIS_URL).scan_iter())
