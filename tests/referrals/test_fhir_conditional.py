"""FHIR conditional create (issue 12 item 9, referrals.fhir): a Bundle naming by our referral number a referral the
importer may read creates nothing and answers 200 with that referral (export → import → export equal in every
state, a retried import no duplicate); a Bundle saying otherwise about the patient or their care is a 409 that
changes nothing; an importer who may not read the referral is answered as for a number that names none."""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

import pytest
from django.db import connection, transaction

from patriot.accounts.models import User
from patriot.core.models import PersonalDataAccess
from patriot.referrals import fhir, services
from patriot.referrals.models import BedChange, Referral, ReferralEntry, ReferralOffer
from tests.referrals.referral_fixtures import NIK, World, details, sent, world
from tests.referrals.referral_fixtures import outsiders as referral_outsiders
from tests.referrals.test_fhir import OTHER_SYSTEM, client_for, foreign, observation, post_bundle, resources


@pytest.fixture
def w(db: None) -> World:
    return world()


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Referral, ReferralOffer, ReferralEntry, BedChange))


def export(user: User, referral: Referral) -> dict[str, Any]:
    response = client_for(user).get(f"/api/v1/referrals/{referral.pk}/fhir")
    assert response.status_code == 200, response.content
    bundle: dict[str, Any] = response.json()
    return bundle


def renumbered(bundle: dict[str, Any], number: str) -> dict[str, Any]:
    return json.loads(json.dumps(bundle).replace(bundle["identifier"]["value"], number))


def test_the_accepted_emergency_of_two_hospitals_round_trips_equal_creating_nothing(w: World) -> None:
    referral = sent(w, w.near, w.far)  # an emergency, to two hospitals at once
    services.reject(w.far_staff, referral, "no_bed")
    services.accept(w.near_staff, referral)
    for user in (w.referrer, w.near_staff, w.dinkes):
        exported = export(user, referral)
        assert resources(exported, "Task")[0]["status"] == "accepted"
        before = counts()
        response = post_bundle(user, exported)
        assert response.status_code == 200, (user, response.content)
        assert response["Content-Type"].startswith("application/fhir+json")
        assert response["Location"] == f"/api/v1/referrals/{referral.pk}/fhir"
        assert response.json() == exported == export(user, referral)  # ids, number and times included
        assert counts() == before, user
    # The answer showed the patient: audited like the GET, with its purpose.
    imports = PersonalDataAccess.objects.filter(subject_type="referral", subject_id=str(referral.pk))
    assert {a.user for a in imports} == {w.referrer, w.near_staff, w.dinkes} and all(a.purpose for a in imports)


def test_every_state_round_trips_for_the_referrer(w: World) -> None:
    draft = services.create_referral(w.referrer, details(urgency="routine"))
    waiting = sent(w, w.near, urgency="urgent")
    rejected = sent(w, w.far, urgency="urgent")
    services.reject(w.far_staff, rejected, "no_bed")
    for referral in (draft, waiting, rejected):
        exported = fhir.export_bundle(referral, w.puskesmas, identity=True)
        before = counts()
        response = post_bundle(w.referrer, exported)
        assert response.status_code == 200 and response.json() == exported, response.content
        assert counts() == before


def test_a_retried_import_of_a_waiting_referral_creates_nothing_the_second_time(w: World) -> None:
    original = sent(w, w.near, urgency="urgent")
    first = post_bundle(w.referrer, foreign(fhir.export_bundle(original, identity=True)))
    assert first.status_code == 201
    created = Referral.objects.exclude(pk=original.pk).get()
    assert resources(first.json(), "Task")[0]["status"] == "requested"
    before = counts()
    for _attempt in range(2):  # the sending system retries with the Bundle it was answered
        again = post_bundle(w.referrer, first.json())
        assert again.status_code == 200 and again.json() == first.json(), again.content
        assert again["Location"] == first["Location"] == f"/api/v1/referrals/{created.pk}/fhir"
    assert counts() == before


def test_if_none_exist_names_the_referral_for_a_bundle_without_our_identifier(w: World) -> None:
    original = sent(w, w.near, urgency="urgent")
    exported = fhir.export_bundle(original, identity=True)
    before = counts()
    for header in (f"identifier={fhir.REFERRAL_SYSTEM}|{original.number}", f"identifier={original.number}"):
        response = post_bundle(w.referrer, foreign(exported), HTTP_IF_NONE_EXIST=header)
        assert response.status_code == 200 and response.json() == exported, (header, response.content)
    assert counts() == before
    # Another system's identifier other than the one its ServiceRequest names: refused, nothing created.
    response = post_bundle(w.referrer, foreign(exported), HTTP_IF_NONE_EXIST=f"identifier={OTHER_SYSTEM}|X-1")
    assert response.status_code == 400 and response.json()["code"] == "conflicting_identifiers"
    response = post_bundle(w.referrer, foreign(exported), HTTP_IF_NONE_EXIST="name=Sari")
    assert response.status_code == 400 and response.json()["code"] == "unsupported_if_none_exist"
    assert counts() == before


