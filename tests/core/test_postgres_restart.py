"""After PostgreSQL restarts (immediate mode: every connection dies), the app's next requests succeed.

The test brings its own cluster (initdb in a temp dir, a port of its own) and never touches the shared server.
It needs no test database of pytest's, so it runs once, in the SQLite pass of the suite.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.private_servers import CASE, POSTGRES_BIN, PYTHON_BIN, AppServer, PrivatePostgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (POSTGRES_BIN / "initdb").exists(), reason="PostgreSQL's server binaries are not installed"),
    pytest.mark.skipif(connection.vendor == "postgresql", reason="brings its own PostgreSQL; runs in the SQLite pass"),
]


@pytest.fixture
def app_on_private_postgres(tmp_path: Path) -> Iterator[tuple[PrivatePostgres, AppServer]]:
    postgres = PrivatePostgres()
    env = {
        **os.environ,
        "PATRIOT_DATABASE_URL": postgres.url,
        "PATRIOT_VAR_DIR": str(tmp_path / "var"),
        "PATRIOT_SECRET_KEY": "postgres-restart-test-key-not-secret",
        "PATRIOT_REDIS_URL": "",
        "PATRIOT_INTAKE_RATE_PER_MINUTE": "100000",
        "PATRIOT_DATABASE_POOL_SIZE": "8",
    }
    server = None
    try:
        postgres.start()
        for command in (["migrate", "--noinput"], ["seed"]):
            subprocess.run([str(PYTHON_BIN / "patriot"), *command], env=env, check=True, capture_output=True)  # noqa: S603
        server = AppServer(env)
        yield postgres, server
    finally:
        if server is not None:
            server.stop()
        postgres.stop()


def _report_and_read_back(base: str) -> tuple[int, int]:
    created = httpx.post(f"{base}/api/v1/cases", json=CASE, timeout=30)
    if created.status_code != 201:
        return created.status_code, 0
    number = created.json()["tracking_number"]
    return 201, httpx.get(f"{base}/api/v1/public/cases/{number}", timeout=30).status_code


def test_after_an_immediate_restart_the_next_requests_succeed(
    app_on_private_postgres: tuple[PrivatePostgres, AppServer],
) -> None:
    postgres, server = app_on_private_postgres
    # Several requests at once leave several connections in the pool.
    with ThreadPoolExecutor(8) as pool:
        before = list(pool.map(lambda _n: _report_and_read_back(server.base), range(16)))
    assert before == [(201, 200)] * 16

    postgres.restart_immediately()

    started = time.monotonic()
    first = _report_and_read_back(server.base)
    took = time.monotonic() - started
    assert first == (201, 200)
    # Well within the pool's 10 s wait: dead connections are not met one by one with sleeps between them.
    assert took < 5, f"the first request after the restart took {took:.1f} s"
    after = [_report_and_read_back(server.base) for _request in range(12)]
    assert after == [(201, 200)] * 12, "every request after the restart succeeds"
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(lambda _n: _report_and_read_back(server.base), range(16))) == [(201, 200)] * 16
