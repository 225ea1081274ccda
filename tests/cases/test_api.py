"""The cases API over HTTP: intake, idempotency, agency isolation, privacy and clear 400s."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.accounts.services import create_api_token
from patriot.cases import filters, services
from patriot.cases.models import Case, TimelineEntry
from patriot.cases.models import Category as CategoryModel
from patriot.core import paging
from patriot.events.models import OutboxEvent
from patriot.geo.services import load_reference_areas

MARGAHAYU = (-6.251143, 107.004300)
# The number as stored (E.164), so the checks that it never leaks look for the exact text.
PII = ("Siti Rahma", "+6281234567890", "siti@example.id")

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> dict[str, Any]:
    load_reference_areas()
    roads = Agency.objects.create(code="dbmsda", short_name="DBMSDA", name="Dinas Bina Marga dan Sumber Daya Air")
    environment = Agency.objects.create(code="dlh", short_name="DLH", name="Dinas Lingkungan Hidup")
    road_team = ResponseTeam.objects.create(agency=roads, code="urc-dbmsda", name="URC Bina Marga")
    pothole = CategoryModel.objects.create(
        code="jalan-berlubang",
        name="Jalan berlubang",
        name_en="Pothole",
        group="infrastructure",
        default_agency=roads,
        attributes=[
            {
                "code": "length_m",
                "label": "Panjang (m)",
                "label_en": "Length (m)",
                "datatype": "number",
                "required": False,
            }
        ],
    )
    garbage = CategoryModel.objects.create(
        code="sampah",
        name="Sampah tidak diangkut",
        name_en="Garbage not collected",
        group="environment",
        default_agency=environment,
    )

    def user(username: str, role: str, **extra: Any) -> tuple[User, str]:
        account = User.objects.create_user(username=username, password="not-used-here-123", role=role, **extra)
        return account, create_api_token(account, "test")[1]

    return {
        "roads": roads,
        "environment": environment,
        "road_team": road_team,
        "pothole": pothole,
        "garbage": garbage,
        "poc": user("poc", RoleChoices.POC_OPERATOR),
        "callcentre": user("cc", RoleChoices.CALLCENTRE_OPERATOR),
        "mayor": user("mayor", RoleChoices.MAYOR),
        "roads_admin": user("roads_admin", RoleChoices.AGENCY_ADMIN, agency=roads),
        "roads_officer": user("roads_officer", RoleChoices.AGENCY_OFFICER, agency=roads),
        "env_officer": user("env_officer", RoleChoices.AGENCY_OFFICER, agency=environment),
        "urc": user("urc", RoleChoices.URC_OFFICER, agency=roads, team=road_team),
    }


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def report(client: Client, *, key: str | None = None, **overrides: Any) -> Any:
    body = {
        "category": "jalan-berlubang",
        "description": "Lubang besar di depan pasar, membahayakan motor.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "reporter": {"name": PII[0], "phone": PII[1], "email": PII[2]},
        **overrides,
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/cases", body, content_type="application/json", **headers)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_create_twice_with_one_idempotency_key_makes_one_case(city: dict[str, Any]) -> None:
    client = Client()
    first = report(client, key="retry-1")
    second = report(client, key="retry-1")
    assert first.status_code == 201, first.content
    assert second.status_code == 200
    assert first.json()["tracking_number"] == second.json()["tracking_number"]
    assert first.json()["reporter_key"] == second.json()["reporter_key"]
    assert second.json()["created"] is False
    assert Case.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_refused(city: dict[str, Any]) -> None:
    client = Client()
    report(client, key="k")
    response = report(client, key="k", description="Laporan lain sama sekali.")
    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


def test_located_case_has_areas_in_both_views(city: dict[str, Any]) -> None:
    number = report(Client()).json()["tracking_number"]
    public = Client().get(f"/api/v1/public/cases/{number}").json()
    assert public["village"] == {"code": "32.75.01.1002", "name": "Margahayu"}
    assert public["district"] == {"code": "32.75.01", "name": "Bekasi Timur"}
    staff = Client().get(f"/api/v1/cases/{number}", **auth(city["poc"][1])).json()
    assert staff["village"]["code"] == "32.75.01.1002"
    assert len(staff["h3_cell"]) == 15


def _walk_to_agency(number: str, city: dict[str, Any]) -> None:
    poc = auth(city["poc"][1])
    assert (
        Client().post(f"/api/v1/cases/{number}/verify", {}, content_type="application/json", **poc).status_code == 200
    )
    response = Client().post(f"/api/v1/cases/{number}/dispatch", {}, content_type="application/json", **poc)
    assert response.status_code == 200, response.content
    assert response.json()["agency"]["code"] == "dbmsda"


def test_officer_of_another_agency_gets_404(city: dict[str, Any]) -> None:
    number = report(Client()).json()["tracking_number"]
    _walk_to_agency(number, city)
    assert Client().get(f"/api/v1/cases/{number}", **auth(city["roads_officer"][1])).status_code == 200
    hidden = Client().get(f"/api/v1/cases/{number}", **auth(city["env_officer"][1]))
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "not_found"
    listing = Client().get("/api/v1/cases", **auth(city["env_officer"][1])).json()
    assert listing["count"] == 0
    attempt = Client().post(
        f"/api/v1/cases/{number}/assign",
        {"team": "urc-dbmsda"},
        content_type="application/json",
        **auth(city["env_officer"][1]),
    )
    assert attempt.status_code == 404


def test_full_workflow_through_the_api(city: dict[str, Any]) -> None:
    created = report(Client()).json()
    number, key = created["tracking_number"], created["reporter_key"]
    _walk_to_agency(number, city)
    admin = auth(city["roads_admin"][1])
    assert (
        Client()
        .post(f"/api/v1/cases/{number}/assign", {"team": "urc-dbmsda"}, content_type="application/json", **admin)
        .status_code
        == 200
    )
    urc = auth(city["urc"][1])
    assert Client().post(f"/api/v1/cases/{number}/start", {}, content_type="application/json", **urc).status_code == 200
    resolved = Client().post(
        f"/api/v1/cases/{number}/resolve",
        {"note": "Sudah ditambal.", "proof_photos": [io.BytesIO(jpeg())]},
        **urc,
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["state"] == "resolved"
    photo_url = Client().get(f"/api/v1/public/cases/{number}").json()["photos"][0]["url"]
    assert Client().get(photo_url).status_code == 200
    confirmed = Client().post(
        f"/api/v1/public/cases/{number}/confirm", {}, content_type="application/json", HTTP_X_REPORTER_KEY=key
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "closed"
    assert TimelineEntry.objects.filter(case__tracking_number=number).count() == OutboxEvent.objects.count()


def test_illegal_transition_is_409_and_changes_nothing(city: dict[str, Any]) -> None:
    number = report(Client()).json()["tracking_number"]
    entries = TimelineEntry.objects.count()
    response = Client().post(
        f"/api/v1/cases/{number}/dispatch", {}, content_type="application/json", **auth(city["poc"][1])
    )
    assert response.status_code == 409
    assert "Masuk" in response.json()["detail"]
    assert Case.objects.get().state == "submitted"
    assert TimelineEntry.objects.count() == entries


def test_wrong_role_is_403(city: dict[str, Any]) -> None:
    number = report(Client()).json()["tracking_number"]
    response = Client().post(
        f"/api/v1/cases/{number}/verify", {}, content_type="application/json", **auth(city["mayor"][1])
    )
    assert response.status_code == 403


def _body(response: Any) -> str:
    return response.content.decode()


# The call centre too: this report came through the API, not on a call from the reporter's number.
@pytest.mark.parametrize("role", ["roads_admin", "roads_officer", "urc", "mayor", "callcentre"])
def test_no_role_below_poc_receives_an_anonymous_reporter(city: dict[str, Any], role: str) -> None:
    number = report(Client(), is_anonymous=True).json()["tracking_number"]
    _walk_to_agency(number, city)
    Client().post(
        f"/api/v1/cases/{number}/assign",
        {"team": "urc-dbmsda"},
        content_type="application/json",
        **auth(city["roads_admin"][1]),
    )
    headers = auth(city[role][1])
    for url in (f"/api/v1/cases/{number}", "/api/v1/cases", f"/api/v1/cases/{number}/duplicates"):
        response = Client().get(url, **headers)
        assert response.status_code == 200, (url, response.content)
        for secret in PII:
            assert secret not in _body(response), (role, url)


@pytest.mark.parametrize("role", ["poc"])
def test_the_poc_sees_an_anonymous_reporter_and_it_is_logged(city: dict[str, Any], role: str) -> None:
    from patriot.cases.models import ReporterDataAccess

    number = report(Client(), is_anonymous=True).json()["tracking_number"]
    response = Client().get(f"/api/v1/cases/{number}", **auth(city[role][1]))
    assert response.json()["reporter"]["phone"] == PII[1]
    assert ReporterDataAccess.objects.filter(case__tracking_number=number, user=city[role][0]).count() == 1


def test_public_endpoints_never_show_personal_data_or_confidential_cases(city: dict[str, Any]) -> None:
    open_number = report(Client()).json()["tracking_number"]
    secret = report(Client(), is_confidential=True).json()
    public = Client().get(f"/api/v1/public/cases/{open_number}")
    assert public.status_code == 200
    for value in PII:
        assert value not in _body(public)
    assert Client().get(f"/api/v1/public/cases/{secret['tracking_number']}").status_code == 404
    # The reporter still reaches their confidential case through the private link.
    own = Client().get(
        f"/api/v1/public/cases/{secret['tracking_number']}/private", HTTP_X_REPORTER_KEY=secret["reporter_key"]
    )
    assert own.status_code == 200
    assert own.json()["reporter"]["phone"] == PII[1]
    wrong = Client().get(f"/api/v1/public/cases/{secret['tracking_number']}/private", HTTP_X_REPORTER_KEY="guess")
    assert wrong.status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": 123.0}, "latitude"),
        ({"latitude": "utara"}, "latitude"),
        ({"latitude": -6.1754, "longitude": 106.8272}, "location"),
        ({"category": "tidak-ada"}, "category"),
        ({"description": "x" * 10_240}, "description"),
        ({"description": ""}, "description"),
        ({"attributes": {"length_m": "panjang"}}, "attributes.length_m"),
        ({"attributes": {"colour": "merah"}}, "attributes"),
        ({"reporter": {"name": PII[0], "phone": "0812-34"}}, "reporter_phone"),
    ],
)
def test_invalid_input_is_400_with_a_message_and_changes_nothing(
    city: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    response = report(Client(), **overrides)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == field
    assert body["detail"]
    assert Case.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_outside_city_message_is_in_indonesian_by_default_and_names_the_city(city: dict[str, Any]) -> None:
    response = report(Client(), latitude=-6.1754, longitude=106.8272)
    assert "Kota Bekasi" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"%PDF-1.4 not an image", "laporan.jpg"), (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024 + 10), "besar.jpg")],
)
def test_bad_photo_is_400_and_stores_nothing(
    city: dict[str, Any], content: bytes, name: str, tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    created = report(Client()).json()
    number = created["tracking_number"]
    upload = io.BytesIO(content)
    upload.name = name
    response = Client().post(
        f"/api/v1/public/cases/{number}/photos", {"photos": [upload]}, HTTP_X_REPORTER_KEY=created["reporter_key"]
    )
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "photos"
    assert Case.objects.get().attachments.count() == 0
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


def test_intake_is_rate_limited_per_address(city: dict[str, Any], settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 3
    client = Client()
    codes = [report(client).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert Case.objects.count() == 3


def test_rotating_x_forwarded_for_does_not_escape_the_intake_limit(city: dict[str, Any], settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 3
    codes = [
        report(Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")).status_code for n in range(4)
    ]
    assert codes == [201, 201, 201, 429]


def test_behind_a_trusted_proxy_the_limit_is_per_forwarded_client(city: dict[str, Any], settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 1
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert report(Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.1")).status_code == 201
    assert report(Client(**proxy, HTTP_X_FORWARDED_FOR="198.51.100.2")).status_code == 201
    # A forged entry left of the proxy's own does not help: the proxy appended the real address.
    assert report(Client(**proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")).status_code == 429


def test_staff_endpoints_need_authentication(city: dict[str, Any]) -> None:
    assert Client().get("/api/v1/cases").status_code == 401
    assert Client().get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_list_filters_and_pagination(city: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        report(Client())
    report(Client(), category="sampah")
    headers = auth(city["poc"][1])
    assert Client().get("/api/v1/cases?category=sampah", **headers).json()["count"] == 1
    page = Client().get("/api/v1/cases?page_size=2&page=2", **headers).json()
    assert page["count"] == 4 and len(page["results"]) == 2 and page["count_capped"] is False
    # The count stops at the cap (a million matching cases cost what ten thousand do) and says so.
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    capped = Client().get("/api/v1/cases?page_size=2&page=9", **headers).json()
    assert capped["count"] == 3 and capped["count_capped"] is True
    assert capped["page"] == 2 and len(capped["results"]) == 1  # the pages reach the cap, no further
    assert Client().get("/api/v1/cases?category=sampah", **headers).json()["count_capped"] is False
    monkeypatch.undo()
    # A text filter counts only to its own lower cap (cases/filters.py TEXT_COUNT_CAP), as the search page does.
    monkeypatch.setattr(filters, "TEXT_COUNT_CAP", 2)
    worded = Client().get("/api/v1/cases?text=lubang", **headers).json()
    assert worded["count"] == 2 and worded["count_capped"] is True
    assert Client().get("/api/v1/cases", **headers).json()["count"] == 4
    monkeypatch.undo()
    assert Client().get("/api/v1/cases?state=submitted&district=32.75.01", **headers).json()["count"] == 4
    assert Client().get("/api/v1/cases?state=bogus", **headers).status_code == 400


def test_openapi_document_is_served(city: dict[str, Any]) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/cases" in document["paths"]
    assert document["openapi"].startswith("3.")


def test_duplicates_are_offered_while_a_case_awaits_verification(city: dict[str, Any]) -> None:
    older = report(Client()).json()["tracking_number"]
    newer = report(Client(), latitude=MARGAHAYU[0] + 0.001).json()["tracking_number"]
    view = Client().get(f"/api/v1/cases/{newer}", **auth(city["poc"][1])).json()
    assert [d["tracking_number"] for d in view["duplicate_suggestions"]] == [older]
    assert 100 < view["duplicate_suggestions"][0]["distance_metres"] < 125
    merged = Client().post(
        f"/api/v1/cases/{newer}/merge", {"into": older}, content_type="application/json", **auth(city["poc"][1])
    )
    assert merged.json()["state"] == "duplicate"
    assert merged.json()["duplicate_of"] == older
    linked = Client().get(f"/api/v1/cases/{older}", **auth(city["poc"][1])).json()
    assert linked["timeline"][-1]["kind"] == "duplicate_linked"
    assert linked["timeline"][-1]["data"]["duplicate"] == newer


def test_session_auth_for_pages_needs_the_csrf_token(city: dict[str, Any]) -> None:
    number = report(Client()).json()["tracking_number"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(city["poc"][0])
    assert browser.get(f"/api/v1/cases/{number}").status_code == 200
    refused = browser.post(f"/api/v1/cases/{number}/verify", {}, content_type="application/json")
    assert refused.status_code in (401, 403)
    assert Case.objects.get().state == "submitted"
    browser.get("/")  # any page with a form (the language switch) hands out the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        f"/api/v1/cases/{number}/verify", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 200, accepted.content
    assert Case.objects.get().state == "verified"


def test_a_citizen_reading_their_own_case_through_the_api_sees_no_internal_notes(city: dict[str, Any]) -> None:
    from patriot.cases import services
    from tests.factories import make_case

    citizen = User.objects.create_user(username="warga@example.org", password="x-123456789", role=RoleChoices.CITIZEN)
    token = create_api_token(citizen, "app")[1]
    case = make_case(city["pothole"], reporter=citizen)
    services.comment_case(case, by=city["poc"][0], note="Catatan internal POC")
    response = Client().get(f"/api/v1/cases/{case.tracking_number}", **auth(token))
    assert response.status_code == 200
    assert "Catatan internal POC" not in response.content.decode()
    staff_view = Client().get(f"/api/v1/cases/{case.tracking_number}", **auth(city["poc"][1]))
    assert "Catatan internal POC" in staff_view.content.decode()


def test_adding_photos_is_rate_limited_per_address(city: dict[str, Any], tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PATRIOT_PHOTO_RATE_PER_MINUTE = 2
    created = report(Client()).json()

    def add() -> Any:
        upload = io.BytesIO(jpeg())
        upload.name = "foto.jpg"
        return Client().post(
            f"/api/v1/public/cases/{created['tracking_number']}/photos",
            {"photos": [upload]},
            HTTP_X_REPORTER_KEY=created["reporter_key"],
        )

    assert [add().status_code for _ in range(2)] == [200, 200]
    refused = add()
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "foto" in refused.json()["detail"]
    assert Case.objects.get().attachments.count() == 2


def _reported_with_photo(city: dict[str, Any]) -> tuple[str, str, str]:
    """(tracking number, reporter key, photo URL) of a fresh report with one photo."""
    created = report(Client(), title="Lubang di depan rumah Pak Budi").json()
    number, key = created["tracking_number"], created["reporter_key"]
    upload = io.BytesIO(jpeg())
    upload.name = "lubang.jpg"
    added = Client().post(f"/api/v1/public/cases/{number}/photos", {"photos": [upload]}, HTTP_X_REPORTER_KEY=key)
    assert added.status_code == 200, added.content
    return number, key, added.json()["photos"][0]["url"]


def test_a_citizens_photos_become_public_only_once_the_poc_verifies(
    city: dict[str, Any], tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    number, key, url = _reported_with_photo(city)
    public = Client()
    assert public.get(f"/api/v1/public/cases/{number}").json()["photos"] == []
    assert public.get(url).status_code == 404
    assert url not in public.get(f"/lacak/{number}/").content.decode()
    # The reporter and the POC still see it.
    assert Client().get(url, HTTP_X_REPORTER_KEY=key).status_code == 200
    assert Client().get(url, **auth(city["poc"][1])).status_code == 200
    assert Client().get(f"/api/v1/cases/{number}", **auth(city["poc"][1])).json()["photos"][0]["url"] == url

    services.verify_case(Case.objects.get(tracking_number=number), by=city["poc"][0])
    assert public.get(f"/api/v1/public/cases/{number}").json()["photos"][0]["url"] == url
    assert public.get(url).status_code == 200
    assert url in public.get(f"/lacak/{number}/").content.decode()


def test_with_the_switch_off_photos_are_public_from_the_start(
    city: dict[str, Any], tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY = False
    number, _key, url = _reported_with_photo(city)
    assert Client().get(f"/api/v1/public/cases/{number}").json()["photos"][0]["url"] == url
    assert Client().get(url).status_code == 200


@pytest.mark.parametrize("switch", [True, False])
def test_a_rejected_case_shows_the_public_its_state_and_reason_only(
    city: dict[str, Any], tmp_path: Any, settings: Any, switch: bool
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY = switch
    number, key, url = _reported_with_photo(city)
    services.reject_case(Case.objects.get(tracking_number=number), by=city["poc"][0], reason="spam")
    view = Client().get(f"/api/v1/public/cases/{number}").json()
    assert (view["state"], view["rejection_reason"]) == ("rejected", "spam")
    assert view["description"] is None and view["photos"] == [] and view["title"] == "Jalan berlubang"
    assert Client().get(url).status_code == 404
    page_html = Client().get(f"/lacak/{number}/").content.decode()
    assert "Ditolak" in page_html and "Spam" in page_html
    assert "Lubang besar di depan pasar" not in page_html and "Pak Budi" not in page_html and url not in page_html
    # The reporter keeps their own text and photos.
    private = Client().get(f"/api/v1/public/cases/{number}/private", HTTP_X_REPORTER_KEY=key).json()
    assert private["description"].startswith("Lubang besar") and private["photos"][0]["url"] == url
    assert Client().get(url, HTTP_X_REPORTER_KEY=key).status_code == 200


def test_an_untitled_report_is_titled_by_its_category_in_the_readers_language(city: dict[str, Any]) -> None:
    """As on the staff pages (Case.headline): the stored title of an untitled report is its category's Indonesian
    name, which an English reader of the API gets in English; a title the reporter wrote stays as written."""
    untitled = report(Client()).json()["tracking_number"]
    titled = report(Client(), title="Lubang depan SDN 3").json()["tracking_number"]
    services.verify_case(Case.objects.get(tracking_number=untitled), by=city["poc"][0])
    assert Case.objects.get(tracking_number=untitled).title == "Jalan berlubang"
    poc = auth(city["poc"][1])
    for language, expected in (("en", "Pothole"), ("id", "Jalan berlubang")):
        header = {"HTTP_ACCEPT_LANGUAGE": language}
        assert Client().get(f"/api/v1/public/cases/{untitled}", **header).json()["title"] == expected
        assert Client().get(f"/api/v1/cases/{untitled}", **header, **poc).json()["title"] == expected
        listed = {
            r["tracking_number"]: r["title"] for r in Client().get("/api/v1/cases", **header, **poc).json()["results"]
        }
        assert listed == {untitled: expected, titled: "Lubang depan SDN 3"}
        assert Client().get(f"/api/v1/public/cases/{titled}", **header).json()["title"] == "Lubang depan SDN 3"
    # A rejected report shows only its category, also in the reader's language.
    services.reject_case(Case.objects.get(tracking_number=titled), by=city["poc"][0], reason="spam")
    rejected = Client().get(f"/api/v1/public/cases/{titled}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert rejected["title"] == "Pothole"
