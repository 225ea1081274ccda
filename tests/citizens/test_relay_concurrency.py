"""Several workers relaying at once (PostgreSQL row lock on the cursor) still notify exactly once per event."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.citizens import notify
from patriot.citizens.models import Notification
from patriot.events.models import OutboxEvent
from tests.citizens.conftest import make_citizen
from tests.factories import case_through, load_areas, make_case

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL; SQLite runs one in-process"
    ),
]


def test_four_workers_relay_each_event_once() -> None:
    load_areas()
    citizen = make_citizen()
    for _ in range(6):
        case_through(CaseStateChoices.DISPATCHED, case=make_case(channel=ChannelChoices.SOROT, reporter=citizen))
    later = timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1)
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            notify.relay_outbox(batch_size=5, now=later)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert Notification.objects.count() == 6 * 3  # submitted, verified, dispatched per case
    assert Notification.objects.values("event_id").distinct().count() == OutboxEvent.objects.count()
