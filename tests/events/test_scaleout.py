"""Two real uvicorn processes on PostgreSQL share events through a real (private) Redis, and survive its outage."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from django.db import connection

from tests.private_servers import PYTHON_BIN, REDIS_SERVER, AppServer, PrivateRedis, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several server processes share one database: PostgreSQL (SQLite runs one process)",
    ),
    pytest.mark.skipif(not Path(REDIS_SERVER).exists(), reason="redis-server is not installed"),
]


@pytest.fixture(scope="module")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(database URL, a POC operator's session cookie) on a migrated and seeded database of its own."""
    configured = os.environ["PATRIOT_DATABASE_URL"]
    name = f"patriot_h_events_live_{uuid.uuid4().hex[:8]}"
    admin_url = configured.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = configured.rsplit("/", 1)[0] + f"/{name}"
    env = server_env(url, tmp_path_factory.mktemp("var"), redis_url="", poll=1)
    try:
        for command in (["migrate", "--noinput"], ["seed"]):
            subprocess.run([str(PYTHON_BIN / "patriot"), *command], env=env, check=True, capture_output=True)  # noqa: S603
        made = subprocess.run(  # noqa: S603
            [str(PYTHON_BIN / "patriot"), "shell", "-c", SESSION_SCRIPT],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        yield url, f"sessionid={made.stdout.strip().splitlines()[-1]}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from patriot.accounts.models import User
user = User.objects.create(username="poc-live", role="poc_operator")
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "patriot.accounts.backends.ThrottledModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def server_env(database_url: str, var_dir: Path, *, redis_url: str, poll: float) -> dict[str, str]:
    env = {
        **os.environ,
        "PATRIOT_DATABASE_URL": database_url,
        "PATRIOT_VAR_DIR": str(var_dir),
        "PATRIOT_SECURE_COOKIES": "0",
        # One key for the processes and the command that made the session.
        "PATRIOT_SECRET_KEY": "events-scale-out-test-key-not-secret",
        "PATRIOT_INTAKE_RATE_PER_MINUTE": "100000",
        "PATRIOT_SSE_POLL_SECONDS": str(poll),
        "PATRIOT_SSE_HEARTBEAT_SECONDS": "0.5",
        "PATRIOT_DATABASE_POOL_SIZE": "5",
    }
    env["PATRIOT_REDIS_URL"] = redis_url
    return env


@pytest.fixture
def servers() -> Iterator[Callable[[dict[str, str]], AppServer]]:
    started: list[AppServer] = []

    def start(env: dict[str, str]) -> AppServer:
        started.append(AppServer(env))
        return started[-1]

    yield start
    for server in started:
        server.stop()


class SseClient:
    """A browser's EventSource, reduced: reads /events/stream/ on a thread and keeps (id, subject) in arrival order."""

    def __init__(self, server: AppServer, cookie: str, *, last_event_id: int | None = None) -> None:
        self.received: list[tuple[int, str]] = []
        self.arrived_at: dict[str, float] = {}
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self._stop = threading.Event()
        headers = {"Cookie": cookie}
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self._thread = threading.Thread(target=self._read, args=(f"{server.base}/events/stream/", headers), daemon=True)
        self._thread.start()
        assert self.ready.wait(30), "stream did not open"
        assert self.error is None, self.error

    def _read(self, url: str, headers: dict[str, str]) -> None:
        try:
            with httpx.stream("GET", url, headers=headers, timeout=httpx.Timeout(10, read=30)) as response:
                assert response.status_code == 200
                event_id = None
                for line in response.iter_lines():
                    if line.startswith("retry:"):
                        self.ready.set()
                    elif line.startswith("id: "):
                        event_id = int(line[4:])
                    elif line.startswith("data: ") and event_id is not None:
                        subject = line.split('"subject_id":"', 1)[1].split('"', 1)[0]
                        self.received.append((event_id, subject))
                        self.arrived_at.setdefault(subject, time.monotonic())
                        event_id = None
                    if self._stop.is_set():  # heartbeats every 0.5 s bring us here on an idle stream
                        return
        except BaseException as error:
            self.error = error
            self.ready.set()

    @property
    def ids(self) -> list[int]:
        return [event_id for event_id, _subject in self.received]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)
        assert not self._thread.is_alive()


