"""Writing outbox events. Callers are services already inside their transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from patriot.core import inserts, quiet
from patriot.events.broadcast import wake_on_commit
from patriot.events.models import OutboxEvent


def record_event(
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    at: datetime,
    payload: dict[str, Any],
    agency_id: int | None = None,
    team_id: int | None = None,
    unit_id: int | None = None,
    is_public: bool = False,
) -> OutboxEvent:
    """Write an outbox event inside the caller's transaction (that of the change it describes)."""
    event = new_event(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        at=at,
        payload=payload,
        agency_id=agency_id,
        team_id=team_id,
        unit_id=unit_id,
        is_public=is_public,
    )
    inserts.insert(event)
    return event


def new_event(
    *,
    kind: str,
    subject_type: str,
    subject_id: str,
    at: datetime,
    payload: dict[str, Any],
    agency_id: int | None = None,
    team_id: int | None = None,
    unit_id: int | None = None,
    is_public: bool = False,
    autocommitted: bool = False,
) -> OutboxEvent:
    """An outbox event not yet written, for a caller that writes it with its change's rows (core/inserts.insert_linked);
    inside the transaction of that change, which also wakes the live streams once it commits.

    `autocommitted`: for a caller that writes it with its change's rows by ONE autocommitted statement outside any
    transaction (cases' intake and larvae's inspections on PostgreSQL), which wakes the live streams itself once that
    statement returns (`broadcast.notify_committed()`), and never in demo history (core/quiet.py)."""
    if autocommitted:
        if quiet.active():
            raise RuntimeError("Demo history is written inside a transaction, never by one autocommitted statement.")
    else:
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("Outbox events are written inside the transaction of the change they describe.")
        # Live streams learn of the event once it is committed (never before: a rollback would be a lie).
        wake_on_commit()
        if quiet.active():
            payload = {**payload, "quiet": True}  # demo history: nobody is emailed or texted about it (core/quiet.py)
    return inserts.new(
        OutboxEvent,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        agency_id=agency_id,
        team_id=team_id,
        unit_id=unit_id,
        is_public=is_public,
        payload=payload,
        created_at=at,
    )


def record_events(events: list[dict[str, Any]]) -> list[OutboxEvent]:
    """`record_event(**each)` for several events of one transaction, written with one INSERT."""
    written = [new_event(**event) for event in events]
    inserts.insert_many(written)
    return written
