"""The platform's clock. Services read time here so demo history can be written as if in the past."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_override = threading.local()


def now() -> datetime:
    return getattr(_override, "at", None) or timezone.now()


@contextmanager
def pinned(at: datetime) -> Iterator[None]:
    """Within the block, this thread's services see `at` as the current time (used to seed demo history)."""
    previous = getattr(_override, "at", None)
    _override.at = at
    try:
        yield
    finally:
        _override.at = previous