# --- the referring facility's own system (SIMRS) -------------------------------------------------------------------


def simrs(bundle: dict[str, Any], value: str) -> dict[str, Any]:
    """The Bundle as the puskesmas's own system sends it: none of our identifiers, its own number on the
    ServiceRequest."""
    bundle = foreign(bundle)
    resources(bundle, "ServiceRequest")[0]["identifier"] = [{"system": OTHER_SYSTEM, "value": value}]
    return bundle


def test_a_bundle_from_the_facilitys_own_system_posted_twice_is_one_referral(w: World) -> None:
    original = sent(w, w.near, urgency="urgent")
    bundle = simrs(fhir.export_bundle(original, identity=True), "SIMRS-2026-0042")
    first = post_bundle(w.referrer, bundle)
    assert first.status_code == 201, first.content
    created = Referral.objects.exclude(pk=original.pk).get()
    assert (created.source_system, created.source_identifier) == (OTHER_SYSTEM, "SIMRS-2026-0042")
    # Its export keeps that number after ours, so the system can match it.
    assert resources(first.json(), "ServiceRequest")[0]["identifier"] == [
        {"system": fhir.REFERRAL_SYSTEM, "value": created.number},
        {"system": OTHER_SYSTEM, "value": "SIMRS-2026-0042"},
    ]
    before = counts()
    for _attempt in range(2):  # the system did not hear the answer and sends the same Bundle again
        again = post_bundle(w.referrer, bundle)
        assert again.status_code == 200 and again.json() == first.json(), again.content
        assert again["Location"] == first["Location"]
    # The same number in the If-None-Exist header alone names it too.
    header = f"identifier={OTHER_SYSTEM}|SIMRS-2026-0042"
    plain = foreign(fhir.export_bundle(original, identity=True))
    resources(plain, "ServiceRequest")[0]["identifier"] = []
    answer = post_bundle(w.referrer, plain, HTTP_IF_NONE_EXIST=header)
    assert answer.status_code == 200 and answer["Location"] == first["Location"], answer.content
    assert counts() == before
    # Saying otherwise about the patient under that number: 409, nothing changed.
    changed = copy.deepcopy(bundle)
    resources(changed, "Patient")[0]["name"][0].update(text="Budi")
    conflict = post_bundle(w.referrer, changed)
    assert conflict.status_code == 409 and conflict.json()["code"] == "referral_conflict"
    assert counts() == before
    # Another number from that system is another referral.
    assert (
        post_bundle(w.referrer, simrs(fhir.export_bundle(original, identity=True), "SIMRS-2026-0043")).status_code
        == 201
    )


def test_another_facilitys_same_number_is_its_own_referral_and_tells_nothing(w: World) -> None:
    """The number belongs to the referring facility's system: another facility's staff sending it gets their own
    referral (or their own refusal), never the first facility's."""
    original = sent(w, w.near, urgency="urgent")
    bundle = simrs(fhir.export_bundle(original, identity=True), "SIMRS-7")
    assert post_bundle(w.referrer, bundle).status_code == 201
    first = Referral.objects.get(source_identifier="SIMRS-7")
    # A hospital sending the puskesmas's Bundle may not import for the puskesmas: refused, and not told it exists.
    refused = post_bundle(w.near_staff, bundle)
    assert refused.status_code == 403 and first.number not in refused.content.decode()
    assert Referral.objects.filter(source_identifier="SIMRS-7").count() == 1


