"""The report form, round two (issue 14, items 1–3): place by kelurahan without a map, every error at once and in
words, photos kept across a refused submit, a category's questions under its name, the category search."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.test import Client
from django.urls import reverse

from patriot.accounts.services import load_agencies
from patriot.cases import category_search, held_photos
from patriot.cases.models import Case, Category
from patriot.cases.seed import load_categories
from patriot.geo.models import Village
from tests.factories import MARGAHAYU, OUTSIDE_CITY, jpeg_bytes, make_category

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


def _data(client: Client, category: Any, **overrides: Any) -> dict[str, Any]:
    page = client.get(reverse("report"))
    data = {
        "idempotency_key": page.context["form"].initial["idempotency_key"],
        "category": category.code,
        "description": "Lubang besar di depan sekolah.",
        "latitude": str(MARGAHAYU[0]),
        "longitude": str(MARGAHAYU[1]),
        "atribut_kedalaman": "dalam",
        "reporter_name": "Siti",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _photo(name: str = "jalan.jpg") -> io.BytesIO:
    upload = io.BytesIO(jpeg_bytes())
    upload.name = name
    return upload


def test_a_missing_location_is_said_in_words_not_as_a_python_list(client: Client, category: Any) -> None:
    response = client.post(reverse("report"), _data(client, category, latitude=None, longitude=None))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Tandai lokasi di peta, atau pilih kelurahannya dari daftar." in html
    assert "[&#x27;" not in html and "['" not in html


def test_every_problem_is_listed_in_one_answer(client: Client, category: Any) -> None:
    """A missing description, a point outside the city and a wrong phone number: all three at once."""
    data = _data(
        client,
        category,
        description="",
        latitude=str(OUTSIDE_CITY[0]),
        longitude=str(OUTSIDE_CITY[1]),
        reporter_phone="12",
    )
    response = client.post(reverse("report"), data)
    summary = re.search(r'id="form-errors".*?</div>', response.content.decode(), re.S)
    assert response.status_code == 400 and summary
    text = summary.group(0)
    assert "#field-description" in text and "#field-location" in text and "#field-reporter_phone" in text
    assert "di luar wilayah" in text


def test_chosen_photos_survive_a_refused_submit_and_are_filed_with_the_report(client: Client, category: Any) -> None:
    first = client.post(reverse("report"), {**_data(client, category, description=""), "photos": [_photo()]})
    assert first.status_code == 400
    form = first.context["form"]
    assert [photo.name for photo in form.held] == ["jalan.jpg"]
    token = form["held_photos"].value()
    html = first.content.decode()
    assert f'value="{token}"' in html and "jalan.jpg" in html and "tetap tersimpan" in html
    held_path = form.held[0].path
    assert default_storage.exists(held_path)

    data = {**_data(client, category), "idempotency_key": form["idempotency_key"].value(), "held_photos": token}
    second = client.post(reverse("report"), {**data, "photos": [_photo("kedua.jpg")]})
    assert second.status_code == 302
    case = Case.objects.get()
    assert case.attachments.count() == 2
    assert not default_storage.exists(held_path)  # filed as the case's attachment, the held copy is gone


def test_a_forged_or_dropped_token_attaches_nothing(client: Client, category: Any) -> None:
    first = client.post(reverse("report"), {**_data(client, category, description=""), "photos": [_photo()]})
    token = first.context["form"]["held_photos"].value()
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    client.post(reverse("report"), {**_data(client, category), "held_photos": forged})
    assert Case.objects.get().attachments.count() == 0
    client.post(reverse("report"), {**_data(client, category), "held_photos": token, "drop_held_photos": "1"})
    assert Case.objects.latest("id").attachments.count() == 0
    assert held_photos.read_token("not-a-token") == []


def test_the_questions_appear_under_the_chosen_category(client: Client, category: Any) -> None:
    html = client.get(reverse("report"), {"kategori": category.code}).content.decode()
    option = re.search(rf'data-category-code="{category.code}".*?</label>\s*(<div[^>]*id="attributes")', html, re.S)
    assert option, "the questions' slot must follow the chosen category's label"
    assert html.count('id="attributes"') == 1
    slot = html[option.start(1) :]
    assert f"Keterangan tambahan untuk {category.name}" in slot[:2000] and 'name="atribut_kedalaman"' in slot[:2000]


def test_without_a_map_the_case_is_placed_at_the_kelurahan_and_flagged(client: Client, category: Any) -> None:
    village = Village.objects.get(name="Margahayu")
    data = _data(client, category, latitude=None, longitude=None, village=village.code, address="Depan SDN 1")
    response = client.post(reverse("report"), data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.location_is_approximate and case.village_id == village.pk
    assert (case.latitude, case.longitude) == (village.centroid_lat, village.centroid_lon)


def test_a_point_on_the_map_is_not_approximate(client: Client, category: Any) -> None:
    client.post(reverse("report"), _data(client, category))
    assert Case.objects.get().location_is_approximate is False


# --- category search --------------------------------------------------------------------------------


@pytest.fixture
def seeded_categories(db: None) -> None:
    load_agencies()
    load_categories()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("got mampet", "saluran-tersumbat"),
        ("selokan mampet", "saluran-tersumbat"),
        ("mampet selokan", "saluran-tersumbat"),  # any order
        ("selokn mampett", "saluran-tersumbat"),  # typos
        ("jalan bolong", "jalan-berlubang"),
        ("lampu jalan mati", "pju-mati"),
        ("sampah menumpuk", "sampah-tidak-diangkut"),
        ("banjir", "banjir"),
        ("bajir", "banjir"),
        ("pothole", "jalan-berlubang"),
    ],
)
def test_category_search_finds_what_people_type(seeded_categories: None, typed: str, expected: str) -> None:
    matches = category_search.search(typed, Category.objects.filter(is_active=True))
    assert matches and matches[0].code == expected, [m.code for m in matches[:3]]


def test_category_search_endpoint_says_when_nothing_matches(client: Client, seeded_categories: None) -> None:
    body = client.get(reverse("report_category_search"), {"q": "xyzzy qwrtp"}).json()
    assert body == {"codes": [], "fallback": "lainnya", "found": False}
    body = client.get(reverse("report_category_search"), {"q": "got mampet"}).json()
    assert body["found"] and body["codes"][0] == "saluran-tersumbat"


def test_the_fallback_category_exists_and_waits_for_the_poc(seeded_categories: None) -> None:
    other = Category.objects.get(code=category_search.FALLBACK_CATEGORY)
    assert other.is_active and other.default_agency is None
    assert other.name.startswith("Lainnya")


def test_the_report_page_offers_the_fallback_in_words(client: Client, seeded_categories: None, areas: None) -> None:
    html = client.get(reverse("report")).content.decode()
    assert 'data-category-code="lainnya"' in html and "Tidak ada kategori yang cocok" in html


def test_held_photos_of_an_abandoned_form_are_purged(client: Client, category: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    first = client.post(reverse("report"), {**_data(client, category, description=""), "photos": [_photo()]})
    path = first.context["form"].held[0].path
    assert held_photos.purge_expired() == 0 and default_storage.exists(path)
    later = timezone.now() + timedelta(seconds=held_photos.HOLD_SECONDS + 7200)
    assert held_photos.purge_expired(later) == 1 and not default_storage.exists(path)


class UnlistedStorage(FileSystemStorage):
    """A real file storage that cannot list its folders, as Django's Storage API allows (listdir is optional:
    django.core.files.storage.Storage.listdir raises NotImplementedError, as stores without folders may)."""

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        raise NotImplementedError("this storage cannot list its folders")


def test_held_photos_are_purged_on_a_storage_that_cannot_list_folders(
    client: Client, category: Any, settings: Any, tmp_path: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.UnlistedStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    first = client.post(reverse("report"), {**_data(client, category, description=""), "photos": [_photo()]})
    path = first.context["form"].held[0].path
    assert isinstance(default_storage._wrapped, UnlistedStorage) and default_storage.exists(path)
    assert (tmp_path / "media" / path).is_file()
    assert held_photos.purge_expired() == 0 and default_storage.exists(path)
    later = timezone.now() + timedelta(seconds=held_photos.HOLD_SECONDS + 7200)
    assert held_photos.purge_expired(later) == 1
    assert not default_storage.exists(path) and not (tmp_path / "media" / path).exists()
    assert held_photos.purge_expired(later) == 0


def test_a_filed_report_leaves_no_held_photo_record(client: Client, category: Any) -> None:
    from patriot.cases.models import HeldPhotoFile

    first = client.post(reverse("report"), {**_data(client, category, description=""), "photos": [_photo()]})
    form = first.context["form"]
    assert HeldPhotoFile.objects.filter(path=form.held[0].path).exists()
    data = {**_data(client, category), "idempotency_key": form["idempotency_key"].value()}
    sent = client.post(reverse("report"), {**data, "held_photos": form["held_photos"].value()})
    assert sent.status_code == 302
    assert not HeldPhotoFile.objects.exists() and not default_storage.exists(form.held[0].path)
