"""The SSE streams through Django's ASGI handler: wire format, who receives what, replay, heartbeat, clean-up."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from patriot.accounts.choices import RoleChoices as Role
from patriot.cases.events import PUBLIC_PAYLOAD_FIELDS
from patriot.events import broadcast
from patriot.events.models import OutboxEvent
from patriot.events.services import record_event
from tests.events.conftest import Stream, comment_events, in_thread, parse_events, session_cookie
from tests.factories import case_through, make_agency, make_case, make_category, make_team, make_user, staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]


def run(scenario: Coroutine[Any, Any, None]) -> None:
    async def with_hub_stopped() -> None:
        try:
            await scenario
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


def record(kind: str, subject_type: str, subject_id: str, **fields: Any) -> OutboxEvent:
    with transaction.atomic():
        return record_event(
            kind=kind, subject_type=subject_type, subject_id=subject_id, at=datetime.now(UTC), payload={}, **fields
        )


def test_the_staff_stream_refuses_strangers_in_plain_text() -> None:
    citizen = session_cookie(make_user(Role.CITIZEN))
    jumantik = session_cookie(make_user(Role.JUMANTIK))

    async def scenario() -> None:
        for cookie, status in (("", 401), (citizen, 403), (jumantik, 403)):
            stream = Stream("/events/stream/", cookie=cookie)
            await asyncio.wait_for(stream.task, 30)
            body = await stream.body()
            assert stream.status == status
            assert stream.headers["content-type"] == "text/plain; charset=utf-8"
            assert body and not body.startswith("{")
        assert not broadcast.current_hub().subscriptions

    run(scenario())


def test_wire_format_retry_first_then_one_frame_per_event_with_its_outbox_id() -> None:
    poc = session_cookie(staff(Role.POC_OPERATOR))
    category = make_category()

    async def scenario() -> None:
        stream = await Stream("/events/stream/", cookie=poc).subscribed()
        assert stream.status == 200
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert stream.headers["cache-control"] == "no-cache"
        assert stream.headers["x-accel-buffering"] == "no"
        case = await in_thread(make_case, category)
        [event] = await stream.events_until(1)
        outbox = await in_thread(lambda: OutboxEvent.objects.get(subject_id=case.tracking_number))
        assert stream.text.startswith("retry: 3000\n\n")
        assert event.raw.split("\n")[:2] == [f"id: {outbox.pk}", "event: case"]
        assert event.raw.split("\n")[2].startswith("data: {")
        assert event.data == {
            "id": outbox.pk,
            "kind": "case.submitted",
            "subject_type": "case",
            "subject_id": case.tracking_number,
            "at": outbox.created_at.isoformat(),
            "payload": outbox.payload,
        }
        assert event.data["payload"]["state"] == "submitted"
        await stream.close()

    run(scenario())


def test_each_role_receives_only_what_it_may_see() -> None:
    agency_a, agency_b = make_agency(), make_agency()
    team_a, other_team = make_team(agency_a), make_team(agency_a)
    category = make_category(default_agency=agency_a)
    cookies = {
        "poc": session_cookie(staff(Role.POC_OPERATOR)),
        "mayor": session_cookie(staff(Role.MAYOR)),
        "callcentre": session_cookie(staff(Role.CALLCENTRE_OPERATOR)),
        "agency_a": session_cookie(staff(Role.AGENCY_OFFICER, agency=agency_a)),
        # Streams of the same role and places share the filter's answers; the same role elsewhere must not.
        "agency_a_colleague": session_cookie(staff(Role.AGENCY_OFFICER, agency=agency_a)),
        "agency_b_officer": session_cookie(staff(Role.AGENCY_OFFICER, agency=agency_b)),
        "agency_b": session_cookie(staff(Role.AGENCY_ADMIN, agency=agency_b)),
        "urc_a": session_cookie(staff(Role.URC_OFFICER, team=team_a)),
        "urc_other": session_cookie(staff(Role.URC_OFFICER, team=other_team)),
    }

    async def scenario() -> None:
        streams = {name: await Stream("/events/stream/", cookie=c).subscribed() for name, c in cookies.items()}
        public = await Stream("/events/public/").subscribed()
        # submitted, verified, dispatched (to A), assigned (to team A): four events about one case.
        case = await in_thread(case_through, "assigned", category=category, team=team_a)
        # An event type no app registered reaches nobody (issue 10), even written public.
        await in_thread(record, "area.alert", "area", "32.75.01", is_public=True)
        await in_thread(record, "call.incoming", "call", "call-1")

        expected = {
            "poc": ["case.submitted", "case.verified", "case.dispatched", "case.assigned"],
            "mayor": ["case.submitted", "case.verified", "case.dispatched", "case.assigned"],
            "callcentre": ["case.submitted", "case.verified", "case.dispatched", "case.assigned", "call.incoming"],
            "agency_a": ["case.dispatched", "case.assigned"],
            "agency_a_colleague": ["case.dispatched", "case.assigned"],
            "agency_b_officer": [],
            "agency_b": [],
            "urc_a": ["case.assigned"],
            "urc_other": [],
        }
        # The call centre's stream gets the last event; when it has, every hub delivery has happened.
        await streams["callcentre"].events_until(5)
        for name, stream in streams.items():
            await stream.events_until(len(expected[name]))
            received = await stream.quiet_for(0.3)  # and nothing more
            assert [e.data["kind"] for e in received] == expected[name], name
            assert all(e.data["subject_id"] == case.tracking_number for e in received if e.name == "case")
            await stream.close()
        await public.events_until(4)
        public_events = await public.quiet_for(0.3)
        assert [e.data["kind"] for e in public_events] == [
            "case.submitted",
            "case.verified",
            "case.dispatched",
            "case.assigned",
        ]
        await public.close()

    run(scenario())


def test_the_public_stream_never_carries_confidential_cases_or_personal_data() -> None:
    category = make_category()
    reporter = make_user(Role.CITIZEN, first_name="Siti", last_name="Rahmawati", phone="081234567890")

    async def scenario() -> None:
        public = await Stream("/events/public/").subscribed()
        await in_thread(make_case, category, is_confidential=True, description="Rahasia: pungli di kantor kelurahan.")
        await in_thread(case_through, "rejected", category=category)
        anonymous = await in_thread(
            make_case, category, by=reporter, is_anonymous=True, description="Saluran mampet di depan rumah Bu Siti."
        )
        await public.read_until(lambda text: anonymous.tracking_number in text)
        events = await public.quiet_for(0.5)
        # The rejected case's submission only when the hub read it before the rejection: visibility is decided
        # when an event is read (issue 9), and a rejected case is no longer public.
        assert [e.data["kind"] for e in events] in (["case.submitted"], ["case.submitted"] * 2)
        assert events[-1].data["subject_id"] == anonymous.tracking_number
        for event in events:
            assert set(event.data["payload"]) <= set(PUBLIC_PAYLOAD_FIELDS)
        for secret in ("Siti", "Rahmawati", "081234567890", "pungli", "Saluran mampet", "agency_id", "reporter"):
            assert secret not in public.text
        await public.close()

    run(scenario())


def test_a_reconnecting_client_gets_what_it_missed_then_live_events_without_duplicates() -> None:
    agency = make_agency()
    category = make_category(default_agency=agency)
    poc = session_cookie(staff(Role.POC_OPERATOR))
    officer = session_cookie(staff(Role.AGENCY_OFFICER, agency=agency))

    async def scenario() -> None:
        first = await Stream("/events/stream/", cookie=poc).subscribed()
        await in_thread(make_case, category)
        [seen] = await first.events_until(1)
        await first.close()  # the browser loses its connection here

        missed = [await in_thread(case_through, "dispatched", category=category) for _ in range(2)]
        ids = await in_thread(lambda: list(OutboxEvent.objects.order_by("pk").values_list("pk", flat=True)))
        assert len(ids) == 1 + 2 * 3

        by_header = await Stream("/events/stream/", cookie=poc, headers={"Last-Event-ID": str(seen.id)}).subscribed()
        by_query = await Stream(f"/events/stream/?last_event_id={seen.id}", cookie=poc).subscribed()
        agency_replay = await Stream("/events/stream/", cookie=officer, headers={"Last-Event-ID": "0"}).subscribed()
        fresh = await Stream("/events/stream/", cookie=poc).subscribed()
        assert [e.id for e in await by_header.events_until(6)] == ids[1:]
        assert [e.id for e in await by_query.events_until(6)] == ids[1:]
        assert [e.data["kind"] for e in await agency_replay.events_until(2)] == ["case.dispatched"] * 2

        assert all(case.state == "dispatched" for case in missed)
        live_case = await in_thread(make_case, category)
        for stream, expected in ((by_header, 7), (by_query, 7), (fresh, 1)):
            await stream.events_until(expected)
            received = await stream.quiet_for(0.3)
            assert [e.id for e in received] == sorted({e.id for e in received}), "in order, no duplicate"
            assert received[-1].data["subject_id"] == live_case.tracking_number
            assert len(received) == expected
        for stream in (by_header, by_query, agency_replay, fresh):
            await stream.close()

    run(scenario())


def test_a_heartbeat_comment_keeps_an_idle_stream_open(settings: Any) -> None:
    settings.PATRIOT_SSE_HEARTBEAT_SECONDS = 0.2
    mayor = session_cookie(staff(Role.MAYOR))

    async def scenario() -> None:
        stream = await Stream("/events/stream/", cookie=mayor).subscribed()
        await stream.read_until(lambda text: text.count(": ping\n\n") >= 2)
        assert stream.text == "retry: 3000\n\n" + ": ping\n\n" * stream.text.count(": ping\n\n")
        await stream.close()

    run(scenario())


def test_a_client_going_away_removes_its_subscription_and_the_idle_hub_stops() -> None:
    poc = session_cookie(staff(Role.POC_OPERATOR))
    category = make_category()

    async def scenario() -> None:
        hub = broadcast.current_hub()
        streams = [await Stream("/events/stream/", cookie=poc).subscribed() for _ in range(3)]
        public = await Stream("/events/public/").subscribed()
        assert len(hub.subscriptions) == 4
        await streams[0].close()
        await public.close()
        assert len(hub.subscriptions) == 2
        await in_thread(make_case, category)
        for stream in streams[1:]:
            assert len(await stream.events_until(1)) == 1
            await stream.close()
        assert not hub.subscriptions
        # The hub notices at its next poll that nobody listens.
        deadline = asyncio.get_running_loop().time() + 30
        while hub._running:
            assert asyncio.get_running_loop().time() < deadline, "the idle hub did not stop"
            await asyncio.sleep(0.05)
        assert all(task.done() for task in asyncio.all_tasks() if task.get_name().startswith("patriot-events"))

    run(scenario())


def test_a_slow_client_is_cut_off_and_replays_what_it_missed_on_reconnect(settings: Any) -> None:
    settings.PATRIOT_SSE_QUEUE_LIMIT = 2
    poc = session_cookie(staff(Role.POC_OPERATOR))

    async def scenario() -> None:
        hub = broadcast.current_hub()
        stream = await Stream("/events/stream/", cookie=poc).subscribed()
        [subscription] = hub.subscriptions
        ids = await in_thread(comment_events, 5, "BKS-2611")
        # One wake-up, one read, five deliveries in one go: the queue holds two, then the stream is cut.
        await asyncio.wait_for(stream.task, 30)
        assert subscription.overflowed
        assert not hub.subscriptions
        await stream.body()
        received = [e.id for e in parse_events(stream.text)]
        assert received == ids[:2]
        again = await Stream("/events/stream/", cookie=poc, headers={"Last-Event-ID": str(received[-1])}).subscribed()
        assert [e.id for e in await again.events_until(3)] == ids[2:]
        await again.close()

    run(scenario())


def test_under_wsgi_the_stream_answers_what_is_new_and_lets_the_browser_reconnect() -> None:
    from django.test import Client

    browser = Client()
    browser.force_login(staff(Role.POC_OPERATOR))
    category = make_category()
    first = b"".join(browser.get("/events/stream/").streaming_content).decode()  # type: ignore[attr-defined]
    assert first.startswith("retry: 3000\n\n") and first.endswith("\n\n")
    newest = int(first.rsplit("id: ", 1)[1])
    case = make_case(category)
    answer = browser.get("/events/stream/", HTTP_LAST_EVENT_ID=str(newest))
    assert answer["Content-Type"] == "text/event-stream; charset=utf-8"
    text = b"".join(answer.streaming_content).decode()  # type: ignore[attr-defined]
    assert f'"subject_id":"{case.tracking_number}"' in text
    outbox_id = OutboxEvent.objects.get(subject_id=case.tracking_number).pk
    assert text.startswith(f"retry: 3000\n\nid: {outbox_id}\nevent: case\n")
    assert text.endswith(f"id: {outbox_id}\n\n")
