"""One JSON line per request with an id that the answer and the error pages show, and no personal data in any log."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.models import Case
from patriot.citizens.models import CitizenProfile
from patriot.core import clock
from patriot.core.logging import JsonFormatter
from tests.factories import MARGAHAYU, load_areas, make_category

pytestmark = pytest.mark.django_db


class _Lines(logging.Handler):
    """Every record of every logger, formatted as production formats it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def records(self, logger: str) -> list[dict[str, Any]]:
        return [line for line in map(json.loads, self.lines) if line["logger"] == logger]


@pytest.fixture
def log_lines() -> Iterator[_Lines]:
    """Everything at production's default level (INFO), and patriot's own loggers down to DEBUG."""
    handler = _Lines()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "patriot")}
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("patriot").setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_each_request_writes_one_json_line_with_the_route_not_the_path(log_lines: _Lines) -> None:
    response = Client().get("/lacak/BKS-2611-999999/")
    [line] = log_lines.records("patriot.request")
    assert line["request_id"] == response["X-Request-ID"] and re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert line["route"] == "/lacak/<str:number>/" and "BKS-2611-999999" not in json.dumps(line)
    assert line["method"] == "GET" and line["status"] == response.status_code and line["role"] == "anonymous"
    assert isinstance(line["duration_ms"], float) and line["ts"].endswith("+00:00")


def test_an_unknown_path_is_logged_as_unmatched(log_lines: _Lines) -> None:
    Client().get("/akun/sandi/atur/MQ/rahasia-token-123/extra/nothing/")
    [line] = log_lines.records("patriot.request")
    assert line["route"] == "<unmatched>" and "rahasia-token-123" not in "\n".join(log_lines.lines)


def test_the_role_is_logged_never_the_name(log_lines: _Lines) -> None:
    user = User.objects.create(username="op-ani", first_name="Ani Rahmawati", role=RoleChoices.POC_OPERATOR)
    client = Client()
    client.force_login(user)
    client.get("/poc/")
    [line] = log_lines.records("patriot.request")
    assert line["role"] == RoleChoices.POC_OPERATOR and "Ani" not in "\n".join(log_lines.lines)


def test_a_trusted_proxy_may_pass_its_request_id_others_may_not(settings: Settings) -> None:
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.1"]
    from_proxy = Client().get("/healthz", REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID="nginx-abc.123")
    assert from_proxy["X-Request-ID"] == "nginx-abc.123"
    from_client = Client().get("/healthz", REMOTE_ADDR="10.9.9.9", HTTP_X_REQUEST_ID="chosen-by-client")
    assert from_client["X-Request-ID"] != "chosen-by-client"
    insane = Client().get("/healthz", REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID="a b\tc" + "x" * 100)
    assert re.fullmatch(r"[0-9a-f]{32}", insane["X-Request-ID"])


def test_a_not_found_page_shows_the_request_id(client: Client) -> None:
    missing = client.get("/tidak-ada/")
    assert missing.status_code == 404 and missing["X-Request-ID"] in missing.content.decode()


@override_settings(ROOT_URLCONF="tests.core.broken_urls")
def test_a_server_error_page_shows_the_request_id(log_lines: _Lines) -> None:
    response = Client(raise_request_exception=False).get("/rusak/")
    assert response.status_code == 500
    assert response["X-Request-ID"] in response.content.decode()
    [error] = log_lines.records("django.request")
    assert error["request_id"] == response["X-Request-ID"] and "RuntimeError" in error["exception"]
    assert error["message"] == "Internal Server Error: /rusak/"
    [line] = log_lines.records("patriot.request")
    assert line["status"] == 500 and line["route"] == "/rusak/"


@override_settings(ROOT_URLCONF="tests.core.broken_urls")
def test_a_permission_denied_page_shows_the_request_id(client: Client) -> None:
    response = client.get("/terlarang/")
    assert response.status_code == 403 and response["X-Request-ID"] in response.content.decode()


# --- no personal data in the logs ------------------------------------------------------------------------------

NAME = "Zulkarnaen Wibisono"
PHONE_LOCAL = "081398765432"
PHONE = "+6281398765432"
EMAIL = "zulkarnaen.pii@example.org"
DESCRIPTION = "Saluran tersumbat di gang Melati nomor tujuh belas"
STAFF_PASSWORD = "Rahasia-staf-2026!"
CITIZEN_PASSWORD = "Rahasia-warga-2026!"
NEW_PASSWORD = "Sandi-baru-warga-2026!"


