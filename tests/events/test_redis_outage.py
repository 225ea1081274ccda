"""A hung Redis (SIGSTOP) is noticed by the pub/sub listener; after SIGCONT wake-ups travel through Redis again."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
import redis

from patriot.accounts.choices import RoleChoices as Role
from patriot.core import redis_health
from patriot.events import broadcast
from tests.events.conftest import Stream, in_thread, session_cookie
from tests.factories import make_case, make_category, staff
from tests.private_servers import PrivateRedis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]


async def _until(condition: Any, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


def test_live_events_come_through_redis_again_after_a_hang(
    settings: Any, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PATRIOT_REDIS_URL = private_redis.url
    # A poll of a minute: within this test only a wake-up through Redis brings an event.
    settings.PATRIOT_SSE_POLL_SECONDS = 60
    monkeypatch.setattr(broadcast, "PING_EVERY_SECONDS", 0.3)
    monkeypatch.setattr(broadcast, "PONG_WAIT_SECONDS", 0.5)
    # This process's own hub is not woken directly: the case stands for one made by another process,
    # whose commit reaches us only as a message on the Redis channel.
    monkeypatch.setattr(broadcast.Hub, "wake_threadsafe", lambda _hub: None)
    monkeypatch.setattr(broadcast.Hub, "absorb_threadsafe", lambda _hub, _frames: None)
    caplog.set_level(logging.INFO, logger="patriot.redis")
    outside = redis.Redis.from_url(private_redis.url)
    category = make_category()
    cookie = session_cookie(staff(Role.POC_OPERATOR))

    def subscribers() -> int:
        return int(dict(outside.pubsub_numsub(broadcast.redis_channel()))[broadcast.redis_channel().encode()])

    def another_process_commits() -> str:
        number = make_case(category).tracking_number
        outside.publish(broadcast.redis_channel(), "another-process")
        return number

    async def scenario() -> None:
        stream = await Stream("/events/stream/", cookie=cookie).subscribed()
        await _until(lambda: subscribers() == 1, 10, "the hub to subscribe on Redis")
        first = await in_thread(another_process_commits)
        events = await stream.events_until(1, timeout=5)
        assert events[-1].data["subject_id"] == first

        private_redis.pause()
        await _until(lambda: redis_health.breaker.is_down, 10, "the listener to notice the hang")
        during = await in_thread(make_case, category)  # accepted; its wake-up is lost with the hang

        private_redis.resume()
        await _until(lambda: not redis_health.breaker.is_down and subscribers() == 1, 15, "the listener to come back")
        after = await in_thread(another_process_commits)
        events = await stream.events_until(3, timeout=10)
        assert [event.data["subject_id"] for event in events] == [first, during.tracking_number, after]
        await stream.close()

    async def with_hub_stopped() -> None:
        try:
            await scenario()
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())
    messages = [record.getMessage() for record in caplog.records if record.name == "patriot.redis"]
    assert len(messages) == 2, messages
    assert "down" in messages[0] and "answers again" in messages[1]
