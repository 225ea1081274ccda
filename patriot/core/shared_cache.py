"""The default cache as one backend object for the whole process.

Django keeps a cache backend object per request context under ASGI (`django.core.cache.caches` is an asgiref Local),
so its `cache` object used in a request builds a new one each time: LocMemCache's options parsed again, and with
Redis a new client and connection pool, i.e. a new connection per request. The data is where it was (LocMemCache's
store is per process and location, whatever the object; Redis is Redis), and both backends are safe to share between
threads. Code that reads or writes the cache on a request's path takes it from here.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed
from django.dispatch import receiver


@functools.cache
def shared_cache() -> BaseCache:
    return caches.create_connection(DEFAULT_CACHE_ALIAS)


@receiver(setting_changed)
def _forget_on_settings_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        shared_cache.cache_clear()
