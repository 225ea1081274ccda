"""The outside probe's access checks, role × URL: who reaches which staff page, API, export and photo, and what
never shows up where it must not (another agency's case, an anonymous reporter, a staff note, a photo not yet
public). One world of cases and people, asked by every role the city has."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

from patriot.accounts import totp
from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import Agency, ResponseTeam, TotpDevice, User
from patriot.cases import services
from patriot.cases.choices import RejectionReasonChoices
from patriot.cases.models import Attachment, Case
from tests.factories import (
    give_authenticator,
    load_areas,
    make_agency,
    make_case,
    make_category,
    make_team,
    make_user,
    photo,
    staff,
)

pytestmark = pytest.mark.django_db

ANON_NAME = "Rahmat Anonimus"
ANON_PHONE = "+6281299990001"
ANON_EMAIL = "rahmat.anon@example.org"
NAMED_NAME = "Sari Terbuka"
NAMED_PHONE = "+6281299990002"
VERIFY_NOTE = "RAHASIA-VERIFIKASI pelapor cerewet"
DISPATCH_NOTE = "RAHASIA-DISPOSISI kabid minta cepat"
ASSIGN_NOTE = "RAHASIA-TUGAS bawa Pak Joko"
INSTRUCTION = "RAHASIA-WALIKOTA tolong cek langsung"
INTERNAL_COMMENT = "RAHASIA-KOMENTAR jangan dibalas"
STAFF_SECRETS = (VERIFY_NOTE, DISPATCH_NOTE, ASSIGN_NOTE, INSTRUCTION, INTERNAL_COMMENT)


@dataclass
class World:
    agency: Agency
    other_agency: Agency
    team: ResponseTeam
    other_team: ResponseTeam
    people: dict[str, User | None]
    anonymous_case: Case  # in progress at `agency`, team `team`; anonymous reporter; staff notes; a photo
    named_case: Case  # dispatched to `agency`, named reporter
    unverified: Case  # submitted, with a photo
    rejected: Case  # rejected after verification, with a photo
    confidential: Case  # verified, confidential, with a photo


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db: None) -> World:
    load_areas()
    agency, other_agency = make_agency("dbmsda"), make_agency("dlh")
    team, other_team = make_team(agency, "urc-a"), make_team(agency, "urc-a2")
    make_team(other_agency, "urc-b")
    category = make_category(default_agency=agency)
    poc = staff(Role.POC_OPERATOR)
    mayor = staff(Role.MAYOR)
    citizen = make_user(Role.CITIZEN, username="warga@example.org", email="warga@example.org")

    anonymous_case = make_case(
        category,
        photos=[photo()],
        reporter_name=ANON_NAME,
        reporter_phone=ANON_PHONE,
        reporter_email=ANON_EMAIL,
        is_anonymous=True,
        reporter=citizen,
    )
    services.verify_case(anonymous_case, by=poc, note=VERIFY_NOTE)
    services.dispatch_case(anonymous_case, by=poc, agency=agency, note=DISPATCH_NOTE)
    services.assign_case(anonymous_case, by=staff(Role.AGENCY_ADMIN, agency=agency), team=team, note=ASSIGN_NOTE)
    services.start_case(anonymous_case, by=staff(Role.URC_OFFICER, team=team))
    services.comment_case(anonymous_case, by=poc, note=INTERNAL_COMMENT)
    services.instruct_case(anonymous_case, by=mayor, text=INSTRUCTION)

    named_case = make_case(category, reporter_name=NAMED_NAME, reporter_phone=NAMED_PHONE)
    services.verify_case(named_case, by=poc)
    services.dispatch_case(named_case, by=poc, agency=agency)

    unverified = make_case(category, photos=[photo()])
    rejected = make_case(category, photos=[photo()])
    services.reject_case(rejected, by=poc, reason=RejectionReasonChoices.SPAM)
    confidential = make_case(category, photos=[photo()], is_confidential=True)
    services.verify_case(confidential, by=poc)

    people: dict[str, User | None] = {
        "anonymous": None,
        "citizen": citizen,
        "other_citizen": make_user(Role.CITIZEN, username="lain@example.org", email="lain@example.org"),
        "poc": poc,
        "supervisor": staff(Role.POC_SUPERVISOR),
        "callcentre": staff(Role.CALLCENTRE_OPERATOR),
        "mayor": mayor,
        "admin": staff(Role.SYSTEM_ADMIN),
        "agency_admin": staff(Role.AGENCY_ADMIN, agency=agency),
        "agency_officer": staff(Role.AGENCY_OFFICER, agency=agency),
        "other_agency_admin": staff(Role.AGENCY_ADMIN, agency=other_agency),
        "other_agency_officer": staff(Role.AGENCY_OFFICER, agency=other_agency),
        "urc": staff(Role.URC_OFFICER, team=team),
        "other_urc": staff(Role.URC_OFFICER, team=other_team),
        "health": staff(Role.HEALTH_OFFICER),
        "psc": staff(Role.PSC_DISPATCHER),
    }
    return World(agency, other_agency, team, other_team, people, anonymous_case, named_case, unverified, rejected,
                 confidential)  # fmt: skip


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


ALL_ROLES = (
    "anonymous",
    "citizen",
    "other_citizen",
    "poc",
    "supervisor",
    "callcentre",
    "mayor",
    "admin",
    "agency_admin",
    "agency_officer",
    "other_agency_admin",
    "other_agency_officer",
    "urc",
    "other_urc",
    "health",
    "psc",
)
# Who may open the in-progress case at all (cases.queries.visible_cases; the citizen reported it).
SEES_CASE = {"citizen", "poc", "supervisor", "callcentre", "mayor", "admin", "agency_admin", "agency_officer", "urc"}
# Who may be shown its anonymous reporter: the Patriot Operation Centre only, as the report form promises.
SEES_ANONYMOUS_REPORTER = {"poc", "supervisor", "admin"}
STAFF_ROLES = set(ALL_ROLES) - {"anonymous", "citizen", "other_citizen"}

CASE_PAGES = (
    "/poc/laporan/{n}/",
    "/opd/laporan/{n}/",
    "/urc/laporan/{n}/",
    "/api/v1/cases/{n}",
    "/api/v1/cases/{n}/duplicates",
    "/api/v1/cases/{n}/instructions",
)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_case_page_answers_only_those_who_may_open_it(world: World, role: str) -> None:
    """Another agency, another team or a role without the case gets a refusal with nothing of the case in it;
    another agency's (or team's) staff get 404, never a hint that the case exists."""
    client = client_for(world.people[role])
    number = world.anonymous_case.tracking_number
    for pattern in CASE_PAGES:
        url = pattern.format(n=number)
        response = client.get(url)
        body = text_of(response)
        if response.status_code == 200:
            assert role in SEES_CASE, (role, url)
        else:
            assert response.status_code in (302, 401, 403, 404), (role, url, response.status_code)
            assert world.anonymous_case.title not in body, (role, url)
        if role in {"other_agency_admin", "other_agency_officer", "other_urc"} and (
            url.startswith("/api/") or url.startswith("/opd/" if "agency" in role else "/urc/")
        ):
            assert response.status_code == 404, (role, url, response.status_code)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_an_anonymous_reporter_is_shown_to_the_operation_centre_only(world: World, role: str) -> None:
    client = client_for(world.people[role])
    number = world.anonymous_case.tracking_number
    urls = [p.format(n=number) for p in CASE_PAGES] + [
        f"/lacak/{number}/",
        f"/api/v1/public/cases/{number}",
        "/api/v1/cases",
        "/poc/cari/",
        "/poc/cari/csv/",
        f"/poc/cari/?q={ANON_PHONE}",
        f"/callcentre/cari/?q={number}",
        "/walikota/laporan/",
        "/opd/",
        "/urc/",
        "/poc/",
        "/akun/data/unduh/",
    ]
    for url in urls:
        body = text_of(client.get(url))
        shown = [value for value in (ANON_NAME, ANON_EMAIL, ANON_PHONE, ANON_PHONE[3:]) if value in body]
        if role in SEES_ANONYMOUS_REPORTER:
            continue
        if role == "citizen" and url == "/akun/data/unduh/":
            continue  # the reporter's own data
        if url.endswith(ANON_PHONE):
            shown = [value for value in shown if value not in (ANON_PHONE, ANON_PHONE[3:])]  # the query echoed
        assert not shown, (role, url, shown)


@pytest.mark.parametrize("role", ["anonymous", "citizen", "other_citizen"])
def test_staff_notes_never_reach_citizens_or_the_public(world: World, role: str) -> None:
    client = client_for(world.people[role])
    number = world.anonymous_case.tracking_number
    urls = [
        f"/lacak/{number}/",
        f"/api/v1/public/cases/{number}",
        f"/api/v1/cases/{number}",
        f"/api/v1/cases/{number}/instructions",
        f"/open311/v2/requests/{number}.json",
        f"/open311/v2/requests/{number}.xml",
        "/open311/v2/requests.json",
        "/akun/data/unduh/",
        "/akun/notifikasi/",
        f"/akun/laporan/{number}/",
        "/events/public/?last_event_id=0",
    ]
    for url in urls:
        body = text_of(client.get(url, follow=True))
        leaked = [secret for secret in STAFF_SECRETS if secret in body]
        assert not leaked, (role, url, leaked)


def _photo_of(case: Case) -> Attachment:
    return case.attachments.get()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_photo_that_is_not_public_is_refused_by_id(world: World, role: str) -> None:
    """Guessing /api/v1/attachments/<id>: an unverified, rejected or confidential case's photo only for staff who
    may open the case; a verified public case's photo for anyone."""
    client = client_for(world.people[role])
    # None of these cases is at the agency or was reported by the citizen's account.
    may_open = role in SEES_CASE - {"citizen", "agency_admin", "agency_officer", "urc"}
    for case in (world.unverified, world.rejected, world.confidential):
        response = client.get(f"/api/v1/attachments/{_photo_of(case).pk}")
        assert response.status_code == (200 if may_open else 404), (role, case.state, response.status_code)
    response = client.get(f"/api/v1/attachments/{_photo_of(world.anonymous_case).pk}")
    assert response.status_code == 200


