"""The English catalog: complete, compiled, in step with the source, and used by the API.

Source strings (gettext msgids) are Bahasa Indonesia; patriot/locale/en/LC_MESSAGES holds the English
translation. The compiled .mo is committed, so none of these tests needs the GNU gettext tools.

When a test here fails because strings were added or changed, refresh the catalog:

    .venv/bin/patriot makemessages -l en --ignore=.venv --ignore=tests --ignore=bench --ignore=var
    (translate the new or emptied entries in patriot/locale/en/LC_MESSAGES/django.po, remove any "fuzzy" flag)
    .venv/bin/patriot compilemessages --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

import patriot

PACKAGE_DIR = Path(patriot.__file__).resolve().parent
LOCALE_DIR = PACKAGE_DIR / "locale"
PO_PATH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"

# A point in Kelurahan Margahayu, Bekasi Timur, and one in central Jakarta (outside the city).
INSIDE = (-6.251143, 107.004300)
OUTSIDE = (-6.175392, 106.827153)

# --- a small .po reader ---------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


def _unquote(token: str) -> str:
    token = token.strip()
    assert token.startswith('"') and token.endswith('"'), f"not a PO string: {token!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], token[1:-1])


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]

    def __str__(self) -> str:
        where = " ".join(self.references) or f"django.po:{self.line}"
        return f"{self.msgid!r} ({where})"


def parse_po(path: Path) -> list[Entry]:
    """Every active entry of a .po file, the header (msgid "") included; obsolete (#~) ones are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: str | None = None
    index: int | None = None

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            # A comment after the strings of an entry starts the next entry.
            if current is not None and target is not None:
                finish()
            current = current or Entry(line=number)
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            elif line.startswith("#:"):
                current.references += line[2:].split()
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, plural_index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and current is not None and target not in (None, "msgctxt"):
                finish()
            current = current or Entry(line=number)
            target = "msgstr_plural" if plural_index is not None else keyword
            index = int(plural_index) if plural_index is not None else None
        elif line.startswith('"') and current is not None and target is not None:
            text = line
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
        value = _unquote(text)
        if target == "msgstr_plural":
            assert index is not None
            current.msgstr_plural[index] = current.msgstr_plural.get(index, "") + value
        elif target == "msgid_plural":
            current.msgid_plural = (current.msgid_plural or "") + value
        elif target == "msgctxt":
            current.msgctxt = (current.msgctxt or "") + value
        else:
            setattr(current, target, getattr(current, target) + value)
    finish()
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing: run makemessages -l en"
    parsed = parse_po(PO_PATH)
    assert [entry.msgid for entry in parsed].count("") == 1, "the catalog needs exactly one header entry"
    return parsed


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.msgid != ""]


@pytest.fixture(scope="module")
def catalog() -> gettext.GNUTranslations:
    assert MO_PATH.is_file(), f"{MO_PATH} is missing: run compilemessages"
    with MO_PATH.open("rb") as handle:
        return gettext.GNUTranslations(handle)


# --- (a) the catalog is complete ------------------------------------------------------------------


def test_settings_point_at_the_catalog() -> None:
    assert Path(settings.LOCALE_PATHS[0]).resolve() == LOCALE_DIR
    assert ("en", "English") in [(code, str(name)) for code, name in settings.LANGUAGES]


def test_header_declares_english_utf8_and_two_plural_forms(entries: list[Entry]) -> None:
    header = next(entry for entry in entries if entry.msgid == "")
    assert "fuzzy" not in header.flags, "the header is still marked fuzzy"
    fields = dict(line.split(": ", 1) for line in header.msgstr.splitlines() if ": " in line)
    assert fields.get("Language") == "en"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"


def test_the_catalog_has_messages(messages: list[Entry]) -> None:
    assert len(messages) > 100


