"""Reads of the outbox for the live streams: the newest id, the hub's next rows, a subscriber's replay.

They run on worker threads of the event loop, so each gives its connection back (to psycopg's pool)
as soon as it has read: a stream that lives for hours must not hold a connection.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import connections
from django.db.models import Max, Q

from patriot.events.models import OutboxEvent


def latest_event_id() -> int:
    try:
        return OutboxEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    finally:
        connections.close_all()


def events_after(top: int, missing: Collection[int], limit: int) -> list[OutboxEvent]:
    """Rows with an id above `top`, plus those of `missing` ids that have appeared since, in id order."""
    condition = Q(pk__gt=top)
    if missing:
        condition |= Q(pk__in=list(missing))
    try:
        return list(OutboxEvent.objects.filter(condition).order_by("pk")[:limit])
    finally:
        connections.close_all()


def events_between(after: int, upto: int, limit: int) -> list[OutboxEvent]:
    """Rows with after < id <= upto in id order, at most `limit` (a replay reads in batches)."""
    try:
        return list(OutboxEvent.objects.filter(pk__gt=after, pk__lte=upto).order_by("pk")[:limit])
    finally:
        connections.close_all()
