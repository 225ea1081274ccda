"""Local stand-ins for the outside services Patriot talks to: an SMTP server, an SMS gateway (HTTP), a map tile
server and a Nominatim-compatible geocoder.

Both listen on a free port of 127.0.0.1 in a thread, record what they accepted and can refuse the first few
attempts (or all of them), so tests see real retries over real sockets.
"""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Refusals:
    """Refuse the first `fail_first` attempts, or every one while `always_fail`; counts attempts."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.always_fail = False
        self.attempts = 0
        self._lock = threading.Lock()

    def refuse_next(self) -> bool:
        with self._lock:
            self.attempts += 1
            return self.always_fail or self.attempts <= self.fail_first


class SmtpStub(socketserver.ThreadingTCPServer):
    """Speaks enough SMTP for smtplib (EHLO, MAIL, RCPT, DATA, RSET, QUIT); a refused attempt gets 451 at MAIL."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fail_first: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.port = self.server_address[1]
        self.refusals = _Refusals(fail_first)
        self.messages: list[dict[str, Any]] = []


class _SmtpSession(socketserver.StreamRequestHandler):
    server: SmtpStub

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 stub ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 stub")
            elif verb == "MAIL":
                if self.server.refusals.refuse_next():
                    self.reply("451 4.3.0 Try again later")
                    continue
                sender, recipients = command[10:].strip("<> "), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command[8:].strip("<> "))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b"".join(iter(lambda: self.rfile.readline(), b".\r\n"))
                self.server.messages.append({"from": sender, "to": recipients, "data": data.decode(errors="replace")})
                self.reply("250 Queued")
            elif verb in {"RSET", "NOOP"}:
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")  # RFC 5321: a command this stub does not speak


class SmsGatewayStub(ThreadingHTTPServer):
    """An SMS provider's HTTP API: a refused attempt gets 503, an accepted one 200; `accepted` holds the JSON."""

    daemon_threads = True

    def __init__(self, fail_first: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), _SmsHandler)
        self.port = self.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sms"
        self.refusals = _Refusals(fail_first)
        self.accepted: list[dict[str, Any]] = []


class _SmsHandler(BaseHTTPRequestHandler):
    server: SmsGatewayStub

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        status = 503 if self.server.refusals.refuse_next() else 200
        if status == 200:
            self.server.accepted.append(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        return


# A 1×1 PNG: what a tile server answers, small.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000b49444154789c63600002"
    "00000500017a5eab3f0000000049454e44ae426082"
)


class TileStub(ThreadingHTTPServer):
    """A map tile server: /{z}/{x}/{y}.png answers a PNG (or 503 for every tile while `failing`, or nothing at all,
    holding the connection open, while `hanging`); counts requests."""

    daemon_threads = True

    def __init__(self, failing: bool = False, hanging: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), _TileHandler)
        self.port = self.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.png"
        self.failing = failing
        self.hanging = threading.Event() if hanging else None
        self.requests = 0

    def server_close(self) -> None:
        if self.hanging is not None:
            self.hanging.set()  # let the held requests go
        super().server_close()


class _TileHandler(BaseHTTPRequestHandler):
    server: TileStub

    def do_GET(self) -> None:
        self.server.requests += 1
        if self.server.hanging is not None:
            self.server.hanging.wait(60)
            return
        if self.server.failing:
            self.send_response(503)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(_PNG)))
        self.end_headers()
        self.wfile.write(_PNG)

    def log_message(self, format: str, *args: Any) -> None:
        return


class GeocoderStub(ThreadingHTTPServer):
    """Nominatim's /search: answers `places` (dicts with lat, lon, display_name, type) whose name holds the query's
    first word; records each query; waits `delay` seconds first when set (a slow geocoder)."""

    daemon_threads = True

    def __init__(self, places: list[dict[str, Any]], delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _GeocoderHandler)
        self.port = self.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.places = places
        self.delay = delay
        self.queries: list[dict[str, list[str]]] = []


class _GeocoderHandler(BaseHTTPRequestHandler):
    server: GeocoderStub

    def do_GET(self) -> None:
        import time
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.queries.append(query)
        if self.server.delay:
            time.sleep(self.server.delay)
        first = (query.get("q", [""])[0].split() or [""])[0].lower()
        found = [p for p in self.server.places if first and first in str(p["display_name"]).lower()]
        body = json.dumps(found if parts.path == "/search" else []).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            return  # the client gave up waiting

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[Any]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
