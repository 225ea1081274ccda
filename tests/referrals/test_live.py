"""The public stream carries a bed change with only the hospital code, bed type, free, total and time; the staff
stream gives Dinkes the rest; no role outside the bed audience receives it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.events import audience, broadcast, visibility
from patriot.events.models import OutboxEvent
from patriot.referrals import services
from patriot.referrals.events import PUBLIC_FIELDS
from patriot.referrals.models import Facility
from patriot.referrals.services import BedFigures
from tests.events.conftest import Stream, in_thread
from tests.factories import make_user

PATIENT_AND_STAFF = ("Siti", "Perawatwati", "perawat-1", "ICU Mawar", "occupied", "queue", "reserved", "source")


@pytest.fixture(autouse=True)
def _stream_settings(settings: Settings, tmp_path: Path) -> None:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.2
    settings.PATRIOT_SSE_HEARTBEAT_SECONDS = 30


def run(scenario: Coroutine[Any, Any, None]) -> None:
    async def with_hub_stopped() -> None:
        try:
            await scenario
        finally:
            await broadcast.current_hub().stop()

    asyncio.run(with_hub_stopped())


def _named(nurse: User) -> User:
    nurse.first_name, nurse.last_name = "Siti", "Perawatwati"
    nurse.save()
    return nurse


def test_a_bed_change_is_one_public_event_with_only_the_board_fields(nurse: User, hospital: Facility) -> None:
    services.set_beds(
        _named(nurse), hospital, "icu", BedFigures(total=10, occupied=6, reserved=1, queue=3), room="ICU Mawar"
    )
    services.tap(nurse, hospital, "icu", "occupied", 1)
    events = list(OutboxEvent.objects.order_by("id"))
    assert [event.kind for event in events] == ["beds.changed", "beds.changed"]
    last = events[-1]
    assert last.is_public and last.unit_id is None and audience.may_receive_public(last)
    assert visibility.public_now([last]) == {last.pk}
    public = audience.public_payload(last)
    assert set(public) == set(PUBLIC_FIELDS) == {"hospital", "bed_type", "free", "total", "updated_at"}
    assert public["hospital"] == "rsud-bekasi" and public["free"] == 2 and public["total"] == 10
    assert last.payload["queue"] == 3  # staff get the queue; the public does not


def test_a_closed_hospitals_bed_events_leave_the_public_stream(nurse: User, hospital: Facility) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    event = OutboxEvent.objects.get()
    hospital.unit.is_active = False
    hospital.unit.save()
    assert visibility.public_now([event]) == set()


@pytest.mark.parametrize(
    ("role", "receives"),
    [
        (RoleChoices.HEALTH_OFFICER, True),
        (RoleChoices.POC_OPERATOR, True),
        (RoleChoices.PSC_DISPATCHER, True),
        (RoleChoices.CITIZEN, False),
        (RoleChoices.JUMANTIK, False),
        (RoleChoices.AGENCY_OFFICER, False),
        (RoleChoices.URC_OFFICER, False),
    ],
)
def test_who_receives_bed_events_on_the_staff_stream(
    nurse: User, hospital: Facility, role: str, receives: bool
) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    event = OutboxEvent.objects.get()
    assert audience.may_receive(make_user(role), event) is receives


@pytest.mark.django_db(transaction=True)
def test_the_public_stream_delivers_a_tap_with_no_patient_or_staff_data() -> None:
    from tests.referrals.conftest import make_facility

    hospital = make_facility("rsud-bekasi", "RSUD Kota Bekasi")
    nurse = _named(make_user(RoleChoices.HOSPITAL_STAFF, username="perawat-1", unit=hospital.unit))
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6, queue=2), room="ICU Mawar")

    async def scenario() -> None:
        public = await Stream("/events/public/").subscribed()
        await in_thread(services.tap, nurse, hospital, "icu", "occupied", 1)
        events = await public.events_until(1)
        await public.close()
        beds = [event for event in events if event.name == "beds"]
        assert beds and beds[-1].data["payload"]["free"] == 3
        assert set(beds[-1].data["payload"]) == set(PUBLIC_FIELDS)
        text = public.text
        for private in PATIENT_AND_STAFF:
            assert private not in text

    run(scenario())


def test_a_referrals_reservation_admission_and_release_reach_the_public_board_live(db: None) -> None:
    """Accepting reserves a bed: the public stream says the hospital's free ICU count dropped by one at that moment
    (not only on the board's next reload); admitting and cancelling an accepted referral are changes too."""
    from patriot.referrals.models import BedCount
    from tests.referrals.referral_fixtures import details, world

    w = world()

    def bed_events() -> list[dict[str, Any]]:
        rows = OutboxEvent.objects.filter(kind="beds.changed", subject_type="beds").order_by("id")
        return [event.payload for event in rows]

    referral = services.create_referral(w.referrer, details())
    services.send(w.referrer, referral, [w.near.pk, w.far.pk])
    services.reject(w.far_staff, referral, "no_bed")
    assert bed_events() == []  # asking and refusing move no bed
    services.accept(w.near_staff, referral)
    (event,) = OutboxEvent.objects.filter(kind="beds.changed")
    icu = BedCount.objects.get(facility=w.near, bed_type="icu")
    assert event.is_public and event.subject_id == str(icu.pk)
    assert (event.payload["hospital"], event.payload["bed_type"]) == ("rs-near", "icu")
    assert (event.payload["free"], event.payload["total"]) == (1, 5) == (icu.free, icu.total)  # 5 − 3 occupied − 1
    assert event.payload["source"] == "referral" and audience.may_receive_public(event)
    assert visibility.public_now([event]) == {event.pk}
    text = str(event.payload)
    assert referral.number not in text and "patient" not in text
    services.step(w.near_staff, referral, "arrive")
    services.step(w.near_staff, referral, "admit")
    assert [(e["free"], e["occupied"], e["reserved"]) for e in bed_events()] == [(1, 3, 1), (1, 4, 0)]
    second = services.create_referral(w.referrer, details())
    services.send(w.referrer, second, [w.near.pk])
    services.accept(w.near_staff, second)
    services.step(w.referrer, second, "cancel", "pasien pulang paksa")
    assert [e["free"] for e in bed_events()][-2:] == [0, 1]  # reserved, then released
