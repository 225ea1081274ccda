""" "Sudah dilaporkan?" and supporting a report instead of filing a duplicate (issue 14, item 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from patriot.cases import queries, services
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Supporter
from patriot.core.errors import InvalidInput
from tests.factories import BINTARA, MARGAHAYU, case_through, make_case, make_category

pytestmark = pytest.mark.django_db
# About 110 m north of MARGAHAYU, and about 2 km away.
NEAR = (MARGAHAYU[0] + 0.001, MARGAHAYU[1])
FAR = (MARGAHAYU[0] + 0.02, MARGAHAYU[1])


@pytest.fixture
def category(areas: None) -> Any:
    return make_category()


def test_nearby_finds_open_public_reports_of_the_same_category_within_250_m(category: Any) -> None:
    near = make_case(category, latitude=NEAR[0], longitude=NEAR[1])
    make_case(category, latitude=FAR[0], longitude=FAR[1])  # too far
    make_case(category, latitude=NEAR[0], longitude=NEAR[1], is_confidential=True)  # never shown
    make_case(make_category(), latitude=NEAR[0], longitude=NEAR[1])  # another category
    case_through(CaseStateChoices.CLOSED, category=category, latitude=NEAR[0], longitude=NEAR[1])  # finished
    found = queries.nearby_open_reports(category.pk, *MARGAHAYU)
    assert [(case.pk, 100 <= metres <= 120) for case, metres in found] == [(near.pk, True)]


def test_the_report_form_shows_them_before_submitting(client: Client, category: Any) -> None:
    near = make_case(category, latitude=NEAR[0], longitude=NEAR[1], reporter_email="pelapor@example.com")
    params = {"category": category.code, "latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]}
    html = client.get(reverse("report_nearby"), params).content.decode()
    assert "Sudah dilaporkan?" in html and near.tracking_number in html
    assert reverse("support_case", kwargs={"number": near.tracking_number}) in html
    assert "pelapor@example.com" not in html
    away = client.get(reverse("report_nearby"), {**params, "latitude": BINTARA[0], "longitude": BINTARA[1]})
    assert "Sudah dilaporkan?" not in away.content.decode()


def test_supporting_counts_once_per_contact_and_needs_consent_for_a_contact(client: Client, category: Any) -> None:
    case = make_case(category)
    url = reverse("support_case", kwargs={"number": case.tracking_number})
    refused = client.post(url, {"email": "tetangga@example.com"})
    assert refused.status_code == 400 and "Centang persetujuan" in refused.content.decode()
    assert client.post(url, {"email": "tetangga@example.com", "consent": "on"}).status_code == 302
    assert client.post(url, {"email": "tetangga@example.com", "consent": "on"}).status_code == 302
    assert client.post(url, {}).status_code == 302  # anonymous support without a contact counts too
    case.refresh_from_db()
    assert case.supporter_count == 2 and Supporter.objects.filter(case=case).count() == 2
    entry = case.timeline.filter(kind="supported").latest("id")
    assert not entry.is_public and entry.data == {"supporters": 2}


def test_confidential_or_finished_cases_cannot_be_supported(client: Client, category: Any) -> None:
    secret = make_case(category, is_confidential=True)
    closed = case_through(CaseStateChoices.CLOSED, category=category)
    for case in (secret, closed):
        assert client.get(reverse("support_case", kwargs={"number": case.tracking_number})).status_code == 404
    with pytest.raises(InvalidInput):
        services.support_case(secret)


def test_supporting_is_rate_limited(client: Client, category: Any, settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 1
    case = make_case(category)
    url = reverse("support_case", kwargs={"number": case.tracking_number})
    assert client.post(url, {}).status_code == 302
    assert client.post(url, {}).status_code == 429


def test_supporters_contacts_go_with_the_reporter_s_when_retention_runs(category: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    case = make_case(category=category)
    services.support_case(case, email="warga@example.com", phone="0812 3333 4444", consent=True)
    assert Supporter.objects.filter(email="warga@example.com").exists()
    services.forget_reporter_contacts(timezone.now() + timedelta(days=1))
    assert Supporter.objects.get().email == "warga@example.com"  # still open: kept to tell them
    case_through(CaseStateChoices.CLOSED, case=case)
    services.forget_reporter_contacts(timezone.now() + timedelta(days=1))
    supporter = Supporter.objects.get()
    assert (supporter.email, supporter.phone) == ("", "")


def test_in_english_a_nearby_report_and_its_support_page_name_the_category_in_english(
    client: Client, category: Any
) -> None:
    # A report filed without a title of its own is titled with the category's Indonesian name.
    near = make_case(category, latitude=NEAR[0], longitude=NEAR[1], title=category.name)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    params = {"category": category.code, "latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]}
    html = client.get(reverse("report_nearby"), params).content.decode()
    assert near.tracking_number in html and category.name_en in html and category.name not in html
    support = client.get(reverse("support_case", kwargs={"number": near.tracking_number})).content.decode()
    assert category.name_en in support and category.name not in support