def test_an_identifier_too_long_to_keep_is_refused_clearly(w: World) -> None:
    original = sent(w, w.near, urgency="urgent")
    before = counts()
    response = post_bundle(w.referrer, simrs(fhir.export_bundle(original, identity=True), "9" * 101))
    assert response.status_code == 400 and response.json()["field"] == "ServiceRequest.identifier"
    assert "terlalu panjang" in response.json()["detail"]
    english = post_bundle(
        w.referrer, simrs(fhir.export_bundle(original, identity=True), "9" * 101), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 400 and "identifier too long" in english.json()["detail"]
    assert counts() == before


def test_a_number_that_names_no_referral_creates_one(w: World) -> None:
    original = sent(w, w.near, urgency="urgent")
    bundle = renumbered(fhir.export_bundle(original, identity=True), "RJK-999999")
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 201, response.content
    assert Referral.objects.count() == 2


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda b: resources(b, "Patient")[0]["name"][0].update(text="Budi"), "Patient.name"),
        (lambda b: resources(b, "Patient")[0]["identifier"][0].update(value="3275010101900002"), "Patient.identifier"),
        (lambda b: resources(b, "ServiceRequest")[0]["reasonCode"].pop(), "ServiceRequest.reasonCode"),
        (lambda b: resources(b, "ServiceRequest")[0].update(priority="routine"), "ServiceRequest.priority"),
        (lambda b: observation(b, "59408-5")["valueQuantity"].update(value=80), "Observation[59408-5]"),
    ],
)
def test_a_bundle_saying_otherwise_is_409_and_changes_nothing(w: World, change: Any, field: str) -> None:
    referral = sent(w, w.near, w.far)
    services.accept(w.near_staff, referral)
    exported = fhir.export_bundle(referral, w.puskesmas, identity=True)
    bundle = copy.deepcopy(exported)
    change(bundle)
    before = counts()
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 409, response.content
    answer = response.json()
    assert answer["code"] == "referral_conflict" and answer["field"] == field
    assert referral.number in answer["detail"] and "tidak diubah" in answer["detail"]
    assert counts() == before
    assert fhir.export_bundle(Referral.objects.get(pk=referral.pk), w.puskesmas, identity=True) == exported
    english = post_bundle(w.referrer, bundle, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 409 and "already exists" in english.json()["detail"]


def test_a_hospital_still_asked_round_trips_its_masked_copy_and_learns_no_identity(w: World) -> None:
    referral = sent(w, w.near, w.far)
    masked = export(w.near_staff, referral)
    assert NIK not in json.dumps(masked)
    before = counts()
    response = post_bundle(w.near_staff, masked)
    assert response.status_code == 200 and response.json() == masked
    assert counts() == before
    # The full Bundle (the right identity or a wrong one) is a 409 alike: no oracle for the patient's identity.
    full = fhir.export_bundle(referral, w.puskesmas, identity=True)
    wrong = copy.deepcopy(full)
    resources(wrong, "Patient")[0]["identifier"][0]["value"] = "3275010101900002"
    answers = [post_bundle(w.near_staff, bundle) for bundle in (full, wrong)]
    assert {a.status_code for a in answers} == {409} and answers[0].json() == answers[1].json()
    assert NIK not in answers[0].content.decode() and counts() == before


def test_an_importer_who_may_not_read_it_learns_nothing(w: World) -> None:
    referral = sent(w, w.near, w.far)
    services.reject(w.far_staff, referral, "no_bed")  # far may read it no more
    services.accept(w.near_staff, referral)
    bundle = fhir.export_bundle(referral, w.puskesmas, identity=True)
    unknown = renumbered(bundle, "RJK-999999")
    outsiders = referral_outsiders(w)
    before = counts()
    for user in outsiders:
        existing, missing = post_bundle(user, bundle), post_bundle(user, unknown)
        assert existing.status_code == missing.status_code == 403, (user, existing.content)
        assert existing.json() == missing.json() and "Location" not in existing
        assert NIK not in existing.content.decode() and referral.number not in existing.content.decode()
        header = post_bundle(user, foreign(bundle), HTTP_IF_NONE_EXIST=f"identifier={referral.number}")
        assert header.status_code == 403 and header.json() == missing.json()
    assert post_bundle(None, bundle).status_code == 401
    assert counts() == before
    assert not PersonalDataAccess.objects.filter(user__in=outsiders).exists()


def test_two_different_numbers_are_refused(w: World) -> None:
    referral = sent(w, w.near)
    bundle = fhir.export_bundle(referral, identity=True)
    resources(bundle, "Task")[0]["identifier"][0]["value"] = "RJK-999999"
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 400 and response.json()["code"] == "conflicting_identifiers"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one transaction at a time")
def test_the_same_bundle_imported_twice_at_once_is_one_referral() -> None:
    """The second import, not seeing the first one's uncommitted referral, waits on the unique number and then
    answers with the first one's referral instead of failing or duplicating it."""
    w = world()
    bundle = simrs(fhir.export_bundle(sent(w, w.near, urgency="urgent"), identity=True), "SIMRS-RACE")
    first_written, release = threading.Event(), threading.Event()
    results: dict[str, fhir.Imported] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = fhir.import_bundle(w.referrer, bundle)
                first_written.set()
                release.wait(20)
        finally:
            connection.close()

    def second() -> None:
        try:
            results["second"] = fhir.import_bundle(w.referrer, bundle)
        finally:
            connection.close()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert first_written.wait(20)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    threads[1].join(1.0)
    assert threads[1].is_alive()  # waiting on the first one's number
    release.set()
    for thread in threads:
        thread.join(20)
    assert results["first"].created and not results["second"].created
    assert results["first"].referral.pk == results["second"].referral.pk
    assert Referral.objects.filter(source_identifier="SIMRS-RACE").count() == 1
