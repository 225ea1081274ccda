"""Reads of kecamatan and kelurahan used by the API and pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from patriot.geo.geometry import to_geojson
from patriot.geo.lookup import district_boundaries
from patriot.geo.models import District, Village


def districts() -> QuerySet[District]:
    return District.objects.annotate(
        has_approximate_boundary=Exists(Village.objects.filter(district=OuterRef("pk"), boundary_is_approximate=True))
    )


def district_exists(code: str) -> bool:
    return District.objects.filter(code=code).exists()


def villages(district_code: str | None = None) -> QuerySet[Village]:
    queryset = Village.objects.select_related("district")
    if district_code:
        queryset = queryset.filter(district__code=district_code)
    return queryset


def village_feature_collection(district_code: str | None = None) -> dict[str, Any]:
    """Village boundaries as a GeoJSON FeatureCollection: the map's base layer. Villages without one are left out."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": village.boundary,
                "properties": {
                    "code": village.code,
                    "name": village.name,
                    "district_code": village.district.code,
                    "district_name": village.district.name,
                    "approximate": village.boundary_is_approximate,
                },
            }
            for village in villages(district_code).filter(boundary__isnull=False)
        ],
    }


def district_feature_collection() -> dict[str, Any]:
    """Kecamatan outlines (unions of their villages) as a GeoJSON FeatureCollection."""
    boundaries = district_boundaries()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": to_geojson(boundaries[district.code]),
                "properties": {
                    "code": district.code,
                    "name": district.name,
                    "approximate": district.has_approximate_boundary,  # type: ignore[attr-defined]  # annotated by districts()
                },
            }
            for district in districts()
            if district.code in boundaries
        ],
    }
