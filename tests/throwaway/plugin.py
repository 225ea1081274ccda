"""What the throw-away app plugs in: a page, an event type for jumantik only, a job, a seed step, a gauge, a
readiness check, a panel on the POC dashboard and one on the mayor's workspace for the mayor only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import GaugeSamples, SeedReport

COUNTED: list[int] = []
SEEDED: list[str] = []


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("halaman survei jentik")


def may_receive(user: Any, event: Any) -> bool:
    return user.role == Role.JUMANTIK


def count() -> None:
    COUNTED.append(1)


def seed() -> SeedReport:
    SEEDED.append("sites")
    return SeedReport(["Lokasi survei jentik: 3 (3 baru)"])


def gauges() -> GaugeSamples:
    return {"patriot_throwaway_sites": [((), 3.0)]}


def ready_check() -> tuple[str, dict[str, Any]]:
    return "ok", {"sites": 3}


def panel(request: HttpRequest) -> dict[str, Any]:
    return {"sites": 3}
