"""Through real HTTP, uvicorn started exactly as `make run` starts it: a rotated X-Forwarded-For escapes no limit."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cases.test_durability import database_url  # noqa: F401 (a throw-away database on this run's engine)

ROOT = Path(__file__).resolve().parents[2]
PYTHON_BIN = Path(sys.executable).parent
PASSWORD = "kata-sandi-benar-123"


def _make_run_command() -> tuple[dict[str, str], list[str]]:
    """The environment and uvicorn command line of `make run`, read from make's dry run."""
    dry_run = subprocess.run(
        ["make", "-s", "-n", "run"],  # noqa: S607 (make from PATH, as a developer runs it)
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    line = next(line for line in dry_run.splitlines() if "uvicorn patriot.asgi:application" in line)
    words = shlex.split(line)
    env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=.*", word))
    command = [word for word in words if not re.fullmatch(r"[A-Z_]+=.*", word)]
    assert Path(command[0]).name == "uvicorn"
    return env, [str(PYTHON_BIN / "uvicorn"), *command[1:]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    make_env, command = _make_run_command()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIOT_")}
    env.update(
        make_env,
        PATRIOT_DATABASE_URL=database_url,
        PATRIOT_VAR_DIR=str(tmp_path / "var"),
        PATRIOT_INTAKE_RATE_PER_MINUTE="3",
        PATRIOT_LOGIN_FREE_FAILURES="2",
        PATRIOT_INPROCESS_WORKER="0",
    )
    for args in (
        ["migrate", "--noinput"],
        ["seed"],
        [
            "shell",
            "-c",
            f"from patriot.accounts.models import User; User.objects.create_user('operator', password='{PASSWORD}')",
        ],
    ):
        subprocess.run([str(PYTHON_BIN / "patriot"), *args], env=env, cwd=ROOT, check=True, capture_output=True)  # noqa: S603
    port = _free_port()
    command[command.index("--port") + 1] = str(port)
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_make_run_tells_uvicorn_not_to_believe_forwarding_headers() -> None:
    _env, command = _make_run_command()
    assert "--no-proxy-headers" in command


def test_rotating_x_forwarded_for_escapes_neither_the_intake_limit_nor_the_login_throttle(server: str) -> None:
    report = {
        "category": "saluran-tersumbat",
        "description": "Saluran air tersumbat sampah, air meluap ke jalan.",
        "latitude": -6.251143,
        "longitude": 107.0043,
    }
    codes = [
        httpx.post(
            f"{server}/api/v1/cases", json=report, headers={"X-Forwarded-For": f"198.51.100.{n}"}, timeout=30
        ).status_code
        for n in range(5)
    ]
    assert codes == [201, 201, 201, 429, 429]

    with httpx.Client(base_url=server, timeout=30) as browser:
        browser.get("/masuk/")

        def sign_in(password: str, n: int) -> httpx.Response:
            return browser.post(
                "/masuk/",
                data={
                    "username": "operator",
                    "password": password,
                    "csrfmiddlewaretoken": browser.cookies["csrftoken"],
                },
                headers={"X-Forwarded-For": f"203.0.113.{n}", "Referer": f"{server}/masuk/"},
            )

        for n in range(3):
            assert "Nama pengguna atau kata sandi salah" in sign_in("salah", n).text
        # From the third failure each attempt waits a delay that doubles from 1 s. A slow machine may let one wait
        # run out before the next attempt, but not a doubling series of them; had the rotated header counted as a
        # new address, nothing would wait before the account's own limit (10 failures).
        for n in range(3, 8):
            answer = sign_in("salah", n)
            if "Terlalu banyak percobaan masuk. Coba lagi dalam" in answer.text:
                break
        else:
            raise AssertionError("a rotated X-Forwarded-For escaped the login throttle")
