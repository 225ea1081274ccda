"""API shapes of kecamatan, kelurahan, their GeoJSON layers and point lookups."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from patriot.geo.models import District, Village


class PointOut(Schema):
    lat: float
    lon: float


class DistrictRef(Schema):
    code: str
    name: str


class DistrictOut(Schema):
    code: str
    name: str
    official_name: str
    centroid: PointOut
    area_km2: float | None

    @staticmethod
    def resolve_centroid(district: District) -> dict[str, float]:
        return {"lat": district.centroid_lat, "lon": district.centroid_lon}


class VillageOut(Schema):
    code: str
    name: str
    official_name: str
    district: DistrictRef
    centroid: PointOut
    area_km2: float | None
    boundary_is_approximate: bool

    @staticmethod
    def resolve_centroid(village: Village) -> dict[str, float]:
        return {"lat": village.centroid_lat, "lon": village.centroid_lon}


class VillageFeatureProperties(Schema):
    code: str
    name: str
    district_code: str
    district_name: str
    approximate: bool


class VillageFeature(Schema):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: VillageFeatureProperties


class VillageFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[VillageFeature]


class DistrictFeatureProperties(Schema):
    code: str
    name: str
    approximate: bool


class DistrictFeature(Schema):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: DistrictFeatureProperties


class DistrictFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[DistrictFeature]


class LocationOut(Schema):
    village_id: int
    village_code: str
    village_name: str
    district_id: int
    district_code: str
    district_name: str
    h3_cell: str
    h3_cell_coarse: str


class PlaceOut(Schema):
    name: str
    kind: str = Field(
        description="kecamatan, kelurahan, hospital, puskesmas, street (shipped); street, office, station, market, "
        "school, place_of_worship, park, other (the city's own); or the geocoder's type"
    )
    latitude: float
    longitude: float
    source: str = Field(
        description="gazetteer (shipped with Patriot), city (the city's own places: import-places or the admin) "
        "or geocoder (PATRIOT_GEOCODER_URL)"
    )
