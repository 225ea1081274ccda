"""Tunables of the live streams: a Django setting of the same name wins, else the environment, else the default."""

from __future__ import annotations

import os

from django.conf import settings

DEFAULTS = {
    # A comment line this often keeps proxies and load balancers from closing an idle stream.
    "PATRIOT_SSE_HEARTBEAT_SECONDS": 15.0,
    # How often the hub reads the outbox without being woken (the fallback when a wake-up is lost).
    "PATRIOT_SSE_POLL_SECONDS": 1.0,
    # How long the hub holds events back behind a missing id before deciding that id was rolled back.
    "PATRIOT_SSE_GAP_GRACE_SECONDS": 3.0,
    # Events queued for one slow client before its stream is closed (it reconnects and replays).
    "PATRIOT_SSE_QUEUE_LIMIT": 1000,
    # A reconnecting client further behind than this many events, or than this many seconds, gets a `reload`
    # event (its page re-reads the database) instead of the history it missed.
    "PATRIOT_SSE_REPLAY_MAX_EVENTS": 1000,
    "PATRIOT_SSE_REPLAY_MAX_AGE_SECONDS": 3600.0,
    # Open streams at most, per process and per client address within a process; past either, 429.
    "PATRIOT_SSE_MAX_STREAMS": 1000,
    "PATRIOT_SSE_MAX_STREAMS_PER_CLIENT": 32,
}


def value(name: str) -> float:
    configured = getattr(settings, name, None)
    if configured is None:
        configured = os.environ.get(name) or DEFAULTS[name]
    return float(configured)
