"""PSC 119's pages: who may enter, the new-incident form without scripts (proposal on submit, save), the two-click
close counted, the incident page with its instructions and audit, and 409 for an illegal step."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.core.models import PersonalDataAccess
from patriot.core.views import home_for
from patriot.emergency import services
from patriot.emergency.models import Ambulance, Incident
from tests.core.test_layout import csp_problems
from tests.emergency.conftest import details
from tests.factories import MARGAHAYU, make_agency, make_user

pytestmark = pytest.mark.usefixtures("areas")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "caller_number": "0812 3456 7890",
        "address": "Jl. Anggrek No. 9",
        "latitude": str(MARGAHAYU[0]),
        "longitude": str(MARGAHAYU[1]),
        "complaint": "fall",
        "patient_count": "1",
        "conscious": "yes",
        "breathing_normally": "yes",
        "severe_bleeding": "no",
        "age_band": "adult",
    }
    data.update(overrides)
    return data


def test_psc_roles_enter_and_land_on_their_pages(call_taker: User, dispatcher: User) -> None:
    assert home_for(call_taker) == "/psc/"
    assert home_for(dispatcher) == "/psc/papan/"
    for user in (call_taker, dispatcher):
        response = client_for(user).get("/psc/")
        assert response.status_code == 200
        assert not csp_problems(response.content.decode())
        assert 'href="/psc/"' in response.content.decode()  # the registered menu entry


@pytest.mark.parametrize(
    "role", [Role.CITIZEN, Role.AGENCY_OFFICER, Role.POC_OPERATOR, Role.MAYOR, Role.SYSTEM_ADMIN, Role.AMBULANCE_CREW]
)
def test_other_roles_cannot_see_incidents(call_taker: User, role: str) -> None:
    incident = services.create_incident(call_taker, details())
    user = make_user(role, agency=make_agency() if role == Role.AGENCY_OFFICER else None)
    client = client_for(user)
    for url in ("/psc/", f"/psc/insiden/{incident.pk}/", "/psc/ambulans/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Bu Sari" not in response.content
    assert client.post(f"/psc/insiden/{incident.pk}/tutup/", {"closure_reason": "prank"}).status_code == 403
    assert Incident.objects.get(pk=incident.pk).state == "open"


def test_anonymous_is_sent_to_sign_in(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())
    for url in ("/psc/", f"/psc/insiden/{incident.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/masuk/" in response["Location"]


def test_without_scripts_the_level_is_proposed_on_submit_then_saved(call_taker: User) -> None:
    client = client_for(call_taker)
    page = client.get("/psc/").content.decode()
    token = page.split('name="call_token" value="')[1].split('"')[0]
    proposal = client.post("/psc/", form_data(call_token=token, propose="1", age_band="elderly"))
    assert proposal.status_code == 200
    assert "P2 kuning" in proposal.content.decode()
    assert not Incident.objects.exists()

    saved = client.post("/psc/", form_data(call_token=token, age_band="elderly"))
    incident = Incident.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/psc/insiden/{incident.pk}/"
    assert (incident.proposed_level, incident.final_level, incident.complaint) == ("p2", "p2", "fall")
    assert incident.call_received_at <= incident.created_at


def test_an_override_without_reason_is_shown_on_the_form(call_taker: User) -> None:
    response = client_for(call_taker).post("/psc/", form_data(final_level="p1"))
    assert response.status_code == 400
    assert "alasan mengubah level" in response.content.decode().lower()
    assert not Incident.objects.exists()


def test_two_click_close_is_counted(call_taker: User) -> None:
    client = client_for(call_taker)
    for reason in ("prank", "prank", "information"):
        response = client.post("/psc/tutup/", {**form_data(complaint=""), "closure_reason": reason})
        assert response.status_code == 302 and response["Location"] == "/psc/"
    assert Incident.objects.filter(state="non_emergency", closure_reason="prank").count() == 2
    page = client.get("/psc/").content.decode()
    assert '<tr data-reason="prank"><th scope="row">Panggilan iseng</th><td>2</td>' in page
    assert '<tr data-reason="information"><th scope="row">Permintaan informasi</th><td>1</td>' in page
    assert '<tr data-reason="wrong_number"><th scope="row">Salah sambung</th><td>0</td>' in page


def test_incident_page_shows_instructions_and_audits_the_read(call_taker: User) -> None:
    incident = services.create_incident(
        call_taker, details(complaint="unconscious", conscious="no", breathing_normally="no")
    )
    response = client_for(call_taker).get(f"/psc/insiden/{incident.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert not csp_problems(body)
    assert "Tekan dada sedalam 5–6 cm" in body  # hands-only CPR first
    assert "posisi pemulihan" in body
    assert PersonalDataAccess.objects.filter(
        subject_type="emergency_incident", subject_id=str(incident.pk), user=call_taker
    ).exists()


def test_closing_a_closed_incident_answers_409(call_taker: User) -> None:
    incident = services.create_incident(call_taker, details())
    client = client_for(call_taker)
    assert client.post(f"/psc/insiden/{incident.pk}/tutup/", {"closure_reason": "prank"}).status_code == 302
    again = client.post(f"/psc/insiden/{incident.pk}/tutup/", {"closure_reason": "information"})
    assert again.status_code == 409
    assert Incident.objects.get(pk=incident.pk).closure_reason == "prank"


def test_an_illegal_ambulance_step_answers_409(dispatcher: User, call_taker: User, ambulance: Ambulance) -> None:
    client = client_for(dispatcher)
    refused = client.post(f"/psc/ambulans/{ambulance.pk}/langkah/", {"action": "arrive"})
    assert refused.status_code == 409
    assert Ambulance.objects.get(pk=ambulance.pk).status == "available"
    incident = services.create_incident(call_taker, details())
    done = client.post(f"/psc/ambulans/{ambulance.pk}/langkah/", {"action": "dispatch", "incident": incident.pk})
    assert done.status_code == 302
    assert Ambulance.objects.get(pk=ambulance.pk).status == "dispatched"
    # The call taker reads the ambulances but does not move them.
    assert (
        client_for(call_taker).post(f"/psc/ambulans/{ambulance.pk}/langkah/", {"action": "depart"}).status_code == 403
    )


def test_enter_saves_rather_than_proposes(call_taker: User) -> None:
    # The first submit button of the form is the one a browser presses on Enter: it must save, not propose.
    page = client_for(call_taker).get("/psc/").content.decode()
    form = page.split("data-call-form>", 1)[1]
    first_button = form.split("<button", 1)[1].split(">", 1)[0]
    assert 'type="submit"' in first_button and "name=" not in first_button
