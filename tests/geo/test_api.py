"""The areas API under /api/v1/areas."""

from __future__ import annotations

import dataclasses

import pytest
import shapely
from django.test import Client

from patriot.geo.geometry import from_geojson
from patriot.geo.lookup import Location
from patriot.geo.models import Village
from patriot.geo.services import import_areas
from tests.geo.conftest import square_feature

pytestmark = pytest.mark.django_db
BASE = "/api/v1/areas"


def test_districts_lists_the_12_kecamatan(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/districts")

    assert response.status_code == 200
    body = response.json()
    assert len(body) == 12
    assert body[0] == {
        "code": "32.75.01",
        "name": "Bekasi Timur",
        "official_name": "Bekasi Timur",
        "centroid": {"lat": -6.238453, "lon": 107.021533},
        "area_km2": 14.629,
    }


def test_villages_lists_the_56_kelurahan_with_their_kecamatan(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/villages")

    assert response.status_code == 200
    body = response.json()
    assert len(body) == 56
    assert body[0] == {
        "code": "32.75.01.1001",
        "name": "Bekasi Jaya",
        "official_name": "Bekasijaya",
        "district": {"code": "32.75.01", "name": "Bekasi Timur"},
        "centroid": {"lat": -6.239099, "lon": 107.009506},
        "area_km2": 3.481,
        "boundary_is_approximate": True,
    }


def test_villages_filter_by_kecamatan(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/villages", {"district": "32.75.06"})

    assert [village["name"] for village in response.json()] == ["Medan Satria", "Harapan Mulya", "Pejuang", "Kali Baru"]


def test_an_unknown_kecamatan_filter_is_a_404(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/villages", {"district": "32.75.99"})

    assert response.status_code == 404
    assert response.json()["detail"] == "Kecamatan dengan kode 32.75.99 tidak ada."


def test_village_layer_is_a_feature_collection_marking_official_boundaries(
    reference_areas: None, client: Client
) -> None:
    import_areas([square_feature("32.75.01.1001", "Bekasi Jaya", -6.239099, 107.009506)])

    response = client.get(f"{BASE}/villages.geojson")

    assert response.status_code == 200
    layer = response.json()
    assert layer["type"] == "FeatureCollection"
    assert len(layer["features"]) == 56
    first = layer["features"][0]
    assert first["type"] == "Feature"
    assert first["properties"] == {
        "code": "32.75.01.1001",
        "name": "Bekasi Jaya",
        "district_code": "32.75.01",
        "district_name": "Bekasi Timur",
        "approximate": False,
    }
    assert first["geometry"] == Village.objects.get(code="32.75.01.1001").boundary
    assert sum(feature["properties"]["approximate"] for feature in layer["features"]) == 55


def test_district_layer_outlines_each_kecamatan(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/districts.geojson")

    assert response.status_code == 200
    features = response.json()["features"]
    assert [feature["properties"]["code"] for feature in features] == [f"32.75.{n:02d}" for n in range(1, 13)]
    pejuang = shapely.Point(106.986352, -6.181818)
    medan_satria = next(feature for feature in features if feature["properties"]["code"] == "32.75.06")
    assert from_geojson(medan_satria["geometry"]).contains(pejuang)
    assert medan_satria["properties"]["approximate"] is True


def test_locate_answers_kelurahan_kecamatan_and_h3(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/locate", {"lat": -6.251143, "lon": 107.0043})

    assert response.status_code == 200
    body = response.json()
    assert (body["village_code"], body["village_name"]) == ("32.75.01.1002", "Margahayu")
    assert (body["district_code"], body["district_name"]) == ("32.75.01", "Bekasi Timur")
    assert sorted(body) == sorted(field.name for field in dataclasses.fields(Location))
    assert len(body["h3_cell"]) == len(body["h3_cell_coarse"]) == 15


def test_locate_outside_the_city_is_a_400_in_indonesian(reference_areas: None, client: Client) -> None:
    response = client.get(f"{BASE}/locate", {"lat": -6.1754, "lon": 106.8272})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "Lokasi berada di luar wilayah Kota Bekasi.",
        "code": "outside_city",
        "field": "location",
    }


@pytest.mark.parametrize("query", [{"lat": "nan", "lon": "107"}, {"lat": "95", "lon": "107"}, {"lat": "-6.2"}])
def test_locate_refuses_malformed_coordinates_with_a_400(
    reference_areas: None, client: Client, query: dict[str, str]
) -> None:
    response = client.get(f"{BASE}/locate", query)

    assert response.status_code == 400
    assert response.json()["detail"]
