"""events.record_event: only inside the transaction of the change it describes; read back in id order."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from patriot.events.models import OutboxEvent
from patriot.events.services import record_event

AT = datetime(2026, 11, 27, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def _record(subject_id: str, *, at: datetime = AT) -> OutboxEvent:
    return record_event(
        kind="case.commented", subject_type="case", subject_id=subject_id, at=at, payload={"n": subject_id}
    )


@pytest.mark.django_db(transaction=True)
def test_record_event_outside_a_transaction_raises_and_writes_nothing() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        _record("BKS-2611-000001")
    assert OutboxEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_record_event_inside_a_transaction_is_written_and_rolled_back_with_it() -> None:
    with transaction.atomic():
        event = _record("BKS-2611-000001")
    assert OutboxEvent.objects.get().pk == event.pk

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _record("BKS-2611-000002")
        1 / 0  # noqa: B018 - the change the event belongs to fails
    assert list(OutboxEvent.objects.values_list("subject_id", flat=True)) == ["BKS-2611-000001"]


@pytest.mark.django_db
def test_events_read_back_in_id_order_whatever_their_time() -> None:
    with transaction.atomic():
        # Later events carry earlier times (clock skew between workers): the stream follows ids, not times.
        written = [_record(f"BKS-2611-{n:06d}", at=AT - timedelta(minutes=n)) for n in range(1, 6)]
    ids = [event.pk for event in written]
    assert ids == sorted(ids)
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == ids
    assert list(OutboxEvent.objects.filter(pk__gt=ids[1]).values_list("pk", flat=True)) == ids[2:]


@pytest.mark.django_db
def test_audience_fields_are_stored() -> None:
    with transaction.atomic():
        event = record_event(
            kind="case.dispatched",
            subject_type="case",
            subject_id="BKS-2611-000009",
            at=AT,
            payload={"state": "dispatched"},
            agency_id=7,
            team_id=None,
            is_public=True,
        )
    event.refresh_from_db()
    assert (event.agency_id, event.team_id, event.is_public, event.payload) == (7, None, True, {"state": "dispatched"})
    assert str(event) == f"#{event.pk} case.dispatched BKS-2611-000009"
