"""Bounds of the live streams: replay by count and age (else `reload`), streams per address and per process, stop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from patriot.accounts.choices import RoleChoices as Role
from patriot.events import broadcast
from tests.events.conftest import Stream, comment_events, in_thread, parse_events, session_cookie
from tests.factories import staff

pytestmark = [pytest.mark.django_db(transaction=True)]


def run(scenario: Coroutine[Any, Any, None]) -> None:
    async def with_hub_stopped() -> None:
        try:
            await scenario
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


@pytest.fixture(autouse=True)
def _not_stopping() -> Iterator[None]:
    yield
    broadcast._stopping = False


@pytest.mark.parametrize("header", [{"Last-Event-ID": "0"}, {}], ids=["header", "query"])
def test_a_client_too_far_behind_gets_reload_instead_of_the_history(settings: Any, header: dict[str, str]) -> None:
    settings.PATRIOT_SSE_REPLAY_MAX_EVENTS = 5
    poc = session_cookie(staff(Role.POC_OPERATOR))
    ids = comment_events(8, "BKS-2611")
    path = "/events/stream/" if header else "/events/stream/?last_event_id=0"

    async def scenario() -> None:
        behind = await Stream(path, cookie=poc, headers=header).subscribed()
        near = await Stream("/events/stream/", cookie=poc, headers={"Last-Event-ID": str(ids[2])}).subscribed()
        [reload] = await behind.events_until(1)
        assert reload.raw == f"id: {ids[-1]}\nevent: reload\ndata: {{}}"
        assert [e.id for e in await near.events_until(5)] == ids[3:]  # five missed: replayed
        [live] = await in_thread(comment_events, 1, "BKS-2611")
        for stream, before in ((behind, [ids[-1]]), (near, ids[3:])):
            await stream.read_until(lambda text: f"id: {live}\n" in text)
            assert [e.id for e in await stream.quiet_for(0.3)] == [*before, live]
            await stream.close()

    run(scenario())


def test_a_client_gone_longer_than_the_age_limit_gets_reload(settings: Any) -> None:
    settings.PATRIOT_SSE_REPLAY_MAX_AGE_SECONDS = 600
    mayor = session_cookie(staff(Role.MAYOR))
    old = comment_events(1, "BKS-2611", at=datetime.now(UTC) - timedelta(minutes=11))
    recent = comment_events(2, "BKS-2611")

    async def scenario() -> None:
        stale = await Stream("/events/stream/", cookie=mayor, headers={"Last-Event-ID": "0"}).subscribed()
        fresh = await Stream("/events/stream/", cookie=mayor, headers={"Last-Event-ID": str(old[0])}).subscribed()
        assert [e.name for e in await stale.quiet_for(0.3)] == ["reload"]
        assert [e.id for e in await fresh.events_until(2)] == recent
        for stream in (stale, fresh):
            await stream.close()

    run(scenario())


def test_under_wsgi_a_client_too_far_behind_gets_reload(settings: Any) -> None:
    from django.test import Client

    settings.PATRIOT_SSE_REPLAY_MAX_EVENTS = 3
    ids = comment_events(4, "BKS-2611")
    browser = Client()
    browser.force_login(staff(Role.POC_OPERATOR))
    text = b"".join(browser.get("/events/stream/", HTTP_LAST_EVENT_ID="0").streaming_content).decode()  # type: ignore[attr-defined]
    assert [(e.id, e.name) for e in parse_events(text)] == [(ids[-1], "reload")]


def test_streams_are_capped_per_client_address_and_per_process(settings: Any) -> None:
    settings.PATRIOT_SSE_MAX_STREAMS_PER_CLIENT = 2
    settings.PATRIOT_SSE_MAX_STREAMS = 3
    poc = session_cookie(staff(Role.POC_OPERATOR))

    async def scenario() -> None:
        hub = broadcast.current_hub()
        first = [await Stream("/events/public/").subscribed(), await Stream("/events/stream/", cookie=poc).subscribed()]
        refused = Stream("/events/public/")
        await asyncio.wait_for(refused.task, 10)
        assert refused.status == 429
        assert refused.headers["retry-after"] == "10"
        assert refused.headers["content-type"] == "text/plain; charset=utf-8"
        assert "Terlalu banyak" in await refused.body()
        # Another address still gets in, up to the process's cap.
        elsewhere = Stream("/events/public/")
        elsewhere.scope["client"] = ("10.0.0.7", 40000)
        await elsewhere.subscribed()
        beyond = Stream("/events/public/")
        beyond.scope["client"] = ("10.0.0.8", 40000)
        await asyncio.wait_for(beyond.task, 10)
        assert beyond.status == 429
        assert hub.admitted == {"127.0.0.1": 2, "10.0.0.7": 1}
        # A stream that ends gives its place back.
        await first[0].close()
        assert hub.admitted == {"127.0.0.1": 1, "10.0.0.7": 1}
        again = await Stream("/events/public/").subscribed()
        for stream in (first[1], elsewhere, again):
            await stream.close()
        assert not hub.admitted

    run(scenario())


def test_stopping_ends_every_stream_with_a_retry_hint_and_new_ones_at_once() -> None:
    poc = session_cookie(staff(Role.POC_OPERATOR))

    async def scenario() -> None:
        hub = broadcast.current_hub()
        streams = [
            await Stream("/events/stream/", cookie=poc).subscribed(),
            await Stream("/events/public/").subscribed(),
        ]
        broadcast.stop_all_streams()
        for stream in streams:
            await asyncio.wait_for(stream.task, 5)
            assert (await stream.body()).endswith("retry: 1000\n\n")
        late = await Stream("/events/public/").started()
        await asyncio.wait_for(late.task, 5)
        assert await late.body() == "retry: 3000\n\n: server stopping\nretry: 1000\n\n"
        assert not hub.subscriptions and not hub.admitted

    run(scenario())
