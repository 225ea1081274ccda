"""Open311 fixtures: the seeded city, an API key, and a client that holds every answer to the spec's schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import jsonschema
import pytest
from pytest_django import Settings

from patriot.accounts.services import load_agencies
from patriot.cases.seed import load_categories
from patriot.open311.services import create_api_key
from tests.factories import load_areas

SCHEMAS = Path(__file__).parent / "schemas"
# The spec's XML: each list is an element named after it with one child per item.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
ROOTS = {
    "errors": "errors",
    "discovery": "discovery",
    "services": "services",
    "service_definition": "service_definition",
    "requests": "service_requests",
    "post_response": "service_requests",
    "token": "service_requests",
}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


@cache
def schema(name: str) -> dict[str, Any]:
    document = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def _types(part: dict[str, Any]) -> set[str]:
    declared = part.get("type")
    if declared is None:
        return {"string"} if "enum" in part or "const" in part else set()
    return {declared} if isinstance(declared, str) else set(declared)


def xml_to_data(element: ElementTree.Element, part: dict[str, Any]) -> Any:
    """Read one XML element back into JSON's shape, typed as the schema's part says (nothing else is guessed).

    A list element must hold only its item elements; an object's children become its keys (a repeated key
    is an error); an empty scalar element is null where null is allowed, else the empty string; numbers,
    integers and booleans must parse exactly.
    """
    kinds = _types(part)
    if "array" in kinds:
        item_name = XML_ITEMS[element.tag]
        assert (element.text or "").strip() == "", f"text inside list <{element.tag}>"
        assert all(child.tag == item_name for child in element), f"<{element.tag}> may hold only <{item_name}>"
        return [xml_to_data(child, part.get("items", {})) for child in element]
    if "object" in kinds:
        result: dict[str, Any] = {}
        for child in element:
            assert child.tag not in result, f"<{child.tag}> repeated in <{element.tag}>"
            result[child.tag] = xml_to_data(child, part.get("properties", {}).get(child.tag, {}))
        return result
    assert len(element) == 0, f"<{element.tag}> should be a scalar"
    text = element.text
    if text is None or text == "":
        return None if "null" in kinds or not kinds else ""
    if "boolean" in kinds:
        assert text in ("true", "false"), f"<{element.tag}> boolean {text!r}"
        return text == "true"
    if "integer" in kinds:
        return int(text)
    if "number" in kinds:
        return float(text)
    return text


def parse_xml(body: bytes, name: str) -> Any:
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), body[:60]
    root = ElementTree.fromstring(body)  # noqa: S314 - the answer of our own test server
    assert root.tag == ROOTS[name], f"root <{root.tag}>, the spec says <{ROOTS[name]}>"
    return xml_to_data(root, schema(name))


def assert_spec_order(document: Any, part: dict[str, Any], where: str = "") -> None:
    """Every object's fields come in the order of the schema's `properties`, which list them as the spec's
    tables do: the XML's element order (xml_to_data keeps it) and the JSON's key order."""
    if isinstance(document, list):
        for item in document:
            assert_spec_order(item, part.get("items", {}), where)
    elif isinstance(document, dict):
        properties = list(part.get("properties", {}))
        present = [key for key in document if key in properties]
        assert present == sorted(present, key=properties.index), f"{where or 'root'}: {present} not in spec order"
        for key, value in document.items():
            assert_spec_order(value, part.get("properties", {}).get(key, {}), f"{where}.{key}")


def checked(response: httpx.Response, name: str, *, status: int = 200, fmt: str = "json") -> Any:
    """The answer's document, after checking status, content type, the schema `name` (XML converted first)
    and the spec's field order; an error's code is the HTTP status."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert response.headers["content-type"] == CONTENT_TYPES[fmt]
    document = response.json() if fmt == "json" else parse_xml(response.content, name)
    jsonschema.validate(document, schema(name), cls=jsonschema.Draft202012Validator)
    assert_spec_order(document, schema(name))
    if name == "errors":
        assert {error["code"] for error in document} == {status}, document
    return document


class Open311:
    """httpx against the running server; every answer is held to its schema in the format asked for."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/") + "/open311/v2"
        self.http = httpx.Client(timeout=20)

    def get(self, path: str, name: str, *, fmt: str = "json", status: int = 200, **options: Any) -> Any:
        response = self.http.get(f"{self.base}/{path}.{fmt}", **options)
        return checked(response, name, status=status, fmt=fmt)

    def post(self, fmt: str = "json", *, status: int = 200, name: str | None = None, **options: Any) -> Any:
        response = self.http.post(f"{self.base}/requests.{fmt}", **options)
        return checked(response, name or ("post_response" if status == 200 else "errors"), status=status, fmt=fmt)

    def raw(self, method: str, path: str, **options: Any) -> httpx.Response:
        return self.http.request(method, f"{self.base}/{path}", **options)


@pytest.fixture(autouse=True)
def _generous_address_limit(settings: Settings) -> None:
    """Every test talks from 127.0.0.1; the per-address limit is tested on its own."""
    settings.PATRIOT_OPEN311_RATE_PER_MINUTE = 10_000


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture
def city(db: None) -> None:
    """The seeded city: areas, agencies and the real categories with their custom attributes."""
    load_areas()
    load_agencies()
    load_categories()


@pytest.fixture
def api_key(city: None) -> str:
    return create_api_key("Aplikasi Uji")[1]


@pytest.fixture
def open311(live_server: Any) -> Iterator[Open311]:
    client = Open311(live_server.url)
    yield client
    client.http.close()
