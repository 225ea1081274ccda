"""Shared fixtures. Factories live in tests/factories.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.browser import browser, new_page, screens  # noqa: F401 (fixtures for every page test)
from tests.private_servers import REDIS_SERVER, PrivateRedis


def pytest_configure(config: pytest.Config) -> None:
    """Test clients and live servers speak plain HTTP; tests/core/test_secure_mode.py checks the HTTPS redirect.
    Queued tasks run at once (the immediate backend).

    Set once for the session: the live servers build their middleware before any per-test fixture could run.
    """
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    # Tests never reach outside the machine: no tile server or geocoder unless a test starts a local stub.
    settings.PATRIOT_TILE_URL = ""
    settings.PATRIOT_GEOCODER_URL = ""
    # Queued tasks (core/tasks.py) run at once where they are queued; tests/core/test_tasks.py runs the real queue.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from django.core.signals import setting_changed

    setting_changed.send(sender=None, setting="TASKS", value=settings.TASKS, enter=True)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _redis_counts_as_up() -> None:
    """The Redis circuit breaker lives per process; an outage in one test must not carry into the next."""
    from patriot.core.redis_health import breaker

    breaker.reset()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("PATRIOT_TEST_REDIS_URL")
    if not url:
        pytest.skip("PATRIOT_TEST_REDIS_URL is not set (make test sets it when Redis answers)")
    return url


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of the test's own, for outages (never the shared one)."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(autouse=True)
def _fresh_area_index() -> None:
    """The point-to-area index lives per process; each test builds it from its own areas."""
    from patriot.geo.lookup import reset_area_index

    reset_area_index()


@pytest.fixture(autouse=True)
def _fresh_category_catalogue() -> None:
    """Intake's copy of the categories lives per process; each test reads its own (a rollback sends no signal)."""
    from patriot.cases.catalogue import reset_catalogue
    from patriot.cases.filters import reset_reference_choices

    reset_catalogue()
    reset_reference_choices()  # the search form's options, held per process the same way


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Argon2 is slow on purpose; tests that do not check hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _city_language() -> None:
    """A request in English leaves English active in the thread; each test starts in the city's language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
