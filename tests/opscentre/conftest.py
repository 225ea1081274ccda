"""Fixtures for the ops-centre tests: the city's areas and a throw-away MEDIA_ROOT (as in tests/cases)."""

from __future__ import annotations

from tests.cases.conftest import _media_root, areas  # noqa: F401  (fixtures shared with the case tests)
