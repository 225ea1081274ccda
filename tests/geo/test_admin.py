"""The kecamatan and kelurahan admin pages."""

from __future__ import annotations

import pytest
from django.test import Client

from patriot.geo.models import District, Village
from patriot.geo.services import import_areas
from tests.geo.conftest import square_feature

pytestmark = pytest.mark.django_db


def test_village_list_shows_whether_each_boundary_is_approximate_or_official(
    reference_areas: None, admin_client: Client
) -> None:
    import_areas([square_feature("32.75.01.1001", "Bekasi Jaya", -6.239099, 107.009506)])

    page = admin_client.get("/admin/geo/village/").content.decode()
    official = admin_client.get("/admin/geo/village/", {"batas": "resmi"}).content.decode()

    assert page.count('class="field-boundary_kind">resmi<') == 1
    assert page.count('class="field-boundary_kind">perkiraan<') == 55
    assert "Bekasi Jaya" in official and "Margahayu" not in official


def test_village_search_and_kecamatan_filter(reference_areas: None, admin_client: Client) -> None:
    medan_satria = District.objects.get(code="32.75.06")

    found = admin_client.get("/admin/geo/village/", {"q": "Pejuang"}).content.decode()
    filtered = admin_client.get("/admin/geo/village/", {"district__id__exact": medan_satria.id}).content.decode()

    assert "32.75.06.1003" in found and "32.75.01.1001" not in found
    assert "Kali Baru" in filtered and "Bekasi Jaya" not in filtered


def test_boundary_is_read_only_and_names_stay_editable(reference_areas: None, admin_client: Client) -> None:
    village = Village.objects.get(code="32.75.01.1001")
    boundary = village.boundary

    page = admin_client.get(f"/admin/geo/village/{village.id}/change/").content.decode()
    response = admin_client.post(
        f"/admin/geo/village/{village.id}/change/",
        {"name": "Bekasi Jaya", "official_name": "Bekasijaya", "boundary": "{}", "boundary_is_approximate": ""},
    )

    assert 'name="boundary"' not in page
    assert "Polygon dengan" in page
    assert response.status_code == 302
    village.refresh_from_db()
    assert village.boundary == boundary and village.boundary_is_approximate


def test_areas_cannot_be_added_or_deleted_in_the_admin(reference_areas: None, admin_client: Client) -> None:
    district = District.objects.get(code="32.75.01")

    assert admin_client.get("/admin/geo/village/add/").status_code == 403
    assert admin_client.get(f"/admin/geo/district/{district.id}/delete/").status_code == 403


def test_district_list_counts_villages(reference_areas: None, admin_client: Client) -> None:
    page = admin_client.get("/admin/geo/district/").content.decode()

    assert "Bantar Gebang" in page
    assert 'class="field-village_count">4<' in page
