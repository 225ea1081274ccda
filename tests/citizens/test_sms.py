"""SMS gateways: the HTTP adapter against a real local HTTP server, and the logging adapter."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from patriot.citizens import sms
from tests.fresh_settings import setting


class FakeGateway(ThreadingHTTPServer):
    """A real HTTP server standing in for an SMS provider: records requests, answers `status` after `delay`."""

    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.closing = threading.Event()  # set at teardown: a delayed answer stops waiting

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The timeout test hangs up before the answer; that broken pipe is expected."""


class Handler(BaseHTTPRequestHandler):
    server: FakeGateway

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.received.append(
            {
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "content_type": self.headers.get("Content-Type"),
                "json": json.loads(body),
            }
        )
        self.server.closing.wait(self.server.delay)
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "msg-1"}')

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def sms_server() -> Iterator[FakeGateway]:
    server = FakeGateway(0)  # the system picks a free port: no clash with another suite on the machine
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.closing.set()
    server.shutdown()
    server.server_close()


def test_http_gateway_posts_json_with_the_bearer_token(sms_server: FakeGateway) -> None:
    gateway = sms.HttpGateway(f"{sms_server.url}/kirim", "rahasia-token", timeout=30)
    gateway.send("+6281234567890", "Kode verifikasi Patriot Anda: 123456.")
    assert sms_server.received == [
        {
            "path": "/kirim",
            "authorization": "Bearer rahasia-token",
            "content_type": "application/json",
            "json": {"to": "+6281234567890", "message": "Kode verifikasi Patriot Anda: 123456."},
        }
    ]


def test_http_gateway_refusal_is_a_clear_error(sms_server: FakeGateway) -> None:
    sms_server.status = 503
    gateway = sms.HttpGateway(f"{sms_server.url}/kirim", "t", timeout=30)
    with pytest.raises(sms.SmsError) as caught:
        gateway.send("+6281234567890", "x")
    assert "503" in caught.value.message and caught.value.detail == "HTTP 503"


def test_http_gateway_times_out(sms_server: FakeGateway) -> None:
    sms_server.delay = 20.0
    gateway = sms.HttpGateway(f"{sms_server.url}/kirim", "t", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(sms.SmsError) as caught:
        gateway.send("+6281234567890", "x")
    assert time.monotonic() - started < 10  # gave up long before the provider answered, even on a busy machine
    assert "tidak dapat dihubungi" in caught.value.message


def test_http_gateway_unreachable() -> None:
    gateway = sms.HttpGateway("http://127.0.0.1:18311/", "t", timeout=1)
    with pytest.raises(sms.SmsError):
        gateway.send("+6281234567890", "x")


def test_logging_gateway_writes_the_message(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    sms.LoggingGateway().send("+6281234567890", "Kode 654321")
    assert "SMS to +6281234567890: Kode 654321" in caplog.text
    assert sms.LoggingGateway.delivers is False and sms.HttpGateway.delivers is True


def test_outside_the_demo_the_logging_gateway_keeps_numbers_and_codes_out_of_the_log(
    caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.PATRIOT_SMS_LOG_MESSAGES = False
    caplog.set_level(logging.DEBUG, logger="patriot.sms")
    sms.LoggingGateway().send("+6281234567890", "Kode 654321")
    assert "654321" not in caplog.text
    assert "81234567" not in caplog.text
    assert "no SMS gateway is configured" in caplog.text


def test_the_demo_logs_messages_and_production_does_not(tmp_path: Path) -> None:
    assert setting("PATRIOT_SMS_LOG_MESSAGES", PATRIOT_VAR_DIR=str(tmp_path), PATRIOT_DEMO="1") == "True"
    assert setting("PATRIOT_SMS_LOG_MESSAGES", PATRIOT_VAR_DIR=str(tmp_path)) == "False"


def test_settings_choose_the_gateway(settings: Any) -> None:
    settings.PATRIOT_SMS_GATEWAY = "log"
    assert isinstance(sms.gateway(), sms.LoggingGateway)
    settings.PATRIOT_SMS_GATEWAY = "http"
    settings.PATRIOT_SMS_GATEWAY_URL = "http://127.0.0.1:9/"
    settings.PATRIOT_SMS_GATEWAY_TOKEN = "abc"
    chosen = sms.gateway()
    assert isinstance(chosen, sms.HttpGateway) and chosen.token == "abc"