STAFF_AREAS = {
    # URL: the roles that may open it (everyone else: sign-in redirect for anonymous, else 403/404).
    "/poc/": {"poc", "supervisor", "admin"},
    "/poc/cari/": {"poc", "supervisor", "admin", "callcentre", "mayor"},
    "/poc/cari/csv/": {"poc", "supervisor", "admin", "callcentre", "mayor"},
    "/poc/dasbor/": {"poc", "supervisor", "admin", "mayor"},
    "/poc/dasbor/peta.json": {"poc", "supervisor", "admin", "mayor"},
    "/poc/ringkasan/": {"poc", "supervisor", "admin", "mayor", "callcentre"},
    "/opd/": {"agency_admin", "agency_officer", "other_agency_admin", "other_agency_officer"},
    "/urc/": {"urc", "other_urc"},
    "/walikota/": {"mayor", "admin", "supervisor"},
    "/walikota/laporan/": {"mayor", "admin", "supervisor"},
    "/callcentre/": {"callcentre", "admin"},
    "/callcentre/panggilan/": {"callcentre", "admin", "supervisor"},
    "/api/v1/overview": STAFF_ROLES,
    "/keamanan/": STAFF_ROLES,
    "/akun/": {"citizen", "other_citizen"},
    "/akun/data/unduh/": {"citizen", "other_citizen"},
}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_staff_areas_answer_their_roles_only(world: World, role: str) -> None:
    client = client_for(world.people[role])
    for url, allowed in STAFF_AREAS.items():
        response = client.get(url)
        if role in allowed:
            assert response.status_code == 200, (role, url, response.status_code)
        elif role == "anonymous":
            assert response.status_code in (302, 401), (role, url, response.status_code)
        else:
            assert response.status_code in (403, 404), (role, url, response.status_code)