class _SmsGateway(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        _SmsGateway.received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sms_gateway(settings: Settings) -> Iterator[list[bytes]]:
    """The production HTTP gateway against a stub on loopback (the logging gateway is for demos only)."""
    server = HTTPServer(("127.0.0.1", 0), _SmsGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _SmsGateway.received = []
    settings.PATRIOT_SMS_GATEWAY = "http"
    settings.PATRIOT_SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/sms"
    settings.PATRIOT_SMS_GATEWAY_TOKEN = "gateway-token-secret"
    try:
        yield _SmsGateway.received
    finally:
        server.shutdown()


def test_no_personal_data_reaches_the_logs(
    log_lines: _Lines, sms_gateway: list[bytes], settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_areas()
    category = make_category()

    # A POT report with a name, phone, email and description.
    client = Client()
    key = client.get(reverse("report")).context["form"].initial["idempotency_key"]
    answer = client.post(
        reverse("report"),
        {
            "idempotency_key": key,
            "category": category.code,
            "description": DESCRIPTION,
            "latitude": str(MARGAHAYU[0]),
            "longitude": str(MARGAHAYU[1]),
            "reporter_name": NAME,
            "reporter_phone": PHONE_LOCAL,
            "reporter_email": EMAIL,
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    case = Case.objects.get()
    assert case.reporter_phone == PHONE and case.description == DESCRIPTION

    # A staff sign-in, once wrong and once right.
    officer = User.objects.create(username="ops.zulkarnaen", first_name=NAME, role=RoleChoices.POC_OPERATOR)
    officer.set_password(STAFF_PASSWORD)
    officer.save()
    assert Client().post("/masuk/", {"username": "ops.zulkarnaen", "password": "salah-" + STAFF_PASSWORD})
    staff_client = Client()
    assert staff_client.post("/masuk/", {"username": "ops.zulkarnaen", "password": STAFF_PASSWORD}).status_code == 302
    assert staff_client.get(f"/poc/laporan/{case.tracking_number}/").status_code == 200

    # A citizen's password reset by email, and an SMS verification code.
    citizen = User(username=EMAIL, email=EMAIL, first_name=NAME, phone=PHONE, role=RoleChoices.CITIZEN)
    citizen.set_password(CITIZEN_PASSWORD)
    citizen.save()
    CitizenProfile.objects.create(user=citizen, created_at=clock.now(), email_verified_at=clock.now())
    citizen_client = Client()
    assert citizen_client.post("/akun/sandi/lupa/", {"email": EMAIL}).status_code == 302
    link = re.search(r"http://testserver(/akun/sandi/atur/\S+/)", mail.outbox[-1].body)
    assert link
    form_page = citizen_client.get(link.group(1), follow=True)
    reset = citizen_client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert reset.status_code == 302
    assert citizen_client.post("/masuk/", {"username": EMAIL, "password": NEW_PASSWORD}).status_code == 302
    assert citizen_client.post("/akun/verifikasi/hp/kirim/").status_code == 302
    [sent] = sms_gateway
    code = re.search(rb"\b(\d{6})\b", sent)
    assert code and PHONE.encode() in sent

    logs = "\n".join(log_lines.lines)
    requests = log_lines.records("patriot.request")
    assert len(requests) >= 10 and {"anonymous", RoleChoices.POC_OPERATOR, RoleChoices.CITIZEN} <= {
        line["role"] for line in requests
    }
    secrets = [NAME, "Zulkarnaen", PHONE, PHONE_LOCAL, PHONE[1:], EMAIL, DESCRIPTION, "Melati"]
    secrets += [STAFF_PASSWORD, CITIZEN_PASSWORD, NEW_PASSWORD, code.group(1).decode(), link.group(1)]
    secrets += [link.group(1).strip("/").split("/")[-1], "gateway-token-secret"]
    leaked = [secret for secret in secrets if secret in logs]
    assert not leaked, (leaked, logs)


def test_the_json_formatter_writes_extra_fields_and_exceptions() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("patriot.test-formatter")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("x")
        except ValueError:
            logger.error("failed %s", "once", exc_info=True, extra={"job": "sla-sweep"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "failed once" and line["job"] == "sla-sweep" and line["level"] == "ERROR"
    assert "ValueError" in line["exception"] and "request_id" not in line
