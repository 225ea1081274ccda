"""The hub and the wake-ups: strict id order across gaps, one wake-up per transaction, a Redis outage never fails a change."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection, transaction

from patriot.accounts.choices import RoleChoices as Role
from patriot.core import redis_health
from patriot.events import broadcast
from patriot.events.models import OutboxEvent
from patriot.events.services import record_event
from tests.events.conftest import Stream, in_thread, session_cookie
from tests.factories import make_case, make_category, staff

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _insert(pk: int, subject_id: str = "") -> None:
    """A row as a transaction that took id `pk` would commit it (written directly to pick the id)."""
    OutboxEvent.objects.create(
        pk=pk,
        kind="case.commented",
        subject_type="case",
        subject_id=subject_id or f"BKS-2611-{pk:06d}",
        payload={},
        created_at=NOW,
    )


def _queued(subscription: broadcast.Subscription) -> list[int]:
    return [frame.event.pk for frame in subscription.take()]


def _run(scenario: Any) -> None:
    async def with_hub_stopped() -> None:
        try:
            await scenario
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


@pytest.mark.django_db(transaction=True)
def test_events_behind_a_missing_id_wait_for_it_and_then_go_out_in_id_order() -> None:
    async def scenario() -> None:
        hub = broadcast.current_hub()
        subscription = await hub.subscribe(lambda _event: True, public=False, last_event_id=None)
        base = hub.floor
        await in_thread(_insert, base + 3)
        await in_thread(_insert, base + 2)
        await hub.catch_up(grace=60)
        assert _queued(subscription) == []
        assert set(hub.missing) == {base + 1}
        await in_thread(_insert, base + 1)
        await hub.catch_up(grace=60)
        assert _queued(subscription) == [base + 1, base + 2, base + 3]
        assert (hub.floor, hub.missing, hub.held, hub.given_up) == (base + 3, {}, {}, 0)

    _run(scenario())


@pytest.mark.django_db(transaction=True)
def test_the_filter_is_asked_once_per_event_and_audience_and_each_audience_gets_its_own_answer() -> None:
    asked: list[str] = []

    def filter_for(name: str, subject_id: str) -> Any:
        def accepts(event: OutboxEvent) -> bool:
            asked.append(name)
            return event.subject_id == subject_id

        return accepts

    async def scenario() -> None:
        hub = broadcast.current_hub()
        first = [
            await hub.subscribe(filter_for("first", "BKS-A"), public=False, last_event_id=None, audience="first")
            for _ in range(3)
        ]
        second = await hub.subscribe(filter_for("second", "BKS-B"), public=False, last_event_id=None, audience="second")
        own = await hub.subscribe(filter_for("own", "BKS-A"), public=False, last_event_id=None)
        base = hub.floor
        await in_thread(_insert, base + 1, subject_id="BKS-A")
        await in_thread(_insert, base + 2, subject_id="BKS-B")
        await hub.catch_up(grace=60)
        assert [_queued(s) for s in first] == [[base + 1]] * 3
        assert _queued(second) == [base + 2]
        assert _queued(own) == [base + 1]
        # Two events: each audience's filter once per event, the stream without an audience once per event too.
        assert sorted(asked) == ["first", "first", "own", "own", "second", "second"]

    _run(scenario())


@pytest.mark.django_db(transaction=True)
def test_an_id_that_never_appears_is_given_up_after_the_grace_period(settings: Any) -> None:
    settings.PATRIOT_SSE_GAP_GRACE_SECONDS = 0.3
    settings.PATRIOT_SSE_POLL_SECONDS = 0.1

    async def scenario() -> None:
        hub = broadcast.current_hub()
        subscription = await hub.subscribe(lambda _event: True, public=False, last_event_id=None)
        base = hub.floor
        inserted = time.monotonic()
        await in_thread(_insert, base + 2)  # base + 1 belonged to a transaction that rolled back
        await asyncio.wait_for(subscription.wait(), 30)
        [frame] = subscription.take()
        # Held back for the whole grace period (a busy machine only makes it later, never sooner).
        assert time.monotonic() - inserted >= 0.3
        assert frame is not None and frame.event.pk == base + 2
        assert (hub.floor, hub.given_up) == (base + 2, 1)

    _run(scenario())


async def _past_a_given_up_id() -> tuple[broadcast.Hub, broadcast.Subscription, int]:
    """A hub and a stream that got base + 2 after the grace, base + 1 given up (grace set short by the test)."""
    hub = broadcast.current_hub()
    subscription = await hub.subscribe(lambda _event: True, public=False, last_event_id=None)
    base = hub.floor
    await in_thread(_insert, base + 2)
    await asyncio.wait_for(subscription.wait(), 30)
    assert _queued(subscription) == [base + 2]
    assert hub.late.keys() == {base + 1}
    return hub, subscription, base


@pytest.mark.django_db(transaction=True)
def test_an_id_given_up_that_appears_later_is_delivered_late_once_without_an_id_line(settings: Any) -> None:
    settings.PATRIOT_SSE_GAP_GRACE_SECONDS = 0.3
    settings.PATRIOT_SSE_POLL_SECONDS = 0.1

    async def scenario() -> None:
        hub, subscription, base = await _past_a_given_up_id()
        # The slow transaction commits after all: its event still goes out, after the later one.
        await in_thread(_insert, base + 1)
        await asyncio.wait_for(subscription.wait(), 30)
        [frame] = subscription.take()
        assert (frame.event.pk, frame.late, hub.delivered_late, hub.late) == (base + 1, True, 1, {})
        # No `id:` line: a browser's Last-Event-ID stays base + 2, the highest it has seen.
        assert frame.wire(False).startswith(b"event: case\ndata: {")
        assert f'"id":{base + 1}'.encode() in frame.wire(False)
        await hub.catch_up(grace=0.3)
        assert _queued(subscription) == []

    _run(scenario())


@pytest.mark.django_db(transaction=True)
def test_an_id_given_up_is_looked_for_only_for_a_while(settings: Any) -> None:
    settings.PATRIOT_SSE_GAP_GRACE_SECONDS = 0.3
    settings.PATRIOT_SSE_POLL_SECONDS = 0.1

    async def scenario() -> None:
        hub, subscription, base = await _past_a_given_up_id()
        hub.late[base + 1] -= broadcast.LATE_WATCH_SECONDS  # given up a minute ago
        await hub.catch_up(grace=0.3)
        assert hub.late == {}
        await in_thread(_insert, base + 1)
        await hub.catch_up(grace=0.3)
        assert (_queued(subscription), hub.delivered_late) == ([], 0)

    _run(scenario())


class _SlowTransaction:
    """A transaction that takes its outbox id and then waits for `release` before committing, in a thread, while
    others commit at once (`quick`, ids above it)."""

    def __init__(self) -> None:
        self.taken, self.release = threading.Event(), threading.Event()
        self.ids: dict[str, int] = {}

    def slow(self) -> None:
        with transaction.atomic():
            self.ids["slow"] = record_event(
                kind="case.commented", subject_type="case", subject_id="slow", at=NOW, payload={}
            ).pk
            self.taken.set()
            self.release.wait(20)

    def quick(self) -> None:
        self.ids["quick"] = _commit_one("quick")

    async def behind_it(self, cookie: str) -> tuple[Stream, asyncio.Task[None]]:
        """A staff stream, then the slow transaction's id taken and a quick one committed after it."""
        # The hub starts at the newest row; ids the sequence handed out before it (other tests' rows, since
        # truncated) would be gaps it waits for. One committed row first puts the start right behind them.
        await in_thread(self.quick)
        stream = await Stream("/events/stream/", cookie=cookie).subscribed()
        slow = asyncio.get_running_loop().create_task(in_thread(self.slow))
        await asyncio.get_running_loop().run_in_executor(None, self.taken.wait, 10)
        await in_thread(self.quick)
        assert self.ids["quick"] > self.ids["slow"]
        return stream, slow


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("areas")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite commits one writer at a time, in id order")
def test_on_postgresql_a_transaction_slower_than_the_grace_still_reaches_the_stream(settings: Any) -> None:
    """A heavily loaded database can take longer than the grace between a transaction's INSERT and its COMMIT: the
    later ids go out after the grace, and the slow one when it commits, to a real stream, without an `id:` line."""
    settings.PATRIOT_SSE_GAP_GRACE_SECONDS = 0.3
    settings.PATRIOT_SSE_POLL_SECONDS = 0.1
    poc = session_cookie(staff(Role.POC_OPERATOR))
    transactions = _SlowTransaction()

    async def scenario() -> None:
        stream, slow = await transactions.behind_it(poc)
        # After the grace, without the slow one.
        assert [e.id for e in await stream.events_until(1)] == [transactions.ids["quick"]]
        transactions.release.set()
        await slow
        text = await stream.read_until(lambda body: '"subject_id":"slow"' in body)
        late_frame = text[text.rindex("\n\n", 0, text.index('"subject_id":"slow"')) + 2 :]
        assert late_frame.startswith("event: case\ndata: ") and "\nid:" not in late_frame
        await stream.close()

    _run(scenario())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("areas")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite commits one writer at a time, in id order")