@pytest.mark.parametrize("url", ["/poc/cari/csv-pelapor/", "/callcentre/panggilan/csv-pribadi/"])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_personal_exports_need_a_supervisor_and_a_purpose(world: World, role: str, url: str) -> None:
    client = client_for(world.people[role])
    refused = client.post(url, {"purpose": ""})
    assert refused.get("Content-Type", "").split(";")[0] != "text/csv"
    response = client.post(url, {"purpose": "Audit pengaduan nomor 12/2026"})
    is_csv = response.get("Content-Type", "").startswith("text/csv")
    assert is_csv == (role in {"supervisor", "admin"}), (role, response.status_code)
    if is_csv:
        body = text_of(response)
        assert not any(value in body for value in (ANON_NAME, ANON_PHONE, ANON_PHONE[1:], ANON_EMAIL))


def test_open311_and_public_lists_never_name_a_confidential_case(world: World) -> None:
    client = Client()
    number = world.confidential.tracking_number
    for fmt in ("json", "xml"):
        response = client.get(f"/open311/v2/requests/{number}.{fmt}")
        assert response.status_code == 404
        assert world.confidential.title not in text_of(response)
    for url in (
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
        "/api/v1/public/cases.geojson",
        "/peta/daftar/",
        "/events/public/?last_event_id=0",
    ):
        assert number not in text_of(client.get(url)), url
    for url in (f"/api/v1/public/cases/{number}", f"/lacak/{number}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert world.confidential.title not in text_of(response), url


# --- what the logs keep -------------------------------------------------------------------------------------


def test_no_log_line_carries_personal_data(world: World, caplog: pytest.LogCaptureFixture, settings: Settings) -> None:
    """A report with contact details, a password sign-in (right and wrong), a password reset, a lookup and a
    personal export: no log line names the reporter, their number or email, a password or a reset token."""
    from django.core import mail

    from patriot.core.logging import JsonFormatter

    caplog.set_level(logging.DEBUG)
    password = "sandi-rahasia-2026"
    citizen = world.people["citizen"]
    assert citizen is not None
    citizen.set_password(password)
    citizen.save()
    client = Client()
    created = client.post(
        "/api/v1/cases",
        {
            "category": world.anonymous_case.category.code,
            "description": "Lampu jalan mati sejak seminggu, gelap sekali di malam hari.",
            "latitude": world.anonymous_case.latitude,
            "longitude": world.anonymous_case.longitude,
            "reporter": {"name": ANON_NAME, "phone": ANON_PHONE, "email": ANON_EMAIL},
            "is_anonymous": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    key = created.json()["reporter_key"]
    client.get(f"/lacak/{created.json()['tracking_number']}/?kunci={key}")
    client.post("/masuk/", {"username": citizen.username, "password": "salah-sekali"})
    client.post("/masuk/", {"username": citizen.username, "password": password})
    Client().post("/akun/sandi/lupa/", {"email": citizen.email})
    reset_link = next(line for line in mail.outbox[-1].body.splitlines() if "/akun/sandi/atur/" in line)
    Client().get(reset_link[reset_link.index("/akun/") :])
    supervisor = client_for(world.people["supervisor"])
    supervisor.get(f"/poc/cari/?q={ANON_PHONE}")
    supervisor.post("/poc/cari/csv-pelapor/", {"purpose": "Audit pengaduan nomor 12/2026"})
    client_for(world.people["callcentre"]).get(f"/callcentre/cari/?q={ANON_PHONE}")
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert any('"patriot.request"' in line for line in lines)
    token = reset_link.rstrip("/").rsplit("/", 1)[-1]
    for secret in (ANON_NAME, ANON_PHONE, ANON_PHONE[3:], ANON_EMAIL, citizen.email, password, key, token):
        leaking = [line for line in lines if secret in line]
        assert not leaking, (secret, leaking[:2])


# --- the second sign-in step ----------------------------------------------------------------------------------


@pytest.fixture
def pending_supervisor(world: World) -> tuple[Client, User]:
    """A client whose password was right but whose authenticator code has not been given yet."""
    supervisor = world.people["supervisor"]
    assert supervisor is not None
    supervisor.set_password("sandi-supervisor-2026")
    supervisor.is_staff = True
    supervisor.is_superuser = True
    supervisor.save()
    give_authenticator(supervisor)
    client = Client()
    response = client.post("/masuk/", {"username": supervisor.username, "password": "sandi-supervisor-2026"})
    assert response.status_code == 302 and response["Location"] == "/masuk/kode/"
    return client, supervisor


def test_a_session_waiting_for_its_code_reaches_nothing(pending_supervisor: tuple[Client, User]) -> None:
    client, _supervisor = pending_supervisor
    for url in ("/poc/", "/poc/cari/csv/", "/walikota/", "/keamanan/", "/admin/", "/admin/accounts/user/"):
        response = client.get(url)
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(("/masuk/", "/admin/login/")), url
    assert client.get("/api/v1/cases").status_code == 401
    assert client.post("/poc/cari/csv-pelapor/", {"purpose": "Audit pengaduan nomor 12/2026"}).status_code == 302
    assert client.get("/admin/login/").status_code == 302


def test_the_code_step_cannot_be_guessed(pending_supervisor: tuple[Client, User], settings: Settings) -> None:
    """After PATRIOT_TOTP_MAX_FAILURES wrong codes even the right one is refused, also from a new sign-in."""
    client, supervisor = pending_supervisor
    secret = TotpDevice.objects.get(user=supervisor)
    for guess in range(settings.PATRIOT_TOTP_MAX_FAILURES):
        assert client.post("/masuk/kode/", {"code": f"{guess:06d}"}).status_code in (400, 429)
    right = totp.code_for(totp.secret_of(secret))
    response = client.post("/masuk/kode/", {"code": right})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/poc/").status_code == 302


# --- the API's cookie writes, metrics and readiness ------------------------------------------------------------


@pytest.mark.parametrize("role", ["citizen", "poc", "agency_admin"])
def test_a_cookie_authenticated_api_write_without_csrf_fails(world: World, role: str) -> None:
    client = Client(enforce_csrf_checks=True)
    user = world.people[role]
    assert user is not None
    client.force_login(user)
    number = world.anonymous_case.tracking_number
    before = world.anonymous_case.timeline.count()
    response = client.post(f"/api/v1/cases/{number}/comment", {"note": "tanpa token"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert world.anonymous_case.timeline.count() == before


def test_metrics_refuse_an_outside_address_whatever_it_forwards(settings: Settings) -> None:
    settings.PATRIOT_METRICS_TOKEN = ""
    outside = Client(REMOTE_ADDR="203.0.113.9")
    assert outside.get("/metrics").status_code == 403
    assert outside.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 403
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200


def test_readiness_names_no_secret(world: World, settings: Settings) -> None:
    body = Client(REMOTE_ADDR="203.0.113.9").get("/readyz").content.decode()
    for secret in (settings.SECRET_KEY, "postgres://", "redis://", ANON_PHONE, ANON_EMAIL):
        assert secret not in body
