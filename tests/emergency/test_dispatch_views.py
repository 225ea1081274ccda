"""The dispatch board and its endpoints: PSC roles only (call takers read-only), dispatching from the board with a
409 when a unit was taken meanwhile, and the POC dashboard's / mayor's emergency panel with counts and areas but no
patient, caller or address data."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.core.views import home_for
from patriot.emergency import services
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.models import Ambulance
from patriot.emergency.views.dispatch import workspace_panel
from patriot.events.audience import may_receive_public
from patriot.events.models import OutboxEvent
from tests.core.test_layout import csp_problems
from tests.emergency.conftest import details, make_ambulance
from tests.factories import BEKASI_JAYA, BINTARA, make_agency, make_user

pytestmark = pytest.mark.usefixtures("areas")

PRIVATE = ("Bu Sari", "+6281234567890", "0812", "Jl. Anggrek", "depan masjid")

BOARD_HEADER = {"HTTP_X_REQUESTED_WITH": "board"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dispatcher_lands_on_the_board_and_sees_incidents_and_units(call_taker: User, dispatcher: User) -> None:
    assert home_for(dispatcher) == "/psc/papan/"
    incident = services.create_incident(call_taker, details())
    make_ambulance("a1", last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    client = client_for(dispatcher)
    page = client.get("/psc/papan/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not csp_problems(html)
    assert "board-config" in html and "emergency/board.js" in html and "data-dispatcher" in html
    data = client.get("/psc/papan/data/").json()
    assert [row["number"] for row in data["incidents"]] == [incident.number]
    assert data["incidents"][0]["level"] == "p1" and data["incidents"][0]["area"].startswith("Margahayu")
    assert data["units"][0]["status"] == "available" and data["units"][0]["lat"] == BINTARA[0]
    # The board reads no caller or address data.
    text = json.dumps(data)
    assert not any(secret in text for secret in PRIVATE)


def test_the_call_taker_sees_the_board_read_only(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance()
    client = client_for(call_taker)
    page = client.get("/psc/papan/").content.decode()
    assert "data-dispatcher" not in page
    panel = client.get(f"/psc/insiden/{incident.pk}/saran/").content.decode()
    assert "Ambulans amb-1" in panel and 'name="ambulance"' not in panel
    assert client.post(f"/psc/insiden/{incident.pk}/tugaskan/", {"ambulance": unit.pk}).status_code == 403
    unit.refresh_from_db()
    assert unit.status == Status.AVAILABLE


def test_suggestions_show_eta_and_why_and_dispatch_from_the_board(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    near = make_ambulance("near", last_latitude=BEKASI_JAYA[0], last_longitude=BEKASI_JAYA[1])
    make_ambulance("far", last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    client = client_for(dispatcher)
    panel = client.get(f"/psc/insiden/{incident.pk}/saran/").content.decode()
    assert panel.index("Ambulans near") < panel.index("Ambulans far")
    assert "menit" in panel and "km garis lurus" in panel and "disarankan" in panel
    assert f'value="{near.pk}" checked' in panel

    response = client.post(f"/psc/insiden/{incident.pk}/tugaskan/", {"ambulance": [near.pk]}, **BOARD_HEADER)
    assert response.status_code == 200
    assert "Ambulans near ditugaskan" in response.content.decode()
    near.refresh_from_db()
    assert near.status == Status.DISPATCHED and near.incident_id == incident.pk


def test_a_unit_taken_meanwhile_answers_409_and_nothing_is_dispatched(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    other = services.create_incident(call_taker, details())
    free, taken = make_ambulance("free"), make_ambulance("taken")
    services.dispatch_units(dispatcher, other, [taken.pk])
    client = client_for(dispatcher)
    response = client.post(f"/psc/insiden/{incident.pk}/tugaskan/", {"ambulance": [free.pk, taken.pk]}, **BOARD_HEADER)
    assert response.status_code == 409
    assert "Ambulans taken sudah tidak siaga" in response.content.decode()
    free.refresh_from_db()
    assert free.status == Status.AVAILABLE
    # Without scripts: the refusal page, 409.
    plain = client.post(f"/psc/insiden/{incident.pk}/tugaskan/", {"ambulance": [taken.pk]})
    assert plain.status_code == 409


def test_re_route_from_the_board(call_taker: User, dispatcher: User) -> None:
    minor = services.create_incident(call_taker, details(final_level="p3", override_reason="Luka ringan"))
    urgent = services.create_incident(call_taker, details())
    unit = make_ambulance()
    services.dispatch_units(dispatcher, minor, [unit.pk])
    client = client_for(dispatcher)
    panel = client.get(f"/psc/insiden/{urgent.pk}/saran/").content.decode()
    assert "Alihkan ke insiden ini" in panel and minor.number in panel
    response = client.post(f"/psc/insiden/{urgent.pk}/alihkan/", {"ambulance": unit.pk}, **BOARD_HEADER)
    assert response.status_code == 200
    unit.refresh_from_db()
    assert unit.incident_id == urgent.pk


@pytest.mark.parametrize(
    "role",
    [
        Role.CITIZEN,
        Role.AGENCY_OFFICER,
        Role.POC_OPERATOR,
        Role.POC_SUPERVISOR,
        Role.MAYOR,
        Role.SYSTEM_ADMIN,
        Role.HEALTH_OFFICER,
        Role.AMBULANCE_CREW,
        Role.HOSPITAL_STAFF,
    ],
)
def test_other_roles_cannot_see_the_board_or_suggestions_or_dispatch(call_taker: User, role: str) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance()
    user = make_user(role, agency=make_agency() if role == Role.AGENCY_OFFICER else None)
    client = client_for(user)
    for url in ("/psc/papan/", "/psc/papan/data/", f"/psc/insiden/{incident.pk}/saran/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert not any(secret.encode() in response.content for secret in PRIVATE)
        assert b"Ambulans amb-1" not in response.content
    for url in (f"/psc/insiden/{incident.pk}/tugaskan/", f"/psc/insiden/{incident.pk}/alihkan/"):
        assert client.post(url, {"ambulance": unit.pk}).status_code == 403
    unit.refresh_from_db()
    assert unit.status == Status.AVAILABLE


def test_anonymous_visitors_are_sent_to_sign_in(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())
    for url in ("/psc/papan/", "/psc/papan/data/", f"/psc/insiden/{incident.pk}/saran/", "/psc/papan/panel/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/masuk/" in response["Location"], url
    assert Client().post(f"/psc/insiden/{incident.pk}/tugaskan/", {"ambulance": 1}).status_code == 302


def test_dispatch_events_never_reach_the_public_stream(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    services.dispatch_units(dispatcher, incident, [make_ambulance().pk])
    events = OutboxEvent.objects.filter(kind__in=["dispatch"])
    assert events.count() == 2  # the ambulance's step and the incident's
    for event in events:
        assert not event.is_public and not may_receive_public(event)
        assert not any(secret in json.dumps(event.payload) for secret in PRIVATE)


def test_the_workspace_panel_shows_counts_and_areas_without_patient_data(call_taker: User, dispatcher: User) -> None:
    first = services.create_incident(call_taker, details())
    services.create_incident(call_taker, details(latitude=BINTARA[0], longitude=BINTARA[1]))
    services.dispatch_units(dispatcher, first, [make_ambulance(last_latitude=BINTARA[0], last_longitude=BINTARA[1]).pk])
    make_ambulance("amb-free", last_latitude=-6.30, last_longitude=106.98)
    context = workspace_panel(None)
    assert context["total"] == 2
    assert {area["name"] for area in context["areas"]} == {"Bekasi Timur", "Bekasi Barat"}
    # Only the unit at rest is placed: the dispatched one would show where its patient is.
    assert [unit["status"] for unit in context["map"]["units"]] == ["available"]
    # No patient, caller or address anywhere in what the panel is given, nor any incident's own point.
    text = json.dumps(context, default=str)
    assert not any(secret in text for secret in PRIVATE)
    assert str(first.latitude) not in text and "Margahayu" not in text and "chest_pain" not in text

    poc = client_for(make_user(Role.POC_OPERATOR))
    page = poc.get("/poc/dasbor/").content.decode()
    assert 'data-panel="emergency-poc-dashboard"' in page
    assert not any(secret in page for secret in PRIVATE)
    mayor = client_for(make_user(Role.MAYOR))
    page = mayor.get("/walikota/").content.decode()
    assert 'data-panel="emergency-mayor"' in page
    assert not any(secret in page for secret in PRIVATE)
    partial = poc.get("/psc/papan/panel/")
    assert partial.status_code == 200 and "Bekasi Timur" in partial.content.decode()
    # SVG coordinates are not localised (Indonesian writes 12,5: an invalid SVG number).
    assert re.search(r'cx="\d+\.\d"', page) and not re.search(r'cx="\d+,', page)


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENCY_OFFICER, Role.AMBULANCE_CREW, Role.HOSPITAL_STAFF])
def test_the_panel_partial_is_for_the_workspace_roles_only(role: str) -> None:
    user = make_user(role, agency=make_agency() if role == Role.AGENCY_OFFICER else None)
    assert client_for(user).get("/psc/papan/panel/").status_code == 403


def test_a_dispatched_unit_no_longer_counts_as_available_in_the_registry(call_taker: User, dispatcher: User) -> None:
    incident = services.create_incident(call_taker, details())
    unit = make_ambulance()
    client_for(dispatcher).post(f"/psc/insiden/{incident.pk}/tugaskan/", {"ambulance": unit.pk})
    assert Ambulance.objects.get(pk=unit.pk).status == Status.DISPATCHED
