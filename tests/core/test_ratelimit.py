"""Rate limits: counted per window, and shared between processes when the cache is Redis."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

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
    monkeypatch.setattr(ratelimit, "shared_cache", lambda: first)
    assert all(ratelimit.hit("intake", "10.0.0.9", limit=4) for _ in range(2))
    monkeypatch.setattr(ratelimit, "shared_cache", lambda: second)
    assert all(ratelimit.hit("intake", "10.0.0.9", limit=4) for _ in range(2))
    assert ratelimit.hit("intake", "10.0.0.9", limit=4) is False
    first.clear()


def _address(peer: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return ratelimit.client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))


def test_without_trusted_proxies_the_peer_is_the_client(settings: Any) -> None:
    assert settings.PATRIOT_TRUSTED_PROXIES == []
    assert _address("127.0.0.1", "198.51.100.1") == "127.0.0.1"  # loopback is no exception
    assert _address("203.0.113.5", "198.51.100.1, 198.51.100.2") == "203.0.113.5"


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.0.0.1", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the forged entry left of the proxy's is ignored
        ("10.0.0.1", "198.51.100.7, 10.0.5.5", "198.51.100.7"),  # a chain of trusted proxies
        ("10.0.0.1", "10.0.0.9, 10.0.5.5", "10.0.0.9"),  # only proxies: the farthest one
        ("10.0.0.1", "198.51.100.7, not-an-address", "10.0.0.1"),  # a broken chain counts the proxy
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", None, "10.0.0.1"),
        ("10.0.0.1", " 2001:DB8::1 ", "2001:db8::1"),
        ("::ffff:10.0.0.1", "198.51.100.7", "198.51.100.7"),  # a dual-stack socket's IPv4 proxy
        ("203.0.113.5", "198.51.100.7", "203.0.113.5"),  # not a proxy of ours
    ],
)
def test_behind_trusted_proxies(settings: Any, peer: str, forwarded: str | None, client: str) -> None:
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.0/16"]
    assert _address(peer, forwarded) == client


def test_remembered_parses_answer_as_fresh_ones(settings: Any) -> None:
    """Short values are parsed once per process (core.ratelimit._parse); each answer is the fresh parse's, and a value
    longer than an address can be is parsed every time, not kept."""
    values = ["10.0.0.1", " 2001:DB8::1 ", "::ffff:10.0.0.1", "not-an-address", "", "999.1.1.1", "x" * 100]
    for _round in range(2):
        assert [ratelimit._parse(v) for v in values] == [ratelimit._parse_address(v) for v in values]
    before = ratelimit._parse_short.cache_info().currsize
    ratelimit._parse(" " * 70 + "10.0.0.1")
    assert ratelimit._parse_short.cache_info().currsize == before
    # Trust follows the setting at each call, remembered parses or not.
    settings.PATRIOT_TRUSTED_PROXIES = []
    assert ratelimit.is_trusted_proxy("10.0.0.1") is False
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.0/16"]
    assert ratelimit.is_trusted_proxy("10.0.0.1") is True
    assert ratelimit.is_trusted_proxy("10.1.0.1") is False
