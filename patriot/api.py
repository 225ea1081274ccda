"""The JSON API (django-ninja) at /api/v1, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Patriot API",
    version="1",
    description="Citizen reports (cases), areas, categories and the city's workflow.",
    urls_namespace="api-v1",
)
