"""An incident's state follows its units' runs: on scene, carrying the patient, handed over, closed when the last unit
is back in service — so it leaves the dispatch board and the POC panel once the run is over."""

from __future__ import annotations

import pytest

from patriot.accounts.models import User
from patriot.emergency import services
from patriot.emergency.choices import IncidentStateChoices as State
from patriot.emergency.models import Incident, IncidentEntry
from patriot.emergency.queries import active_incidents
from patriot.events.models import OutboxEvent
from tests.emergency.conftest import details, make_ambulance

pytestmark = pytest.mark.usefixtures("areas")


def state_of(incident: Incident) -> str:
    incident.refresh_from_db()
    return incident.state


def test_one_unit_carries_the_incident_through_to_closed(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, incident, [unit.pk])
    seen = []
    for action in ("depart", "arrive", "transport", "reach_hospital", "clear", "back_in_service"):
        services.move_ambulance(dispatcher, unit, action)
        seen.append(state_of(incident))
    assert seen == [
        State.DISPATCHED,
        State.ON_SCENE,
        State.TRANSPORTING,
        State.TRANSPORTING,  # at the hospital, before the handover
        State.HANDED_OVER,
        State.CLOSED,
    ]
    assert incident.closed_at is not None and incident.closed_at == incident.back_in_service_at
    assert not active_incidents().filter(pk=incident.pk).exists()
    steps = list(IncidentEntry.objects.filter(incident=incident, kind="progress").values_list("to_state", flat=True))
    assert steps == [State.ON_SCENE, State.TRANSPORTING, State.HANDED_OVER, State.CLOSED]
    events = OutboxEvent.objects.filter(subject_type="emergency_incident", kind="progress")
    assert [e.payload["state"] for e in events.order_by("pk")] == steps
    assert all(set(e.payload) == {"state", "level", "complaint"} for e in events)


def test_a_run_without_transport_closes_when_the_unit_clears(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, incident, [unit.pk])
    for action in ("depart", "arrive", "clear"):
        services.move_ambulance(dispatcher, unit, action)
    assert state_of(incident) == State.CLOSED
    services.move_ambulance(dispatcher, unit, "back_in_service")
    assert state_of(incident) == State.CLOSED
    assert IncidentEntry.objects.filter(incident=incident, kind="progress", to_state=State.CLOSED).count() == 1


def test_the_incident_stays_on_the_board_while_any_unit_still_works_it(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    first, second = make_ambulance("a1"), make_ambulance("a2")
    services.dispatch_units(dispatcher, incident, [first.pk, second.pk])
    for action in ("depart", "arrive", "transport", "reach_hospital", "clear"):
        services.move_ambulance(dispatcher, first, action)
    services.move_ambulance(dispatcher, second, "depart")
    assert state_of(incident) == State.DISPATCHED  # the second unit is still on its way
    assert active_incidents().filter(pk=incident.pk).exists()
    services.move_ambulance(dispatcher, second, "arrive")
    assert state_of(incident) == State.ON_SCENE
    services.move_ambulance(dispatcher, second, "clear")
    assert state_of(incident) == State.HANDED_OVER  # the first unit handed a patient over and is on its way back
    services.move_ambulance(dispatcher, first, "back_in_service")
    assert state_of(incident) == State.HANDED_OVER  # the second unit is still on its way back
    services.move_ambulance(dispatcher, second, "back_in_service")
    assert state_of(incident) == State.CLOSED


def test_a_returning_unit_sent_again_closes_the_run_it_leaves(call_taker: User, dispatcher: User) -> None:
    first = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, first, [unit.pk])
    for action in ("depart", "arrive", "transport", "reach_hospital", "clear"):
        services.move_ambulance(dispatcher, unit, action)
    assert state_of(first) == State.HANDED_OVER
    second = services.create_incident(call_taker, details())
    services.dispatch_units(dispatcher, second, [unit.pk])
    assert state_of(first) == State.CLOSED
    assert state_of(second) == State.DISPATCHED


def test_the_timeline_reads_in_words(client, call_taker: User, dispatcher: User) -> None:  # type: ignore[no-untyped-def]
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, incident, [unit.pk])
    services.move_ambulance(dispatcher, unit, "depart")
    services.move_ambulance(dispatcher, unit, "arrive")
    client.force_login(dispatcher)
    page = client.get(f"/psc/insiden/{incident.pk}/").content.decode()
    assert "Ambulans ditugaskan" in page and "Ambulans di lokasi" in page
    assert "progress" not in page and "→ on_scene" not in page
