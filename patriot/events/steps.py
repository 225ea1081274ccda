"""One step of work on a subject, the same way in every app: lock → act → timeline entry → outbox event → commit.

    from patriot.events import steps

    with steps.perform(incident, machine=MACHINE, action="dispatch") as step:
        previous = MACHINE.move(step.subject, "dispatch")
        step.subject.save()
        steps.log(IncidentEntry, incident=step.subject, kind="dispatched", from_state=previous, at=step.now,
                  event="incident.dispatched", subject_type="incident", subject_id=str(step.subject.pk), payload={...})

`perform` is core.workflow.perform (transaction, row lock, state check; an illegal move raises InvalidTransition,
HTTP 409; the caller's instance shows the saved values after the commit). `log` writes the app's timeline entry (any
subclass of core.models.TimelineEntryBase) and records its outbox event in the transaction `perform` opened, so
the row, the entry and the event commit together or not at all. It lives here, not in the core, because the core
does not import `events`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction

from patriot.core import inserts
from patriot.core.models import TimelineEntryBase
from patriot.core.workflow import StateMachine, Step, lock, perform
from patriot.events.models import OutboxEvent
from patriot.events.services import record_event, record_events

__all__ = ["StateMachine", "Step", "lock", "log", "log_many", "perform"]

E = TypeVar("E", bound=TimelineEntryBase)

Recorder = Callable[..., OutboxEvent]


def log(
    entry_model: type[E],
    *,
    at: datetime,
    event: str,
    subject_type: str,
    subject_id: str,
    payload: dict[str, Any] | Callable[[E], dict[str, Any]],
    agency_id: int | None = None,
    team_id: int | None = None,
    unit_id: int | None = None,
    public_event: bool = False,
    record: Recorder = record_event,
    **entry: Any,
) -> E:
    """Write one `entry_model` row (`entry`: its subject and fields; `created_at` is `at`) and record its outbox
    event of type `event` at the same time `at`. `payload` may be a function of the written entry (its id).

    The event goes to the units `agency_id`/`team_id`/`unit_id` name, and to the public stream only if
    `public_event`. `record` is the event recorder: an app may pass its own module's name for it so that a test
    replacing that name reaches the step. Call it inside `perform`: outside a transaction it writes nothing and
    raises RuntimeError.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A step's timeline entry and event are written inside its transaction (steps.perform).")
    written: E = inserts.new(entry_model, created_at=at, **entry)
    inserts.insert(written)
    record(
        kind=event,
        subject_type=subject_type,
        subject_id=subject_id,
        at=at,
        payload=payload(written) if callable(payload) else payload,
        agency_id=agency_id,
        team_id=team_id,
        unit_id=unit_id,
        is_public=public_event,
    )
    return written


_LOG_PARAMETERS = ("at", "event", "subject_type", "subject_id", "payload", "agency_id", "team_id", "unit_id")


def log_many(entry_model: type[E], steps: list[dict[str, Any]]) -> list[E]:
    """`log(entry_model, **each)` for several subjects of one transaction: the entries in one INSERT, their events
    in another (`record` is not taken: the events go through `events.services.record_events`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A step's timeline entry and event are written inside its transaction (steps.perform).")
    written: list[E] = []
    for step in steps:
        entry = {k: v for k, v in step.items() if k not in (*_LOG_PARAMETERS, "public_event", "record")}
        written.append(inserts.new(entry_model, created_at=step["at"], **entry))
    inserts.insert_many(written)
    record_events(
        [
            {
                "kind": step["event"],
                "subject_type": step["subject_type"],
                "subject_id": step["subject_id"],
                "at": step["at"],
                "payload": step["payload"](entry) if callable(step["payload"]) else step["payload"],
                "agency_id": step.get("agency_id"),
                "team_id": step.get("team_id"),
                "unit_id": step.get("unit_id"),
                "is_public": step.get("public_event", False),
            }
            for step, entry in zip(steps, written, strict=True)
        ]
    )
    return written
