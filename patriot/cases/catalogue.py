"""The active categories, held per process for intake: every report names one, and reading it from the database
was a statement per report for a table that changes a few times a year.

What "invalidated on change" means here, with several uvicorn workers (and the worker process) each holding a copy:

- a Category or Agency saved or deleted in this process (admin, seed, a staff form) clears this process's copy at
  once (post_save / post_delete signals), so the process that made a change never reports into the old one;
- every other process reloads its copy at most `CATALOGUE_TTL_SECONDS` after it last loaded it, so a change reaches
  all workers within that time. The same bound covers changes that send no signal (QuerySet.update, raw SQL).

Within that window another worker may still file a report under a category just deactivated, or with its previous
SLA targets: the report is as valid as one sent a few seconds earlier. A code the copy does not know is looked up in
the database before the report is refused, so a category created in another process is usable at once.

Each lookup hands out a copy of the held instance, so a caller that changes its category cannot change the next
report's.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.db import transaction

from patriot.cases.models import Category

CATALOGUE_TTL_SECONDS = 5.0

_lock = threading.Lock()
_active: dict[str, Category] | None = None
_loaded_at = 0.0


def _load(*, unless_loaded_since: float | None = None) -> dict[str, Category]:
    global _active, _loaded_at
    with _lock:
        started = time.monotonic()
        if unless_loaded_since is not None and _active is not None and _loaded_at >= unless_loaded_since:
            return _active  # another request reloaded it while this one waited for the lock
        active = {c.code: c for c in Category.objects.filter(is_active=True).select_related("default_agency")}
        _active, _loaded_at = active, started
        return active


def _current() -> dict[str, Category]:
    active = _active
    fresh_since = time.monotonic() - CATALOGUE_TTL_SECONDS
    if active is None or _loaded_at < fresh_since:
        active = _load(unless_loaded_since=fresh_since)
    return active


def active_category(code: str) -> Category | None:
    """The active category with this code (its default agency loaded), or None."""
    category = _current().get(code)
    if category is None and code:
        # Unknown here: perhaps created or re-activated in another process since the copy was loaded.
        if not Category.objects.filter(code=code, is_active=True).exists():
            return None
        category = _load().get(code)
        if category is None:
            return None
    return copy.copy(category)


def reset_catalogue() -> None:
    """Forget the held categories; the next lookup loads them again."""
    global _active
    with _lock:
        _active = None


def reset_catalogue_on_change(sender: type, **kwargs: Any) -> None:
    """Signal receiver: a saved or deleted category or agency outdates the copy this process holds; again after
    the commit, so a lookup made between the save and the commit does not keep what that lookup read."""
    reset_catalogue()
    transaction.on_commit(reset_catalogue, using=kwargs.get("using"))
