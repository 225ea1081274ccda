"""Template context every page shares: the city the platform serves."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def city(request: HttpRequest) -> dict[str, str]:
    return {"PATRIOT_CITY_NAME": settings.PATRIOT_CITY_NAME}
