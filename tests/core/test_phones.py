"""One way to read phone numbers (patriot.core.phones), and what it buys: numbers stored in E.164 by every channel,
found by the call centre and the staff search however they were typed."""

from __future__ import annotations

import random
import re
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from patriot.accounts.choices import RoleChoices
from patriot.callcentre import queries as callcentre_queries
from patriot.cases.models import Case, Category
from patriot.core import phones
from patriot.core.errors import InvalidInput
from patriot.core.phones import normalise_phone
from patriot.events.models import OutboxEvent
from tests.browser import PHONE
from tests.factories import MARGAHAYU, load_areas, make_case, make_category, make_user

# --- the rule ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("0812.3456.7890", "+6281234567890"),
        ("  0812 - 3456 - 7890  ", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62 (0)812-3456-7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0811-1234-567", "+628111234567"),
        ("(021) 8895 1234", "+622188951234"),  # a Jakarta/Bekasi landline
        ("021-8801234", "+62218801234"),
    ],
)
def test_indonesian_numbers_become_e164_however_they_are_written(typed: str, e164: str) -> None:
    assert normalise_phone(typed) == e164


@pytest.mark.parametrize("typed", ["081234567890", "+62 812-3456-7890", "0811-1234-567"])
def test_mobile_only_accepts_mobile_numbers(typed: str) -> None:
    assert normalise_phone(typed, mobile_only=True).startswith("+628")


