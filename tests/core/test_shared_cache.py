"""Code on a request's path takes the cache from core.shared_cache, not from Django's `cache` object (a new backend
object, and with Redis a new connection, in every ASGI request context)."""

from __future__ import annotations

import contextvars
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache, caches

import patriot
from patriot.core.shared_cache import shared_cache


def test_no_module_uses_djangos_per_context_cache() -> None:
    per_context = re.compile(r"from django\.core\.cache import (.*\b)?cache\b|django\.core\.cache\.cache\b")
    users = [
        str(path.relative_to(Path(patriot.__file__).parent))
        for path in Path(patriot.__file__).parent.rglob("*.py")
        if per_context.search(path.read_text(encoding="utf-8"))
    ]
    assert users == []


def test_requests_in_contexts_of_their_own_share_one_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[str] = []
    create = caches.create_connection

    def counted(alias: str) -> Any:
        made.append(alias)
        return create(alias)

    monkeypatch.setattr(caches, "create_connection", counted)
    shared_cache.cache_clear()
    backends = {id(contextvars.Context().run(shared_cache)) for _ in range(3)}
    assert len(backends) == 1 and made == ["default"]
    shared_cache().set("shared-cache-test", 3)
    assert cache.get("shared-cache-test") == 3  # the same data as Django's per-context object sees
