"""Reads of the outbox for the live streams: the newest id, the hub's next rows, a subscriber's replay.

They run on worker threads of the event loop (broadcast.off_loop), which gives the connection back (to
psycopg's pool) as soon as they have read: a stream that lives for hours must not hold a connection.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import Max, Q

from patriot.events.models import OutboxEvent


def latest_event_id() -> int:
    return OutboxEvent.objects.aggregate(top=Max("pk"))["top"] or 0


def events_after(top: int, missing: Collection[int], limit: int) -> list[OutboxEvent]:
    """Rows with an id above `top`, plus those of `missing` ids that have appeared since, in id order."""
    condition = Q(pk__gt=top)
    if missing:
        condition |= Q(pk__in=list(missing))
    return list(OutboxEvent.objects.filter(condition).order_by("pk")[:limit])


def events_between(after: int, upto: int, limit: int) -> list[OutboxEvent]:
    """Rows with after < id <= upto in id order, at most `limit` (a replay reads in batches)."""
    return list(OutboxEvent.objects.filter(pk__gt=after, pk__lte=upto).order_by("pk")[:limit])


def replay_exceeds(after: int, upto: int, *, max_events: int, since: datetime) -> bool:
    """Whether more than `max_events` rows lie in (after, upto], or the first of them is older than `since`.

    Two index reads whatever the outbox's size: the row just past the limit, and the first row.
    """
    window = OutboxEvent.objects.filter(pk__gt=after, pk__lte=upto).order_by("pk")
    if window.values_list("pk", flat=True)[max_events : max_events + 1]:
        return True
    first = window.values_list("created_at", flat=True).first()
    return first is not None and first < since
