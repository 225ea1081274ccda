"""GeoReport v2 documents: one dict per response, written out as the spec's JSON or XML."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from patriot.cases.choices import AttachmentKindChoices, CaseStateChoices, CategoryGroupChoices, RejectionReasonChoices
from patriot.cases.models import Case, Category
from patriot.cases.presenters import photos_are_public
from patriot.cases.sla import city_zone
from patriot.open311.choices import RequestStatusChoices

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_DESCRIPTION_LENGTH = 4000  # "free form text limited to 4,000 characters"
# Characters XML 1.0 does not allow (its Char production), surrogates included.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# When this endpoint's behaviour last changed (discovery's `changeset`).
CHANGESET = datetime.fromisoformat("2026-11-29T00:00:00+07:00")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# XML wraps each list in an element named after it, one child per item.
XML_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}


def jurisdiction_id() -> str:
    return getattr(settings, "PATRIOT_OPEN311_JURISDICTION_ID", "bekasi.go.id")


def w3c(moment: datetime | None) -> str | None:
    """A W3C datetime in the city's zone with its offset (2026-11-02T08:15:00+07:00)."""
    return moment.astimezone(city_zone()).isoformat(timespec="seconds") if moment else None


def _english() -> bool:
    return (get_language() or "").startswith("en")


# --- documents ------------------------------------------------------------------------------


def changeset(catalogue_changed_at: datetime | None) -> datetime:
    """The later of the last change to this endpoint's behaviour and the last change to its services."""
    return max(CHANGESET, catalogue_changed_at) if catalogue_changed_at else CHANGESET


