"""A third-party Open311 client from PyPI (`georeport`) reads services and requests from the running server,
in JSON and in XML, and finds what was filed over plain HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from georeport import GeoReport

from patriot.cases.models import Category
from tests.factories import MARGAHAYU, case_through

pytestmark = pytest.mark.django_db(transaction=True)


def _as_list(value: Any) -> list[dict[str, Any]]:
    """georeport's XML answers come from xmltodict, which gives one repeated element as a dict."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_and_requests(live_server: Any, api_key: str, fmt: str) -> None:
    root = f"{live_server.url}/open311/v2"
    filed = httpx.post(
        f"{root}/requests.json",
        data={
            "api_key": api_key,
            "service_code": "jalan-berlubang",
            "lat": str(MARGAHAYU[0]),
            "long": str(MARGAHAYU[1]),
            "description": "Lubang besar di depan pasar.",
            "attribute[kedalaman]": "dalam",
        },
    ).json()[0]["service_request_id"]
    dispatched = case_through("dispatched", category=Category.objects.get(code="tutup-saluran-hilang"))

    client = GeoReport(root, jurisdiction="bekasi.go.id", output_format=fmt)
    services = _as_list(client.get_service_list())
    by_code = {service["service_code"]: service for service in services}
    assert by_code["jalan-berlubang"]["service_name"] == "Pothole"
    assert str(by_code["jalan-berlubang"]["metadata"]).lower() == "true"

    definition = client.get_service_definition("jalan-berlubang")
    attributes = definition["attributes"] if fmt == "json" else _as_list(definition["attributes"]["attribute"])
    assert "kedalaman" in {attribute["code"] for attribute in attributes}

    requests = _as_list(client.get_service_requests(status="open"))
    assert {request["service_request_id"] for request in requests} == {filed, dispatched.tracking_number}
    assert all(request["status"] == "open" for request in requests)

    one = client.get_service_request(dispatched.tracking_number)
    assert one["service_request_id"] == dispatched.tracking_number
    assert one["agency_responsible"] == dispatched.agency.name
    assert one["requested_datetime"].endswith("+07:00")
    assert "email" not in one and "phone" not in one

    by_code_filter = _as_list(client.get_service_requests(service_code="jalan-berlubang"))
    assert [request["service_request_id"] for request in by_code_filter] == [filed]
