"""Issue 12 item 9: a referral as a FHIR R4 Bundle (validated by fhir.resources R4B), its Task alone, and a Bundle
imported back through the services; privacy and audit of the FHIR reads as of the referral page."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token
from patriot.core.models import PersonalDataAccess
from patriot.referrals import fhir, services
from patriot.referrals.models import Referral
from tests.factories import make_user
from tests.referrals.referral_fixtures import NIK, World, details, sent, world
from tests.referrals.referral_fixtures import outsiders as referral_outsiders


@pytest.fixture
def w(db: None) -> World:
    return world()


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        _token, raw = create_api_token(user, "fhir")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def observation(bundle: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == code]
    return found


def post_bundle(user: User | None, bundle: Any, **headers: Any) -> Any:
    return client_for(user).post(
        "/api/v1/referrals/fhir", json.dumps(bundle), content_type="application/fhir+json", **headers
    )


OTHER_SYSTEM = "urn:example:other-referral-system"


def foreign(bundle: dict[str, Any]) -> dict[str, Any]:
    """The Bundle as another system would send it: its referral number in that system's identifier, not ours, so
    the import creates a new referral (no conditional create, tests/referrals/test_fhir_conditional.py)."""
    return json.loads(json.dumps(bundle).replace(f'"{fhir.REFERRAL_SYSTEM}"', f'"{OTHER_SYSTEM}"'))


# --- export -----------------------------------------------------------------------------------------------------


def test_the_export_is_a_valid_r4_bundle_with_every_resource(w: World) -> None:
    referral = sent(w, w.near, temperature="38.5", bpjs_number="0001234567890")
    response = client_for(w.referrer).get(f"/api/v1/referrals/{referral.pk}/fhir")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    bundle = response.json()
    Bundle.parse_obj(bundle)
    assert bundle["type"] == "collection"
    (patient,) = resources(bundle, "Patient")
    assert {"use": "official", "system": "https://fhir.kemkes.go.id/id/nik", "value": NIK} in patient["identifier"]
    assert (patient["birthDate"], patient["gender"], patient["name"][0]["text"]) == (
        "1990-03-03",
        "female",
        "Sari Wulandari",
    )
    assert patient["telecom"][0]["value"] == "+6281234567890"
    assert resources(bundle, "Practitioner")[0]["name"][0]["text"] == "dr. Ani"
    assert {o["identifier"][0]["value"] for o in resources(bundle, "Organization")} == {"pkm-a", "rs-near"}
    (request,) = resources(bundle, "ServiceRequest")
    assert (request["intent"], request["priority"]) == ("order", "stat")
    assert request["reasonCode"][0]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10"
    assert [c["coding"][0]["code"] for c in request["reasonCode"]] == ["I63", "I10"]


def test_each_vital_sign_has_its_loinc_code_value_and_ucum_unit(w: World) -> None:
    bundle = fhir.export_bundle(identity=True, referral=sent(w, w.near, temperature="38.5"))
    expected = {"8867-4": (96, "/min"), "9279-1": (24, "/min"), "8310-5": (38.5, "Cel"), "59408-5": (93, "%")}
    for code, (value, unit) in expected.items():
        found = observation(bundle, code)
        assert found["category"][0]["coding"][0]["code"] == "vital-signs"
        assert (found["valueQuantity"]["value"], found["valueQuantity"]["code"]) == (value, unit)
        assert found["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert observation(bundle, "9269-2")["valueQuantity"]["value"] == 11
    panel = observation(bundle, "85354-9")
    parts = {c["code"]["coding"][0]["code"]: c["valueQuantity"]["value"] for c in panel["component"]}
    assert parts == {"8480-6": 190, "8462-4": 110}
    assert panel["component"][0]["valueQuantity"]["code"] == "mm[Hg]"


@pytest.mark.parametrize("urgency,priority", [("emergency", "stat"), ("urgent", "urgent"), ("routine", "routine")])
def test_priority_follows_urgency(w: World, urgency: str, priority: str) -> None:
    bundle = fhir.export_bundle(identity=True, referral=services.create_referral(w.referrer, details(urgency=urgency)))
    assert resources(bundle, "ServiceRequest")[0]["priority"] == priority


def test_task_status_follows_the_referral_state(w: World) -> None:
    def status(referral: Referral) -> dict[str, Any]:
        referral.refresh_from_db()
        response = client_for(w.referrer).get(f"/api/v1/referrals/{referral.pk}/fhir/task")
        assert response.status_code == 200, response.content
        return response.json()

    referral = sent(w, w.near, urgency="urgent")
    task = status(referral)
    assert task["status"] == "requested" and task["intent"] == "order"
    assert task["focus"]["reference"].startswith("urn:uuid:") and "owner" in task
    services.reject(w.near_staff, referral, "no_bed")
    task = status(referral)
    assert task["status"] == "rejected"
    assert task["statusReason"]["coding"][0]["code"] == "no_bed"
    services.send(w.referrer, referral, [w.far.pk])
    services.accept(w.far_staff, referral)
    assert status(referral)["status"] == "accepted"
    services.depart(w.referrer, referral, "own")
    assert status(referral)["status"] == "in-progress"
    services.step(w.far_staff, referral, "arrive")
    services.step(w.far_staff, referral, "admit")
    assert status(referral)["status"] == "in-progress"
    services.step(w.far_staff, referral, "complete")
    assert status(referral)["status"] == "completed"
    bundle = fhir.export_bundle(identity=True, referral=Referral.objects.get(pk=referral.pk))
    owner = resources(bundle, "Task")[0]["owner"]["reference"]
    (receiving,) = [o for o in resources(bundle, "Organization") if o["identifier"][0]["value"] == "rs-far"]
    assert owner == f"urn:uuid:{receiving['id']}"

    cancelled = sent(w, w.near, urgency="urgent")
    services.step(w.referrer, cancelled, "cancel", "Pasien menolak dirujuk")
    task = status(cancelled)
    assert task["status"] == "cancelled" and task["statusReason"]["text"] == "Pasien menolak dirujuk"


# --- import -----------------------------------------------------------------------------------------------------


def kept_source(bundle: dict[str, Any], value: str) -> dict[str, Any]:
    """`bundle` without the other system's identifier that the import kept with the referral and the export gives
    after ours on the ServiceRequest (checked here)."""
    bundle = copy.deepcopy(bundle)
    identifiers = resources(bundle, "ServiceRequest")[0]["identifier"]
    assert identifiers[1:] == [{"system": OTHER_SYSTEM, "value": value}], identifiers
    del identifiers[1:]
    return bundle


def strip(bundle: dict[str, Any]) -> dict[str, Any]:
    """What differs between two referrals from one Bundle: resource ids, the RJK number, the creation time."""
    text = json.dumps(bundle)
    ids = [e["resource"]["id"] for e in bundle["entry"]] + [bundle["id"]]
    number = bundle["identifier"]["value"]
    created = resources(bundle, "Task")[0]["authoredOn"]
    for index, value in enumerate(ids):
        text = text.replace(value, f"id-{index}")
    return json.loads(text.replace(number, "RJK").replace(created, "T"))


def test_round_trip_export_import_export(w: World) -> None:
    original = sent(w, w.near, temperature="37.2", bpjs_number="0001234567890", service="icu", maternal=True)
    exported = fhir.export_bundle(identity=True, referral=original)
    response = post_bundle(w.referrer, foreign(exported))
    assert response.status_code == 201, response.content
    assert response["Location"] == f"/api/v1/referrals/{Referral.objects.exclude(pk=original.pk).get().pk}/fhir"
    imported = Referral.objects.exclude(pk=original.pk).get()
    assert imported.state == "requested" and imported.offers.get().facility == w.near
    assert (imported.created_by, imported.referring_facility) == (w.referrer, w.puskesmas)
    again = fhir.export_bundle(identity=True, referral=imported)
    assert again == response.json()
    assert strip(kept_source(again, original.number)) == strip(exported)


def test_a_draft_round_trips_as_a_draft(w: World) -> None:
    original = services.create_referral(w.referrer, details(urgency="routine"))
    assert post_bundle(w.referrer, foreign(fhir.export_bundle(identity=True, referral=original))).status_code == 201
    imported = Referral.objects.exclude(pk=original.pk).get()
    assert imported.state == "draft" and not imported.offers.exists()


def broken(w: World, change: Any) -> dict[str, Any]:
    bundle = foreign(fhir.export_bundle(identity=True, referral=services.create_referral(w.referrer, details())))
    change(bundle)
    return bundle


def patient_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return resources(bundle, "Patient")[0]


@pytest.mark.parametrize(
    "change,field,code",
    [
        (
            lambda b: b.update(entry=[e for e in b["entry"] if e["resource"]["resourceType"] != "Patient"]),
            "Patient",
            "missing_resource",
        ),
        (lambda b: patient_of(b)["identifier"][0].update(value="1234"), "Patient.identifier", "invalid_nik"),
        (
            lambda b: resources(b, "ServiceRequest")[0]["reasonCode"][0]["coding"][0].update(code="Z9Z"),
            "ServiceRequest.reasonCode",
            "unknown_icd10",
        ),
        (
            lambda b: b["entry"].append({"resource": {"resourceType": "Encounter", "status": "planned"}}),
            "Bundle.entry[{n}].resource.resourceType",
            "wrong_resource_type",
        ),
        (lambda b: patient_of(b).update(gender="perempuan"), "Patient.gender", "invalid_fhir"),
        (lambda b: resources(b, "ServiceRequest")[0].pop("intent"), "ServiceRequest.intent", "invalid_fhir"),
        (lambda b: b.update(resourceType="Patient"), "Bundle.resourceType", "invalid_fhir"),
    ],
)
def test_invalid_bundles_are_400_naming_the_resource_and_field(w: World, change: Any, field: str, code: str) -> None:
    bundle = broken(w, change)
    before = Referral.objects.count()
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["field"] == field.format(n=len(bundle.get("entry", [])) - 1), answer
    assert answer["code"] == code and answer["detail"]
    assert "Error" not in answer["detail"] and "{" not in answer["detail"]
    assert Referral.objects.count() == before


def test_an_invalid_bundle_is_told_in_english_too(w: World) -> None:
    bundle = broken(w, lambda b: resources(b, "ServiceRequest")[0]["reasonCode"][0]["coding"][0].update(code="Z9Z"))
    response = client_for(w.referrer).post(
        "/api/v1/referrals/fhir", json.dumps(bundle), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "ICD-10 code Z9Z" in response.json()["detail"]


def test_only_staff_of_the_referring_facility_may_import(w: World) -> None:
    bundle = foreign(fhir.export_bundle(identity=True, referral=services.create_referral(w.referrer, details())))
    before = Referral.objects.count()
    for user in (w.near_staff, w.other_puskesmas_staff, w.dinkes, make_user(RoleChoices.CITIZEN)):
        assert post_bundle(user, bundle).status_code == 403, user
    assert post_bundle(None, bundle).status_code == 401
    assert Referral.objects.count() == before


# --- privacy ----------------------------------------------------------------------------------------------------


def test_only_the_referrer_the_receiver_and_dinkes_read_it_and_each_read_is_audited(w: World) -> None:
    referral = sent(w, w.near)
    services.accept(w.near_staff, referral)  # before, it reads the patient masked (tests/referrals/test_privacy.py)
    urls = [f"/api/v1/referrals/{referral.pk}/fhir", f"/api/v1/referrals/{referral.pk}/fhir/task"]
    outsiders = referral_outsiders(w)
    for user in outsiders:
        for url in urls:
            response = client_for(user).get(url)
            assert response.status_code in (403, 404), (user, url)
            assert NIK not in response.content.decode()
    for url in urls:
        assert client_for(None).get(url).status_code == 401
    assert client_for(w.referrer).get("/api/v1/referrals/999999/fhir").json()["code"] == "not_found"
    assert not PersonalDataAccess.objects.exists()
    for user in (w.referrer, w.near_staff, w.dinkes):
        for url in urls:
            assert client_for(user).get(url).status_code == 200, (user, url)
    accesses = PersonalDataAccess.objects.filter(subject_type="referral", subject_id=str(referral.pk))
    assert {a.user for a in accesses} == {w.referrer, w.near_staff, w.dinkes}
    assert all(a.purpose for a in accesses)
    assert accesses.filter(data="diagnosis").count() == 3


def test_a_hospital_asked_in_parallel_sees_itself_as_owner_never_the_others(w: World) -> None:
    referral = sent(w, w.near, w.far)  # an emergency, sent to two hospitals at once
    for staff, code, other in ((w.near_staff, "rs-near", "rs-far"), (w.far_staff, "rs-far", "rs-near")):
        body = client_for(staff).get(f"/api/v1/referrals/{referral.pk}/fhir").content.decode()
        assert code in body and other not in body
        task = client_for(staff).get(f"/api/v1/referrals/{referral.pk}/fhir/task").json()
        # Reading the Bundle just now opened the hospital's copy: "received".
        assert task["status"] == "received" and "owner" in task


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {"resourceType": "Bundle"},
        {"resourceType": "Bundle", "entry": [1, None]},
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "identifier": "x"}}]},
        {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Task"}}]},
    ],
)
def test_garbage_is_a_400_in_the_error_shape_never_a_500(w: World, body: Any) -> None:
    response = post_bundle(w.referrer, body)
    assert response.status_code == 400, response.content
    assert set(response.json()) >= {"detail", "code", "field"}
    response = client_for(w.referrer).post("/api/v1/referrals/fhir", b"{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "request"


def test_a_bundle_owned_by_the_referrer_itself_leaves_no_draft(w: World) -> None:
    referral = sent(w, w.near)
    bundle = foreign(fhir.export_bundle(identity=True, referral=referral))
    for organization in resources(bundle, "Organization"):
        organization["identifier"][0]["value"] = "pkm-a"  # the receiving hospital is the referrer itself
    before = Referral.objects.count()
    response = post_bundle(w.referrer, bundle)
    assert response.status_code == 400 and response.json()["field"] == "Task.owner", response.content
    assert Referral.objects.count() == before
