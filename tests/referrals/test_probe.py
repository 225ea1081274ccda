"""Probe (issue 12 item 10): every role of the system, plus anonymous, against every referral page, API, export and
FHIR endpoint and both event streams. A patient's identity reaches only the referring facility, the hospital that
accepted and Dinkes; a hospital still asked reads the patient masked; everyone else gets 401/403/404 (or the sign-in
redirect) and no clinical detail; the public stream carries no patient data at all; only identity reads are audited."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.accounts.services import create_api_token
from patriot.core.models import PersonalDataAccess
from patriot.core.phones import normalise_phone
from patriot.events import broadcast
from patriot.events.audience import Subscriber, may_receive, may_receive_public
from patriot.referrals import services
from patriot.referrals.models import Referral
from tests.factories import jpeg_bytes, make_agency, make_team, make_user
from tests.referrals.referral_fixtures import NIK, World, details, world

# Two patients, told apart by everything that identifies them and by the reason written.
SARI = {"name": "Sari Wulandari", "nik": NIK, "bpjs": "0001234567890", "phone": normalise_phone("0812-3456-7890")}
BUDI = {
    "name": "Budi Santoso",
    "nik": "3275010101800003",
    "bpjs": "0009876543210",
    "phone": normalise_phone("0813-1111-2222"),
}
SARI_REASON, BUDI_REASON = "Curiga stroke hemoragik", "Sesak berat curiga edema paru"
ACCEPTABLE_REFUSALS = (401, 403, 404, 405)


@dataclass
class Case:
    referral: Referral
    identity: dict[str, str]
    reason: str
    full: set[str] = field(default_factory=set)  # who reads the identity
    masked: set[str] = field(default_factory=set)  # who reads it masked


def _unit(kind: str, code: str) -> OrganisationUnit:
    return OrganisationUnit.objects.create(kind=kind, code=code, name=code.upper())


def _everyone(w: World) -> dict[str, User | None]:
    """One user per role (health officers: Dinkes, another agency's, a puskesmas's; hospital staff: the referrer,
    the accepted, the withdrawn, one asked, one never asked) and anonymous."""
    agency = make_agency("dbmsda")
    users: dict[str, User | None] = {
        "anonymous": None,
        "dinkes": w.dinkes,
        "other_agency_health_officer": make_user(RoleChoices.HEALTH_OFFICER, agency=make_agency("dinsos")),
        "puskesmas_health_officer": make_user(RoleChoices.HEALTH_OFFICER, unit=w.puskesmas.unit),
        "referrer": w.referrer,
        "far": w.far_staff,  # accepted Sari, never asked for Budi
        "near": w.near_staff,  # withdrawn for Sari, still asked for Budi
        "unasked_hospital": w.other_staff,
        "other_puskesmas": w.other_puskesmas_staff,
        RoleChoices.AGENCY_ADMIN: make_user(RoleChoices.AGENCY_ADMIN, agency=agency),
        RoleChoices.AGENCY_OFFICER: make_user(RoleChoices.AGENCY_OFFICER, agency=agency),
        RoleChoices.URC_OFFICER: make_user(RoleChoices.URC_OFFICER, team=make_team(agency)),
        RoleChoices.JUMANTIK: make_user(RoleChoices.JUMANTIK, unit=w.puskesmas.unit),
        RoleChoices.JUMANTIK_COORDINATOR: make_user(RoleChoices.JUMANTIK_COORDINATOR, unit=w.puskesmas.unit),
        RoleChoices.PSC_CALL_TAKER: make_user(
            RoleChoices.PSC_CALL_TAKER, unit=_unit(UnitKindChoices.PSC_CENTRE, "psc")
        ),
        RoleChoices.AMBULANCE_CREW: make_user(
            RoleChoices.AMBULANCE_CREW, unit=_unit(UnitKindChoices.AMBULANCE_UNIT, "amb-1")
        ),
    }
    users[RoleChoices.PSC_DISPATCHER] = make_user(
        RoleChoices.PSC_DISPATCHER, unit=users[RoleChoices.PSC_CALL_TAKER].unit
    )  # type: ignore[union-attr]
    for role in (
        RoleChoices.CITIZEN,
        RoleChoices.POC_OPERATOR,
        RoleChoices.POC_SUPERVISOR,
        RoleChoices.CALLCENTRE_OPERATOR,
        RoleChoices.MAYOR,
        RoleChoices.SYSTEM_ADMIN,
    ):
        users[role] = make_user(role)
    return users


def _cases(w: World) -> list[Case]:
    upload = services.Upload("lab.jpg", io.BytesIO(jpeg_bytes()))
    sari = services.create_referral(
        w.referrer,
        details(patient_name=SARI["name"], bpjs_number=SARI["bpjs"], relative_phone=SARI["phone"], reason=SARI_REASON),
        [upload],
    )
    services.send(w.referrer, sari, [w.near.pk, w.far.pk])
    services.accept(w.far_staff, sari)  # near's offer is withdrawn
    budi = services.create_referral(
        w.referrer,
        details(
            patient_name=BUDI["name"],
            nik=BUDI["nik"],
            birth_date=date(1980, 1, 1),
            sex="male",
            bpjs_number=BUDI["bpjs"],
            relative_phone=BUDI["phone"],
            reason=BUDI_REASON,
        ),
        [services.Upload("lab.jpg", io.BytesIO(jpeg_bytes()))],
    )
    services.send(w.referrer, budi, [w.near.pk])  # near is still asked
    return [
        Case(sari, SARI, SARI_REASON, full={"referrer", "far", "dinkes"}),
        Case(budi, BUDI, BUDI_REASON, full={"referrer", "dinkes"}, masked={"near"}),
    ]


def _page_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _api_client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        _token, raw = create_api_token(user, "probe")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _shared_urls() -> list[tuple[str, str, dict[str, str] | None]]:
    """Pages not about one referral: (method, url, POST data)."""
    return [
        ("get", "/rujukan/", None),
        ("get", "/rujukan/masuk/", None),
        ("get", "/rujukan/keluar/", None),
        ("get", "/rujukan/semua/", None),
        ("post", "/rujukan/semua/", {"nik": SARI["nik"]}),
        ("post", "/rujukan/semua/", {"nik": BUDI["nik"]}),
        ("get", "/rujukan/baru/", None),
        ("get", "/rujukan/diagnosis-primer/", None),
        ("get", "/rujukan/icd10/?q=I63", None),
        ("get", "/dinkes/", None),
        ("get", "/tempat-tidur/", None),
    ]


def _referral_pages(referral: Referral) -> list[str]:
    attachment = referral.attachments.get()
    return [f"/rujukan/{referral.pk}/", f"/rujukan/{referral.pk}/lampiran/{attachment.pk}/"]


def _refused_posts(referral: Referral) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/rujukan/{referral.pk}/jawab/", {"answer": "accept"}),
        (f"/rujukan/{referral.pk}/kirim/", {"hospital": "1"}),
        (f"/rujukan/{referral.pk}/langkah/", {"action": "cancel", "note": "probe"}),
    ]


def _api_urls(referral: Referral) -> list[str]:
    return [f"/api/v1/referrals/{referral.pk}/fhir", f"/api/v1/referrals/{referral.pk}/fhir/task"]


def _assert_no_identity(body: str, case: Case, where: str) -> None:
    for value in case.identity.values():
        assert value not in body, f"{where}: {value}"


@pytest.mark.django_db
def test_every_role_reads_only_what_it_must() -> None:
    w = world()
    users = _everyone(w)
    roles = {u.role for u in users.values() if u is not None}
    assert roles == set(RoleChoices.values()), set(RoleChoices.values()) - roles
    cases = _cases(w)
    states = {case.referral.pk: case.referral.state for case in cases}

    for name, user in users.items():
        pages, api = _page_client(user), _api_client(user)
        bodies: list[tuple[str, str]] = []
        for method, url, data in _shared_urls():
            response = pages.post(url, data) if method == "post" else pages.get(url)
            bodies.append((f"{name} {method} {url}", _body(response)))
        for case in cases:
            reader = name in case.full or name in case.masked
            for url in _referral_pages(case.referral):
                response = pages.get(url)
                where = f"{name} {url}"
                if not reader:
                    assert response.status_code in (*ACCEPTABLE_REFUSALS, 302), where
                    if response.status_code == 302:
                        assert user is None or "/masuk" in response["Location"], where
                if name in case.masked and "lampiran" in url:
                    assert response.status_code == 404, where
                bodies.append((where, _body(response)))
            for url in _api_urls(case.referral):
                response = api.get(url)
                where = f"{name} {url}"
                if reader:
                    assert response.status_code == 200, where
                else:
                    assert response.status_code in ACCEPTABLE_REFUSALS, where
                bodies.append((where, _body(response)))
            if not reader:
                for url, data in _refused_posts(case.referral):
                    response = pages.post(url, data)
                    assert response.status_code in (*ACCEPTABLE_REFUSALS, 302), f"{name} POST {url}"
        if user is not None:
            # What the staff stream replays to them (the view hands its connection back to the pool before
            # streaming, which a test database cannot take: the rule and the frames are called directly).
            frames = broadcast.snapshot(partial(may_receive, Subscriber.of(user)), public=False, last_event_id=0)
            bodies.append((f"{name} staff stream", b"".join(frames).decode()))
        for where, body in bodies:
            for case in cases:
                if name not in case.full:
                    _assert_no_identity(body, case, where)
                if name not in case.full and name not in case.masked:
                    assert case.reason not in body, where

    for case in cases:
        case.referral.refresh_from_db()
        assert case.referral.state == states[case.referral.pk], "a refused POST changed a referral"
        readers = set(
            PersonalDataAccess.objects.filter(
                subject_type="referral", subject_id=str(case.referral.pk), data="patient_identity"
            ).values_list("user__username", flat=True)
        )
        allowed = {users[name].username for name in case.full}  # type: ignore[union-attr]
        assert readers and readers <= allowed, (case.identity["name"], readers - allowed)


@pytest.mark.django_db
def test_the_public_stream_and_the_public_pages_carry_no_patient_data() -> None:
    w = world()
    cases = _cases(w)
    anonymous = Client()
    public = b"".join(broadcast.snapshot(may_receive_public, public=True, last_event_id=0)).decode()
    assert "event: beds" in public or "id: " in public
    pages = {url: _body(anonymous.get(url)) for url in ("/tempat-tidur/", "/api/v1/referrals/beds")}
    for url, body in {"public stream": public, **pages}.items():
        for case in cases:
            _assert_no_identity(body, case, url)
            assert case.reason not in body and case.referral.number not in body, url
        assert "event: referral" not in body, url
