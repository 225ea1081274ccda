"""Issue 12 items 7 and 10: a referral sent by an SPGDT ambulance opens one inter-facility transfer incident on PSC
119's board (through core.registry: neither app imports the other); PSC roles read that referral's patient on its
transport sheet, audited with the purpose, and no other referral; nobody else reads it there; the public stream
carries nothing of it."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock, registry
from patriot.core.models import PersonalDataAccess
from patriot.emergency import intervals, triage
from patriot.emergency.choices import ComplaintChoices, TriageLevelChoices
from patriot.emergency.models import Incident, IncidentEntry
from patriot.emergency.services import choose_destination, close_non_emergency, dispatch_units, move_ambulance
from patriot.emergency.services.transfers import request_transfer
from patriot.events import broadcast
from patriot.events.audience import Subscriber, may_receive, may_receive_public
from patriot.referrals import services
from patriot.referrals.models import Referral
from tests.emergency.conftest import make_ambulance
from tests.factories import make_user
from tests.referrals.referral_fixtures import World, details, world

pytestmark = pytest.mark.django_db
# Another patient: a man born 1 January 1980.
BUDI = {"patient_name": "Budi Santoso", "nik": "3275010101800003", "birth_date": date(1980, 1, 1), "sex": "male"}


@pytest.fixture
def w() -> World:
    return world()


@pytest.fixture
def psc() -> OrganisationUnit:
    return OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc-119", name="PSC 119")


@pytest.fixture
def call_taker(psc: OrganisationUnit) -> User:
    return make_user(RoleChoices.PSC_CALL_TAKER, username="psc-ct", unit=psc)


@pytest.fixture
def dispatcher(psc: OrganisationUnit) -> User:
    return make_user(RoleChoices.PSC_DISPATCHER, username="psc-disp", unit=psc)


def accepted(w: World, **overrides: object) -> Referral:
    referral = services.create_referral(w.referrer, details(**overrides))
    services.send(w.referrer, referral, [w.near.pk])
    services.accept(w.near_staff, referral)
    return referral


def test_the_ambulance_request_opens_one_transfer_incident_on_the_board(
    w: World, psc: OrganisationUnit, dispatcher: User
) -> None:
    referral = accepted(w)
    own = accepted(w, **BUDI)
    services.depart(w.referrer, own, "own")
    assert not Incident.objects.exists()
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get()
    assert incident.referral_id == referral.pk
    assert incident.complaint == ComplaintChoices.INTER_FACILITY_TRANSFER
    assert incident.state == "open" and incident.psc_id == psc.pk
    assert incident.destination_id == w.near.unit_id
    assert (incident.latitude, incident.longitude) == (w.puskesmas.unit.latitude, w.puskesmas.unit.longitude)
    assert incident.address == w.puskesmas.unit.name
    # An emergency referral with stable signs (GCS 11, BP 190/110, SpO2 93, RR 24) goes at P2.
    assert incident.level == TriageLevelChoices.P2
    assert IncidentEntry.objects.filter(incident=incident, kind="transfer_requested").count() == 1
    # On the dispatcher's live board, like a new call.
    client = Client()
    client.force_login(dispatcher)
    board = client.get("/psc/papan/data/").json()
    row = next(row for row in board["incidents"] if row["id"] == incident.pk)
    assert row["complaint"] == "Rujukan antar-fasilitas" and row["level"] == "p2" and row["state"] == "open"
    assert "Sari" not in str(board)
    # Idempotent: the step cannot be taken twice, and a repeated request returns the same incident.
    with pytest.raises(Exception, match="tidak dapat dilakukan"):
        services.depart(w.referrer, referral, "ambulance")
    again = registry.TransferRequest(
        referral_id=referral.pk,
        referral_number=referral.number,
        urgency=referral.urgency,
        origin_unit_id=w.puskesmas.unit_id,
        origin_name="x",
        latitude=None,
        longitude=None,
        destination_unit_id=w.near.unit_id,
        requested_by_id=w.referrer.pk,
    )
    assert request_transfer(again).pk == incident.pk
    assert Incident.objects.count() == 1


def test_the_requester_is_not_the_call_taker_the_first_psc_user_to_act_is(
    w: World, call_taker: User, dispatcher: User
) -> None:
    """There is no 119 call in a transfer: the hospital staff member who asked is its requester, it has no call
    taker until a PSC user first acts on it (here the dispatcher sending a unit), and no call answered, so the
    interval report counts no answer interval for it."""
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get()
    assert incident.requested_by == w.referrer
    assert incident.call_taker is None and incident.call_answered_at is None
    assert IncidentEntry.objects.get(incident=incident, kind="transfer_requested").actor == w.referrer
    # Another role's step on it (the crew's) does not make a call taker; the first PSC action does, and stays.
    unit = make_ambulance("amb-ct")
    dispatch_units(dispatcher, incident, [unit.pk])
    incident.refresh_from_db()
    assert incident.call_taker == dispatcher and incident.requested_by == w.referrer
    dispatch_units(call_taker, incident, [make_ambulance("amb-ct2").pk])
    incident.refresh_from_db()
    assert incident.call_taker == dispatcher
    report = intervals.report(incident.call_received_at - timedelta(hours=1), clock.now() + timedelta(hours=1))
    assert report.overall.incidents == 1
    assert report.overall.figures["answer"].count == 0 and report.overall.figures["logging"].count == 0
    assert report.overall.figures["notify"].count == 1


def test_a_transfer_closed_by_the_psc_gets_that_user_as_its_call_taker(w: World, call_taker: User) -> None:
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get()
    close_non_emergency(call_taker, incident, "duplicate")
    incident.refresh_from_db()
    assert incident.call_taker == call_taker and incident.requested_by == w.referrer


def test_the_public_stream_and_other_roles_get_nothing_of_the_transfer(w: World, call_taker: User) -> None:
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    public = b"".join(broadcast.snapshot(may_receive_public, public=True, last_event_id=0)).decode()
    for secret in ("Sari", "3275014303900007", "stroke", referral.number, "emergency_incident"):
        assert secret not in public
    staff = b"".join(
        broadcast.snapshot(partial(may_receive, Subscriber.of(call_taker)), public=False, last_event_id=0)
    ).decode()
    assert "emergency_incident" in staff and "Sari" not in staff


def test_psc_roles_read_the_linked_referral_audited_and_no_other(w: World, call_taker: User, dispatcher: User) -> None:
    linked = accepted(w)
    services.depart(w.referrer, linked, "ambulance")
    unlinked = accepted(w, **BUDI)
    incident = Incident.objects.get(referral=linked)
    for user in (call_taker, dispatcher):
        client = Client()
        client.force_login(user)
        page = client.get(f"/psc/insiden/{incident.pk}/")
        assert f"/rujukan/{linked.pk}/transportasi/" in page.content.decode()
        sheet = client.get(f"/rujukan/{linked.pk}/transportasi/")
        body = sheet.content.decode()
        assert sheet.status_code == 200 and "Sari Wulandari" in body and w.near.unit.name in body
        assert "3275014303900007" not in body  # the NIK is not needed to transport
        assert PersonalDataAccess.objects.filter(
            user=user, subject_type="referral", subject_id=str(linked.pk), purpose__icontains="PSC 119"
        ).exists()
        assert client.get(f"/rujukan/{unlinked.pk}/transportasi/").status_code == 404
        # The referral pages themselves stay closed to PSC roles.
        assert client.get(f"/rujukan/{linked.pk}/").status_code in (403, 404)
    crew = make_user(RoleChoices.AMBULANCE_CREW, username="crew-x")
    others = [w.near_staff, w.far_staff, w.dinkes, crew, make_user(RoleChoices.POC_OPERATOR, username="poc-x")]
    for user in others:
        client = Client()
        client.force_login(user)
        assert client.get(f"/rujukan/{linked.pk}/transportasi/").status_code in (403, 404), user.role
    assert Client().get(f"/rujukan/{linked.pk}/transportasi/").status_code in (302, 401, 403, 404)
    readers = set(
        PersonalDataAccess.objects.filter(subject_type="referral", purpose__icontains="PSC 119").values_list(
            "user__username", flat=True
        )
    )
    assert readers == {call_taker.username, dispatcher.username}


def test_the_crew_of_the_dispatched_unit_sees_the_transfer_like_any_incident(w: World, dispatcher: User) -> None:
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get(referral=referral)
    ambulance = make_ambulance("amb-t")
    crew = make_user(RoleChoices.AMBULANCE_CREW, username="crew-t", unit=ambulance.unit)
    move_ambulance(dispatcher, ambulance, "dispatch", incident=incident)
    client = Client()
    client.force_login(crew)
    page = client.get("/psc/kru/").content.decode()
    assert "Rujukan antar-fasilitas" in page and w.near.unit.name in page and w.puskesmas.unit.name in page


def test_the_transfer_level_rule() -> None:
    stable = {"gcs": 15, "systolic": 120, "spo2": 98, "respiratory_rate": 16}
    assert triage.transfer_level(triage.TransferSigns("emergency", **stable)) == "p2"
    assert triage.transfer_level(triage.TransferSigns("urgent", **stable)) == "p3"
    assert triage.transfer_level(triage.TransferSigns("routine")) == "p3"
    for unstable in ({"gcs": 8}, {"systolic": 85}, {"spo2": 88}, {"respiratory_rate": 32}, {"respiratory_rate": 8}):
        assert triage.transfer_level(triage.TransferSigns("routine", **unstable)) == "p1", unstable


def test_the_call_takers_list_has_no_transfer_complaint(call_taker: User) -> None:
    client = Client()
    client.force_login(call_taker)
    assert 'value="transfer"' not in client.get("/psc/").content.decode()
    assert len(triage.table()) == 1755


def test_the_unit_reaching_the_hospital_records_the_referrals_arrival(w: World, dispatcher: User) -> None:
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get(referral=referral)
    ambulance = make_ambulance("amb-a")
    for action in ("dispatch", "depart", "arrive", "transport"):
        move_ambulance(dispatcher, ambulance, action, incident=incident if action == "dispatch" else None)
    choose_destination(dispatcher, ambulance, w.near.unit)  # the referral's receiving hospital
    referral.refresh_from_db()
    assert referral.state == "in_transit"
    move_ambulance(dispatcher, ambulance, "reach_hospital")
    referral.refresh_from_db()
    incident.refresh_from_db()
    assert referral.state == "arrived" and referral.arrived_at == incident.at_hospital_at
    entry = referral.timeline.get(kind="arrived")
    assert entry.actor is None and entry.actor_label == "Sistem"
    # The hospital's own step afterwards is refused as for any arrived referral; admission goes on as usual.
    services.step(w.near_staff, referral, "admit")


@pytest.mark.parametrize("destination", ["elsewhere", "none chosen"])
def test_a_unit_reaching_another_hospital_does_not_arrive_the_referral(
    w: World, dispatcher: User, destination: str
) -> None:
    """Only the receiving hospital is the referral's arrival: a unit diverted to another hospital (or whose crew
    chose none) reaches a hospital, stamps the incident's interval, and the referral stays in transit; a second
    unit that then reaches the receiving hospital records the arrival."""
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get(referral=referral)
    diverted, second = make_ambulance("amb-c"), make_ambulance("amb-d")
    for action in ("dispatch", "depart", "arrive", "transport"):
        move_ambulance(dispatcher, diverted, action, incident=incident if action == "dispatch" else None)
    if destination == "elsewhere":
        choose_destination(dispatcher, diverted, w.far.unit)
    move_ambulance(dispatcher, diverted, "reach_hospital")
    referral.refresh_from_db()
    incident.refresh_from_db()
    assert incident.at_hospital_at is not None
    assert referral.state == "in_transit" and referral.arrived_at is None
    assert not referral.timeline.filter(kind="arrived").exists()
    # The diversion is on both timelines, where the PSC, the referrer and the receiving hospital see it.
    reached = diverted.timeline.get(kind="reach_hospital").created_at
    entry = incident.timeline.get(kind="transfer_diverted")
    assert entry.created_at == reached and entry.actor == dispatcher and not entry.is_public
    assert entry.data == {
        "ambulance": diverted.pk,
        "hospital": w.far.unit.pk if destination == "elsewhere" else None,
        "receiving": w.near.unit.pk,
    }
    assert w.near.unit.name in entry.note and (w.far.unit.name in entry.note) == (destination == "elsewhere")
    diverted_entry = referral.timeline.get(kind="ambulance_diverted")
    assert diverted_entry.created_at == reached and diverted_entry.actor is None
    assert (w.far.unit.name in diverted_entry.note) == (destination == "elsewhere")
    # The crew hands over there and goes back to service: still no arrival.
    for action in ("clear", "back_in_service"):
        move_ambulance(dispatcher, diverted, action)
    referral.refresh_from_db()
    assert referral.state == "in_transit" and referral.arrived_at is None
    for action in ("dispatch", "depart", "arrive", "transport"):
        move_ambulance(dispatcher, second, action, incident=incident if action == "dispatch" else None)
    choose_destination(dispatcher, second, w.near.unit)
    move_ambulance(dispatcher, second, "reach_hospital")
    referral.refresh_from_db()
    assert referral.state == "arrived"
    assert referral.arrived_at == second.timeline.get(kind="reach_hospital").created_at


def test_the_diversion_reaches_the_referrer_and_the_receiving_hospital_only(w: World, dispatcher: User) -> None:
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get(referral=referral)
    unit = make_ambulance("amb-e")
    for action in ("dispatch", "depart", "arrive", "transport"):
        move_ambulance(dispatcher, unit, action, incident=incident if action == "dispatch" else None)
    choose_destination(dispatcher, unit, w.far.unit)
    move_ambulance(dispatcher, unit, "reach_hospital")
    entry = referral.timeline.get(kind="ambulance_diverted")

    def sees(user: User | None) -> bool:
        if user is None:
            frames = broadcast.snapshot(may_receive_public, public=True, last_event_id=0)
        else:
            frames = broadcast.snapshot(partial(may_receive, Subscriber.of(user)), public=False, last_event_id=0)
        return "referral.ambulance_diverted" in b"".join(frames).decode()

    assert entry.note
    assert sees(w.referrer) and sees(w.near_staff)
    # The hospital it went to is not the referral's party; nor the PSC, another role, or the public stream.
    assert not sees(w.far_staff) and not sees(dispatcher) and not sees(None)
    assert not sees(make_user(RoleChoices.CITIZEN, username="warga-divert"))


def test_the_crew_may_choose_the_receiving_hospital_even_with_its_emergency_room_full(
    w: World, dispatcher: User
) -> None:
    """The receiving hospital accepted the referral: its full emergency room does not stop the crew choosing it
    (which is what records the arrival); another full hospital is still refused."""
    from patriot.core.errors import InvalidInput
    from patriot.referrals.models import BedCount

    for hospital in (w.near, w.far):
        BedCount.objects.create(facility=hospital, bed_type="emergency", total=4, occupied=4, updated_at=clock.now())
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get(referral=referral)
    ambulance = make_ambulance("amb-e")
    for action in ("dispatch", "depart", "arrive", "transport"):
        move_ambulance(dispatcher, ambulance, action, incident=incident if action == "dispatch" else None)
    with pytest.raises(InvalidInput):
        choose_destination(dispatcher, ambulance, w.far.unit)
    assert choose_destination(dispatcher, ambulance, w.near.unit).destination_id == w.near.unit_id
    move_ambulance(dispatcher, ambulance, "reach_hospital")
    referral.refresh_from_db()
    assert referral.state == "arrived"


def test_an_arrival_the_hospital_recorded_first_is_left_alone(w: World, dispatcher: User) -> None:
    referral = accepted(w)
    services.depart(w.referrer, referral, "ambulance")
    incident = Incident.objects.get(referral=referral)
    services.step(w.near_staff, referral, "arrive")
    ambulance = make_ambulance("amb-b")
    for action in ("dispatch", "depart", "arrive", "transport", "reach_hospital"):
        move_ambulance(dispatcher, ambulance, action, incident=incident if action == "dispatch" else None)
    assert referral.timeline.filter(kind="arrived").count() == 1


def test_end_to_end_through_the_pages(w: World, dispatcher: User) -> None:
    """The referrer picks the SPGDT ambulance on the referral page; the dispatcher finds the transfer on the board,
    opens the incident and its transport sheet."""
    referral = accepted(w)
    referrer = Client()
    referrer.force_login(w.referrer)
    page = referrer.get(f"/rujukan/{referral.pk}/").content.decode()
    assert 'name="transport" value="ambulance"' in page
    response = referrer.post(f"/rujukan/{referral.pk}/langkah/", {"action": "depart", "transport": "ambulance"})
    assert response.status_code in (200, 302)
    referral.refresh_from_db()
    assert referral.state == "in_transit" and referral.transport == "ambulance"
    psc = Client()
    psc.force_login(dispatcher)
    rows = psc.get("/psc/papan/data/").json()["incidents"]
    assert [row["complaint"] for row in rows] == ["Rujukan antar-fasilitas"]
    incident_page = psc.get(f"/psc/insiden/{rows[0]['id']}/").content.decode()
    assert "Lembar transportasi pasien" in incident_page and w.near.unit.name in incident_page
    requester = w.referrer.get_full_name() or w.referrer.get_username()
    assert f"<dd data-requested-by>{requester}</dd>" in incident_page
    sheet = psc.get(f"/rujukan/{referral.pk}/transportasi/").content.decode()
    assert "Sari Wulandari" in sheet and "dr. Ani" in sheet


def test_the_migration_moves_an_old_transfers_requester_out_of_its_call_taker(w: World, dispatcher: User) -> None:
    """0008: a transfer opened before it had the requester as its call taker; the requester moves to requested_by
    and the call taker becomes the first PSC user on its timeline (none when no PSC user acted yet)."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("patriot.emergency.migrations.0008_transfer_requested_by_and_call_taker_optional")
    acted, untouched = accepted(w), accepted(w, **BUDI)
    for referral in (acted, untouched):
        services.depart(w.referrer, referral, "ambulance")
    Incident.objects.update(call_taker=w.referrer, requested_by=None)
    dispatch_units(dispatcher, Incident.objects.get(referral=acted), [make_ambulance("amb-mig").pk])
    Incident.objects.update(call_taker=w.referrer)  # as the old code left it
    migration.transfers_requested_by(apps, None)
    first, second = Incident.objects.get(referral=acted), Incident.objects.get(referral=untouched)
    assert (first.requested_by, first.call_taker) == (w.referrer, dispatcher)
    assert (second.requested_by, second.call_taker) == (w.referrer, None)
    migration.transfers_call_taker_back(apps, None)
    assert set(Incident.objects.values_list("call_taker", flat=True)) == {w.referrer.pk}
