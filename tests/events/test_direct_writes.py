"""Live frames written by the hub itself with the response's `send` (Patriot's ASGI handler, as uvicorn runs it):
who receives what, order, and a client whose socket makes a write wait."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.asgi_handler import OneHopASGIHandler
from patriot.events import broadcast
from tests.events.conftest import Stream, comment_events, in_thread, session_cookie
from tests.events.test_streams import (
    run,
    test_a_client_going_away_removes_its_subscription_and_the_idle_hub_stops,
    test_a_heartbeat_comment_keeps_an_idle_stream_open,
    test_a_reconnecting_client_gets_what_it_missed_then_live_events_without_duplicates,
    test_each_role_receives_only_what_it_may_see,
    test_the_public_stream_never_carries_confidential_cases_or_personal_data,
    test_the_staff_stream_refuses_strangers_in_plain_text,
)
from tests.factories import staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]

# Collected here too, so they run again through Patriot's handler, where the hub writes live frames directly.
REUSED = (
    test_the_staff_stream_refuses_strangers_in_plain_text,
    test_each_role_receives_only_what_it_may_see,
    test_the_public_stream_never_carries_confidential_cases_or_personal_data,
    test_a_reconnecting_client_gets_what_it_missed_then_live_events_without_duplicates,
    test_a_heartbeat_comment_keeps_an_idle_stream_open,
    test_a_client_going_away_removes_its_subscription_and_the_idle_hub_stops,
)


@pytest.fixture(autouse=True)
def _patriot_handler(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Streams through Patriot's ASGI handler; the ids the hub wrote directly (the reused tests must take that path
    whenever they receive a live event, else they would test the other one)."""
    monkeypatch.setattr(Stream, "handler_class", OneHopASGIHandler)
    written: list[int] = []
    write_now = broadcast.Subscription._write_now

    def counted(subscription: broadcast.Subscription, frame: broadcast.Frame) -> None:
        written.append(frame.event.pk)
        write_now(subscription, frame)

    monkeypatch.setattr(broadcast.Subscription, "_write_now", counted)
    return written


def test_live_frames_are_written_by_the_hub_once_each_in_id_order(_patriot_handler: list[int]) -> None:
    poc = session_cookie(staff(Role.POC_OPERATOR))
    mayor = session_cookie(staff(Role.MAYOR))

    async def scenario() -> None:
        streams = [await Stream("/events/stream/", cookie=c).subscribed() for c in (poc, poc, mayor)]
        public = await Stream("/events/public/").subscribed()
        first = await in_thread(comment_events, 1, "BKS-2612")
        second = await in_thread(comment_events, 3, "BKS-2613")
        for stream in streams:
            received = await stream.events_until(4)
            assert [e.id for e in await stream.quiet_for(0.3)] == first + second
            await stream.close()
        # Comments are no public event: the public stream got nothing, directly or otherwise.
        assert await public.quiet_for(0.3) == []
        assert "BKS-2612" not in public.text
        await public.close()
        assert received and sorted(_patriot_handler) == sorted((first + second) * 3)

    run(scenario())


class SlowSocket(Stream):
    """A client whose socket takes a while with each write: the server's `send` has to wait."""

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body", b"").startswith(b"id:"):
            await asyncio.sleep(0.05)
        await super()._send(message)


def test_a_write_that_has_to_wait_holds_the_next_frames_back_and_they_follow_in_order(
    _patriot_handler: list[int],
) -> None:
    poc = session_cookie(staff(Role.POC_OPERATOR))

    async def scenario() -> None:
        hub = broadcast.current_hub()
        slow = await SlowSocket("/events/stream/", cookie=poc).subscribed()
        [subscription] = hub.subscriptions
        ids: list[int] = []
        for n in range(4):
            # Separate transactions, each handed to the hub while the first write still waits.
            ids += await in_thread(comment_events, 1, f"BKS-26{n:02d}")
        received = await slow.events_until(4)
        assert [e.id for e in await slow.quiet_for(0.3)] == ids
        assert [e.id for e in received][:4] == ids
        # The first went out directly and had to wait; the others queued behind it for the stream's task.
        assert _patriot_handler[0] == ids[0]
        assert subscription.writing is None and not subscription.pending
        await slow.close()
        assert not hub.subscriptions

    run(scenario())
