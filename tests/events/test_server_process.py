"""A real uvicorn process: 40 replaying streams over 100,000 events leave /healthz fast; SIGTERM exits in time."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from django.db import connection

from tests.private_servers import free_port, wait_until

PYTHON_BIN = Path(sys.executable).parent
OUTBOX_ROWS = 100_000
CASE = {
    "category": "saluran-tersumbat",
    "description": "Saluran air tersumbat sampah, air meluap ke jalan.",
    "latitude": -6.251143,
    "longitude": 107.0043,
}

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def served_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(database URL, var dir): migrated, seeded, with 100,000 outbox rows; SQLite or PostgreSQL as the suite runs."""
    var_dir = tmp_path_factory.mktemp("served")
    configured = os.environ.get("PATRIOT_DATABASE_URL", "")
    admin_url = name = ""
    if connection.vendor == "postgresql":
        name = f"patriot_h_events_proc_{uuid.uuid4().hex[:8]}"
        admin_url = configured.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = configured.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{var_dir / 'patriot.sqlite3'}"
    env = server_env(url, var_dir)
    try:
        for command in (["migrate", "--noinput"], ["seed"]):
            subprocess.run([str(PYTHON_BIN / "patriot"), *command], env=env, check=True, capture_output=True)  # noqa: S603
        seed_outbox(url, var_dir)
        yield url, var_dir
    finally:
        if name:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed_outbox(url: str, var_dir: Path) -> None:
    """100,000 public case events in one statement (seconds, not minutes)."""
    columns = "kind, subject_type, subject_id, agency_id, team_id, is_public, payload, created_at"
    payload = json.dumps({"state": "verified", "latitude": -6.25, "longitude": 107.0})
    if url.startswith("sqlite"):
        with sqlite3.connect(var_dir / "patriot.sqlite3") as db:
            db.execute(
                f"INSERT INTO events_outboxevent ({columns}) "  # noqa: S608 - constants only
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "SELECT 'case.commented', 'case', printf('BKS-2611-%06d', i), NULL, NULL, 1, ?, "
                "strftime('%Y-%m-%d %H:%M:%f', 'now') FROM n",
                (OUTBOX_ROWS, payload),
            )
    else:
        with psycopg.connect(url) as db:
            db.execute(
                f"INSERT INTO events_outboxevent ({columns}) "  # noqa: S608 - constants only
                "SELECT 'case.commented', 'case', 'BKS-2611-' || lpad(i::text, 6, '0'), NULL, NULL, true, "
                "%s::jsonb, now() FROM generate_series(1, %s) AS i",
                (payload, OUTBOX_ROWS),
            )


def server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PATRIOT_DATABASE_URL": database_url,
        "PATRIOT_VAR_DIR": str(var_dir),
        "PATRIOT_SECURE_COOKIES": "0",
        "PATRIOT_SECRET_KEY": "events-process-test-key-not-secret",
        "PATRIOT_INTAKE_RATE_PER_MINUTE": "100000",
        "PATRIOT_SSE_HEARTBEAT_SECONDS": "1",
        "PATRIOT_SSE_MAX_STREAMS_PER_CLIENT": "100",
        "PATRIOT_DATABASE_POOL_SIZE": "10",
        "PATRIOT_REDIS_URL": "",
    }
    env.pop("PATRIOT_INPROCESS_WORKER", None)
    return env


class Server:
    """uvicorn as `make run` starts it (one process, --lifespan off)."""

    def __init__(self, database: tuple[str, Path]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(  # noqa: S603
            [str(PYTHON_BIN / "uvicorn"), "patriot.asgi:application", "--port", str(self.port), "--lifespan", "off"],
            env=server_env(*database),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.answers, 90, f"uvicorn on {self.port}")  # a busy machine starts it slowly

    def answers(self) -> bool:
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def accepts_connections(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def server(served_database: tuple[str, Path]) -> Iterator[Server]:
    started = Server(served_database)
    yield started
    started.kill()


class Reader:
    """One EventSource, reduced: reads a stream on a thread until the server ends it or close() is called."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.text = ""
        self.status = 0
        self.ended = threading.Event()
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(10, read=60)) as response:
                self.status = response.status_code
                for chunk in response.iter_text():
                    self.text += chunk
                    if self._stop.is_set():  # heartbeats every second bring us here
                        return
        except BaseException as error:
            self.error = error
        finally:
            self.ended.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)


def _healthz_p95(server: Server, requests: int = 120) -> float:
    timings = []
    with httpx.Client(timeout=10) as client:
        for _ in range(requests):
            started = time.perf_counter()
            assert client.get(f"{server.base}/healthz").status_code == 200
            timings.append(time.perf_counter() - started)
    return statistics.quantiles(timings, n=20)[-1]


def test_forty_streams_replaying_from_zero_leave_healthz_fast(server: Server) -> None:
    # Measured against the same server with no stream open, so a busy machine moves both figures alike; a replay
    # that held the event loop would add seconds, not milliseconds.
    quiet = _healthz_p95(server)
    readers = [Reader(f"{server.base}/events/public/", {"Last-Event-ID": "0"}) for _ in range(40)]
    p95 = _healthz_p95(server)
    print(f"/healthz p95 {p95 * 1000:.1f} ms with 40 streams replaying from 0, {quiet * 1000:.1f} ms without")
    assert p95 < max(0.1, 4 * quiet), (
        f"/healthz p95 {p95 * 1000:.0f} ms with 40 replaying streams, {quiet * 1000:.0f} without"
    )
    wait_until(lambda: all("event: reload" in reader.text for reader in readers), 30, "every stream to reload")
    for reader in readers:
        reader.close()
    assert all(reader.status == 200 and reader.error is None for reader in readers)
    # Each was told to reload, none was sent the history.
    assert all(reader.text.count("event: case") == 0 for reader in readers)


def test_sigterm_ends_the_streams_with_a_retry_hint_lets_a_request_finish_and_exits(server: Server) -> None:
    readers = [Reader(f"{server.base}/events/public/", {}) for _ in range(3)]
    wait_until(lambda: all(reader.text.startswith("retry: 3000") for reader in readers), 15, "the streams to open")
    # A report still being uploaded when the signal comes. Its 100 Continue shows the application is reading
    # the body: half of it now, the rest after the signal.
    body = json.dumps(CASE).encode()
    upload = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    upload.sendall(
        b"POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    )
    assert upload.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    upload.sendall(body[: len(body) // 2])

    signalled = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    wait_until(lambda: all(reader.ended.is_set() for reader in readers), 10, "the streams to end")
    wait_until(lambda: not server.accepts_connections(), 10, "the listening socket to close")
    upload.sendall(body[len(body) // 2 :])
    answer = b""
    while not answer.rstrip().endswith(b"}"):
        chunk = upload.recv(65536)
        if not chunk:
            break
        answer += chunk
    upload.close()
    server.process.wait(timeout=max(0.1, 10 - (time.monotonic() - signalled)))
    took = time.monotonic() - signalled

    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert b'"tracking_number"' in answer
    for reader in readers:
        assert reader.error is None, reader.error
        assert reader.text.endswith("retry: 1000\n\n"), reader.text[-80:]
    assert took < 10
