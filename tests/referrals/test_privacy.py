"""Issue 12 item 10 (review findings): Dinkes is the city's health agency only; the NIK search never puts a NIK in a
URL or a log line; a hospital still asked to accept reads the patient masked in the page, the FHIR export and the
live events, and the identity once it accepted; only identity reads are audited."""

from __future__ import annotations

import io
import json
import logging
from functools import partial
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token
from patriot.core.logging import JsonFormatter
from patriot.core.models import PersonalDataAccess
from patriot.core.phones import normalise_phone
from patriot.events import broadcast
from patriot.events.audience import Subscriber, may_receive
from patriot.events.models import OutboxEvent
from patriot.referrals import services
from patriot.referrals.access import is_dinkes
from patriot.referrals.models import Referral, ReferralAttachment
from tests.factories import jpeg_bytes, make_agency, make_user
from tests.referrals.referral_fixtures import NIK, World, details, world

BPJS = "0001234567890"
PHONE = normalise_phone("0812-3456-7890")  # as stored and shown
NAME = "Sari Wulandari"
IDENTITY = (NAME, NIK, BPJS, PHONE, "1990-03-03", "03-03-1990")
# A second patient: a man born 1 January 1980.
OTHER_NIK = "3275010101800003"


@pytest.fixture
def w(db: None) -> World:
    return world()


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user: User) -> Client:
    client = Client()
    _token, raw = create_api_token(user, "fhir")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def emergency(w: World, *hospitals: Any, **overrides: Any) -> Referral:
    referral = services.create_referral(w.referrer, details(bpjs_number=BPJS, relative_phone=PHONE, **overrides))
    services.send(w.referrer, referral, [h.pk for h in hospitals])
    return referral


def staff_stream(user: User) -> list[bytes]:
    return broadcast.snapshot(partial(may_receive, Subscriber.of(user)), public=False, last_event_id=0)


def identity_reads(user: User) -> int:
    return PersonalDataAccess.objects.filter(user=user, subject_type="referral", data="patient_identity").count()


# --- 1. Dinkes is the city's health agency, not any agency's health officer ---------------------------------------


def test_another_agencys_health_officer_is_not_dinkes_and_sees_no_patient(w: World) -> None:
    referral = emergency(w, w.near)
    outsider = make_user(RoleChoices.HEALTH_OFFICER, agency=make_agency("dinsos"))
    assert is_dinkes(w.dinkes) and not is_dinkes(outsider)
    pages = page_client(outsider)
    for url in (f"/rujukan/{referral.pk}/", "/rujukan/semua/", "/rujukan/diagnosis-primer/", "/rujukan/"):
        response = pages.get(url)
        assert response.status_code in (403, 404), url
        assert NAME not in response.content.decode()
    assert pages.post("/rujukan/semua/", {"nik": NIK}).status_code == 403
    for url in (f"/api/v1/referrals/{referral.pk}/fhir", f"/api/v1/referrals/{referral.pk}/fhir/task"):
        assert api_client(outsider).get(url).status_code == 404, url
    event = OutboxEvent.objects.filter(subject_type="referral").first()
    assert event is not None
    assert not may_receive(outsider, event) and not may_receive(Subscriber.of(outsider), event)
    assert may_receive(Subscriber.of(w.dinkes), event)
    assert not PersonalDataAccess.objects.filter(user=outsider).exists()


def test_which_agency_is_dinkes_is_a_setting(w: World, settings: Settings) -> None:
    referral = emergency(w, w.near)
    provincial = make_user(RoleChoices.HEALTH_OFFICER, agency=make_agency("dinkes-jabar"))
    settings.PATRIOT_HEALTH_AGENCY_CODE = "dinkes-jabar"
    assert is_dinkes(provincial) and not is_dinkes(w.dinkes)
    assert page_client(provincial).get(f"/rujukan/{referral.pk}/").status_code == 200
    assert page_client(w.dinkes).get(f"/rujukan/{referral.pk}/").status_code == 404


# --- 2. the NIK search is a POST: no NIK in a URL, a log line or a Referer ----------------------------------------


def test_the_nik_search_is_a_post_and_a_get_no_longer_searches(w: World) -> None:
    mine = emergency(w, w.near)
    other = services.create_referral(
        w.referrer, details(nik=OTHER_NIK, birth_date=mine.birth_date.replace(year=1980, day=1, month=1), sex="male")
    )
    client = page_client(w.dinkes)
    listed = client.get(f"/rujukan/semua/?nik={NIK}").content.decode()
    assert mine.number in listed and other.number in listed  # the query string is ignored: the whole list
    found = client.post("/rujukan/semua/", {"nik": NIK})
    text = found.content.decode()
    assert found.status_code == 200 and mine.number in text and other.number not in text
    assert NIK not in text and "************0007" in text
    assert "no-store" in found["Cache-Control"]
    assert 'hx-get="/rujukan/semua/' not in text  # the answer is not refreshed over by the plain list
    page = client.get("/rujukan/semua/").content.decode()
    assert '<form method="post" action="/rujukan/semua/"' in page and 'name="csrfmiddlewaretoken"' in page


def test_the_nik_search_needs_the_csrf_token(w: World) -> None:
    emergency(w, w.near)
    client = Client(enforce_csrf_checks=True)
    client.force_login(w.dinkes)
    assert client.post("/rujukan/semua/", {"nik": NIK}).status_code == 403
    client.get("/rujukan/semua/")
    token = client.cookies["csrftoken"].value
    answer = client.post("/rujukan/semua/", {"nik": NIK, "csrfmiddlewaretoken": token})
    assert answer.status_code == 200 and "RJK-" in answer.content.decode()


