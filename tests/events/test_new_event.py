"""events.services.new_event: an outbox row inside its change's transaction, or for ONE autocommitted statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from patriot.core import quiet
from patriot.events.models import OutboxEvent
from patriot.events.services import new_event

AT = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
EVENT = {"kind": "case.submitted", "subject_type": "case", "subject_id": "", "at": AT, "payload": {"a": 1}}

pytestmark = pytest.mark.django_db(transaction=True)


def test_outside_a_transaction_only_for_one_autocommitted_statement() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        new_event(**EVENT)  # type: ignore[arg-type]
    event = new_event(**EVENT, agency_id=3, is_public=True, autocommitted=True)  # type: ignore[arg-type]
    assert isinstance(event, OutboxEvent) and event.pk is None
    assert (event.kind, event.agency_id, event.team_id, event.is_public, event.created_at) == (
        "case.submitted",
        3,
        None,
        True,
        AT,
    )
    assert event.payload == {"a": 1}  # the caller wakes the streams once its statement returns
    assert not connection.run_on_commit


def test_the_autocommitted_event_is_the_transactions_one_without_its_wake_up() -> None:
    with transaction.atomic():
        inside = new_event(**EVENT)  # type: ignore[arg-type]
        assert len(connection.run_on_commit) == 1  # the streams are woken once it commits
    alone = new_event(**EVENT, autocommitted=True)  # type: ignore[arg-type]
    fields = [f.attname for f in OutboxEvent._meta.concrete_fields]
    assert [getattr(alone, name) for name in fields] == [getattr(inside, name) for name in fields]


def test_demo_history_is_never_autocommitted() -> None:
    with quiet.nobody_notified(), pytest.raises(RuntimeError, match="Demo history"):
        new_event(**EVENT, autocommitted=True)  # type: ignore[arg-type]
