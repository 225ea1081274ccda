"""Login throttling: progressive delays instead of lock-outs, per account and address, per address, per account.

Three counters of failed password checks, each forgotten PATRIOT_LOGIN_WINDOW_SECONDS after its last failure:

- account × address: one guesser at one account;
- address, across accounts: password spraying (one guess at many accounts);
- account, across addresses: slow guessing from many addresses. Addresses that signed in to the account before
  skip this one, and its ceiling is short, so someone typing a staff member's name cannot keep them out.

Past a counter's free failures, each attempt takes a gate (an atomic cache `add`) that stays shut for a delay
doubling from 1 s to the ceiling; an attempt that finds a gate shut is refused without checking the password and
is told how long to wait. Taking the gate before the check means parallel requests cannot slip past the delay.

The counters live in the cache (Redis when configured). With Redis down the throttle is not applied (core.redis_health
logs the outage once): the control room must still be able to sign in during an outage.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.http import HttpRequest
from redis import RedisError

from patriot.core.ratelimit import client_address
from patriot.core.shared_cache import shared_cache

# How long an address that signed in to an account stays exempt from that account's cross-address counter.
RECOGNISED_SECONDS = 30 * 24 * 3600
_WAIT_ATTRIBUTE = "patriot_login_wait_seconds"

T = TypeVar("T")


@dataclass(frozen=True)
class _Counter:
    scope: str
    subject: str
    free_failures: int
    max_delay: int

    def key(self, part: str) -> str:
        return f"login:{self.scope}:{part}:{self.subject}"


@dataclass
class Attempt:
    """One reserved password check; `wait_seconds` > 0 when it was refused instead."""

    username: str
    address: str
    counted: list[_Counter] = field(default_factory=list)
    wait_seconds: int = 0


def _normal_username(username: str) -> str:
    return username.strip().lower()


def _recognised_key(username: str, address: str) -> str:
    return f"login:recognised:{_normal_username(username)}:{address}"


def _counters(username: str, address: str) -> list[_Counter]:
    account = _normal_username(username)
    counters = [
        _Counter(
            "pair",
            f"{account}:{address}",
            settings.PATRIOT_LOGIN_FREE_FAILURES,
            settings.PATRIOT_LOGIN_MAX_DELAY_SECONDS,
        ),
        _Counter(
            "address", address, settings.PATRIOT_LOGIN_ADDRESS_FREE_FAILURES, settings.PATRIOT_LOGIN_MAX_DELAY_SECONDS
        ),
    ]
    if not shared_cache().get(_recognised_key(username, address)):
        counters.append(
            _Counter(
                "account",
                account,
                settings.PATRIOT_LOGIN_ACCOUNT_FREE_FAILURES,
                settings.PATRIOT_LOGIN_ACCOUNT_MAX_DELAY_SECONDS,
            )
        )
    return counters


def _increment(key: str) -> int:
    window = settings.PATRIOT_LOGIN_WINDOW_SECONDS
    if shared_cache().add(key, 1, timeout=window):
        return 1
    try:
        count = shared_cache().incr(key)
    except ValueError:  # expired between add and incr
        shared_cache().set(key, 1, timeout=window)
        return 1
    shared_cache().touch(key, window)
    return int(count)


def _uncount(counters: list[_Counter]) -> None:
    for counter in counters:
        with contextlib.suppress(ValueError):  # already forgotten
            shared_cache().decr(counter.key("count"))


def delay_for(count: int, free_failures: int, max_delay: int) -> int:
    """Seconds the gate stays shut after the `count`-th attempt: none while free, then 1, 2, 4, … up to max_delay."""
    if count <= free_failures:
        return 0
    return min(max_delay, 2 ** min(count - free_failures - 1, 30))


def begin_attempt(username: str, request: HttpRequest | None) -> Attempt:
    """Reserve one password check for `username` from this request's client, or say how long to wait."""
    attempt = Attempt(username, client_address(request) if request is not None else "unknown")
    try:
        for counter in _counters(username, attempt.address):
            count = _increment(counter.key("count"))
            attempt.counted.append(counter)
            delay = delay_for(count, counter.free_failures, counter.max_delay)
            if delay and not shared_cache().add(counter.key("gate"), time.time() + delay, timeout=delay):
                _uncount(attempt.counted)
                attempt.counted = []
                attempt.wait_seconds = _seconds_until(shared_cache().get(counter.key("gate")))
                return attempt
    except RedisError:
        # Not checked while the cache is down; core.redis_health logs the outage once, not per sign-in.
        attempt.counted = []
    return attempt


def _seconds_until(until: float | None) -> int:
    return max(1, math.ceil((until or 0) - time.time()))


def finish_attempt(attempt: Attempt, succeeded: bool) -> None:
    """A failure stays counted; a success clears the account × address counter and recognises the address."""
    if not succeeded or not attempt.counted:
        return
    try:
        pair = attempt.counted[0]
        shared_cache().delete_many([pair.key("count"), pair.key("gate")])
        _uncount(attempt.counted[1:])
        shared_cache().set(_recognised_key(attempt.username, attempt.address), 1, timeout=RECOGNISED_SECONDS)
    except RedisError:
        pass  # not recorded while the cache is down (logged once by core.redis_health)


def check_password_throttled(username: str, request: HttpRequest | None, check: Callable[[], T | None]) -> T | None:
    """Run `check` (the password check) unless a delay holds; a refusal is remembered on the request."""
    attempt = begin_attempt(username, request)
    if attempt.wait_seconds:
        if request is not None:
            setattr(request, _WAIT_ATTRIBUTE, attempt.wait_seconds)
        return None
    result = check()
    finish_attempt(attempt, succeeded=result is not None)
    return result


def refused_wait(request: HttpRequest | None) -> int | None:
    """Seconds to wait if this request's sign-in was refused by the throttle (not checked at all), else None."""
    return getattr(request, _WAIT_ATTRIBUTE, None)
