"""The public stream decides visibility when it reads an event: a case made confidential later leaves no trace."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.cases import services
from patriot.cases.models import Case
from patriot.events import broadcast
from patriot.events.models import OutboxEvent
from tests.events.conftest import Stream, in_thread, parse_events, session_cookie
from tests.factories import BEKASI_JAYA, make_case, make_category, staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]


def run(scenario: Coroutine[Any, Any, None]) -> None:
    async def with_hub_stopped() -> None:
        try:
            await scenario
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


def made_confidential(case: Case) -> Case:
    return services.verify_case(case, by=staff(Role.POC_OPERATOR), is_confidential=True)


def traces(text: str, case: Case) -> list[str]:
    """What of `case` a public stream's text gives away: its number, its coordinates."""
    return [part for part in (case.tracking_number, f"{case.latitude:.5f}"[:8]) if part in text]


def test_a_case_made_confidential_at_verification_is_never_replayed_to_the_public() -> None:
    category = make_category()
    poc = session_cookie(staff(Role.POC_OPERATOR))

    async def scenario() -> None:
        live = await Stream("/events/public/").subscribed()
        secret = await in_thread(make_case, category, description="Pungutan liar di kantor kelurahan.")
        [seen] = await live.events_until(1)
        assert seen.data["subject_id"] == secret.tracking_number  # public while it was public
        await in_thread(made_confidential, secret)
        other = await in_thread(make_case, category, lat=BEKASI_JAYA[0], lon=BEKASI_JAYA[1])
        await live.events_until(2)
        await live.close()

        for replay in (
            Stream("/events/public/", headers={"Last-Event-ID": "0"}),
            Stream("/events/public/?last_event_id=0"),
        ):
            await replay.subscribed()
            events = await replay.events_until(1)
            events = await replay.quiet_for(0.5)
            assert [e.data["subject_id"] for e in events] == [other.tracking_number]
            assert traces(replay.text, secret) == []
            await replay.close()

        # Staff still replay every event of it.
        staff_replay = await Stream("/events/stream/", cookie=poc, headers={"Last-Event-ID": "0"}).subscribed()
        events = await staff_replay.events_until(3)
        assert [e.data["subject_id"] for e in events] == [secret.tracking_number] * 2 + [other.tracking_number]
        await staff_replay.close()

    run(scenario())


def test_an_event_read_after_its_case_turned_confidential_is_not_delivered_live() -> None:
    category = make_category()

    def submitted_then_made_confidential_in_one_commit() -> Case:
        with transaction.atomic():
            return made_confidential(make_case(category))

    async def scenario() -> None:
        public = await Stream("/events/public/").subscribed()
        secret = await in_thread(submitted_then_made_confidential_in_one_commit)
        # Written public (the case was public when it was submitted), read when it no longer is.
        assert await in_thread(
            lambda: OutboxEvent.objects.get(subject_id=secret.tracking_number, kind="case.submitted").is_public
        )
        after = await in_thread(make_case, category, lat=BEKASI_JAYA[0], lon=BEKASI_JAYA[1])
        await public.events_until(1)
        events = await public.quiet_for(0.5)
        assert [e.data["subject_id"] for e in events] == [after.tracking_number]
        assert traces(public.text, secret) == []
        await public.close()

    run(scenario())


def test_a_rejected_or_merged_case_leaves_the_public_replay_as_it_leaves_the_map() -> None:
    category = make_category()
    poc = staff(Role.POC_OPERATOR)
    rejected = make_case(category)
    services.reject_case(rejected, by=poc, reason="spam")
    original, duplicate = make_case(category), make_case(category)
    services.merge_case(duplicate, into=original, by=poc)

    async def scenario() -> None:
        replay = await Stream("/events/public/", headers={"Last-Event-ID": "0"}).subscribed()
        events = await replay.events_until(1)
        events = await replay.quiet_for(0.5)
        assert {e.data["subject_id"] for e in events} == {original.tracking_number}
        await replay.close()

    run(scenario())


def test_under_wsgi_the_public_answer_leaves_out_a_case_made_confidential_too() -> None:
    category = make_category()
    secret = make_case(category)
    visible = make_case(category, lat=BEKASI_JAYA[0], lon=BEKASI_JAYA[1])
    made_confidential(secret)
    for headers in ({"HTTP_LAST_EVENT_ID": "0"}, {}):
        answer = Client().get("/events/public/", **headers)
        text = b"".join(answer.streaming_content).decode()  # type: ignore[attr-defined]
        assert traces(text, secret) == []
    text = b"".join(Client().get("/events/public/?last_event_id=0").streaming_content).decode()  # type: ignore[attr-defined]
    assert [e.data["subject_id"] for e in parse_events(text)] == [visible.tracking_number]
