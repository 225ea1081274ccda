"""Issue 14 item 15: `make run PORT=8001` serves on that port (8000 stays the default)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(*args: str) -> str:
    """The line of `make run`'s recipe that starts the server."""
    return next(line for line in _recipe(*args).splitlines() if "uvicorn" in line)


def _recipe(*args: str) -> str:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    # -n prints the recipe without running it; -W keeps make from rebuilding the virtualenv first.
    done = subprocess.run(  # noqa: S603
        ["make", "-n", "-W", ".venv/.installed", "run", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={name: value for name, value in os.environ.items() if name != "PATRIOT_SITE_URL"},
    )
    return done.stdout


def test_make_run_takes_another_port() -> None:
    assert "--port 8001 " in _dry_run("PORT=8001")


def test_make_run_defaults_to_8000() -> None:
    assert "--port 8000 " in _dry_run()


def test_the_links_sent_by_email_and_sms_name_the_port_served() -> None:
    # A private link pointing at :8000 while the demo serves :8001 leads the reporter nowhere.
    assert "PATRIOT_SITE_URL=http://127.0.0.1:8001 " in _recipe("PORT=8001")
    assert "PATRIOT_SITE_URL=http://127.0.0.1:8000 " in _recipe()