def discovery(request: HttpRequest, catalogue_changed_at: datetime | None) -> dict[str, Any]:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]
    changed = changeset(catalogue_changed_at)
    return {
        "changeset": w3c(changed),
        "contact": _("Patriot Operation Centre %(city)s, telepon 1500444") % {"city": settings.PATRIOT_CITY_NAME},
        "key_service": _(
            "Kunci API hanya diperlukan untuk mengirim laporan (POST requests). Mintalah ke Patriot Operation Centre "
            "%(city)s dengan menyebut nama aplikasi Anda; kunci diberikan satu kali dan dapat dicabut."
        )
        % {"city": settings.PATRIOT_CITY_NAME},
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": w3c(changed),
                "type": "test" if settings.PATRIOT_DEMO else "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service(category: Category) -> dict[str, Any]:
    english = _english()
    return {
        "service_code": category.code,
        "service_name": category.label,
        "description": (category.description_en if english and category.description_en else category.description),
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.keywords,
        "group": CategoryGroupChoices.label(category.group),
    }


def _datatype_description(definition: dict[str, Any]) -> str | None:
    datatype = definition.get("datatype", "string")
    if datatype == "number":
        unit = definition.get("unit")
        return _("Angka dalam %(unit)s") % {"unit": unit} if unit else _("Angka")
    if datatype == "datetime":
        return _("Tanggal dan waktu W3C, mis. 2026-11-02T08:00:00+07:00")
    if datatype == "multivaluelist":
        return _("Satu atau lebih kunci dari daftar: attribute[%(code)s][]=kunci") % {"code": definition["code"]}
    return None


def service_definition(category: Category) -> dict[str, Any]:
    english = _english()
    attributes = []
    for order, definition in enumerate(category.attributes, start=1):
        datatype = definition.get("datatype", "string")
        attribute: dict[str, Any] = {
            "variable": True,
            "code": definition["code"],
            "datatype": datatype,
            "required": bool(definition.get("required")),
            "datatype_description": _datatype_description(definition),
            "order": order,
            "description": (definition.get("label_en") if english else None) or definition.get("label", ""),
        }
        if datatype in ("singlevaluelist", "multivaluelist"):
            attribute["values"] = [
                {"key": str(value["key"]), "name": (value.get("name_en") if english else None) or value["name"]}
                for value in definition.get("values", [])
            ]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


def service_notice(category: Category) -> str:
    if category.verify_hours:
        target = _("%(hours)d jam") % {"hours": category.verify_hours}
    else:
        target = _("%(days)d hari kerja") % {"days": category.verify_days}
    return _(
        "Patriot Operation Centre memeriksa laporan paling lambat %(target)s lalu meneruskannya ke OPD yang berwenang."
    ) % {"target": target}


def _status_notes(case: Case) -> str:
    label = CaseStateChoices.label(case.state)
    if case.state == CaseStateChoices.REJECTED:
        return f"{label}: {RejectionReasonChoices.label(case.rejection_reason)}"
    if case.state == CaseStateChoices.DUPLICATE:
        original = case.duplicate_of
        if original is not None and not original.is_confidential:
            return _("Duplikat dari %(number)s") % {"number": original.tracking_number}
        return _("Duplikat laporan lain")
    if case.state in (CaseStateChoices.RESOLVED, CaseStateChoices.CLOSED) and case.resolution_note:
        return f"{label}: {case.resolution_note}"
    return label


def _media_url(request: HttpRequest, case: Case) -> str | None:
    if not photos_are_public(case):
        return None
    photos = getattr(case, "report_photos", None)
    if photos is None:
        photos = list(case.attachments.filter(kind=AttachmentKindChoices.REPORT_PHOTO).order_by("created_at", "id"))
    if photos:
        return request.build_absolute_uri(reverse("api-v1:attachment_file", kwargs={"attachment_id": photos[0].pk}))
    origin = getattr(case, "open311_request", None)
    return origin.media_url or None if origin is not None else None


def _updated(case: Case, is_open: bool) -> datetime:
    """The spec: "For requests with status=closed, this will be the date the request was closed." A closed
    request keeps that date when the city later touches the case (a note, an instruction)."""
    if is_open:
        return case.updated_at
    return case.closed_at or case.resolved_at or case.updated_at


def _public_description(case: Case) -> str:
    """GeoReport v2 has no title: `description` is "a full description of the request". A title the reporter wrote
    heads it (as it heads the case on every page); an untitled report's stored title is only its category's name,
    which `service_name` already gives in the reader's language, so it is left out. The spec limits description to
    4,000 characters; a longer case text (other channels allow more) is cut."""
    text = case.description
    title = case.title.strip()
    if title and title != case.category.name and not text.startswith(title):
        text = f"{title}\n\n{text}"
    if len(text) <= MAX_DESCRIPTION_LENGTH:
        return text
    return text[: MAX_DESCRIPTION_LENGTH - 1].rstrip() + "…"


def service_request(request: HttpRequest, case: Case) -> dict[str, Any]:
    """One request as the public may see it: no reporter data; a rejected report shows only why."""
    is_open = case.state in RequestStatusChoices.OPEN_STATES
    rejected = case.state == CaseStateChoices.REJECTED
    return {
        "service_request_id": case.tracking_number,
        "status": RequestStatusChoices.for_state(case.state),
        "status_notes": _status_notes(case),
        "service_name": case.category.label,
        "service_code": case.category.code,
        "description": None if rejected else _public_description(case),
        "agency_responsible": case.agency.name if case.agency else None,
        "service_notice": service_notice(case.category) if is_open else None,
        "requested_datetime": w3c(case.created_at),
        "updated_datetime": w3c(_updated(case, is_open)),
        "expected_datetime": w3c(case.due_at) if is_open else None,
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": None if rejected else _media_url(request, case),
    }


def created(case: Case) -> dict[str, Any]:
    return {
        "service_request_id": case.tracking_number,
        "service_notice": service_notice(case.category),
        "account_id": None,
    }


def token(case: Case) -> dict[str, Any]:
    return {"service_request_id": case.tracking_number, "token": case.tracking_number}


def error(code: int, description: str) -> dict[str, Any]:
    return {"code": code, "description": description}


# --- writing --------------------------------------------------------------------------------


def _xml_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    # ElementTree writes control characters as they are, which no XML parser accepts: one such character
    # in one citizen's text would break the whole list.
    return _NOT_XML.sub("", str(value))


def _xml_fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        child_name = XML_ITEMS[element.tag]
        for item in value:
            _xml_fill(ElementTree.SubElement(element, child_name), item)
    else:
        element.text = _xml_value(value)


def to_xml(root: str, document: dict[str, Any] | list[Any]) -> bytes:
    """The spec's XML: a list becomes <root><item>…</item></root>, None an empty element, booleans true/false."""
    element = ElementTree.Element(root)
    _xml_fill(element, document)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(element, encoding="unicode").encode()


def render(fmt: str, root: str, document: dict[str, Any] | list[Any], *, status: int = 200) -> HttpResponse:
    """`document` as JSON, or as XML under `root` (services, service_requests, errors, discovery, …)."""
    body = to_xml(root, document) if fmt == "xml" else json.dumps(document, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))
