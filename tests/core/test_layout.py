"""The layout every page shares: base.html, the language switch, signing in and out, vendored assets, CSP."""

from __future__ import annotations

import importlib
import importlib.util
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.base import Message
from django.contrib.staticfiles import finders
from django.shortcuts import resolve_url
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core.choices import ChoiceSet
from patriot.core.views import home_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-yang-benar-2026"
STATIC_DIR = Path(settings.BASE_DIR) / "patriot" / "core" / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
VENDORED_FILES = [
    "vendor/htmx/htmx.min.js",
    "vendor/htmx-ext-sse/sse.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet.markercluster/leaflet.markercluster.js",
    "vendor/leaflet.markercluster/MarkerCluster.css",
    "vendor/leaflet.markercluster/MarkerCluster.Default.css",
    "vendor/chart.js/chart.umd.min.js",
    "vendor/pico/pico.min.css",
    "patriot/patriot.css",
    "patriot/patriot.js",
    "patriot/favicon.svg",
]


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """LocaleMiddleware activates each request's language on this thread; put back the one we had."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def member() -> User:
    user = make_user(RoleChoices.CITIZEN, username="siti", first_name="Siti", last_name="Aminah")
    user.set_password(PASSWORD)
    user.save()
    return user


def _english_client() -> Client:
    """A browser that chose English with the language switch (the choice lives in Django's language cookie)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _login(client: Client, username: str = "siti", password: str = PASSWORD, **extra: str) -> Any:
    return client.post("/masuk/", {"username": username, "password": password, **extra})


# --- the page frame -------------------------------------------------------------------------


def test_home_page_uses_the_base_layout() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="id"' in html
    assert '<meta name="viewport"' in html
    assert 'href="#konten"' in html
    assert '<main id="konten"' in html
    assert "/static/vendor/pico/pico.min.css" in html
    assert "/static/patriot/patriot.css" in html
    header = html[html.index("<header") : html.index("</header>")]
    assert settings.PATRIOT_CITY_NAME in header
    for path, label in [("/lapor/", "Lapor"), ("/lacak/", "Lacak laporan"), ("/peta/", "Peta")]:
        assert f'<a href="{path}">{label}</a>' in header
    assert 'href="/masuk/"' in header
    footer = html[html.index("<footer") : html.index("</footer>")]
    assert "1500444" in footer
    assert 'href="/api/v1/docs"' in footer


def test_the_language_switch_offers_both_languages() -> None:
    html = Client().get("/").content.decode()
    form = html[html.index('<form class="language-switch"') :]
    form = form[: form.index("</form>")]
    assert 'action="/i18n/setlang/"' in form
    assert 'method="post"' in form
    assert "csrfmiddlewaretoken" in form
    assert 'name="next" value="/"' in form
    assert re.search(r'value="id" lang="id"[^>]*aria-pressed="true"', form)
    assert re.search(r'value="en" lang="en"[^>]*aria-pressed="false"', form)


def test_switching_to_english_is_remembered() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert '<a href="/lapor/">Report</a>' in html
    assert "Skip to content" in html
    assert re.search(r'value="en" lang="en"[^>]*aria-pressed="true"', html)

    client.post("/i18n/setlang/", {"language": "id", "next": "/"})
    assert '<a href="/lapor/">Lapor</a>' in client.get("/").content.decode()


def test_the_current_section_is_marked_in_the_nav() -> None:
    template = Template('{% load patriot %}<a href="/lapor/"{{ request|aria_current:"/lapor/" }}>')
    here = template.render(Context({"request": RequestFactory().get("/lapor/baru/")}))
    elsewhere = template.render(Context({"request": RequestFactory().get("/peta/")}))
    assert here == '<a href="/lapor/" aria-current="page">'
    assert elsewhere == '<a href="/lapor/">'


def test_messages_are_announced() -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    notes = [Message(message_levels.SUCCESS, "Laporan terkirim."), Message(message_levels.ERROR, "Foto terlalu besar.")]
    html = render_to_string("base.html", {"messages": notes}, request=request)
    assert re.search(r'class="message message--success"\s+role="status">Laporan terkirim\.', html)
    assert re.search(r'class="message message--error"\s+role="alert">Foto terlalu besar\.', html)


# --- signing in and out ---------------------------------------------------------------------


def test_login_url_is_the_login_page() -> None:
    assert resolve_url(settings.LOGIN_URL) == "/masuk/"


def test_the_login_page_has_a_labelled_form() -> None:
    response = Client().get("/masuk/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_username"' in html
    assert '<label for="id_password"' in html
    assert 'autocomplete="current-password"' in html
    assert "<title>Masuk · Patriot</title>" in html
    header = html[html.index("<header") : html.index("</header>")]
    assert 'href="/masuk/"' not in header, "the header offers no login link on the login page itself"


def test_a_wrong_password_is_refused_with_a_clear_message(member: User) -> None:
    response = _login(Client(), password="salah")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Nama pengguna atau kata sandi salah" in html
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_right_password_signs_in_and_lands_on_the_role_home(member: User) -> None:
    client = Client()
    response = _login(client)
    assert response.status_code == 302
    assert response["Location"] == "/akun/laporan/"  # a citizen's home: their reports
    html = client.get("/").content.decode()
    assert "Siti Aminah" in html
    assert 'action="/keluar/"' in html


def test_a_safe_next_address_wins_over_the_role_home(member: User) -> None:
    response = _login(Client(), next="/lacak/")
    assert response["Location"] == "/lacak/"
    response = _login(Client(), next="https://phishing.example/")
    assert response["Location"] == "/akun/laporan/"


def test_each_role_starts_on_its_own_page() -> None:
    assert home_for(make_user(RoleChoices.CITIZEN)) == "/akun/laporan/"
    assert home_for(make_user(RoleChoices.SYSTEM_ADMIN)) == "/admin/"


def test_after_too_many_failures_the_page_says_how_long_to_wait(member: User, settings: Settings) -> None:
    settings.PATRIOT_LOGIN_FREE_FAILURES = 2
    client = Client()
    with time_machine.travel(time.time(), tick=False) as traveller:
        for _ in range(3):
            assert "Nama pengguna atau kata sandi salah" in _login(client, password="salah").content.decode()
        # Even the right password waits out the delay, and the page says for how long: seconds, not 15 minutes.
        response = _login(client)
        assert response.status_code == 200
        assert "Terlalu banyak percobaan masuk. Coba lagi dalam 1 detik." in response.content.decode()
        assert "_auth_user_id" not in client.session
        traveller.shift(1.5)
        assert _login(client).status_code == 302


def test_the_wait_message_in_english(member: User, settings: Settings) -> None:
    settings.PATRIOT_LOGIN_FREE_FAILURES = 0
    client = _english_client()
    with time_machine.travel(time.time(), tick=False):
        _login(client, password="salah")
        assert "Too many login attempts. Try again in 1 second." in _login(client).content.decode()


def test_logging_out_takes_a_post_and_says_goodbye(member: User) -> None:
    client = Client()
    _login(client)
    assert client.get("/keluar/").status_code == 405
    response = client.post("/keluar/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    html = response.content.decode()
    assert "Anda sudah keluar." in html
    assert 'href="/masuk/"' in html


# --- formatting and badges ------------------------------------------------------------------

# 17 August 2026, 03:00 UTC = 10:00 in Jakarta (WIB).
INDEPENDENCE_DAY = datetime(2026, 8, 17, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("id", "17 Agu 2026, 10.00"), ("en", "Aug. 17, 2026, 10 a.m.")],
)
def test_dates_follow_the_language(language: str, expected: str) -> None:
    with translation.override(language):
        rendered = Template('{{ when|date:"DATETIME_FORMAT" }}').render(Context({"when": INDEPENDENCE_DAY}))
    assert rendered == expected


@pytest.mark.parametrize(
    ("language", "format_name", "expected"),
    [
        ("id", "", "17 Agu 2026, 10.00 WIB"),
        ("en", "", "Aug. 17, 2026, 10 a.m. WIB"),
        ("id", ':"DATE_FORMAT"', "17 Agu 2026"),
        ("id", ':"l, j F Y"', "Senin, 17 Agustus 2026"),
        ("en", ':"l, j F Y"', "Monday, 17 August 2026"),
    ],
)
def test_local_dt_shows_city_time(language: str, format_name: str, expected: str) -> None:
    template = Template("{% load patriot %}{{ when|local_dt" + format_name + " }}")
    with translation.override(language):
        assert template.render(Context({"when": INDEPENDENCE_DAY})) == expected


def test_local_dt_leaves_a_missing_time_empty() -> None:
    assert Template("{% load patriot %}{{ when|local_dt }}").render(Context({"when": None})) == ""


def test_badge_shows_the_translated_label_in_its_colour() -> None:
    template = Template('{% load patriot %}{% badge "cases.CaseStateChoices" state %}')
    with translation.override("id"):
        indonesian = template.render(Context({"state": "verified"}))
    with translation.override("en"):
        english = template.render(Context({"state": "verified"}))
    assert indonesian == '<span class="badge badge-blue" data-value="verified">Terverifikasi</span>'
    assert english == '<span class="badge badge-blue" data-value="verified">Verified</span>'


def test_badge_of_an_unknown_value_is_gray_and_escaped() -> None:
    template = Template('{% load patriot %}{% badge "cases.PriorityChoices" value %}')
    rendered = template.render(Context({"value": "<b>"}))
    assert rendered == '<span class="badge badge-gray" data-value="&lt;b&gt;">&lt;b&gt;</span>'


def test_badge_refuses_what_is_not_a_choice_set() -> None:
    with pytest.raises(ValueError, match="not a ChoiceSet"):
        Template('{% load patriot %}{% badge "cases.Case" "x" %}').render(Context())
    with pytest.raises(ValueError, match=r"app\.ChoiceSetName"):
        Template('{% load patriot %}{% badge "CaseStateChoices" "x" %}').render(Context())


def _choice_sets() -> list[type[ChoiceSet]]:
    for app in apps.get_app_configs():
        if app.name.startswith("patriot.") and importlib.util.find_spec(f"{app.name}.choices"):
            importlib.import_module(f"{app.name}.choices")
    found: list[type[ChoiceSet]] = []
    pending = list(ChoiceSet.__subclasses__())
    while pending:
        choice_set = pending.pop()
        found.append(choice_set)
        pending.extend(choice_set.__subclasses__())
    return found


def test_every_choice_colour_has_a_badge_style() -> None:
    css = (STATIC_DIR / "patriot" / "patriot.css").read_text()
    colours = {colour for choice_set in _choice_sets() for _value, _label, colour in choice_set.CHOICES}
    assert colours, "no ChoiceSet found"
    missing = sorted(colour for colour in colours | {"gray"} if f".badge-{colour} " not in css)
    assert not missing, f"patriot.css has no .badge-<colour> rule for {missing}"


# --- vendored assets ------------------------------------------------------------------------


@pytest.mark.parametrize("path", VENDORED_FILES)
def test_static_files_are_found_and_served(path: str) -> None:
    assert finders.find(path), f"{path} is not in any static folder"
    response = Client().get(f"/static/{path}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_every_vendored_package_has_its_licence_and_is_listed() -> None:
    versions = (VENDOR_DIR / "VERSIONS.md").read_text()
    packages = sorted(entry for entry in VENDOR_DIR.iterdir() if entry.is_dir())
    assert packages
    for package in packages:
        assert (package / "LICENSE").is_file(), f"{package.name} has no LICENSE"
        assert f"`{package.name}/`" in versions, f"{package.name} is not listed in VERSIONS.md"


def test_alpine_is_not_vendored() -> None:
    # Alpine evaluates expressions with new Function(), which our script-src 'self' CSP forbids.
    assert not list(STATIC_DIR.rglob("*alpine*"))


# --- Content-Security-Policy: no inline script, nothing from elsewhere ------------------------


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        handlers = sorted(name for name in attributes if name.startswith("on"))
        if handlers:
            self.problems.append(f"<{tag}> has inline event handlers {handlers}")
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.problems.append("inline <script>")
        for name in ("src", "href"):
            value = (attributes.get(name) or "").strip()
            if tag in ("script", "link", "img") and re.match(r"^(https?:)?//", value):
                self.problems.append(f"<{tag} {name}={value!r}> loads from another origin")
            if value.lower().startswith("javascript:"):
                self.problems.append(f"<{tag}> has a javascript: URL")


def csp_problems(html: str) -> list[str]:
    """What in a rendered page our CSP would block: inline script, on* handlers, assets from other origins."""
    scan = _PageScan()
    scan.feed(html)
    return scan.problems


def _rendered_pages(member: User) -> Iterator[tuple[str, str]]:
    anonymous = Client()
    yield "home", anonymous.get("/").content.decode()
    yield "login", anonymous.get("/masuk/").content.decode()
    yield "login error", _login(anonymous, password="salah").content.decode()
    signed_in = Client()
    _login(signed_in)
    yield "home signed in", signed_in.get("/").content.decode()
    english = _english_client()
    yield "home in English", english.get("/").content.decode()


def test_pages_have_no_inline_script_and_nothing_from_other_origins(member: User) -> None:
    problems = [f"{name}: {problem}" for name, html in _rendered_pages(member) for problem in csp_problems(html)]
    assert not problems, "\n".join(problems)


def test_the_page_scan_catches_inline_script() -> None:
    assert csp_problems('<script src="/static/x.js"></script><script type="application/json">{}</script>') == []
    assert csp_problems("<script>alert(1)</script>") == ["inline <script>"]
    assert csp_problems('<button onclick="go()">') == ["<button> has inline event handlers ['onclick']"]
    assert csp_problems('<a href="javascript:go()">') == ["<a> has a javascript: URL"]
    assert csp_problems('<script src="https://cdn.example/htmx.js"></script>') == [
        "<script src='https://cdn.example/htmx.js'> loads from another origin"
    ]


def test_pages_carry_the_content_security_policy() -> None:
    for path in ("/", "/masuk/"):
        policy = Client().get(path)["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-eval" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_htmx_is_told_not_to_inject_styles_or_eval() -> None:
    html = Client().get("/").content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false, "allowEval": false}'>""" in html
    assert '<meta name="csrf-token" content="' in html
    assert html.index("vendor/htmx/htmx.min.js") < html.index("patriot/patriot.js")
    css = (STATIC_DIR / "patriot" / "patriot.css").read_text()
    assert ".htmx-request .htmx-indicator" in css
