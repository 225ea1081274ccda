"""PSC 119 dispatch: suggested units by estimated arrival with why, dispatching several units all or none, re-routing
a unit from a lower-priority incident, and the ambulance registry's illegal moves."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.emergency import dispatch, services
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import AmbulanceTypeChoices
from patriot.emergency.models import Ambulance, AmbulanceEntry, Incident, IncidentEntry
from patriot.events.models import OutboxEvent
from tests.emergency.conftest import details, make_ambulance
from tests.factories import BEKASI_JAYA, BINTARA, MARGAHAYU

pytestmark = pytest.mark.usefixtures("areas")

WIB = ZoneInfo("Asia/Jakarta")


def at_hour(hour: int) -> datetime:
    return datetime(2026, 12, 7, hour, 30, tzinfo=WIB)


def test_haversine_is_the_great_circle_distance() -> None:
    assert dispatch.haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.01)  # one degree of a meridian
    # Margahayu → Bintara: 2.7 km south-north, 4.7 km east-west.
    assert dispatch.haversine_km(*MARGAHAYU, *BINTARA) == pytest.approx(5.40, abs=0.02)
    assert dispatch.haversine_km(*MARGAHAYU, *MARGAHAYU) == 0


def test_speed_follows_the_hour_band_and_the_setting() -> None:
    assert dispatch.speed_at(at_hour(3)) == 40
    assert dispatch.speed_at(at_hour(7)) == 18  # morning peak
    assert dispatch.speed_at(at_hour(17)) == 16  # evening peak
    with override_settings(PATRIOT_EMERGENCY_SPEEDS="0-12:30,12-24:60"):
        assert dispatch.speed_at(at_hour(7)) == 30
        assert dispatch.speed_at(at_hour(17)) == 60
    with pytest.raises(ValueError):
        dispatch.parse_speeds("0-6:40,7-24:30")  # a gap
    with pytest.raises(ValueError):
        dispatch.parse_speeds("0-20:40")  # not to 24


def test_suggestions_are_ordered_by_eta_with_why(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())  # chest pain: P1 at Margahayu
    near = make_ambulance("near", last_latitude=BEKASI_JAYA[0], last_longitude=BEKASI_JAYA[1])
    far = make_ambulance("far", last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    transport = make_ambulance(
        "transport",
        ambulance_type=AmbulanceTypeChoices.TRANSPORT,
        last_latitude=MARGAHAYU[0] + 0.001,
        last_longitude=MARGAHAYU[1],
    )
    returning = make_ambulance(
        "returning", status=Status.RETURNING, last_latitude=BINTARA[0] + 0.01, last_longitude=BINTARA[1]
    )
    make_ambulance("busy", status=Status.ON_SCENE, last_latitude=MARGAHAYU[0], last_longitude=MARGAHAYU[1])
    make_ambulance("broken", status=Status.OUT_OF_SERVICE, out_of_service_reason="Ban bocor")

    moment = at_hour(7)
    result = dispatch.suggest(
        incident_id=incident.pk,
        latitude=incident.latitude,
        longitude=incident.longitude,
        level=incident.level,
        complaint=incident.complaint,
        now=moment,
    )
    names = [s.name for s in result.units]
    assert names == ["Ambulans transport", "Ambulans near", "Ambulans far", "Ambulans returning"]
    first, second = result.units[0], result.units[1]
    # ETA = straight line × road factor ÷ speed of the hour.
    expected = dispatch.haversine_km(*BEKASI_JAYA, incident.latitude, incident.longitude) * 1.4 / 18 * 60
    assert second.eta_minutes == pytest.approx(expected)
    # A transport unit for a P1 is listed in its place but not recommended; the nearest emergency unit is.
    assert not first.type_matches and not first.recommended
    assert second.recommended and second.ambulance_id == near.pk
    assert any("P1" in reason for reason in first.reasons)
    assert any("km" in reason for reason in second.reasons)
    assert result.units[-1].returning and any("kembali" in r for r in result.units[-1].reasons)
    assert transport.pk and far.pk and returning.pk
    # Slower at the peak than at night.
    night = dispatch.suggest(
        incident_id=incident.pk, latitude=incident.latitude, longitude=incident.longitude, level="p1", now=at_hour(3)
    )
    assert night.units[1].eta_minutes < second.eta_minutes  # type: ignore[operator]


def test_without_a_last_position_the_station_point_is_used(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance("home")
    station = unit.unit.parent
    assert station is not None
    station.latitude, station.longitude = BINTARA
    station.save()
    result = dispatch.suggest(
        incident_id=incident.pk, latitude=incident.latitude, longitude=incident.longitude, level="p1", now=at_hour(12)
    )
    assert result.units[0].distance_km == pytest.approx(dispatch.haversine_km(*BINTARA, *MARGAHAYU), rel=0.01)
    assert not result.units[0].from_last_position
    assert any("pos" in reason for reason in result.units[0].reasons)


def test_a_unit_on_a_lower_priority_incident_is_offered_for_re_route(call_taker: User, dispatcher: User) -> None:
    minor = services.create_incident(call_taker, details(final_level="p3", override_reason="Luka ringan"))
    urgent = services.create_incident(call_taker, details())
    unit = make_ambulance("busy", last_latitude=MARGAHAYU[0], last_longitude=MARGAHAYU[1])
    services.dispatch_units(dispatcher, minor, [unit.pk])
    result = dispatch.suggest(
        incident_id=urgent.pk, latitude=urgent.latitude, longitude=urgent.longitude, level="p1", now=at_hour(12)
    )
    assert result.units == []
    assert [s.ambulance_id for s in result.reroutable] == [unit.pk]
    assert result.reroutable[0].reroute_from == minor.pk
    # Not the other way round: a P3 is not offered the P1's unit.
    services.reroute_ambulance(dispatcher, unit, urgent)
    back = dispatch.suggest(
        incident_id=minor.pk, latitude=minor.latitude, longitude=minor.longitude, level="p3", now=at_hour(12)
    )
    assert back.reroutable == [] and back.units == []


def test_dispatching_several_units_moves_the_incident_with_entries_and_events(
    call_taker: User, dispatcher: User
) -> None:
    incident = services.create_incident(call_taker, details())
    first, second = make_ambulance("a1"), make_ambulance("a2")
    services.dispatch_units(dispatcher, incident, [second.pk, first.pk])

    incident.refresh_from_db()
    assert incident.state == "dispatched" and incident.dispatched_at is not None
    assert set(Ambulance.objects.filter(incident=incident).values_list("status", flat=True)) == {Status.DISPATCHED}
    assert IncidentEntry.objects.filter(incident=incident, kind="dispatch").get().data == {
        "units": sorted([first.pk, second.pk])
    }
    assert AmbulanceEntry.objects.filter(incident=incident, kind="dispatch").count() == 2
    kinds = list(OutboxEvent.objects.filter(subject_type="emergency_incident").values_list("kind", flat=True))
    assert kinds == ["created", "dispatch"]
    # A third unit joins later without changing the state.
    third = make_ambulance("a3")
    services.dispatch_units(dispatcher, incident, [third.pk])
    incident.refresh_from_db()
    assert incident.state == "dispatched"
    assert IncidentEntry.objects.filter(incident=incident, kind="add_units").exists()


def test_one_unit_no_longer_available_refuses_the_whole_action(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    free = make_ambulance("free")
    taken = make_ambulance("taken")
    other = services.create_incident(call_taker, details())
    services.dispatch_units(dispatcher, other, [taken.pk])
    entries = AmbulanceEntry.objects.count()

    with pytest.raises(InvalidTransition) as refused:
        services.dispatch_units(dispatcher, incident, [free.pk, taken.pk])
    assert refused.value.status_code == 409 and refused.value.code == "unit_unavailable"
    assert "Ambulans taken" in refused.value.message
    free.refresh_from_db()
    incident.refresh_from_db()
    assert free.status == Status.AVAILABLE and free.incident_id is None
    assert incident.state == "open" and incident.dispatched_at is None
    assert AmbulanceEntry.objects.count() == entries


def test_dispatch_refuses_a_closed_incident_and_an_empty_choice(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    services.close_non_emergency(call_taker, incident, "prank")
    unit = make_ambulance()
    with pytest.raises(InvalidTransition):
        services.dispatch_units(dispatcher, incident, [unit.pk])
    with pytest.raises(InvalidInput):
        services.dispatch_units(dispatcher, incident, [])
    unit.refresh_from_db()
    assert unit.status == Status.AVAILABLE


def test_a_returning_unit_may_be_sent_again_and_ends_its_previous_run(call_taker: User, dispatcher: User) -> None:
    first = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, first, [unit.pk])
    for action in ("depart", "arrive", "clear"):
        services.move_ambulance(dispatcher, unit, action)
    assert unit.status == Status.RETURNING
    second = services.create_incident(call_taker, details())
    services.dispatch_units(dispatcher, second, [unit.pk])
    unit.refresh_from_db()
    first.refresh_from_db()
    assert unit.status == Status.DISPATCHED and unit.incident_id == second.pk
    assert first.back_in_service_at is not None


def test_re_route_moves_the_unit_with_entries_on_both_incidents(call_taker: User, dispatcher: User) -> None:
    minor = services.create_incident(call_taker, details(final_level="p3", override_reason="Luka ringan"))
    urgent = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, minor, [unit.pk])
    services.move_ambulance(dispatcher, unit, "depart")

    services.reroute_ambulance(dispatcher, unit, urgent)

    unit.refresh_from_db()
    minor.refresh_from_db()
    urgent.refresh_from_db()
    assert unit.incident_id == urgent.pk and unit.status == Status.EN_ROUTE
    assert minor.state == "open"  # waiting again: its only unit left
    assert urgent.state == "dispatched" and urgent.dispatched_at and urgent.en_route_at
    assert (
        IncidentEntry.objects.filter(incident=minor, kind="unit_rerouted_away").get().data["to_incident"] == urgent.pk
    )
    assert (
        IncidentEntry.objects.filter(incident=urgent, kind="unit_rerouted_in").get().data["from_incident"] == minor.pk
    )
    assert AmbulanceEntry.objects.filter(ambulance=unit, kind="reroute").exists()


def test_re_route_is_refused_towards_an_equal_or_lower_priority(call_taker: User, dispatcher: User) -> None:
    one = services.create_incident(call_taker, details())
    two = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, one, [unit.pk])
    with pytest.raises(InvalidTransition) as refused:
        services.reroute_ambulance(dispatcher, unit, two)
    assert refused.value.code == "not_lower_priority"
    available = make_ambulance("idle")
    with pytest.raises(InvalidTransition):
        services.reroute_ambulance(dispatcher, available, two)
    unit.refresh_from_db()
    assert unit.incident_id == one.pk


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (Status.AVAILABLE, "arrive"),
        (Status.DISPATCHED, "dispatch"),
        (Status.ON_SCENE, "back_in_service"),
        (Status.OUT_OF_SERVICE, "dispatch"),
        (Status.TRANSPORTING, "out_of_service"),
    ],
)
def test_registry_refuses_illegal_moves(dispatcher: User, call_taker: User, status: str, action: str) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance(status=status, out_of_service_reason="Servis" if status == Status.OUT_OF_SERVICE else "")
    with pytest.raises(InvalidTransition):
        services.move_ambulance(dispatcher, unit, action, incident=incident, reason="x")
    unit.refresh_from_db()
    assert unit.status == status


def test_registry_holds_station_kind_type_skills_and_radio(psc: OrganisationUnit) -> None:
    hospital = OrganisationUnit.objects.create(kind=UnitKindChoices.HOSPITAL, code="rs-x", name="RS X")
    station = OrganisationUnit.objects.create(
        kind=UnitKindChoices.AMBULANCE_STATION, code="pos-rs-x", name="Pos RS X", parent=hospital
    )
    unit = OrganisationUnit.objects.create(
        kind=UnitKindChoices.AMBULANCE_UNIT, code="amb-rs-x", name="Ambulans RS X", parent=station
    )
    ambulance = Ambulance.objects.create(
        unit=unit,
        ambulance_type=AmbulanceTypeChoices.EMERGENCY,
        crew_skills=["driver", "als", "doctor"],
        radio_channel="CH 5",
        phone="+6281200000000",
    )
    ambulance.full_clean()
    assert ambulance.unit.parent.parent.kind == UnitKindChoices.HOSPITAL  # type: ignore[union-attr]


def test_the_incident_number_is_unchanged_by_dispatch(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    with clock.pinned(incident.created_at):
        services.dispatch_units(dispatcher, incident, [make_ambulance().pk])
    assert Incident.objects.get(pk=incident.pk).dispatched_at == incident.created_at


def test_a_delivery_notes_a_midwife_in_the_crew(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details(complaint="pregnancy_labour"))
    make_ambulance("bidan", crew_skills=["driver", "midwife"], last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    make_ambulance("biasa", crew_skills=["driver", "bls"], last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    result = dispatch.suggest(
        incident_id=incident.pk,
        latitude=incident.latitude,
        longitude=incident.longitude,
        level=incident.level,
        complaint=incident.complaint,
        now=at_hour(12),
    )
    reasons = {s.name: s.reasons for s in result.units}
    assert any("bidan" in r for r in reasons["Ambulans bidan"])
    assert not any("bidan" in r for r in reasons["Ambulans biasa"])


def test_the_list_shows_the_nearest_units_and_always_the_recommended_one(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())
    for n in range(14):  # transport units close by
        make_ambulance(
            f"t{n:02d}",
            ambulance_type=AmbulanceTypeChoices.TRANSPORT,
            last_latitude=MARGAHAYU[0] + 0.001 * n,
            last_longitude=MARGAHAYU[1],
        )
    far = make_ambulance("far", last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    result = dispatch.suggest(
        incident_id=incident.pk, latitude=incident.latitude, longitude=incident.longitude, level="p1", now=at_hour(12)
    )
    assert result.available == 15
    assert len(result.units) == 13  # the 12 nearest, then the emergency unit the P1 needs
    assert result.units[-1].ambulance_id == far.pk and result.units[-1].recommended
    every = dispatch.suggest(
        incident_id=incident.pk,
        latitude=incident.latitude,
        longitude=incident.longitude,
        level="p1",
        now=at_hour(12),
        limit=None,
    )
    assert len(every.units) == 15
