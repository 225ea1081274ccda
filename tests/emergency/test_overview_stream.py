"""The POC dashboard's and the mayor's emergency panels, live: the `emergency_overview` event carries counts, kecamatan
totals and units at rest only, reaches the POC roles and the mayor, and no other role, and never the public."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.emergency import services
from patriot.emergency.choices import AmbulanceStatusChoices
from patriot.emergency.events import OVERVIEW_ROLES, OVERVIEW_SUBJECT
from patriot.emergency.models import Incident
from patriot.events import broadcast
from patriot.events.audience import may_receive, may_receive_public
from patriot.events.models import OutboxEvent
from tests.emergency.conftest import details, make_ambulance
from tests.events.conftest import Stream, in_thread, session_cookie
from tests.factories import BINTARA, load_areas, make_user

PRIVATE = ("Bu Sari", "+6281234567890", "0812", "Jl. Anggrek", "depan masjid", "Margahayu", "chest_pain")


def _latest_overview() -> OutboxEvent:
    return OutboxEvent.objects.filter(subject_type=OVERVIEW_SUBJECT).latest("pk")


@pytest.mark.django_db
def test_the_overview_event_carries_counts_and_units_at_rest_only() -> None:
    load_areas()
    psc = OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc", name="PSC")
    call_taker = make_user(Role.PSC_CALL_TAKER, unit=psc)
    dispatcher = make_user(Role.PSC_DISPATCHER, unit=psc)
    incident = services.create_incident(call_taker, details(final_level="p1", override_reason="henti napas"))
    event = _latest_overview()
    assert event.payload["total"] == 1 and event.payload["table"]["open"] == [1, 0, 0, 0, 1]
    busy = make_ambulance("amb-sibuk", last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    make_ambulance("amb-siaga", last_latitude=-6.30, last_longitude=106.98)
    services.dispatch_units(dispatcher, incident, [busy.pk])
    payload = _latest_overview().payload
    assert set(payload) == {"total", "table", "areas", "units", "unit_counts"}
    assert payload["table"]["open"] == [0, 0, 0, 0, 0] and payload["table"]["dispatched"] == [1, 0, 0, 0, 1]
    assert payload["unit_counts"]["dispatched"] == 1 and payload["unit_counts"]["available"] == 1
    # Only the unit at rest is placed (the dispatched one would mark where the patient is).
    assert payload["units"] == [[-6.30, 106.98, AmbulanceStatusChoices.colour("available")]]
    [(name, _lat, _lon, count)] = payload["areas"]
    assert count == 1 and name == Incident.objects.get().district.name
    text = json.dumps(payload)
    assert not any(secret in text for secret in PRIVATE)
    assert str(incident.latitude) not in text and str(incident.longitude) not in text
    assert str(BINTARA[0]) not in text
    for event in OutboxEvent.objects.filter(subject_type=OVERVIEW_SUBJECT):
        assert not event.is_public and not may_receive_public(event) and event.unit_id is None


@pytest.mark.django_db
@pytest.mark.parametrize("role", Role.values())
def test_only_the_poc_roles_and_the_mayor_receive_it(role: str) -> None:
    event = OutboxEvent(subject_type=OVERVIEW_SUBJECT, subject_id="city", kind="overview", payload={})
    user = User(role=role, username=f"u-{role}")
    assert may_receive(user, event) is (role in OVERVIEW_ROLES)
    assert {Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.SYSTEM_ADMIN, Role.MAYOR} == OVERVIEW_ROLES


@pytest.fixture
def _stream_settings(settings: Settings, tmp_path: Path) -> None:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.2
    settings.PATRIOT_SSE_HEARTBEAT_SECONDS = 30
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_stream_settings")
def test_the_streams_of_poc_and_mayor_get_it_the_psc_other_roles_and_the_public_do_not() -> None:
    load_areas()
    psc = OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc", name="PSC")
    call_taker = make_user(Role.PSC_CALL_TAKER, unit=psc)
    cookies = {
        role: session_cookie(make_user(role, unit=psc if role == Role.PSC_DISPATCHER else None))
        for role in (Role.POC_OPERATOR, Role.MAYOR, Role.CALLCENTRE_OPERATOR, Role.PSC_DISPATCHER)
    }

    async def scenario() -> None:
        public = await Stream("/events/public/").subscribed()
        streams = {
            role: await Stream("/events/stream/", cookie=cookie).subscribed() for role, cookie in cookies.items()
        }
        incident = await in_thread(services.create_incident, call_taker, details())
        for role in (Role.POC_OPERATOR, Role.MAYOR):
            [overview] = await streams[role].events_until(1)
            assert overview.name == OVERVIEW_SUBJECT and overview.data["payload"]["total"] == 1
            assert not any(secret in streams[role].text for secret in PRIVATE)
            assert overview.data["subject_id"] == "city"  # not the incident's id
            assert str(incident.latitude) not in streams[role].text
        # The dispatcher's board gets the incident's own event, not the panels'.
        [created] = await streams[Role.PSC_DISPATCHER].events_until(1)
        assert created.data["subject_type"] == "emergency_incident"
        assert OVERVIEW_SUBJECT not in streams[Role.PSC_DISPATCHER].text
        assert await streams[Role.CALLCENTRE_OPERATOR].quiet_for(0.5) == []
        assert await public.quiet_for(0.5) == []
        assert OVERVIEW_SUBJECT not in public.text
        for stream in (public, *streams.values()):
            await stream.close()
        replay = await Stream("/events/public/", headers={"Last-Event-ID": "0"}).subscribed()
        assert await replay.quiet_for(0.5) == []
        await replay.close()

    async def with_hub_stopped() -> None:
        try:
            await scenario()
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())
