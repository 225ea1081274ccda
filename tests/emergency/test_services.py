"""PSC 119's services: an incident with its place, triage, timeline entry and event; the ambulance's status
machine; closing calls that are not emergencies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from patriot.accounts.models import User
from patriot.core import clock
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.emergency import services
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.models import Ambulance, AmbulanceEntry, Incident, IncidentEntry
from patriot.events.audience import may_receive, may_receive_public, public_payload
from patriot.events.models import OutboxEvent
from patriot.geo.models import Village
from tests.emergency.conftest import details, make_ambulance
from tests.factories import OUTSIDE_CITY

pytestmark = pytest.mark.usefixtures("areas")


def test_an_incident_is_placed_triaged_and_writes_one_entry_and_one_event(call_taker: User) -> None:
    received = clock.now() - timedelta(seconds=40)
    incident = services.create_incident(call_taker, details(call_received_at=received))

    incident.refresh_from_db()
    assert incident.state == "open"
    assert incident.village == Village.objects.get(name__iexact="Margahayu")
    assert incident.district_id == incident.village.district_id
    assert incident.inside_city
    assert incident.caller_number == "+6281234567890"
    assert incident.callback_number == "+6281234567890"  # the caller's, when none is given
    assert incident.proposed_level == incident.final_level == "p1"  # chest pain
    assert incident.call_received_at == received
    assert incident.created_at >= received
    assert incident.psc == call_taker.unit
    assert IncidentEntry.objects.filter(incident=incident).count() == 1
    events = OutboxEvent.objects.filter(subject_type="emergency_incident", subject_id=str(incident.pk))
    assert [event.kind for event in events] == ["created"]
    # The payload carries no caller or patient data, and the event never reaches the public.
    assert set(events[0].payload) == {"state", "level", "complaint"}
    assert not events[0].is_public


def test_a_point_just_outside_the_city_is_taken_without_a_kelurahan(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details(latitude=OUTSIDE_CITY[0], longitude=OUTSIDE_CITY[1]))
    assert incident.village_id is None and incident.district_id is None
    assert not incident.inside_city
    assert incident.latitude == pytest.approx(OUTSIDE_CITY[0])


def test_an_address_alone_is_enough_but_no_location_is_refused(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details(latitude=None, longitude=None))
    assert incident.village_id is None and incident.address
    with pytest.raises(InvalidInput) as refused:
        services.create_incident(call_taker, details(latitude=None, longitude=None, address=" "))
    assert refused.value.field == "address"


def test_a_level_apart_from_the_proposal_needs_a_reason(call_taker: User) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.create_incident(call_taker, details(final_level="p3"))
    assert refused.value.field == "override_reason"
    assert not Incident.objects.exists()
    incident = services.create_incident(call_taker, details(final_level="p3", override_reason="Nyeri otot, sudah lama"))
    assert (incident.proposed_level, incident.final_level) == ("p1", "p3")
    assert incident.override_reason == "Nyeri otot, sudah lama"


def test_a_stale_or_future_received_time_falls_back_to_the_save_time(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details(call_received_at=clock.now() - timedelta(hours=5)))
    assert incident.call_received_at == incident.created_at


def test_incident_events_reach_psc_roles_only(call_taker: User, dispatcher: User) -> None:
    from patriot.accounts.choices import RoleChoices as Role
    from tests.factories import make_agency, make_user

    services.create_incident(call_taker, details())
    event = OutboxEvent.objects.get(subject_type="emergency_incident")
    assert may_receive(call_taker, event) and may_receive(dispatcher, event)
    agency = make_agency()
    for role in (
        Role.CITIZEN,
        Role.AGENCY_OFFICER,
        Role.POC_OPERATOR,
        Role.MAYOR,
        Role.SYSTEM_ADMIN,
        Role.AMBULANCE_CREW,
    ):
        user = make_user(role, agency=agency if role == Role.AGENCY_OFFICER else None)
        assert not may_receive(user, event), role
    assert not may_receive_public(event)
    assert public_payload(event) == {}


def test_a_run_through_every_status_stamps_the_incident(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    ambulance = make_ambulance()
    run = ["dispatch", "depart", "arrive", "transport", "reach_hospital", "clear", "back_in_service"]
    for action in run:
        services.move_ambulance(dispatcher, ambulance, action, incident=incident if action == "dispatch" else None)
    assert ambulance.status == Status.AVAILABLE and ambulance.incident_id is None
    assert [entry.to_state for entry in AmbulanceEntry.objects.filter(ambulance=ambulance)] == [
        "dispatched",
        "en_route",
        "on_scene",
        "transporting",
        "at_hospital",
        "returning",
        "available",
    ]
    assert OutboxEvent.objects.filter(subject_type="ambulance", subject_id=str(ambulance.pk)).count() == len(run)
    incident.refresh_from_db()
    stamps = [
        incident.created_at,
        incident.dispatched_at,
        incident.en_route_at,
        incident.on_scene_at,
        incident.left_scene_at,
        incident.at_hospital_at,
        incident.handover_at,
        incident.back_in_service_at,
    ]
    assert all(stamp is not None for stamp in stamps)
    assert stamps == sorted(stamps)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("available", "arrive"),
        ("dispatched", "dispatch"),
        ("en_route", "transport"),
        ("on_scene", "back_in_service"),
        ("transporting", "out_of_service"),
        ("out_of_service", "dispatch"),
        ("at_hospital", "depart"),
    ],
)
def test_illegal_moves_are_refused_and_write_nothing(dispatcher: User, status: str, action: str) -> None:
    ambulance = make_ambulance(status=status, out_of_service_reason="Ban bocor" if status == "out_of_service" else "")
    with pytest.raises(InvalidTransition) as refused:
        services.move_ambulance(dispatcher, ambulance, action, reason="x")
    assert refused.value.status_code == 409
    assert Ambulance.objects.get(pk=ambulance.pk).status == status
    assert not AmbulanceEntry.objects.exists() and not OutboxEvent.objects.filter(subject_type="ambulance").exists()


def test_out_of_service_needs_a_reason_and_returns_to_available(dispatcher: User, ambulance: Ambulance) -> None:
    with pytest.raises(InvalidInput):
        services.move_ambulance(dispatcher, ambulance, "out_of_service")
    services.move_ambulance(dispatcher, ambulance, "out_of_service", reason="Servis rutin")
    assert (ambulance.status, ambulance.out_of_service_reason) == ("out_of_service", "Servis rutin")
    services.move_ambulance(dispatcher, ambulance, "return_to_service")
    assert (ambulance.status, ambulance.out_of_service_reason) == ("available", "")


def test_dispatch_needs_an_open_incident(call_taker: User, dispatcher: User, ambulance: Ambulance) -> None:
    with pytest.raises(InvalidInput):
        services.move_ambulance(dispatcher, ambulance, "dispatch")
    incident = services.create_incident(call_taker, details())
    services.close_non_emergency(call_taker, incident, "prank")
    with pytest.raises(InvalidTransition):
        services.move_ambulance(dispatcher, ambulance, "dispatch", incident=incident)
    assert Ambulance.objects.get(pk=ambulance.pk).status == "available"


def test_non_emergency_calls_are_closed_with_their_reason(call_taker: User) -> None:
    call = services.record_non_emergency_call(call_taker, "wrong_number", caller_number="081234567890")
    assert (call.state, call.closure_reason, call.caller_number) == ("non_emergency", "wrong_number", "+6281234567890")
    assert call.closed_at == call.created_at
    assert IncidentEntry.objects.filter(incident=call).count() == 1
    with pytest.raises(InvalidInput):
        services.record_non_emergency_call(call_taker, "bored")


def test_closing_an_open_incident_once_then_409(call_taker: User) -> None:
    first = services.create_incident(call_taker, details())
    second = services.create_incident(call_taker, details(caller_number="0813 1111 2222"))
    services.close_non_emergency(call_taker, second, "duplicate", duplicate_of=first)
    second.refresh_from_db()
    assert (second.state, second.duplicate_of) == ("non_emergency", first)
    with pytest.raises(InvalidTransition):
        services.close_non_emergency(call_taker, second, "prank")
    assert IncidentEntry.objects.filter(incident=second).count() == 2
    # A duplicate of a closed incident is refused.
    third = services.create_incident(call_taker, details())
    with pytest.raises(InvalidInput):
        services.close_non_emergency(call_taker, third, "duplicate", duplicate_of=second)


def test_an_ambulance_profile_belongs_to_an_ambulance_unit(psc: object) -> None:
    from django.core.exceptions import ValidationError

    from patriot.accounts.models import OrganisationUnit

    ambulance = make_ambulance()
    ambulance.full_clean()
    ambulance.unit = OrganisationUnit.objects.get(code="psc-bekasi")
    with pytest.raises(ValidationError):
        ambulance.full_clean()
    ambulance = make_ambulance("amb-2", crew_skills=["juggling"])
    with pytest.raises(ValidationError):
        ambulance.full_clean()


def test_psc_staff_open_the_staff_stream_as_members_of_their_psc(call_taker: User) -> None:
    from patriot.accounts.choices import RoleChoices as Role
    from patriot.events.audience import may_subscribe
    from tests.factories import make_user

    assert may_subscribe(call_taker)
    assert not may_subscribe(make_user(Role.CITIZEN))
