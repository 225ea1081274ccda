"""Issue 14 item 9: staff case pages show a category's questions and answers by their labels, in the reader's
language, never the stored codes (`JENIS_KERUSAKAN ['retak']`)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.cases.choices import CaseStateChoices
from tests.factories import case_through, make_agency, make_case, make_category, make_team, staff

pytestmark = pytest.mark.usefixtures("areas")

ATTRIBUTES = [
    {
        "code": "jenis_kerusakan",
        "label": "Jenis kerusakan",
        "label_en": "Type of damage",
        "datatype": "multivaluelist",
        "required": True,
        "values": [
            {"key": "retak", "name": "Retak", "name_en": "Cracked"},
            {"key": "amblas", "name": "Amblas", "name_en": "Sunken"},
        ],
    },
    {
        "code": "panjang",
        "label": "Perkiraan panjang",
        "label_en": "Approximate length",
        "datatype": "number",
        "unit": "m",
    },
]


def _text(html: str) -> str:
    """What a reader sees: the page without tags and attributes."""
    return re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1])


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        ("id", ["Jenis kerusakan", "Retak, Amblas", "Perkiraan panjang", "12 m"], ["Cracked"]),
        ("en", ["Type of damage", "Cracked, Sunken", "Approximate length", "12 m"], ["Retak"]),
    ],
)
def test_answers_by_label_in_the_readers_language(language: str, shown: list[str], hidden: list[str]) -> None:
    agency = make_agency("dbmsda")
    team = make_team(agency, "urc-jalan")
    category = make_category(code="jalan-rusak", default_agency=agency, attributes=ATTRIBUTES)
    submitted = make_case(category, attributes={"jenis_kerusakan": ["retak", "amblas"], "panjang": "12"})
    assigned = case_through(
        CaseStateChoices.ASSIGNED,
        category=category,
        agency=agency,
        team=team,
        attributes={"jenis_kerusakan": ["retak", "amblas"], "panjang": "12"},
    )
    for user, url in (
        (staff(RoleChoices.POC_OPERATOR), f"/poc/laporan/{submitted.tracking_number}/"),
        (staff(RoleChoices.AGENCY_OFFICER, agency=agency), f"/opd/laporan/{assigned.tracking_number}/"),
        (staff(RoleChoices.URC_OFFICER, team=team), f"/urc/laporan/{assigned.tracking_number}/"),
    ):
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.content.decode())
        for words in shown:
            assert words in text, (url, words)
        for words in [*hidden, "jenis_kerusakan", "['retak'"]:
            assert words not in text, (url, words)


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("id", "Genangan air", "Standing water"), ("en", "Standing water", "Genangan air")],
)
def test_a_report_without_a_title_of_its_own_is_headed_by_its_category_in_the_readers_language(
    language: str, shown: str, hidden: str
) -> None:
    agency = make_agency("dbmsda")
    team = make_team(agency, "urc-jalan")
    category = make_category(code="genangan", name="Genangan air", name_en="Standing water", default_agency=agency)
    # Filed without a title (by phone, or the web form's default): the title is the category's Indonesian name.
    twin = make_case(category, title=category.name)  # earlier, so offered as a possible duplicate of the next
    submitted = make_case(category, title=category.name)
    assigned = case_through(CaseStateChoices.ASSIGNED, category=category, agency=agency, team=team, title=category.name)
    written = make_case(category, title="Air setinggi lutut di depan masjid")
    for user, urls in (
        (staff(RoleChoices.POC_OPERATOR), ["/poc/", f"/poc/laporan/{submitted.tracking_number}/"]),
        (staff(RoleChoices.AGENCY_OFFICER, agency=agency), ["/opd/", f"/opd/laporan/{assigned.tracking_number}/"]),
        (staff(RoleChoices.URC_OFFICER, team=team), ["/urc/", f"/urc/laporan/{assigned.tracking_number}/"]),
    ):
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = _text(response.content.decode())
            assert shown in text and hidden not in text, (url, language)
    poc = Client()
    poc.force_login(staff(RoleChoices.POC_OPERATOR))
    poc.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    submitted_page = _text(poc.get(f"/poc/laporan/{submitted.tracking_number}/").content.decode())
    assert twin.tracking_number in submitted_page
    # A title someone wrote stays as written.
    assert "Air setinggi lutut di depan masjid" in _text(
        poc.get(f"/poc/laporan/{written.tracking_number}/").content.decode()
    )
    # The dashboard map's popups too, with written titles as written.
    supervisor = Client()
    supervisor.force_login(staff(RoleChoices.POC_SUPERVISOR))
    supervisor.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    titles = {p["number"]: p["title"] for p in supervisor.get("/poc/dasbor/peta.json").json()["points"]}
    assert titles[submitted.tracking_number] == shown
    assert titles[written.tracking_number] == "Air setinggi lutut di depan masjid"
