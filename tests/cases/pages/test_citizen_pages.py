"""The citizens' pages through the test client: report validation, private-key handling and the public map API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from patriot.cases import services
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Case
from patriot.cases.queries import PublicMapFilter, public_map_view
from tests.core.test_layout import csp_problems
from tests.factories import (
    BINTARA,
    MARGAHAYU,
    OUTSIDE_CITY,
    case_through,
    jpeg_bytes,
    make_case,
    make_category,
    photo,
    staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def category(areas: None) -> Any:
    return make_category(
        attributes=[
            {
                "code": "kedalaman",
                "label": "Kedalaman",
                "label_en": "Depth",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "dalam", "name": "Dalam", "name_en": "Deep"}],
            }
        ]
    )


def _form(client: Client) -> dict[str, str]:
    page = client.get(reverse("report"))
    return {"idempotency_key": page.context["form"].initial["idempotency_key"]}


def _post(client: Client, category: Any, **overrides: Any) -> Any:
    data = {
        **_form(client),
        "category": category.code,
        "description": "Lubang besar di depan sekolah.",
        "latitude": str(MARGAHAYU[0]),
        "longitude": str(MARGAHAYU[1]),
        "atribut_kedalaman": "dalam",
        "reporter_name": "Siti",
        "reporter_phone": "081234567890",
    }
    data.update(overrides)
    return client.post(reverse("report"), data)


def test_report_page_renders_without_csp_problems(client: Client, category: Any) -> None:
    response = client.get(reverse("report"))
    html = response.content.decode()
    assert response.status_code == 200 and not csp_problems(html)
    assert 'capture="environment"' in html and 'name="idempotency_key"' in html


def test_attributes_fragment_shows_the_category_fields(client: Client, category: Any) -> None:
    response = client.get(reverse("report_attributes"), {"category": category.code})
    assert 'name="atribut_kedalaman"' in response.content.decode()


def test_a_report_creates_one_case_even_when_sent_twice(client: Client, category: Any) -> None:
    data = {
        **_form(client),
        "category": category.code,
        "description": "Lubang",
        "atribut_kedalaman": "dalam",
        "latitude": str(MARGAHAYU[0]),
        "longitude": str(MARGAHAYU[1]),
    }
    first = client.post(reverse("report"), data)
    second = client.post(reverse("report"), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    case = Case.objects.get()
    sent = client.get(first["Location"])
    html = sent.content.decode()
    assert case.tracking_number in html and services.reporter_key_for(case) in html
    assert sent["Referrer-Policy"] == "same-origin" and sent["Cache-Control"] == "no-store"
    assert "paling lambat" in html


def test_errors_are_shown_next_to_their_fields_and_the_text_is_kept(client: Client, category: Any) -> None:
    response = _post(
        client,
        category,
        description="",
        atribut_kedalaman="",
        latitude=str(OUTSIDE_CITY[0]),
        longitude=str(OUTSIDE_CITY[1]),
        address="Jl. Juanda",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_description_error"' in html and 'id="id_atribut_kedalaman_error"' in html
    assert 'value="Jl. Juanda"' in html
    assert Case.objects.count() == 0


def test_a_point_outside_the_city_is_shown_at_the_map(client: Client, category: Any) -> None:
    response = _post(client, category, latitude=str(OUTSIDE_CITY[0]), longitude=str(OUTSIDE_CITY[1]))
    html = response.content.decode()
    assert response.status_code == 400 and 'id="location_error"' in html


def test_a_refused_photo_keeps_the_description(client: Client, category: Any) -> None:
    fake = io.BytesIO(b"bukan foto")
    fake.name = "foto.jpg"
    response = _post(client, category, photos=fake, description="Sampah menumpuk")
    html = response.content.decode()
    assert response.status_code == 400
    assert "bukan foto JPEG" in html and "Sampah menumpuk" in html
    assert html.count("bukan foto JPEG") == 2  # in the summary and at the field, once each


def test_a_photo_is_accepted(client: Client, category: Any) -> None:
    good = io.BytesIO(jpeg_bytes())
    good.name = "foto.jpg"
    response = _post(client, category, photos=good)
    assert response.status_code == 302
    assert Case.objects.get().attachments.count() == 1


def test_rate_limit_says_so(client: Client, category: Any, settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 1
    _post(client, category)
    response = _post(client, category, description="Laporan kedua")
    assert response.status_code == 429 and "Terlalu banyak laporan" in response.content.decode()
    assert response["Retry-After"] == "60"


def test_track_form_redirects_to_the_case(client: Client, category: Any) -> None:
    case = make_case(category, attributes={"kedalaman": "dalam"})
    response = client.get(reverse("track"), {"number": case.tracking_number.lower()})
    assert response["Location"] == reverse("track_case", kwargs={"number": case.tracking_number})
    assert client.get(reverse("track"), {"number": "BKS-0000-000000"}).status_code == 404


def test_public_page_has_no_personal_data(client: Client, category: Any) -> None:
    case = make_case(
        category,
        attributes={"kedalaman": "dalam"},
        reporter_name="Siti Rahasia",
        reporter_phone="081299990000",
        reporter_email="siti@example.org",
    )
    response = client.get(reverse("track_case", kwargs={"number": case.tracking_number}))
    html = response.content.decode()
    assert response.status_code == 200 and not csp_problems(html)
    for private in ("Siti Rahasia", "081299990000", "siti@example.org", services.reporter_key_for(case)):
        assert private not in html
    assert response["Referrer-Policy"] == "same-origin"


def test_confidential_case_needs_the_key(client: Client, category: Any) -> None:
    case = make_case(category, attributes={"kedalaman": "dalam"}, is_confidential=True, reporter_phone="0812 3456 7890")
    url = reverse("track_case", kwargs={"number": case.tracking_number})
    assert client.get(url).status_code == 404
    assert client.get(url, {"kunci": "salah"}).status_code == 404
    response = client.get(url, {"kunci": services.reporter_key_for(case)})
    assert response.status_code == 302 and response["Location"] == url  # the key leaves the URL
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(url)
    assert page.status_code == 200 and "+6281234567890" in page.content.decode()


def test_reporter_actions(client: Client, category: Any) -> None:
    case = case_through(CaseStateChoices.RESOLVED, category=category, attributes={"kedalaman": "dalam"})
    url = reverse("track_case", kwargs={"number": case.tracking_number})
    assert client.post(url, {"action": "confirm"}).status_code == 404  # no key, no private actions
    client.get(url, {"kunci": services.reporter_key_for(case)})
    refused = client.post(url, {"action": "dispute", "reason": ""})
    assert refused.status_code == 400 and 'id="dispute_reason_error"' in refused.content.decode()
    assert client.post(url, {"action": "comment", "note": "Masih ada genangan."}).status_code == 302
    assert client.post(url, {"action": "dispute", "reason": "Belum ditambal."}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseStateChoices.IN_PROGRESS
    assert case.timeline.filter(kind="commented", note="Masih ada genangan.").exists()


def test_reporter_adds_a_photo(client: Client, category: Any) -> None:
    case = make_case(category, attributes={"kedalaman": "dalam"})
    url = reverse("track_case", kwargs={"number": case.tracking_number})
    client.get(url, {"kunci": services.reporter_key_for(case)})
    good = io.BytesIO(jpeg_bytes())
    good.name = "tambahan.jpg"
    assert client.post(url, {"action": "add_photos", "photos": good}).status_code == 302
    assert case.attachments.count() == 1


def test_public_map_page_and_list(client: Client, category: Any) -> None:
    make_case(category, attributes={"kedalaman": "dalam"})
    make_case(category, attributes={"kedalaman": "dalam"}, is_confidential=True, reporter_name="Rahasia")
    response = client.get(reverse("public_map"))
    html = response.content.decode()
    assert response.status_code == 200 and not csp_problems(html)
    assert response.context["page"].paginator.count == 1 and "Rahasia" not in html
    fragment = client.get(reverse("public_list"), {"category": category.code, "halaman": "9"})
    assert fragment.status_code == 200


def test_map_endpoint_filters_by_box_and_hides_confidential(client: Client, category: Any) -> None:
    east = make_case(category, attributes={"kedalaman": "dalam"}, reporter_phone="0811-1234-567")
    make_case(category, lat=BINTARA[0], lon=BINTARA[1], attributes={"kedalaman": "dalam"})
    make_case(category, attributes={"kedalaman": "dalam"}, is_confidential=True)
    box = f"{MARGAHAYU[1] - 0.01},{MARGAHAYU[0] - 0.01},{MARGAHAYU[1] + 0.01},{MARGAHAYU[0] + 0.01}"
    body = client.get("/api/v1/public/cases.geojson", {"bbox": box}).json()
    assert [f["properties"]["tracking_number"] for f in body["features"]] == [east.tracking_number]
    text = str(body)
    assert "8111234567" not in text and "reporter" not in text
    assert client.get("/api/v1/public/cases.geojson").json()["total"] == 2
    assert client.get("/api/v1/public/cases.geojson", {"bbox": "1,2,3"}).status_code == 400
    assert client.get("/api/v1/public/cases.geojson", {"state": "resolved"}).json()["total"] == 0


def test_map_aggregates_above_the_cap(category: Any) -> None:
    for _ in range(4):
        make_case(category, attributes={"kedalaman": "dalam"})
    make_case(category, lat=BINTARA[0], lon=BINTARA[1], attributes={"kedalaman": "dalam"})
    view = public_map_view(PublicMapFilter(), west=106.93, south=-6.30, east=107.03, north=-6.20, cap=3)
    assert view.aggregated and not view.points
    assert sorted(cell.count for cell in view.cells) == [1, 4]
    assert all(-6.30 < cell.latitude < -6.20 for cell in view.cells)


def _exif_of(data: bytes) -> dict[int, Any]:
    return dict(Image.open(io.BytesIO(data)).getexif())


@pytest.mark.parametrize("confidential", [False, True])
def test_the_public_case_page_shows_before_and_after_photos_only_of_a_public_case(
    client: Client, category: Any, confidential: bool
) -> None:
    """Issue 14 item 10: the citizen's photo (before) beside the URC's proof photo (after), both stripped of their
    camera metadata; a confidential case shows the public nothing at all, not even a photo by its address."""
    case = make_case(
        category, attributes={"kedalaman": "dalam"}, is_confidential=confidential, photos=[photo("lubang.jpg")]
    )
    case_through(CaseStateChoices.IN_PROGRESS, case=case)
    services.resolve_case(
        case,
        by=staff("urc_officer", team=case.team),
        note="Lubang sudah ditambal.",
        proof_photos=[photo("bukti.jpg")],  # with GPS EXIF, as a phone camera writes it
    )
    services.confirm_case(case, note="Terima kasih.")
    before = case.attachments.get(kind="report_photo")
    after = case.attachments.get(kind="proof_photo")
    urls = [reverse("api-v1:attachment_file", kwargs={"attachment_id": a.pk}) for a in (before, after)]
    page = client.get(reverse("track_case", kwargs={"number": case.tracking_number}))
    if confidential:
        assert page.status_code == 404
        body = page.content.decode()
        assert all(url not in body for url in urls) and "data-photos" not in body
        assert all(client.get(url).status_code == 404 for url in urls)
        return
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-photos="before"' in body and 'data-photos="after"' in body
    assert body.index(urls[0]) < body.index('data-photos="after"') < body.index(urls[1])
    assert "Sebelum: foto dari pelapor" in body and "Sesudah: foto bukti dari petugas" in body
    for url in urls:
        served = client.get(url)
        assert served.status_code == 200
        data = b"".join(served.streaming_content)  # type: ignore[attr-defined]
        assert _exif_of(data) == {} and b"PhoneMaker" not in data
    # The same page in English.
    client.cookies["django_language"] = "en"
    english = client.get(reverse("track_case", kwargs={"number": case.tracking_number})).content.decode()
    assert "Before: the reporter's photo" in english and "After: the field team's proof photo" in english


@pytest.mark.parametrize(
    ("contact", "notice"),
    [
        ({"reporter_email": "siti@example.id", "reporter_phone": ""}, "email"),
        ({"reporter_name": "", "reporter_phone": ""}, "none"),
        ({"reporter_phone": "081234567890"}, None),
    ],
)
def test_the_sent_page_says_how_the_reporter_will_hear_back(
    client: Client, category: Any, contact: dict[str, str], notice: str | None
) -> None:
    """A reporter without an account learns on the spot that the link went to their email too (and where to have it
    resent), or that without a contact nobody can tell them anything: the private link is all they have."""
    sent = client.get(_post(client, category, **contact)["Location"]).content.decode()
    notices = [kind for kind in ("email", "none") if f'data-contact-notice="{kind}"' in sent]
    assert notices == ([notice] if notice else [])
    if notice == "email":
        assert "siti@example.id" in sent and reverse("citizens:resend-link") in sent
