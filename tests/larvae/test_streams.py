"""Live events of inspections: the POC's staff stream receives them (area and findings only); the public stream,
live or replayed, never does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices as Role
from patriot.events import broadcast
from patriot.larvae import services
from patriot.larvae.models import Inspection
from tests.events.conftest import Stream, in_thread, session_cookie
from tests.factories import load_areas, make_case, make_category, make_user, staff
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _stream_settings(settings: Settings, tmp_path: Path) -> None:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.2
    settings.PATRIOT_SSE_HEARTBEAT_SECONDS = 30
    settings.MEDIA_ROOT = tmp_path / "media"


def test_inspections_reach_the_poc_stream_and_never_the_public_one(transactional_db: None) -> None:
    load_areas()
    jumantik = make_user(Role.JUMANTIK)
    category = make_category()
    poc = session_cookie(staff(Role.POC_OPERATOR))

    def inspect() -> Inspection:
        submission = inspection_submission(address="Jl. Rahasia No. 5", containers=[("drum", "outdoor", 2, 2)])
        return services.record_inspection(jumantik, submission).inspection

    async def scenario() -> None:
        public = await Stream("/events/public/").subscribed()
        control_room = await Stream("/events/stream/", cookie=poc).subscribed()
        inspection = await in_thread(inspect)
        case = await in_thread(make_case, category)
        [larvae, submitted] = await control_room.events_until(2)
        assert larvae.data["subject_type"] == "larvae" and larvae.data["subject_id"] == str(inspection.pk)
        assert submitted.data["subject_id"] == case.tracking_number
        assert "Rahasia" not in control_room.text
        [seen] = await public.events_until(1)
        assert seen.data["subject_id"] == case.tracking_number
        assert await public.quiet_for(0.5) == [seen]
        assert "larvae" not in public.text and "Rahasia" not in public.text
        await public.close()
        await control_room.close()

        replay = await Stream("/events/public/", headers={"Last-Event-ID": "0"}).subscribed()
        await replay.events_until(1)
        events = await replay.quiet_for(0.5)
        assert [event.data["subject_id"] for event in events] == [case.tracking_number]
        assert "larvae" not in replay.text
        await replay.close()

    async def with_hub_stopped() -> None:
        try:
            await scenario()
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


def test_dinkes_opens_the_staff_stream_and_receives_inspections_citizens_and_strangers_do_not() -> None:
    load_areas()
    jumantik = make_user(Role.JUMANTIK)
    # A health officer placed in no unit: the larvae event type alone opens the staff stream to the role.
    dinkes = session_cookie(make_user(Role.HEALTH_OFFICER))
    citizen = session_cookie(make_user(Role.CITIZEN))

    def inspect() -> Inspection:
        submission = inspection_submission(address="Jl. Rahasia No. 6", containers=[("drum", "outdoor", 2, 1)])
        return services.record_inspection(jumantik, submission).inspection

    async def scenario() -> None:
        for cookie, status in (("", 401), (citizen, 403)):
            refused = Stream("/events/stream/", cookie=cookie)
            await asyncio.wait_for(refused.task, 30)
            assert refused.status == status
            assert "larvae" not in await refused.body()
        public = await Stream("/events/public/").subscribed()
        health = await Stream("/events/stream/", cookie=dinkes).subscribed()
        inspection = await in_thread(inspect)
        [larvae] = await health.events_until(1)
        assert larvae.data["subject_type"] == "larvae" and larvae.data["subject_id"] == str(inspection.pk)
        assert "Rahasia" not in health.text
        assert await public.quiet_for(0.5) == []
        assert "larvae" not in public.text
        await public.close()
        await health.close()

    async def with_hub_stopped() -> None:
        try:
            await scenario()
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())