@pytest.mark.parametrize(
    ("typed", "options", "code"),
    [
        ("", {}, "required"),
        ("   ", {}, "required"),
        ("0812 3456 7890 " + "9" * 20, {}, "too_long"),
        ("halo", {}, "invalid_phone"),
        ("bukan nomor", {}, "invalid_phone"),
        ("08123", {}, "invalid_phone"),  # too few digits
        ("0812", {}, "invalid_phone"),
        ("+62 999", {}, "invalid_phone"),
        ("0812 3456 7890 1234 5", {}, "invalid_phone"),  # too many digits
        ("+1 415 555 2671", {}, "foreign_phone"),
        ("+60 12-345 6789", {}, "foreign_phone"),  # Malaysia
        ("+44 20 7946 0958", {}, "foreign_phone"),
        ("+44 20 7946 0958", {"mobile_only": True, "allow_foreign": True}, "foreign_phone"),  # SMS: Indonesia only
        ("021 8801234", {"mobile_only": True}, "not_mobile"),
        ("+6221 8801234", {"mobile_only": True}, "not_mobile"),
    ],
)
def test_bad_numbers_are_refused_with_a_code_and_the_field(typed: str, options: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone(typed, field="reporter_phone", **options)
    assert (caught.value.code, caught.value.field, caught.value.status_code) == (code, "reporter_phone", 400)
    assert isinstance(caught.value.message, str) and caught.value.message


def test_foreign_numbers_pass_when_the_caller_allows_them() -> None:
    assert normalise_phone("+44 20 7946 0958", allow_foreign=True) == "+442079460958"
    assert normalise_phone("+1 415 555 2671", allow_foreign=True) == "+14155552671"
    # Without a country code a number is still read as Indonesian.
    assert normalise_phone("0812-3456-7890", allow_foreign=True) == "+6281234567890"


def test_messages_name_the_field_in_the_users_language() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_phone("halo", label="Nomor penelepon")
    assert caught.value.message.startswith("Nomor penelepon")
    with pytest.raises(InvalidInput) as caught:
        normalise_phone("+1 415 555 2671", mobile_only=True)
    assert caught.value.message.startswith("Nomor HP") and "(+62)" in caught.value.message
    with pytest.raises(InvalidInput) as caught:
        normalise_phone("")
    assert caught.value.message == "Nomor telepon wajib diisi."
    with translation.override("en"), pytest.raises(InvalidInput) as caught:
        normalise_phone("")
    # Translated when raised, in the language of the request ("%(label)s wajib diisi." is in the catalog).
    assert caught.value.message.endswith("is required.")


def _typed_numbers(count: int) -> list[str]:
    """Numbers as people type them and as they mistype them: Indonesian mobiles and landlines in every common
    form, too short and too long, with odd separators, foreign numbers, and the 62… that may be an area code."""
    rng = random.Random(16)
    starts = [
        "08", "081", "0811", "0812", "0813", "0821", "0838", "0852", "0855", "0859", "0877", "0881", "0895", "0899",
        "0800", "0804", "0809", "084", "+628", "+62 8", "+62-812", "628", "62 8", "62-8", "62 812", "6262", "62 62",
        "+6262", "62", "+62", "0", "021", "0062", "00628", "+620", "6208", "8", "+1", "+44", "+61", "+65", "1",
        "+62 (0) 8", "(0", "+ 62 8", "++628", "0٨", "０8",
    ]  # fmt: skip
    separators = ["", "", "", " ", "-", "  ", " - ", ".", "/", "\t", "x"]
    numbers = []
    for _ in range(count):
        text = rng.choice(starts)
        length = rng.randrange(6, 12) if rng.random() < 0.6 else rng.randrange(0, 16)
        while length:
            if rng.random() < 0.15:
                text += rng.choice(separators)
            else:
                text += rng.choice("0123456789")
                length -= 1
        numbers.append(rng.choice(["", " ", "-"]) + text + rng.choice(["", " ", "-"]))
    return numbers


def _outcome(call: Any, text: str, **options: Any) -> tuple[str, str | None, str]:
    try:
        return ("number", None, call(text, **options))
    except InvalidInput as refused:
        return ("refused", refused.code, f"{refused} {refused.field}")


def _disagreements(numbers: list[str]) -> list[tuple[str, dict[str, bool]]]:
    options_sets = [{}, {"mobile_only": True}, {"allow_foreign": True}]
    return [
        (text, options)
        for text in numbers
        for options in options_sets
        if _outcome(normalise_phone, text, **options)
        != _outcome(
            phones._parsed,
            text,
            **{"field": "phone", "label": None, "mobile_only": False, "allow_foreign": False} | options,
        )
    ]


def test_the_shortcut_for_common_forms_answers_as_the_parser_does() -> None:
    numbers = _typed_numbers(4000)
    shortcut = [phones._common_indonesian_form(text, mobile_only=False) for text in numbers]

    assert _disagreements(numbers) == []
    # Not a vacuous comparison: many numbers take the shortcut, many are left to the parser.
    assert min(sum(e164 is not None for e164 in shortcut), sum(e164 is None for e164 in shortcut)) > 400


def test_the_comparison_catches_a_shortcut_that_always_takes_62_for_the_country_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert normalise_phone("62812345678") == "+6262812345678"  # a landline in area 0628, as the parser reads it

    monkeypatch.setattr(phones._ANY_NUMBER, "pattern", re.compile("(?!)"))

    assert ("62812345678", {}) in _disagreements(["62812345678"])


def test_the_comparison_catches_a_shortcut_that_takes_a_number_outside_the_mobile_plan_for_valid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(phones._MOBILE_NUMBER, "pattern", re.compile(r"\d+"))

    assert ("0841234567", {}) in _disagreements(["0841234567"])
    assert _disagreements(_typed_numbers(1000)), "the generated numbers catch it too"


# --- every channel stores E.164 ---------------------------------------------------------------------


@pytest.fixture
def category(db: None) -> Category:
    load_areas()
    return make_category()


def test_create_case_stores_the_reporters_number_in_e164(category: Category) -> None:
    assert make_case(category, reporter_phone="0812 3456 7890").reporter_phone == "+6281234567890"
    assert make_case(category, reporter_phone="+44 20 7946 0958").reporter_phone == "+442079460958"
    assert make_case(category, reporter_phone="  ").reporter_phone == ""


def test_create_case_refuses_an_unreadable_number_and_changes_nothing(category: Category) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_case(category, reporter_phone="0812-34")
    assert (caught.value.field, caught.value.code) == ("reporter_phone", "invalid_phone")
    assert caught.value.message.startswith("Nomor HP")
    assert not Case.objects.exists() and not OutboxEvent.objects.exists()


def _report_form(client: Client, category: Category, phone: str) -> Any:
    page = client.get(reverse("report"))
    return client.post(
        reverse("report"),
        {
            "idempotency_key": page.context["form"].initial["idempotency_key"],
            "category": category.code,
            "description": "Lubang besar di depan sekolah.",
            "latitude": str(MARGAHAYU[0]),
            "longitude": str(MARGAHAYU[1]),
            "reporter_name": "Siti",
            "reporter_phone": phone,
        },
    )


def test_the_pot_form_stores_e164(category: Category) -> None:
    response = _report_form(Client(), category, "0812-3456-7890")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get().reporter_phone == "+6281234567890"


def test_the_pot_form_shows_a_bad_number_next_to_the_field_and_keeps_it(category: Category) -> None:
    response = _report_form(Client(), category, "0812-34")
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_reporter_phone_error"' in html
    assert "Nomor HP tidak valid" in html
    assert 'value="0812-34"' in html  # what the citizen typed is kept for correction
    assert not Case.objects.exists()


def _api_report(phone: str) -> Any:
    body = {
        "category": Category.objects.get().code,
        "description": "Lubang besar di depan pasar.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "reporter": {"name": "Siti", "phone": phone},
    }
    return Client().post("/api/v1/cases", body, content_type="application/json")


def test_the_api_stores_e164_and_answers_400_for_a_bad_number(category: Category) -> None:
    created = _api_report("62 812 3456 7890")
    assert created.status_code == 201, created.content
    assert Case.objects.get(tracking_number=created.json()["tracking_number"]).reporter_phone == "+6281234567890"
    refused = _api_report("nomor saya")
    assert refused.status_code == 400
    assert refused.json()["field"] == "reporter_phone" and refused.json()["detail"].startswith("Nomor HP")
    assert Case.objects.count() == 1


# --- finding a reporter by number ---------------------------------------------------------------------


def test_the_call_centre_finds_a_pot_case_typed_with_spaces(category: Category) -> None:
    case = make_case(category, reporter_phone="0812 3456 7890")
    make_case(category, reporter_phone="0812 3456 7899")  # someone else
    operator = make_user(RoleChoices.CALLCENTRE_OPERATOR)
    for typed in ("+6281234567890", "0812-3456-7890", "62 812 3456 7890"):
        found = callcentre_queries.lookup(typed, viewer=operator)
        assert found.history is not None, typed
        assert [c.pk for c in found.history.cases] == [case.pk], typed


def _search(user: Any, phone: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/poc/cari/", {"phone": phone})
    assert response.status_code == 200
    return response.content.decode()


def test_staff_search_by_phone_finds_the_number_however_it_is_typed(category: Category) -> None:
    match = make_case(category, reporter_phone="0812 3456 7890")
    other = make_case(category, reporter_phone="0813 3456 7890")
    anonymous = make_case(category, reporter_phone="0812-3456-7890", is_anonymous=True)
    operator = make_user(RoleChoices.POC_OPERATOR)
    for typed in ("0812-3456-7890", "+62 812 3456 7890", "6281234567890", "081234567890"):
        html = _search(operator, typed)
        assert match.tracking_number in html and anonymous.tracking_number in html, typed
        assert other.tracking_number not in html, typed
    # A part of a number still searches the digits.
    html = _search(operator, "3456 7890")
    assert match.tracking_number in html and other.tracking_number in html
    # Who may not see anonymous reporters never finds an anonymous case by its number.
    html = _search(make_user(RoleChoices.MAYOR), "0812-3456-7890")
    assert match.tracking_number in html and anonymous.tracking_number not in html


# --- older rows ---------------------------------------------------------------------------------------


def test_the_data_migration_rewrites_readable_numbers_and_leaves_the_rest(
    category: Category, monkeypatch: pytest.MonkeyPatch
) -> None:
    migration = import_module("patriot.cases.migrations.0007_normalise_reporter_phones")
    typed = ["0812 3456 7890", "62-812-3456-7891", "+6281234567892", "+44 20 7946 0958", "bukan nomor", "0812", ""]
    cases = [make_case(category) for _ in typed]
    for case, phone in zip(cases, typed, strict=True):
        Case.objects.filter(pk=case.pk).update(reporter_phone=phone)  # as stored before E.164
    monkeypatch.setattr(migration, "BATCH", 3)  # several batches
    migration.normalise_reporter_phones(apps, None)
    stored = [Case.objects.get(pk=case.pk).reporter_phone for case in cases]
    assert stored == [
        "+6281234567890",
        "+6281234567891",
        "+6281234567892",
        "+442079460958",
        "bukan nomor",
        "0812",
        "",
    ]


# --- in a real browser ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_citizen_corrects_a_bad_number_on_a_phone(live_server: Any, new_page: Any, screens: Any) -> None:
    load_areas()
    category = make_category()
    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    choice = page.locator(f"input[name=category][value={category.code}]")
    page.locator("details", has=choice).locator("summary").click()
    choice.check()
    page.fill("#id_description", "Lubang besar di depan sekolah, motor sering jatuh.")
    page.locator("#report-map path.leaflet-interactive").nth(20).click()
    expect(page.locator("[data-location-readout]")).to_contain_text(re.compile("Kelurahan"))
    page.fill("#id_reporter_phone", "0812-34")
    page.get_by_role("button", name="Kirim laporan").click()
    error = page.locator("#id_reporter_phone_error")
    expect(error).to_contain_text("Nomor HP tidak valid")
    assert page.get_attribute("#id_reporter_phone", "aria-describedby").split().count("id_reporter_phone_error") == 1
    assert page.input_value("#id_reporter_phone") == "0812-34"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens.shot(page, "bad-number")
    assert not Case.objects.exists()
    # Everything else was kept (the pin too): fixing the number is enough.
    expect(page.locator("[data-location-readout]")).to_contain_text(re.compile("Kelurahan"))
    page.fill("#id_reporter_phone", "0812 3456 7890")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r"/lapor/terkirim/"))
    assert Case.objects.get().reporter_phone == "+6281234567890"
