"""Events addressed to an organisation unit (OutboxEvent.unit_id) reach that unit's staff and nobody else the event
type's own rule does not admit: not another unit, not the units below it, not citizens, not the public stream."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices as Kind
from patriot.accounts.models import OrganisationUnit
from patriot.events import broadcast
from patriot.events.audience import Subscriber, may_receive, may_receive_public, may_subscribe
from patriot.events.models import OutboxEvent
from patriot.events.services import record_event
from tests.events.conftest import Stream, in_thread, session_cookie
from tests.factories import make_agency, make_user, staff


def unit(kind: str, code: str, parent: OrganisationUnit | None = None) -> OrganisationUnit:
    return OrganisationUnit.objects.create(kind=kind, code=code, name=code, parent=parent)


def addressed(kind: str, subject_type: str, unit_id: int | None, *, is_public: bool = False) -> OutboxEvent:
    with transaction.atomic():
        return record_event(
            kind=kind,
            subject_type=subject_type,
            subject_id="x-1",
            at=datetime.now(UTC),
            payload={"kind": kind},
            unit_id=unit_id,
            is_public=is_public,
        )


@pytest.mark.django_db
def test_an_event_addressed_to_a_unit_reaches_its_staff_only() -> None:
    psc, other_psc = unit(Kind.PSC_CENTRE, "psc-a"), unit(Kind.PSC_CENTRE, "psc-b")
    kecamatan = unit(Kind.KECAMATAN_OFFICE, "kec")
    kelurahan = unit(Kind.KELURAHAN_OFFICE, "kel", parent=kecamatan)
    taker = make_user(Role.PSC_CALL_TAKER, unit=psc)
    other_taker = make_user(Role.PSC_CALL_TAKER, unit=other_psc)
    jumantik = make_user(Role.JUMANTIK, unit=kelurahan)
    agency_officer = staff(Role.AGENCY_OFFICER, agency=make_agency())

    # "call" is a registered type whose own rule admits the call centre only.
    event = addressed("call.transferred", "call", psc.pk, is_public=True)
    assert event.unit_id == psc.pk
    assert may_receive(taker, event)
    assert may_receive(Subscriber.of(taker), event)
    assert not may_receive(other_taker, event)
    assert not may_receive(jumantik, event)
    assert not may_receive(agency_officer, event)
    assert may_receive(staff(Role.CALLCENTRE_OPERATOR), event)  # the type's rule still holds
    # A citizen never belongs to a unit; even a stray placement does not let them in.
    assert not may_receive(Subscriber(role=Role.CITIZEN, agency_id=None, team_id=None, unit_id=psc.pk), event)
    # Addressed means private, even written public.
    assert not may_receive_public(event)

    # Not the units below the one addressed, nor the one above.
    to_kecamatan = addressed("call.transferred", "call", kecamatan.pk)
    assert not may_receive(jumantik, to_kecamatan)
    to_kelurahan = addressed("call.transferred", "call", kelurahan.pk)
    assert may_receive(jumantik, to_kelurahan)
    assert not may_receive(taker, to_kelurahan)

    # A type nobody registered still reaches nobody, addressed or not.
    assert not may_receive(taker, addressed("area.alert", "area", psc.pk))


@pytest.mark.django_db
def test_staff_placed_in_a_unit_may_open_the_staff_stream() -> None:
    psc = unit(Kind.PSC_CENTRE, "psc-a")
    assert may_subscribe(make_user(Role.PSC_DISPATCHER, unit=psc))
    # Placed nowhere: nothing to receive (a PSC dispatcher now watches bed figures, so the crew role shows it).
    assert not may_subscribe(make_user(Role.AMBULANCE_CREW))
    assert not may_subscribe(Subscriber(role=Role.CITIZEN, agency_id=None, team_id=None, unit_id=psc.pk))


def run(scenario: Any) -> None:
    async def with_hub_stopped() -> None:
        try:
            await scenario
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


@pytest.mark.django_db(transaction=True)
def test_over_the_streams_a_units_event_reaches_that_unit_and_not_another_nor_the_public() -> None:
    psc, other_psc = unit(Kind.PSC_CENTRE, "psc-a"), unit(Kind.PSC_CENTRE, "psc-b")
    cookies = {
        "psc": session_cookie(make_user(Role.PSC_CALL_TAKER, unit=psc)),
        "other_psc": session_cookie(make_user(Role.PSC_DISPATCHER, unit=other_psc)),
        "callcentre": session_cookie(staff(Role.CALLCENTRE_OPERATOR)),
    }

    async def scenario() -> None:
        anonymous = Stream("/events/stream/")
        await asyncio.wait_for(anonymous.task, 30)
        assert anonymous.status == 401
        streams = {name: await Stream("/events/stream/", cookie=c).subscribed() for name, c in cookies.items()}
        assert all(stream.status == 200 for stream in streams.values())
        public = await Stream("/events/public/").subscribed()

        await in_thread(addressed, "call.for_a", "call", psc.pk, is_public=True)
        await in_thread(addressed, "call.for_b", "call", other_psc.pk)
        expected = {"psc": ["call.for_a"], "other_psc": ["call.for_b"], "callcentre": ["call.for_a", "call.for_b"]}
        # The call centre receives both by the type's rule; once it has, every delivery has happened.
        await streams["callcentre"].events_until(2)
        for name, stream in streams.items():
            await stream.events_until(len(expected[name]))
            received = await stream.quiet_for(0.3)
            assert [event.data["kind"] for event in received] == expected[name], name
            await stream.close()
        assert await public.quiet_for(0.5) == []
        await public.close()

    run(scenario())
