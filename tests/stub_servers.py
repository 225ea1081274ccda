"""Local stand-ins for the outside services one-off tasks talk to: an SMTP server and an SMS gateway (HTTP).

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


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[Any]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