def test_on_postgresql_a_later_id_committed_first_waits_for_the_earlier_transaction(settings: Any) -> None:
    settings.PATRIOT_SSE_GAP_GRACE_SECONDS = 30
    poc = session_cookie(staff(Role.POC_OPERATOR))
    transactions = _SlowTransaction()

    async def scenario() -> None:
        stream, slow = await transactions.behind_it(poc)
        assert await stream.quiet_for(0.8) == []  # committed and readable, but held behind the open id
        transactions.release.set()
        await slow
        ids = transactions.ids
        assert [e.id for e in await stream.events_until(2)] == [ids["slow"], ids["quick"]]
        await stream.close()

    _run(scenario())


def _commit_one(subject_id: str) -> int:
    with transaction.atomic():
        return record_event(kind="case.commented", subject_type="case", subject_id=subject_id, at=NOW, payload={}).pk


@pytest.mark.django_db(transaction=True)
def test_the_committing_thread_hands_its_events_to_the_hub_without_waking_it(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PATRIOT_SSE_POLL_SECONDS = 60  # within this test the hub never reads on its own
    monkeypatch.setattr(broadcast.Hub, "wake_threadsafe", lambda _hub: pytest.fail("the hub was woken"))

    async def scenario() -> None:
        # The newest id is the sequence's (a flushed table may leave ids below the next one unused: a gap to wait for).
        await in_thread(_commit_one, "BKS-BEFORE")
        hub = broadcast.current_hub()
        subscription = await hub.subscribe(lambda _event: True, public=False, last_event_id=None)
        pk = await in_thread(_commit_one, "BKS-HANDED")
        await asyncio.wait_for(subscription.wait(), 10)
        assert _queued(subscription) == [pk]
        assert hub.reads == 0

    _run(scenario())


@pytest.mark.django_db(transaction=True)
def test_when_the_hand_over_fails_the_hub_is_woken_and_reads_the_events_itself(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PATRIOT_SSE_POLL_SECONDS = 60

    def broken(_hub: broadcast.Hub, _frames: list[broadcast.Frame]) -> None:
        raise RuntimeError("hand-over refused")

    monkeypatch.setattr(broadcast.Hub, "absorb_threadsafe", broken)

    async def scenario() -> None:
        hub = broadcast.current_hub()
        subscription = await hub.subscribe(lambda _event: True, public=False, last_event_id=None)
        pk = await in_thread(_commit_one, "BKS-WOKEN")
        await asyncio.wait_for(subscription.wait(), 10)
        assert _queued(subscription) == [pk]
        assert hub.reads >= 1

    _run(scenario())


@pytest.mark.django_db
def test_one_wake_up_per_transaction_and_none_for_a_rollback(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(3):
            record_event(kind="case.commented", subject_type="case", subject_id=str(n), at=NOW, payload={})
    assert callbacks == [broadcast.notify_committed]

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ZeroDivisionError), transaction.atomic():
        record_event(kind="case.commented", subject_type="case", subject_id="x", at=NOW, payload={})
        1 / 0  # noqa: B018
    assert callbacks == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("areas")
def test_with_redis_unreachable_a_case_is_still_accepted(
    settings: Any, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PATRIOT_REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/1"
    redis_health.breaker.reset()
    case = make_case(make_category())
    assert OutboxEvent.objects.filter(subject_id=case.tracking_number).count() == 1
    assert redis_health.breaker.is_down
    assert caplog.text.count("Redis is down") == 1
    # While Redis counts as down, further commits do not even try (and log nothing more).
    tried: list[str] = []
    monkeypatch.setattr(broadcast._publisher, "_client", tried.append)
    make_case(make_category())
    assert tried == []
    assert caplog.text.count("Redis is down") == 1
    redis_health.breaker.reset()
