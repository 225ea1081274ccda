"""The GeoReport v2 server over real HTTP (pytest-django's live server, httpx): every answer held to the spec's
JSON Schemas, XML read back into the same shape, the POST paths, privacy, idempotency and rate limits."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import Agency
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.cases.models import Attachment, Case, Category
from patriot.core import clock
from patriot.open311.models import ApiKey, SubmittedRequest
from patriot.open311.services import create_api_key, revoke_api_key
from tests.factories import BEKASI_JAYA, MARGAHAYU, OUTSIDE_CITY, case_through, jpeg_bytes, make_case, staff
from tests.open311.conftest import Open311

pytestmark = pytest.mark.django_db(transaction=True)

JAKARTA = ZoneInfo("Asia/Jakarta")
FORMATS = ["json", "xml"]
POTHOLE = "jalan-berlubang"  # attributes: panjang/lebar (number), kedalaman (singlevaluelist, required)
REPORTER = {
    "first_name": "Siti",
    "last_name": "Rahmawati",
    "email": "siti.rahma@example.com",
    "phone": "0812-3456-7890",
}


def _pothole(api_key: str, **extra: Any) -> dict[str, Any]:
    return {
        "api_key": api_key,
        "service_code": POTHOLE,
        "lat": str(MARGAHAYU[0]),
        "long": str(MARGAHAYU[1]),
        "address_string": "Jl. Ir. H. Juanda No. 10",
        "description": "Lubang dalam di lajur kiri, sudah dua motor jatuh.",
        "attribute[kedalaman]": "dalam",
        "attribute[panjang]": "1.5",
        **extra,
    }


def _same_in_both(open311: Open311, path: str, name: str, **options: Any) -> Any:
    """The JSON answer, after checking that the XML answer carries exactly the same document."""
    as_json = open311.get(path, name, fmt="json", **options)
    as_xml = open311.get(path, name, fmt="xml", **options)
    assert as_xml == as_json
    return as_json


# --- reading ----------------------------------------------------------------------------------


def test_discovery_services_and_definitions(city: None, open311: Open311) -> None:
    discovery = _same_in_both(open311, "discovery", "discovery")
    assert discovery["endpoints"][0]["url"] == open311.base

    services = _same_in_both(open311, "services", "services")
    by_code = {service["service_code"]: service for service in services}
    assert set(by_code) == set(Category.objects.filter(is_active=True).values_list("code", flat=True))
    pothole = by_code[POTHOLE]
    assert pothole["service_name"] == "Pothole"  # English for Open311 clients by default
    assert pothole["metadata"] is True and pothole["type"] == "realtime"
    assert "pothole" in pothole["keywords"] and pothole["group"]
    assert by_code["tutup-saluran-hilang"]["metadata"] is False

    # Every category's definition, in both formats; the spec's datatypes only.
    datatypes = set()
    for code in by_code:
        definition = _same_in_both(open311, f"services/{code}", "service_definition")
        assert definition["service_code"] == code
        assert [a["order"] for a in definition["attributes"]] == list(range(1, len(definition["attributes"]) + 1))
        datatypes |= {attribute["datatype"] for attribute in definition["attributes"]}
    assert datatypes == {"string", "number", "datetime", "singlevaluelist", "multivaluelist"}
    depth = next(
        a for a in open311.get(f"services/{POTHOLE}", "service_definition")["attributes"] if a["code"] == "kedalaman"
    )
    assert depth["required"] is True and depth["variable"] is True
    assert {value["key"] for value in depth["values"]} == {"dangkal", "sedang", "dalam"}

    for fmt in FORMATS:
        errors = open311.get("services/tidak-ada", "errors", fmt=fmt, status=404)
        assert errors[0]["code"] == 404 and "tidak-ada" in errors[0]["description"]


def test_unknown_jurisdiction_endpoint_and_ids_answer_404(city: None, open311: Open311) -> None:
    case = make_case(Category.objects.get(code=POTHOLE), attributes={"kedalaman": "dangkal"})
    for fmt in FORMATS:
        assert open311.get("services", "services", fmt=fmt, params={"jurisdiction_id": "bekasi.go.id"})
        errors = open311.get("services", "errors", fmt=fmt, status=404, params={"jurisdiction_id": "jakarta.go.id"})
        assert "jakarta.go.id" in errors[0]["description"]
        open311.get("requests/BKS-0000-999999", "errors", fmt=fmt, status=404)
        open311.get("tokens/tidak-ada", "errors", fmt=fmt, status=404)
        token = open311.get(f"tokens/{case.tracking_number}", "token", fmt=fmt)
        assert token == [{"service_request_id": case.tracking_number, "token": case.tracking_number}]
    response = open311.raw("GET", "laporan.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    response = open311.raw("DELETE", "requests.json")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST, HEAD"
    assert response.json() == [{"code": 405, "description": response.json()[0]["description"]}]
    # HEAD, as for any GET resource: the headers of the GET, no body.
    response = open311.raw("HEAD", "services.xml")
    assert response.status_code == 200 and response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content == b""


# --- filing requests ------------------------------------------------------------------------


def test_post_files_an_open311_case(api_key: str, open311: Open311) -> None:
    created = open311.post(data=_pothole(api_key, **REPORTER, device_id="abc", account_id="42"))
    number = created[0]["service_request_id"]
    assert created[0]["account_id"] is None and "3" in created[0]["service_notice"]
    case = Case.objects.get(tracking_number=number)
    assert case.channel == ChannelChoices.OPEN311 and case.state == CaseStateChoices.SUBMITTED
    assert case.attributes == {"kedalaman": "dalam", "panjang": 1.5}
    assert (case.reporter_name, case.reporter_email, case.reporter_phone) == (
        "Siti Rahmawati",
        "siti.rahma@example.com",
        "+6281234567890",
    )
    assert case.reporter is None and case.address == "Jl. Ir. H. Juanda No. 10"
    assert case.timeline.get().actor is None
    assert SubmittedRequest.objects.get(case=case).api_key.name == "Aplikasi Uji"

    # The same request in XML, with a multivaluelist attribute given as attribute[code][].
    created = open311.post(
        "xml",
        data={
            "api_key": api_key,
            "service_code": "jalan-rusak",
            "lat": str(BEKASI_JAYA[0]),
            "long": str(BEKASI_JAYA[1]),
            "description": "Aspal retak dan amblas sepanjang 20 meter.",
            "attribute[jenis_kerusakan][]": ["retak", "amblas"],
        },
    )
    case = Case.objects.get(tracking_number=created[0]["service_request_id"])
    assert case.attributes == {"jenis_kerusakan": ["retak", "amblas"]}

    # A datetime attribute in W3C form.
    created = open311.post(
        data={
            "api_key": api_key,
            "service_code": "angkutan-umum",
            "lat": str(MARGAHAYU[0]),
            "long": str(MARGAHAYU[1]),
            "description": "Angkot menurunkan penumpang di tengah jalan.",
            "attribute[waktu_kejadian]": "2026-11-02T07:30:00+07:00",
        }
    )
    assert Case.objects.get(tracking_number=created[0]["service_request_id"]).attributes == {
        "waktu_kejadian": "2026-11-02T07:30:00+07:00"
    }


@pytest.fixture
def watched_url() -> Iterator[tuple[str, list[str]]]:
    """A URL on a local server that records every request it receives: a media_url that must never be fetched."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/foto/lubang.jpg", hits
    server.shutdown()
    server.server_close()