def outbox_ids(database_url: str) -> list[int]:
    with psycopg.connect(database_url) as db:
        return [row[0] for row in db.execute("SELECT id FROM events_outboxevent ORDER BY id")]


def test_a_case_created_in_process_a_reaches_a_client_connected_to_process_b(
    live_database: tuple[str, str], private_redis: PrivateRedis, servers: Callable[..., AppServer], tmp_path: Path
) -> None:
    url, cookie = live_database
    # A poll of 60 s: only a Redis wake-up can bring the event within the 30 s allowed below (generous for a busy
    # machine, and still half the poll).
    env = server_env(url, tmp_path, redis_url=private_redis.url, poll=60)
    a, b = servers(env), servers(env)
    on_b, on_a = SseClient(b, cookie), SseClient(a, cookie)
    numbers = []
    for server in (a, a, b):
        started = time.monotonic()
        numbers.append(server.create_case())
        wait_until(lambda: numbers[-1] in on_a.arrived_at and numbers[-1] in on_b.arrived_at, 30, numbers[-1])
        assert on_b.arrived_at[numbers[-1]] - started < 30
    on_a.close()
    on_b.close()
    assert [subject for _id, subject in on_b.received] == numbers
    assert on_a.received == on_b.received


@pytest.mark.parametrize("poll", [1, 60], ids=["polling-fallback", "catch-up-on-reconnect"])
def test_with_redis_stopped_cases_are_accepted_and_every_client_gets_every_event_once(
    live_database: tuple[str, str],
    private_redis: PrivateRedis,
    servers: Callable[..., AppServer],
    tmp_path: Path,
    poll: float,
) -> None:
    url, cookie = live_database
    env = server_env(url, tmp_path, redis_url=private_redis.url, poll=poll)
    a, b = servers(env), servers(env)
    first_id = (outbox_ids(url) or [0])[-1]
    clients = [SseClient(a, cookie), SseClient(b, cookie), SseClient(b, cookie)]
    a.create_case()
    wait_until(lambda: all(len(c.ids) == 1 for c in clients), 30, "the first event everywhere")

    private_redis.stop()
    leaving = clients.pop()
    leaving.close()  # this browser loses its connection during the outage and comes back later
    during = [server.create_case() for server in (a, b, a, b, a, b)]  # every one accepted: 201
    if poll == 1:
        # Without Redis the hubs' polling still brings every event, to clients of either process.
        wait_until(lambda: all(len(c.ids) == 7 for c in clients), 30, "events during the outage")
    else:
        # Each process woke its own hub; the other process's clients wait for Redis to come back.
        from_b = {during[1], during[3], during[5]}
        wait_until(lambda: {subject for _id, subject in clients[1].received} >= from_b, 30, "b's own events on b")
    private_redis.start()
    after = [b.create_case(), a.create_case()]
    back = SseClient(a, cookie, last_event_id=leaving.ids[-1])
    clients += [back]
    everything = [i for i in outbox_ids(url) if i > first_id]
    assert len(everything) == 1 + len(during) + len(after)
    wait_until(lambda: all(len(c.ids) >= len(everything) for c in clients[:2]), 30, "every event on both processes")
    wait_until(lambda: len(leaving.ids) + len(back.ids) >= len(everything), 30, "the replay after reconnecting")
    time.sleep(1)  # anything extra (a duplicate) would have arrived by now
    for client in clients:
        client.close()
    for client in clients[:2]:
        assert client.ids == everything, "exactly once each, in id order"
    assert leaving.ids + back.ids == everything
    assert all(client.error is None for client in [*clients, leaving])
