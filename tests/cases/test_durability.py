"""An accepted report is never lost: kill the server right after it answered, and the case is there."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

PYTHON_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_urls(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(name, URL) of a throw-away database on the engine this test run uses."""
    configured = os.environ.get("PATRIOT_DATABASE_URL", "")
    if not configured.startswith("postgres"):
        yield "sqlite", f"sqlite:///{tmp_path / 'durability.sqlite3'}"
        return
    name = f"patriot_durability_{uuid.uuid4().hex[:8]}"
    admin_url = configured.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield "postgresql", configured.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    generator = _database_urls(tmp_path)
    _name, url = next(generator)
    yield url
    generator.close()


def _patriot(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(PYTHON_BIN / "patriot"), *args], env=env, check=True, capture_output=True)  # noqa: S603


def test_case_survives_a_killed_server(database_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATRIOT_DATABASE_URL": database_url,
        "PATRIOT_VAR_DIR": str(tmp_path / "var"),
        "PATRIOT_SECURE_COOKIES": "0",
    }
    env.pop("PATRIOT_REDIS_URL", None)
    _patriot(env, "migrate", "--noinput")
    _patriot(env, "seed")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(PYTHON_BIN / "uvicorn"), "patriot.asgi:application", "--port", str(port), "--lifespan", "off"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # a cold start of Django under uvicorn on a busy machine
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "uvicorn did not answer /healthz"
                time.sleep(0.1)
        answer = httpx.post(
            f"{base}/api/v1/cases",
            json={
                "category": "saluran-tersumbat",
                "description": "Saluran air tersumbat sampah, air meluap ke jalan.",
                "latitude": -6.251143,
                "longitude": 107.0043,
            },
            timeout=30,
        )
        server.send_signal(signal.SIGKILL)
        assert answer.status_code == 201, answer.text
        number = answer.json()["tracking_number"]
    finally:
        server.kill()
        server.wait(timeout=10)

    found = subprocess.run(  # noqa: S603
        [
            str(PYTHON_BIN / "patriot"),
            "shell",
            "-c",
            f"from patriot.cases.models import Case; print(Case.objects.filter(tracking_number='{number}').count())",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert found.stdout.strip().splitlines()[-1] == "1"
