"""FHIR Task "received" (issue 12 item 9): the receiving hospital opening its copy for the first time is on the
timeline and turns the Task to "received"; the import takes Bundles whose Task is requested or received and refuses
other statuses with a clear error; a received referral round-trips."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client

from patriot.core import clock
from patriot.referrals import fhir, services
from patriot.referrals.choices import ReferralEntryKindChoices
from patriot.referrals.models import Referral, ReferralEntry
from patriot.referrals.services import opened
from tests.referrals.referral_fixtures import World, sent, world
from tests.referrals.test_fhir import client_for, foreign, kept_source, post_bundle, resources, strip


@pytest.fixture
def w(db: None) -> World:
    return world()


def page_client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def task_status(w: World, referral: Referral) -> str:
    status: str = client_for(w.referrer).get(f"/api/v1/referrals/{referral.pk}/fhir/task").json()["status"]
    return status


def opened_entries(referral: Referral) -> list[ReferralEntry]:
    return list(ReferralEntry.objects.filter(referral=referral, kind=ReferralEntryKindChoices.OPENED))


def test_the_hospital_opening_its_copy_makes_the_task_received_once(w: World) -> None:
    referral = sent(w, w.near, urgency="urgent")
    # The referrer, Dinkes and the FHIR Task read itself open nothing.
    page_client(w.referrer).get(f"/rujukan/{referral.pk}/")
    page_client(w.dinkes).get(f"/rujukan/{referral.pk}/")
    assert task_status(w, referral) == "requested" and not opened_entries(referral)
    at = clock.now() + timedelta(minutes=2)
    with clock.pinned(at):
        page = page_client(w.near_staff).get(f"/rujukan/{referral.pk}/").content.decode()
    assert "Diterima/dibuka oleh rumah sakit" in page
    offer = referral.offers.get()
    assert offer.opened_at == at and offer.opened_by == w.near_staff
    (entry,) = opened_entries(referral)
    assert entry.created_at == at and entry.data["offer"] == offer.pk and entry.facility == w.near
    assert task_status(w, referral) == "received"
    assert (
        resources(fhir.export_bundle(Referral.objects.get(pk=referral.pk), identity=True), "Task")[0]["status"]
        == "received"
    )
    # Opening it again changes nothing; the answer ends "received".
    page_client(w.near_staff).get(f"/rujukan/{referral.pk}/")
    assert len(opened_entries(referral)) == 1
    services.accept(w.near_staff, Referral.objects.get(pk=referral.pk))
    assert task_status(w, referral) == "accepted"
    assert not opened.record_opened(w.near_staff, Referral.objects.get(pk=referral.pk))


def test_a_hospital_asked_in_parallel_opens_only_its_own_copy(w: World) -> None:
    referral = sent(w, w.near, w.far)
    page_client(w.far_staff).get(f"/rujukan/{referral.pk}/")
    by_hospital = {offer.facility_id: offer.opened_at for offer in referral.offers.all()}
    assert by_hospital[w.near.pk] is None and by_hospital[w.far.pk] is not None
    # The other hospital does not see that far opened it; its own Task still reads "requested".
    near_task = client_for(w.near_staff).get(f"/api/v1/referrals/{referral.pk}/fhir/task").json()
    assert near_task["status"] == "requested"
    near_page = page_client(w.near_staff).get(f"/rujukan/{referral.pk}/").content.decode()
    assert near_page.count("Diterima/dibuka oleh rumah sakit") == 1  # its own opening, just now
    assert "RS-FAR" not in near_page
    # A hospital it was not sent to opens nothing (and sees nothing).
    assert page_client(w.other_staff).get(f"/rujukan/{referral.pk}/").status_code == 404
    assert referral.offers.filter(facility=w.other).count() == 0


def test_the_hospitals_system_reading_the_bundle_opens_it(w: World) -> None:
    referral = sent(w, w.near, urgency="urgent")
    bundle = client_for(w.near_staff).get(f"/api/v1/referrals/{referral.pk}/fhir").json()
    assert resources(bundle, "Task")[0]["status"] == "received"
    assert len(opened_entries(referral)) == 1


def test_a_received_referral_round_trips(w: World) -> None:
    original = sent(w, w.near, urgency="urgent", service="icu")
    opened.record_opened(w.near_staff, original)
    exported = fhir.export_bundle(Referral.objects.get(pk=original.pk), identity=True)
    assert resources(exported, "Task")[0]["status"] == "received"
    response = post_bundle(w.referrer, foreign(exported))
    assert response.status_code == 201, response.content
    imported = Referral.objects.exclude(pk=original.pk).get()
    offer = imported.offers.get()
    assert imported.state == "requested" and offer.facility == w.near and offer.opened_at is not None
    assert offer.opened_by is None  # stamped by the import, not by a hospital user
    (entry,) = opened_entries(imported)
    assert "Bundle FHIR" in entry.note
    again = fhir.export_bundle(imported, identity=True)
    assert strip(kept_source(again, original.number)) == strip(exported)


@pytest.mark.parametrize("status", ["accepted", "rejected", "in-progress", "completed", "cancelled", "on-hold"])
def test_statuses_it_cannot_import_are_refused_clearly(w: World, status: str) -> None:
    bundle = foreign(fhir.export_bundle(sent(w, w.near, urgency="urgent"), identity=True))
    resources(bundle, "Task")[0]["status"] = status
    before = Referral.objects.count()
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == "unsupported_task_status" and answer["field"] == "Task.status"
    assert f"“{status}” tidak dapat diimpor" in answer["detail"] and "requested" in answer["detail"]
    assert Referral.objects.count() == before


def test_an_unsupported_status_is_told_in_english_too(w: World) -> None:
    bundle = foreign(fhir.export_bundle(sent(w, w.near, urgency="urgent"), identity=True))
    resources(bundle, "Task")[0]["status"] = "completed"
    response = client_for(w.referrer).post(
        "/api/v1/referrals/fhir", json.dumps(bundle), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "cannot be imported" in response.json()["detail"]


def test_a_sent_status_needs_an_owner(w: World) -> None:
    bundle = foreign(fhir.export_bundle(sent(w, w.near, urgency="urgent"), identity=True))
    task = resources(bundle, "Task")[0]
    task["status"] = "received"
    del task["owner"]
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 400 and response.json()["field"] == "Task.owner"
    assert response.json()["code"] == "missing_owner"