def test_media_upload_and_media_url(api_key: str, open311: Open311, watched_url: tuple[str, list[str]]) -> None:
    # The media-upload extension: a multipart `media` file becomes the case's photo, stripped of EXIF.
    created = open311.post(
        data=_pothole(api_key), files={"media": ("lubang.jpg", jpeg_bytes(800, 600, exif_gps=True), "image/jpeg")}
    )
    number = created[0]["service_request_id"]
    attachment = Attachment.objects.get(case__tracking_number=number)
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif()
    # A citizen's photo is public once the POC has verified the case (PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY).
    assert open311.get(f"requests/{number}", "requests")[0]["media_url"] is None
    site = open311.base.removesuffix("/open311/v2")
    assert open311.http.get(f"{site}/api/v1/attachments/{attachment.pk}").status_code == 404
    services.verify_case(Case.objects.get(tracking_number=number), by=staff(Role.POC_OPERATOR))
    request = open311.get(f"requests/{number}", "requests")[0]
    assert request["media_url"].endswith(f"/api/v1/attachments/{attachment.pk}")
    photo = open311.http.get(request["media_url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"

    # A media_url is kept (for the POC, and given back) but never fetched: no SSRF.
    url, hits = watched_url
    created = open311.post(data=_pothole(api_key, media_url=url))
    number = created[0]["service_request_id"]
    assert _same_in_both(open311, f"requests/{number}", "requests")[0]["media_url"] is None
    services.verify_case(Case.objects.get(tracking_number=number), by=staff(Role.POC_OPERATOR))
    assert _same_in_both(open311, f"requests/{number}", "requests")[0]["media_url"] == url
    assert url in Case.objects.get(tracking_number=number).description
    assert hits == []

    for fmt in FORMATS:
        errors = open311.post(
            fmt, status=400, data=_pothole(api_key), files={"media": ("bukan.jpg", b"bukan gambar", "image/jpeg")}
        )
        assert errors[0]["description"].startswith("media: ")
        open311.post(fmt, status=400, data=_pothole(api_key, media_url="file:///etc/passwd"))


def test_api_key_is_required_and_checked(api_key: str, open311: Open311) -> None:
    key, revoked_secret = create_api_key("Aplikasi Lama")
    revoke_api_key(key)
    for fmt in FORMATS:
        for bad in ({}, {"api_key": "o311_salah"}, {"api_key": revoked_secret}):
            body = {k: v for k, v in _pothole(api_key).items() if k != "api_key"} | bad
            errors = open311.post(fmt, status=403, data=body)
            assert errors[0]["code"] == 403 and "api_key" in errors[0]["description"]
    assert not Case.objects.exists()
    assert ApiKey.objects.get(name="Aplikasi Uji").last_used_at is None


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        ({"service_code": ""}, "service_code"),
        ({"lat": "", "long": ""}, "lat/long"),
        ({"lat": "", "long": "", "address_string": "Jl. Ahmad Yani, Bekasi"}, "lat/long"),
        ({"lat": "utara", "long": "107"}, "lat"),
        ({"lat": str(OUTSIDE_CITY[0]), "long": str(OUTSIDE_CITY[1])}, "lat/long"),
        ({"description": "x" * 4001}, "description"),
        ({"attribute[kedalaman]": ""}, "attribute[kedalaman]"),
        ({"attribute[kedalaman]": "sangat-dalam"}, "attribute[kedalaman]"),
        ({"attribute[panjang]": "satu meter"}, "attribute[panjang]"),
        ({"attribute[warna]": "merah"}, "attributes"),
        ({"email": "bukan-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"first_name": "A" * 130}, "first_name/last_name"),
    ],
)
def test_bad_input_is_refused_with_the_parameter_named(
    api_key: str, open311: Open311, change: dict[str, str], parameter: str
) -> None:
    for fmt in FORMATS:
        errors = open311.post(fmt, status=400, data=_pothole(api_key) | change)
        assert errors[0]["code"] == 400
        assert errors[0]["description"].startswith(f"{parameter}: "), errors
    assert not Case.objects.exists()


def test_unknown_service_code_is_404_as_the_spec_says(api_key: str, open311: Open311) -> None:
    """POST Service Request, Possible Errors: "404 - service_code or jurisdiction_id was not found"."""
    for change in ({"service_code": "tidak-ada"}, {"jurisdiction_id": "jakarta.go.id"}):
        for fmt in FORMATS:
            errors = open311.post(fmt, status=404, data=_pothole(api_key) | change)
            assert next(iter(change.values())) in errors[0]["description"]
    assert not Case.objects.exists()


def test_post_must_be_a_form(api_key: str, open311: Open311) -> None:
    """The spec's "Format sent: Content-Type: application/x-www-form-urlencoded": a JSON body is named as the
    problem, not mistaken for a missing api_key."""
    for fmt in FORMATS:
        errors = open311.post(fmt, status=400, json=_pothole(api_key))
        assert errors[0]["description"].startswith("Content-Type: ")
    assert not Case.objects.exists()


def test_description_is_optional(api_key: str, open311: Open311) -> None:
    """The spec lists description among the optional arguments: the attribute answers stand in for the POC,
    in the city's language whatever language the client reads answers in."""
    body = {k: v for k, v in _pothole(api_key).items() if k not in ("description", "address_string")}
    for description in (None, "   "):
        data = body if description is None else body | {"description": description}
        created = open311.post(data=data, headers={"Accept-Language": "en"})
        case = Case.objects.get(tracking_number=created[0]["service_request_id"])
        assert case.description.startswith("Aplikasi Open311 tidak mengirim uraian.\n"), case.description
        assert "Kedalaman lubang: Dalam (lebih dari 10 cm)" in case.description
        request = open311.get(f"requests/{case.tracking_number}", "requests", fmt="xml")[0]
        assert request["description"] == case.description


def test_datetime_attribute_must_be_w3c(api_key: str, open311: Open311) -> None:
    body = {
        "api_key": api_key,
        "service_code": "angkutan-umum",
        "lat": str(MARGAHAYU[0]),
        "long": str(MARGAHAYU[1]),
        "description": "Angkot ngetem sembarangan.",
        "attribute[waktu_kejadian]": "kemarin sore",
    }
    errors = open311.post(status=400, data=body)
    assert errors[0]["description"].startswith("attribute[waktu_kejadian]: ")


def test_a_retried_post_never_makes_a_second_case(api_key: str, open311: Open311) -> None:
    headers = {"Idempotency-Key": "aplikasi-uji-0001"}
    first = open311.post(data=_pothole(api_key), headers=headers)
    response = open311.http.post(f"{open311.base}/requests.xml", data=_pothole(api_key), headers=headers)
    again = open311.post("xml", data=_pothole(api_key), headers=headers)
    assert response.headers["Idempotent-Replayed"] == "true"
    assert again == first
    assert Case.objects.count() == 1 and SubmittedRequest.objects.count() == 1

    # The same key for a different report is a client error, not a retry.
    errors = open311.post(status=400, data=_pothole(api_key, description="Laporan lain."), headers=headers)
    assert errors[0]["description"].startswith("Idempotency-Key: ")
    # Keys are scoped per API key: another application's identical key files its own case.
    other = create_api_key("Aplikasi Lain")[1]
    second = open311.post(data=_pothole(other), headers=headers)
    assert second[0]["service_request_id"] != first[0]["service_request_id"]
    assert Case.objects.count() == 2


def test_rate_limits_answer_429_in_the_spec_format(api_key: str, open311: Open311, settings: Any) -> None:
    settings.PATRIOT_OPEN311_KEY_RATE_PER_MINUTE = 2
    open311.post(data=_pothole(api_key))
    open311.post(data=_pothole(api_key))
    for fmt in FORMATS:
        errors = open311.post(fmt, status=429, data=_pothole(api_key))
        assert errors[0]["code"] == 429 and "api_key" in errors[0]["description"]
    assert Case.objects.count() == 2
    # Another application's key is counted on its own.
    open311.post(data=_pothole(create_api_key("Aplikasi Lain")[1]))

    settings.PATRIOT_OPEN311_RATE_PER_MINUTE = 3
    response = open311.raw("GET", "services.json")
    while response.status_code == 200:
        response = open311.raw("GET", "services.json")
    errors = open311.get("services", "errors", fmt="xml", status=429)
    assert response.headers["Retry-After"] == "60" and errors[0]["code"] == 429


# --- requests as the public sees them -------------------------------------------------------


def test_status_mapping_and_the_spec_fields(city: None, open311: Open311) -> None:
    pothole = Category.objects.get(code=POTHOLE)
    agency = Agency.objects.get(code="dbmsda")
    fields = {"category": pothole, "attributes": {"kedalaman": "sedang"}, "agency": agency}
    cases = {state: case_through(state, **fields) for state in CaseStateChoices.values()}
    listed = {r["service_request_id"]: r for r in _same_in_both(open311, "requests", "requests")}
    # Rejected and merged reports stay off the public list, as on the public map…
    assert set(listed) == {
        case.tracking_number
        for state, case in cases.items()
        if state not in (CaseStateChoices.REJECTED, CaseStateChoices.DUPLICATE)
    } | {cases[CaseStateChoices.DUPLICATE].duplicate_of.tracking_number}
    # …but a client asking for its own request by id learns what happened to it.
    numbers = ",".join(case.tracking_number for case in cases.values())
    by_id = {
        r["service_request_id"]: r
        for r in _same_in_both(open311, "requests", "requests", params={"service_request_id": numbers})
    }
    assert list(by_id) == [case.tracking_number for case in cases.values()]
    for state, case in cases.items():
        request = by_id[case.tracking_number]
        expected = "open" if state in CaseStateChoices.OPEN else "closed"
        assert request["status"] == expected, state
        assert request["requested_datetime"].endswith("+07:00")
        assert request["service_code"] == POTHOLE and request["lat"] == case.latitude
        if expected == "open":
            assert case.due_at is not None
            assert request["expected_datetime"] == case.due_at.astimezone(JAKARTA).isoformat(timespec="seconds")
        else:
            assert request["expected_datetime"] is None
    assert by_id[cases[CaseStateChoices.DISPATCHED].tracking_number]["agency_responsible"] == agency.name
    assert by_id[cases[CaseStateChoices.SUBMITTED].tracking_number]["agency_responsible"] is None
    rejected = by_id[cases[CaseStateChoices.REJECTED].tracking_number]
    assert rejected["description"] is None and rejected["media_url"] is None and rejected["status_notes"]
    duplicate = by_id[cases[CaseStateChoices.DUPLICATE].tracking_number]
    assert cases[CaseStateChoices.DUPLICATE].duplicate_of.tracking_number in duplicate["status_notes"]
    assert "ditambal" in by_id[cases[CaseStateChoices.RESOLVED].tracking_number]["status_notes"]

    open_only = open311.get("requests", "requests", params={"status": "open"})
    # The five open states, and the older case the duplicate was merged into.
    assert {r["status"] for r in open_only} == {"open"} and len(open_only) == 6
    closed = open311.get("requests", "requests", fmt="xml", params={"status": "closed"})
    assert {r["status"] for r in closed} == {"closed"}
    assert len(open311.get("requests", "requests", params={"status": "open,closed"})) == len(listed)


def test_filters_defaults_and_pages(city: None, open311: Open311) -> None:
    pothole = Category.objects.get(code=POTHOLE)
    drain = Category.objects.get(code="tutup-saluran-hilang")
    now = clock.now()
    with clock.pinned(now - timedelta(days=100)):
        old = make_case(drain)
    with clock.pinned(now - timedelta(days=10)):
        recent = [make_case(pothole, attributes={"kedalaman": "dangkal"}) for _ in range(3)]
    newest = make_case(drain)

    listed = [r["service_request_id"] for r in open311.get("requests", "requests")]
    assert listed == [newest.tracking_number, *[c.tracking_number for c in reversed(recent)]]  # newest first
    assert old.tracking_number not in listed  # the default window is the last 90 days

    by_code = open311.get("requests", "requests", fmt="xml", params={"service_code": POTHOLE})
    assert {r["service_code"] for r in by_code} == {POTHOLE} and len(by_code) == 3
    both = open311.get("requests", "requests", params={"service_code": f"{POTHOLE},tutup-saluran-hilang"})
    assert len(both) == 4

    start = (now - timedelta(days=120)).astimezone().isoformat(timespec="seconds")
    end = (now - timedelta(days=40)).astimezone().isoformat(timespec="seconds")
    window = open311.get("requests", "requests", params={"start_date": start, "end_date": end})
    assert [r["service_request_id"] for r in window] == [old.tracking_number]
    # Date-only W3C values and an explicit Z are accepted.
    # The city's day (a date-only value is read in the city's zone): after 17:00 UTC it is already tomorrow there.
    day = (now - timedelta(days=10)).astimezone(JAKARTA).date().isoformat()
    assert len(open311.get("requests", "requests", params={"start_date": day, "end_date": day})) == 3
    assert open311.get("requests", "requests", params={"start_date": "2026-01-01T00:00:00Z"}) is not None

    # service_request_id overrides every other filter, the old case included.
    ids = open311.get(
        "requests", "requests", params={"service_request_id": f"{old.tracking_number}", "service_code": POTHOLE}
    )
    assert [r["service_request_id"] for r in ids] == [old.tracking_number]

    # The page/page_size extension.
    first = open311.get("requests", "requests", params={"page_size": 2})
    second = open311.get("requests", "requests", fmt="xml", params={"page_size": 2, "page": 2})
    assert [r["service_request_id"] for r in first + second] == listed
    assert open311.get("requests", "requests", params={"page_size": 2, "page": 9}) == []

    for params in (
        {"start_date": "kemarin"},
        {"start_date": "2026-01-01", "end_date": "2026-06-01"},  # more than 90 days
        {"start_date": "2026-06-01", "end_date": "2026-01-01"},
        {"status": "pending"},
        {"page_size": "1001"},
        {"page": "0"},
    ):
        for fmt in FORMATS:
            errors = open311.get("requests", "errors", fmt=fmt, status=400, params=params)
            assert errors[0]["code"] == 400


def test_confidential_cases_never_appear(city: None, open311: Open311) -> None:
    pothole = Category.objects.get(code=POTHOLE)
    secret = make_case(pothole, attributes={"kedalaman": "dalam"}, is_confidential=True)
    public = make_case(pothole, attributes={"kedalaman": "dalam"})
    for fmt in FORMATS:
        listed = [r["service_request_id"] for r in open311.get("requests", "requests", fmt=fmt)]
        assert listed == [public.tracking_number]
        assert open311.get("requests", "requests", fmt=fmt, params={"service_request_id": secret.tracking_number}) == []
        open311.get(f"requests/{secret.tracking_number}", "errors", fmt=fmt, status=404)
        open311.get(f"tokens/{secret.tracking_number}", "errors", fmt=fmt, status=404)


def test_no_personal_data_in_any_get(api_key: str, open311: Open311) -> None:
    number = open311.post(data=_pothole(api_key, **REPORTER))[0]["service_request_id"]
    personal = ["Siti", "Rahmawati", "siti.rahma", "example.com", "3456", "+62812"]
    for fmt in FORMATS:
        for path, params in (
            ("requests", {}),
            ("requests", {"service_request_id": number}),
            (f"requests/{number}", {}),
            (f"tokens/{number}", {}),
        ):
            body = open311.raw("GET", f"{path}.{fmt}", params=params).text
            assert number in body
            for value in personal:
                assert value not in body, (path, fmt, value)


def test_language_follows_accept_language(city: None, open311: Open311) -> None:
    english = {s["service_code"]: s for s in open311.get("services", "services")}
    indonesian = {
        s["service_code"]: s
        for s in open311.get("services", "services", fmt="xml", headers={"Accept-Language": "id-ID,id;q=0.9"})
    }
    assert (english[POTHOLE]["service_name"], indonesian[POTHOLE]["service_name"]) == ("Pothole", "Jalan berlubang")
    response = open311.raw("GET", "services.json", headers={"Accept-Language": "id"})
    assert response.headers["Content-Language"] == "id"
    assert open311.raw("GET", "services.json").headers["Content-Language"] == "en"


def test_an_untitled_report_is_headed_by_its_service_and_a_written_title_heads_the_description(
    city: None, open311: Open311
) -> None:
    """GeoReport v2 has no title. An untitled report's stored title is only its category's Indonesian name: it never
    leaks into an English answer, where service_name says "Pothole"; a title the reporter wrote heads the text."""
    pothole = Category.objects.get(code=POTHOLE)
    untitled = make_case(pothole, attributes={"kedalaman": "dalam"}, description="Lubang dalam di lajur kiri.")
    titled = make_case(
        pothole, attributes={"kedalaman": "dalam"}, title="Lubang depan SDN 3", description="Sudah dua motor jatuh."
    )
    assert untitled.title == "Jalan berlubang"
    for fmt in FORMATS:
        english = open311.get(f"requests/{untitled.tracking_number}", "requests", fmt=fmt)[0]
        assert english["service_name"] == "Pothole"
        assert english["description"] == "Lubang dalam di lajur kiri."
        indonesian = open311.get(
            f"requests/{untitled.tracking_number}", "requests", fmt=fmt, headers={"Accept-Language": "id"}
        )[0]
        assert indonesian["service_name"] == "Jalan berlubang"
        assert indonesian["description"] == "Lubang dalam di lajur kiri."
        written = open311.get(f"requests/{titled.tracking_number}", "requests", fmt=fmt)[0]
        assert written["description"] == "Lubang depan SDN 3\n\nSudah dua motor jatuh."


def test_xml_stays_well_formed_whatever_the_text(city: None, open311: Open311) -> None:
    """Control characters XML 1.0 forbids (here typed in another channel) are left out of the XML answer."""
    pothole = Category.objects.get(code=POTHOLE)
    case = make_case(
        pothole, attributes={"kedalaman": "dalam"}, description="Lubang\x0b besar\x1f di\tdepan <pasar> & toko"
    )
    as_xml = open311.get(f"requests/{case.tracking_number}", "requests", fmt="xml")[0]
    assert as_xml["description"] == "Lubang besar di\tdepan <pasar> & toko"
    assert open311.get("requests", "requests", fmt="xml")[0]["service_request_id"] == case.tracking_number
    assert open311.get(f"requests/{case.tracking_number}", "requests")[0]["description"] == case.description


def test_description_is_cut_to_the_spec_limit(city: None, open311: Open311) -> None:
    """ "free form text limited to 4,000 characters": a longer case text (the web form allows 5,000) is cut."""
    case = make_case(Category.objects.get(code=POTHOLE), attributes={"kedalaman": "dalam"}, description="a" * 5000)
    for fmt in FORMATS:
        description = open311.get(f"requests/{case.tracking_number}", "requests", fmt=fmt)[0]["description"]
        assert len(description) == 4000 and description.endswith("a…")


def test_updated_datetime_of_a_closed_request_is_when_it_closed(city: None, open311: Open311) -> None:
    """ "For requests with status=closed, this will be the date the request was closed", even when the city
    touches the case afterwards; an open request shows its last change."""
    fields = {"category": Category.objects.get(code=POTHOLE), "attributes": {"kedalaman": "sedang"}}
    resolved = case_through(CaseStateChoices.RESOLVED, **fields)
    closed = case_through(CaseStateChoices.CLOSED, **fields)
    rejected = case_through(CaseStateChoices.REJECTED, **fields)
    dispatched = case_through(CaseStateChoices.DISPATCHED, **fields)
    later = clock.now() + timedelta(days=2)
    Case.objects.update(updated_at=later)
    cases = [Case.objects.get(pk=c.pk) for c in (resolved, closed, rejected, dispatched)]
    numbers = ",".join(c.tracking_number for c in cases)
    by_id = {
        r["service_request_id"]: r["updated_datetime"]
        for r in _same_in_both(open311, "requests", "requests", params={"service_request_id": numbers})
    }

    def w3c(moment: Any) -> str:
        return moment.astimezone(JAKARTA).isoformat(timespec="seconds")

    resolved, closed, rejected, dispatched = cases
    assert resolved.resolved_at and closed.closed_at and rejected.closed_at
    assert by_id[resolved.tracking_number] == w3c(resolved.resolved_at)
    assert by_id[closed.tracking_number] == w3c(closed.closed_at)
    assert by_id[rejected.tracking_number] == w3c(rejected.closed_at)
    assert by_id[dispatched.tracking_number] == w3c(later)


def test_both_ends_of_the_date_range_are_included(city: None, open311: Open311) -> None:
    """start_date is the "Earliest datetime to include", end_date the "Latest datetime to include"."""
    case = make_case(Category.objects.get(code=POTHOLE), attributes={"kedalaman": "dalam"})
    at = case.created_at.astimezone(JAKARTA)
    exactly = at.isoformat()
    for params in (
        {"start_date": exactly, "end_date": exactly},
        {"end_date": exactly},
        {"start_date": exactly},
        {"start_date": at.date().isoformat(), "end_date": at.date().isoformat()},
    ):
        listed = open311.get("requests", "requests", params=params)
        assert [r["service_request_id"] for r in listed] == [case.tracking_number], params
    before = (at - timedelta(microseconds=1)).isoformat()
    assert open311.get("requests", "requests", params={"end_date": before}) == []
    errors = open311.get("requests", "errors", status=400, params={"start_date": exactly, "end_date": before})
    assert errors[0]["description"].startswith("end_date: ")


def test_discovery_changeset_follows_the_services(city: None, open311: Open311) -> None:
    """Service Discovery: "an updated changeset indicates that there has been an update to the Service
    Discovery list or to the Service Definitions"."""
    first = _same_in_both(open311, "discovery", "discovery")
    assert first["changeset"] == first["endpoints"][0]["changeset"]
    pothole = Category.objects.get(code=POTHOLE)
    with clock.pinned(clock.now() + timedelta(days=1)):
        pothole.attributes = [*pothole.attributes, {"code": "lajur", "label": "Lajur", "datatype": "string"}]
        pothole.save()
    after_edit = open311.get("discovery", "discovery")
    assert after_edit["changeset"] > first["changeset"]
    assert after_edit["endpoints"][0]["changeset"] == after_edit["changeset"]
    codes = [a["code"] for a in open311.get(f"services/{POTHOLE}", "service_definition", fmt="xml")["attributes"]]
    assert codes[-1] == "lajur"
    with clock.pinned(clock.now() + timedelta(days=2)):
        Category.objects.get(code="tutup-saluran-hilang").delete()
    assert open311.get("discovery", "discovery", fmt="xml")["changeset"] > after_edit["changeset"]


def test_a_case_made_confidential_at_verification_leaves_every_public_surface_at_once(
    city: None, open311: Open311
) -> None:
    """Issue 9: the map, its list, the public API and Open311 decide when they are read, not when the case was."""
    from django.test import Client

    from patriot.accounts.choices import RoleChoices
    from patriot.cases import services
    from tests.factories import staff

    case = make_case(Category.objects.get(code=POTHOLE), attributes={"kedalaman": "dalam"})
    number = case.tracking_number
    browser = Client()

    def public_surfaces() -> dict[str, bool]:
        geojson = browser.get("/api/v1/public/cases.geojson").json()
        return {
            "map": number in browser.get("/peta/").content.decode(),
            "list": number in browser.get("/peta/daftar/").content.decode(),
            "map points": number in str(geojson),
            "public api": browser.get(f"/api/v1/public/cases/{number}").status_code == 200,
            "tracking page": browser.get(f"/lacak/{number}/").status_code == 200,
            "open311 list": number in str(open311.get("requests", "requests")),
            "open311 by id": open311.http.get(f"{open311.base}/requests/{number}.json").status_code == 200,
        }

    assert all(public_surfaces().values()), public_surfaces()
    services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR), is_confidential=True)
    assert not any(public_surfaces().values()), public_surfaces()
