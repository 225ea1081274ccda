"""Issue 14 item 14: English mode is English. Every page a role can open (every GET URL the site routes, with a case
number where it takes one, and the admin's lists) is read in English as each role; a page fails when its text shows
an Indonesian message from the catalog that should have been translated (a msgid whose English differs)."""

from __future__ import annotations

import gettext
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from tests.core.test_i18n import MO_PATH
from tests.test_probe_access import ALL_ROLES, World, client_for, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

# Streams and machine endpoints: not pages a person reads.
SKIPPED = re.compile(r"^/(events/|metrics|healthz|readyz|api/|open311/|static/|media/|keluar|logout|i18n/)")
NUMBERED = re.compile(r"<(?:str:)?(tracking_number|number)>")
SHORTEST = 10  # shorter msgids ("Status", "Normal", "OPD") read the same in both languages


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if getattr(entry, "app_name", None) == "admin":
                continue
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _urls(world: World) -> list[str]:  # noqa: F811  (the fixture's value)
    urls = {"/"}
    for pattern in _patterns(get_resolver()):
        if pattern.startswith("^") or "(?P" in pattern:
            continue
        path = NUMBERED.sub(world.anonymous_case.tracking_number, pattern)
        if "<" in path:
            continue  # another parameter (an id): reached through the pages that link to it
        path = "/" + path
        if not SKIPPED.match(path):
            urls.add(path)
    # The admin: its index and every model's list.
    urls.add("/admin/")
    for model in admin.site._registry:
        urls.add(f"/admin/{model._meta.app_label}/{model._meta.model_name}/")
    return sorted(urls)


def _indonesian_messages() -> list[str]:
    with MO_PATH.open("rb") as handle:
        catalog: dict[Any, str] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    found = set()
    for key, english in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if not msgid or "\x04" in msgid:
            msgid = msgid.split("\x04")[-1] if msgid else ""
        if not msgid or english == msgid:
            continue
        # The literal pieces between placeholders; a page shows them around the filled-in values.
        for piece in re.split(r"%\(\w+\)[sdfi]|%[sdfi]|\{\w*\}", msgid):
            piece = " ".join(piece.split()).strip(" .,:;·—-()")
            if len(piece) >= SHORTEST and " " in piece and piece not in english:
                found.add(piece)
    return sorted(found, key=len, reverse=True)


def _visible_text(page: str) -> str:
    page = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    shown = re.findall(r'(?i)\b(?:aria-label|title|placeholder|alt|data-text-[\w-]+)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return " ".join(html.unescape(" ".join([text, *shown])).split())


def test_every_page_in_english_is_english(world: World) -> None:  # noqa: F811
    messages = _indonesian_messages()
    assert len(messages) > 500  # the catalog was read
    urls = _urls(world)
    problems: dict[str, set[str]] = {}
    opened = 0
    for role in ALL_ROLES:
        client = client_for(world.people[role])
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            if getattr(response, "streaming", False):
                continue
            opened += 1
            text = _visible_text(response.content.decode(errors="replace"))
            for message in messages:
                if message in text:
                    problems.setdefault(message, set()).add(f"{url} ({role})")
    assert opened > 60, opened
    report = "\n".join(f"{message!r}: {', '.join(sorted(where)[:3])}" for message, where in sorted(problems.items()))
    assert not problems, f"Indonesian on English pages:\n{report}"
