"""Demo history is told to nobody: `with quiet.nobody_notified():` around code that writes history which happened
"in the past" (`patriot seed --demo`). Outbox events recorded inside carry `"quiet": true` in their payload, and every
notifier (citizens' relay, and any app that emails or texts people) makes no email or SMS for them and sends
nothing while `quiet.active()`; in-app notifications may still be made, since they reach no one outside."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("patriot_quiet", default=False)


@contextmanager
def nobody_notified() -> Iterator[None]:
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def active() -> bool:
    """True inside nobody_notified(): send nothing, queue no email or SMS."""
    return _QUIET.get()


def is_quiet_event(payload: dict[str, object]) -> bool:
    """An outbox event recorded inside nobody_notified(): no email or SMS may follow from it."""
    return bool(payload.get("quiet"))
