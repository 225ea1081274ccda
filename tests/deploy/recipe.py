"""The production recipe of deploy/ read as the tests run it: the environment file and the units' commands."""

from __future__ import annotations

import os
import re
import secrets
import shlex
from pathlib import Path

from tests.private_servers import PYTHON_BIN

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ENV_FILE = DEPLOY / "patriot.env.example"
SYSTEMD = DEPLOY / "systemd"
NGINX_SITE = DEPLOY / "nginx" / "patriot.conf"
INSTALL_BIN = "/srv/patriot/.venv/bin/"  # where deploy/README.md installs Patriot
HOST = "patriot.bekasikota.go.id"


def env_file(path: Path = ENV_FILE) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile reads them (comments, blank lines, double-quoted values)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        values[key] = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return values


def production_env(machine_paths: Path, **overrides: str) -> dict[str, str]:
    """The recipe's environment with its secrets filled in as an operator does, and this machine's paths.

    Only locations change (the var and media directories, the metrics directory); every other value is the recipe's
    unless a test overrides it, and no PATRIOT_* variable of the test run leaks in.
    """
    metrics = machine_paths / "metrics"
    metrics.mkdir(parents=True, exist_ok=True)
    # pytest-django's DJANGO_ALLOW_ASYNC_UNSAFE is for the test process only (Django's deploy check refuses it).
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PATRIOT_", "PROMETHEUS_")) and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env = {
        **inherited,
        **env_file(),
        "PATRIOT_SECRET_KEY": secrets.token_urlsafe(50),
        "PATRIOT_VAR_DIR": str(machine_paths),
        "PATRIOT_MEDIA_ROOT": str(machine_paths / "media"),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
    }
    env.update(overrides)
    return env


def unit_commands(unit: str, instance: str = "") -> list[list[str]]:
    """The ExecStart lines of a unit in deploy/systemd, run from this checkout's virtualenv."""
    text = (SYSTEMD / unit).read_text()
    commands = []
    for line in re.findall(r"^ExecStart=(.+)$", text, flags=re.MULTILINE):
        assert line.startswith(INSTALL_BIN), line
        line = line.replace("%i", instance).replace(INSTALL_BIN, f"{PYTHON_BIN}/")
        commands.append(shlex.split(line))
    assert commands, f"{unit} has no ExecStart"
    return commands