def test_every_message_is_translated(messages: list[Entry]) -> None:
    untranslated = [str(entry) for entry in messages if not entry.translations or not all(entry.translations)]
    assert not untranslated, "untranslated messages:\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(messages: list[Entry]) -> None:
    fuzzy = [str(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy messages (check the translation, then drop the flag):\n" + "\n".join(fuzzy)


def test_plural_messages_have_both_forms(messages: list[Entry]) -> None:
    for entry in messages:
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr_plural) == [0, 1], str(entry)


_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


def _placeholders(text: str) -> list[tuple[str | None, str]]:
    return sorted((name, kind) for name, kind in _PLACEHOLDER.findall(text) if kind != "%")


def test_translations_keep_the_placeholders(messages: list[Entry]) -> None:
    wrong = []
    for entry in messages:
        if "python-format" not in entry.flags:
            continue
        expected = _placeholders(entry.msgid)
        for translated in entry.translations:
            if _placeholders(translated) != expected:
                wrong.append(f"{entry}: {translated!r}")
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(wrong)


# --- (b) the committed .mo matches the .po --------------------------------------------------------


def test_compiled_catalog_is_english(catalog: gettext.GNUTranslations) -> None:
    info = catalog.info()
    assert info.get("language") == "en"
    assert info.get("plural-forms") == "nplurals=2; plural=(n != 1);"


def test_compiled_catalog_is_up_to_date_with_the_po(messages: list[Entry], catalog: gettext.GNUTranslations) -> None:
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                found = catalog.gettext(entry.msgid)
            else:
                found = catalog.pgettext(entry.msgctxt, entry.msgid)
            if found != entry.msgstr:
                stale.append(f"{entry}: .mo has {found!r}, .po has {entry.msgstr!r}")
            continue
        for n, expected in ((1, entry.msgstr_plural.get(0)), (2, entry.msgstr_plural.get(1))):
            if entry.msgctxt is None:
                found = catalog.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                found = catalog.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if found != expected:
                stale.append(f"{entry} (n={n}): .mo has {found!r}, .po has {expected!r}")
    assert not stale, "django.mo is out of date; run compilemessages:\n" + "\n".join(stale)


def test_compiled_catalog_holds_nothing_the_po_lacks(messages: list[Entry], catalog: gettext.GNUTranslations) -> None:
    in_po = {entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}" for entry in messages}
    in_mo = {key[0] if isinstance(key, tuple) else key for key in catalog._catalog} - {""}  # type: ignore[attr-defined]
    assert in_mo == in_po, f"only in .mo: {sorted(in_mo - in_po)}; only in .po: {sorted(in_po - in_mo)}"


def test_django_translates_with_the_committed_catalog() -> None:
    with translation.override("en"):
        assert translation.gettext("Sistem") == "System"
        assert translation.gettext("Wali kota") == "Mayor"
        assert translation.ngettext("%(count)d token dicabut.", "%(count)d token dicabut.", 1) % {"count": 1} == (
            "1 token revoked."
        )
        assert translation.ngettext("%(count)d token dicabut.", "%(count)d token dicabut.", 3) % {"count": 3} == (
            "3 tokens revoked."
        )
    with translation.override("id"):
        assert translation.gettext("Sistem") == "Sistem"


# --- every string marked in the source is in the catalog ------------------------------------------

# Django's makemessages keywords: name -> (index of msgctxt or None, index of msgid, index of msgid_plural or None).
_GETTEXT_CALLS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _calls_in(tree: ast.AST) -> Iterator[tuple[str | None, str, int]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name not in _GETTEXT_CALLS:
            continue
        context_at, msgid_at, _plural_at = _GETTEXT_CALLS[name]
        if len(node.args) <= msgid_at:
            continue
        msgid = _literal(node.args[msgid_at])
        context = _literal(node.args[context_at]) if context_at is not None else None
        if msgid:
            yield context, msgid, node.lineno


_TEMPLATE_CALL = re.compile(r"\b(?:n?p?gettext)\(")


def _template_calls(path: Path) -> Iterator[tuple[str | None, str, int]]:
    """{% translate %} and {% blocktranslate %} strings, read the way makemessages reads them."""
    from django.utils.translation.template import templatize

    for number, line in enumerate(templatize(path.read_text(encoding="utf-8"), str(path)).splitlines(), start=1):
        for match in _TEMPLATE_CALL.finditer(line):
            # The call ends at the first closing parenthesis that makes it a whole expression.
            for end in (i for i, char in enumerate(line) if char == ")" and i > match.start()):
                try:
                    tree = ast.parse(line[match.start() : end + 1], mode="eval")
                except SyntaxError:
                    continue
                for context, msgid, _line in _calls_in(tree):
                    yield context, msgid, number
                break


def _source_messages() -> Iterator[tuple[str | None, str, str]]:
    """Every string makemessages would extract from patriot/ (Python files and templates)."""
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if not path.is_file() or "locale" in path.relative_to(PACKAGE_DIR).parts:
            continue
        relative = path.relative_to(PACKAGE_DIR.parent)
        if path.suffix == ".py":
            calls = _calls_in(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        elif path.suffix in (".html", ".txt"):
            calls = _template_calls(path)
        else:
            continue
        for context, msgid, number in calls:
            yield context, msgid, f"{relative}:{number}"


def test_every_marked_source_string_is_in_the_catalog(messages: list[Entry]) -> None:
    known = {(entry.msgctxt, entry.msgid) for entry in messages}
    missing = sorted(
        {f"{where}: {msgid!r}" for context, msgid, where in _source_messages() if (context, msgid) not in known}
    )
    assert not missing, (
        "strings marked for translation but not in patriot/locale/en/LC_MESSAGES/django.po "
        "(run makemessages, translate, compilemessages):\n" + "\n".join(missing)
    )


# --- (c) the API answers in the language of the request --------------------------------------------


@pytest.fixture
def _restore_language() -> Iterator[None]:
    """LocaleMiddleware activates the request's language on this thread; put back the one we had."""
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def city(db: None, _restore_language: None) -> None:
    from patriot.accounts.models import Agency
    from patriot.cases.models import Category
    from patriot.geo.services import load_reference_areas

    load_reference_areas()
    roads = Agency.objects.create(code="dbmsda", short_name="DBMSDA", name="Dinas Bina Marga dan Sumber Daya Air")
    Category.objects.create(
        code="jalan-berlubang", name="Jalan berlubang", name_en="Pothole", group="infrastructure", default_agency=roads
    )


def _report(language: str | None = None, **overrides: Any) -> Any:
    body = {
        "category": "jalan-berlubang",
        "description": "Lubang besar di depan pasar, membahayakan motor.",
        "latitude": INSIDE[0],
        "longitude": INSIDE[1],
        **overrides,
    }
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    return Client().post("/api/v1/cases", body, content_type="application/json", **headers)


def _error(response: Any) -> dict[str, Any]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert {"detail", "code", "field"} <= set(body), body
    return body


def test_too_long_description_is_explained_in_english(city: None) -> None:
    body = _error(_report("en", description="x" * 6000))
    assert body["field"] == "description"
    assert body["code"] == "too_long"
    assert body["detail"] == "Description must be at most 5000 characters."
    assert "at most" in body["detail"]


def test_too_long_description_is_explained_in_indonesian_by_default(city: None) -> None:
    body = _error(_report(description="x" * 6000))
    assert body["field"] == "description"
    assert body["detail"] == "Uraian paling banyak 5000 karakter."
    assert "paling banyak" in body["detail"]


def test_the_language_follows_each_request(city: None) -> None:
    assert "at most" in _error(_report("en-US,en;q=0.9", description="x" * 6000))["detail"]
    assert "paling banyak" in _error(_report("id", description="x" * 6000))["detail"]
    assert "paling banyak" in _error(_report(description="x" * 6000))["detail"]


def test_a_point_outside_the_city_is_refused_in_english(city: None) -> None:
    body = _error(_report("en", latitude=OUTSIDE[0], longitude=OUTSIDE[1]))
    assert body["code"] == "outside_city"
    assert body["field"] == "location"
    assert "outside" in body["detail"]
    assert body["detail"] == f"The location is outside {settings.PATRIOT_CITY_NAME}."


def test_a_point_outside_the_city_is_refused_in_indonesian_by_default(city: None) -> None:
    body = _error(_report(latitude=OUTSIDE[0], longitude=OUTSIDE[1]))
    assert body["code"] == "outside_city"
    assert "di luar wilayah" in body["detail"]


def test_schema_errors_are_translated_too(city: None) -> None:
    english = _error(_report("en", latitude="utara"))
    assert english["field"] == "latitude"
    assert english["detail"] == "latitude must be a number."
    indonesian = _error(_report(latitude="utara"))
    assert indonesian["detail"] == "latitude harus berupa angka."
