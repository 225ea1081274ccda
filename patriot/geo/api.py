"""The areas API: kecamatan and kelurahan lists, their GeoJSON boundary layers and point lookup."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from patriot.core.errors import DomainError, InvalidInput
from patriot.core.ratelimit import client_address, hit
from patriot.core.schemas import READ_ERRORS, errors
from patriot.geo import gazetteer, queries
from patriot.geo.lookup import Location, LocationError, locate
from patriot.geo.models import District, Village
from patriot.geo.schemas import (
    DistrictFeatureCollection,
    DistrictOut,
    LocationOut,
    PlaceOut,
    VillageFeatureCollection,
    VillageOut,
)

router = Router(tags=["areas"])


class UnknownDistrict(DomainError):
    status_code = 404


def _checked_district_code(code: str | None) -> str | None:
    if code and not queries.district_exists(code):
        raise UnknownDistrict(
            _("Kecamatan dengan kode %(code)s tidak ada.") % {"code": code}, code="not_found", field="district"
        )
    return code


@router.get("/districts", response=list[DistrictOut], summary="Districts (kecamatan)")
def list_districts(request: HttpRequest) -> QuerySet[District]:
    return queries.districts()


@router.get("/districts.geojson", response=DistrictFeatureCollection, summary="District boundaries (GeoJSON)")
def district_layer(request: HttpRequest) -> dict[str, Any]:
    return queries.district_feature_collection()


@router.get("/villages", response={200: list[VillageOut], **READ_ERRORS}, summary="Villages (kelurahan)")
def list_villages(
    request: HttpRequest, district: str | None = Query(None, description="District code, e.g. 32.75.01")
) -> QuerySet[Village]:
    return queries.villages(_checked_district_code(district))


@router.get(
    "/villages.geojson",
    response={200: VillageFeatureCollection, **READ_ERRORS},
    summary="Village boundaries (GeoJSON)",
)
def village_layer(
    request: HttpRequest, district: str | None = Query(None, description="District code, e.g. 32.75.01")
) -> dict[str, Any]:
    return queries.village_feature_collection(_checked_district_code(district))


@router.get("/locate", response={200: LocationOut, **errors(400)}, summary="The village and district of a point")
def locate_point(
    request: HttpRequest,
    lat: float = Query(..., ge=-90, le=90, description="WGS84 latitude"),
    lon: float = Query(..., ge=-180, le=180, description="WGS84 longitude"),
) -> Location:
    try:
        return locate(lat, lon)
    except LocationError as error:
        raise InvalidInput(error.messages[0], code=error.code or "invalid", field="location") from error


@router.get(
    "/places",
    response={200: list[PlaceOut], **errors(400)},
    summary="Places by name (the gazetteer and the city's own places, then the optional geocoder)",
)
def find_places(request: HttpRequest, q: str = Query(..., max_length=100, description="Words of a place name")) -> Any:
    # The geocoder is an outside service: a visitor may ask it a limited number of times a minute.
    use_geocoder = hit("geocoder", client_address(request), settings.PATRIOT_GEOCODER_RATE_PER_MINUTE)
    return gazetteer.search(q, use_geocoder=use_geocoder)
