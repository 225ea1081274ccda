"""A setting as a fresh process computes it from the environment (settings are read once, at start)."""

from __future__ import annotations

import os
import subprocess
import sys


def setting(name: str, **env: str) -> str:
    """repr() of settings.`name` in a new interpreter whose PATRIOT_* variables are exactly `env`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PATRIOT_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="patriot.settings")
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()