def test_no_log_line_and_no_url_carries_the_searched_nik(w: World, caplog: pytest.LogCaptureFixture) -> None:
    emergency(w, w.near)
    client = page_client(w.dinkes)
    with caplog.at_level(logging.DEBUG):
        answer = client.post("/rujukan/semua/", {"nik": NIK}, HTTP_REFERER="https://patriot.test/rujukan/semua/")
    assert answer.status_code == 200 and "Location" not in answer
    access_lines = [r for r in caplog.records if r.name == "patriot.request"]
    assert access_lines, "the request was logged"
    formatter = JsonFormatter()
    for record in caplog.records:
        assert NIK not in formatter.format(record), record.name
    # The page's links and forms (which become the next Referer) carry no NIK either.
    assert NIK not in answer.content.decode()


# --- 3. a hospital still asked reads the patient masked; once it accepted, all of it ------------------------------


def test_a_hospital_asked_in_parallel_sees_what_it_needs_to_decide_but_no_identity(w: World) -> None:
    referral = emergency(w, w.near, w.far)
    page = page_client(w.near_staff).get(f"/rujukan/{referral.pk}/").content.decode()
    for private in IDENTITY:
        assert private not in page, private
    assert "************0007" in page and 'data-masked="1"' in page
    assert "I63" in page and "GCS 11" in page and "TD 190/110" in page and "SpO2 93%" in page
    assert "Perempuan" in page or "female" in page.lower()
    assert identity_reads(w.near_staff) == 0
    assert not PersonalDataAccess.objects.filter(user=w.near_staff).exists()
    incoming = page_client(w.near_staff).get("/rujukan/masuk/").content.decode()
    assert referral.number in incoming and NAME not in incoming
    assert not PersonalDataAccess.objects.filter(user=w.near_staff).exists()


def test_the_fhir_export_of_a_pending_offer_is_masked_and_not_audited(w: World) -> None:
    referral = emergency(w, w.near, w.far)
    response = api_client(w.near_staff).get(f"/api/v1/referrals/{referral.pk}/fhir")
    body = response.content.decode()
    assert response.status_code == 200
    for private in IDENTITY:
        assert private not in body, private
    bundle = json.loads(body)
    (patient,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert patient["meta"]["security"][0]["code"] == "REDACTED"
    assert patient["identifier"] == [{"use": "secondary", "system": "urn:patriot:nik-last4", "value": "0007"}]
    assert patient["gender"] == "female" and patient["extension"][0]["valueInteger"] >= 36
    assert "name" not in patient and "birthDate" not in patient and "telecom" not in patient
    assert "I63" in body and "8867-4" in body  # the diagnosis and the vital signs are there
    assert api_client(w.near_staff).get(f"/api/v1/referrals/{referral.pk}/fhir/task").status_code == 200
    assert not PersonalDataAccess.objects.filter(user=w.near_staff).exists()


def test_after_accepting_the_hospital_reads_everything_and_each_read_is_audited(w: World) -> None:
    referral = emergency(w, w.near, w.far)
    services.accept(w.near_staff, referral)
    page = page_client(w.near_staff).get(f"/rujukan/{referral.pk}/").content.decode()
    for private in (NAME, NIK, BPJS, PHONE, "03-03-1990"):
        assert private in page, private
    body = api_client(w.near_staff).get(f"/api/v1/referrals/{referral.pk}/fhir").content.decode()
    assert NIK in body and BPJS in body and NAME in body
    assert identity_reads(w.near_staff) == 2
    assert all(row.purpose for row in PersonalDataAccess.objects.filter(user=w.near_staff))


def test_a_withdrawn_hospital_loses_the_patient_everywhere(w: World) -> None:
    referral = emergency(w, w.near, w.far)
    assert page_client(w.far_staff).get(f"/rujukan/{referral.pk}/").status_code == 200  # masked while asked
    services.accept(w.near_staff, referral)
    assert page_client(w.far_staff).get(f"/rujukan/{referral.pk}/").status_code == 404
    for url in (f"/api/v1/referrals/{referral.pk}/fhir", f"/api/v1/referrals/{referral.pk}/fhir/task"):
        response = api_client(w.far_staff).get(url)
        assert response.status_code == 404 and NIK not in response.content.decode()
    incoming = page_client(w.far_staff).get("/rujukan/masuk/").content.decode()
    assert referral.number in incoming and NAME not in incoming and "*0007" not in incoming
    assert identity_reads(w.far_staff) == 0


def test_attachments_open_only_with_the_identity(w: World) -> None:
    upload = services.Upload("lab.jpg", io.BytesIO(jpeg_bytes()))
    referral = services.create_referral(w.referrer, details(), [upload])
    services.send(w.referrer, referral, [w.near.pk, w.far.pk])
    attachment = ReferralAttachment.objects.get()
    url = f"/rujukan/{referral.pk}/lampiran/{attachment.pk}/"
    assert page_client(w.near_staff).get(url).status_code == 404
    assert url not in page_client(w.near_staff).get(f"/rujukan/{referral.pk}/").content.decode()
    services.accept(w.near_staff, referral)
    assert page_client(w.near_staff).get(url).status_code == 200


def test_live_events_carry_no_identity_to_the_hospitals_asked(w: World) -> None:
    referral = emergency(w, w.near, w.far)
    services.accept(w.near_staff, referral)
    events = OutboxEvent.objects.filter(subject_type="referral")
    assert events.exists()
    for event in events:
        for private in IDENTITY:
            assert private not in json.dumps(event.payload), (event.kind, private)
    # What the staff stream replays to the withdrawn hospital (the view itself hands its connection back to the
    # pool before streaming, which a test database cannot take).
    text = b"".join(staff_stream(w.far_staff)).decode()
    assert f'"referral":{referral.pk}' in text
    for private in IDENTITY:
        assert private not in text, private
