"""One case filter for the search page, its CSV and GET /api/v1/cases: every parameter gives the same rows on all three."""

from __future__ import annotations

import copy
import csv
import io
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.http import QueryDict
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from patriot.accounts.choices import RoleChoices
from patriot.accounts.services import create_api_token
from patriot.cases.choices import CaseStateChoices as State
from patriot.cases.choices import ChannelChoices, PriorityChoices, SlaStatusChoices
from patriot.cases.filters import CaseFilter
from patriot.cases.models import Case
from patriot.geo.models import Village
from tests.factories import BINTARA, case_through, make_agency, make_case, make_category, make_team, staff

pytestmark = pytest.mark.usefixtures("areas")

JAKARTA = ZoneInfo("Asia/Jakarta")
NUMBER = re.compile(r"BKS-\d{4}-\d{6}")


@pytest.fixture
def world() -> dict[str, Any]:
    """Four cases that differ in every filtered field, so each parameter picks a proper subset."""
    roads = make_agency("dbmsda")
    team = make_team(roads, "urc-jalan")
    pothole = make_category(code="jalan-rusak", default_agency=roads)
    garbage = make_category(code="sampah")
    assigned = case_through(
        State.ASSIGNED,
        category=pothole,
        agency=roads,
        team=team,
        title="Pohon tumbang di Jl. Ahmad Yani",
        reporter_phone="081298765432",
    )
    overdue = case_through(State.DISPATCHED, category=pothole, agency=roads, title="Lampu jalan mati")
    submitted = make_case(garbage, title="Sampah menumpuk", lat=BINTARA[0], lon=BINTARA[1])
    by_phone = make_case(garbage, title="Selokan mampet", channel=ChannelChoices.PHONE, reporter_phone="085611112222")
    Case.objects.filter(pk=overdue.pk).update(sla_status=SlaStatusChoices.OVERDUE)
    Case.objects.filter(pk=by_phone.pk).update(priority=PriorityChoices.HIGH)
    # Reported on three different days and hours (Asia/Jakarta).
    for case, moment in (
        (assigned, datetime(2026, 11, 2, 8, 30, tzinfo=JAKARTA)),
        (overdue, datetime(2026, 11, 3, 14, 5, tzinfo=JAKARTA)),
        (submitted, datetime(2026, 11, 4, 8, 45, tzinfo=JAKARTA)),
        (by_phone, datetime(2026, 11, 4, 21, 0, tzinfo=JAKARTA)),
    ):
        Case.objects.filter(pk=case.pk).update(created_at=moment)
    return {"assigned": assigned, "overdue": overdue, "submitted": submitted, "by_phone": by_phone, "team": team}


def _cases(world: dict[str, Any], *names: str) -> set[str]:
    return {world[name].tracking_number for name in names}


# (parameters, the cases they must give); each is a proper, non-empty subset of the four.
CASES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("number", lambda w: [("number", w["assigned"].tracking_number.lower())], ("assigned",)),
    ("phone", lambda w: [("phone", "0812-9876-5432")], ("assigned",)),
    ("phone-part", lambda w: [("phone", "1111 2222")], ("by_phone",)),
    ("text", lambda w: [("text", "POHON")], ("assigned",)),
    ("district", lambda w: [("district", w["submitted"].district.code)], ("submitted",)),
    ("village", lambda w: [("village", w["assigned"].village.code)], ("assigned", "overdue", "by_phone")),
    ("state", lambda w: [("state", "assigned"), ("state", "dispatched")], ("assigned", "overdue")),
    ("category", lambda w: [("category", "sampah")], ("submitted", "by_phone")),
    ("agency", lambda w: [("agency", "dbmsda")], ("assigned", "overdue")),
    ("team", lambda w: [("team", "urc-jalan")], ("assigned",)),
    ("sla_status", lambda w: [("sla_status", "overdue")], ("overdue",)),
    ("overdue", lambda w: [("overdue", "true")], ("overdue",)),
    ("not-overdue", lambda w: [("overdue", "false")], ("assigned", "submitted", "by_phone")),
    ("channel", lambda w: [("channel", "phone")], ("by_phone",)),
    ("hour", lambda w: [("hour", "8")], ("assigned", "submitted")),
    ("created_from", lambda w: [("created_from", "2026-11-04")], ("submitted", "by_phone")),
    ("created_to", lambda w: [("created_to", "2026-11-03")], ("assigned", "overdue")),
    ("created_after", lambda w: [("created_after", "2026-11-03T14:05:00+07:00")], ("overdue", "submitted", "by_phone")),
    ("created_before", lambda w: [("created_before", "2026-11-03T14:05:00+07:00")], ("assigned",)),
    ("priority", lambda w: [("priority", "high")], ("by_phone",)),
    ("sort", lambda w: [("sort", "oldest"), ("category", "sampah")], ("submitted", "by_phone")),
    ("combined", lambda w: [("category", "jalan-rusak"), ("created_from", "2026-11-03")], ("overdue",)),
]


def _page_numbers(client: Client, query: str) -> set[str]:
    response = client.get(f"/poc/cari/?{query}")
    assert response.status_code == 200
    results = response.content.decode().split("Filter tersimpan")[-1]
    return set(NUMBER.findall(results))


def _csv_numbers(client: Client, query: str) -> set[str]:
    response = client.get(f"/poc/cari/csv/?{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    return {row[0] for row in rows[1:]}


def _api_numbers(token: str, query: str) -> set[str]:
    response = Client().get(f"/api/v1/cases?{query}&page_size=200", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return {item["tracking_number"] for item in response.json()["results"]}


@pytest.mark.parametrize(("label", "params", "expected"), CASES, ids=[label for label, _p, _e in CASES])
def test_every_filter_gives_the_same_rows_on_page_csv_and_api(
    world: dict[str, Any], label: str, params: Any, expected: tuple[str, ...]
) -> None:
    poc = staff(RoleChoices.POC_OPERATOR)
    browser = Client()
    browser.force_login(poc)
    token = create_api_token(poc, "filters")[1]
    query = urlencode(params(world))
    want = _cases(world, *expected)
    assert _page_numbers(browser, query) == want
    assert _csv_numbers(browser, query) == want
    assert _api_numbers(token, query) == want


def test_every_filter_is_covered_above(world: dict[str, Any]) -> None:
    covered = {name for _label, params, _expected in CASES for name, _value in params(world)}
    assert covered == set(CaseFilter.base_filters)


def test_the_order_is_the_same_on_page_csv_and_api(world: dict[str, Any]) -> None:
    """`sort` orders the page, the CSV and the API alike; without it all three list the newest first."""
    poc = staff(RoleChoices.POC_OPERATOR)
    browser = Client()
    browser.force_login(poc)
    token = create_api_token(poc, "order")[1]
    names = ("by_phone", "submitted", "overdue", "assigned")  # newest first
    for query, expected in (("", names), ("sort=oldest", tuple(reversed(names)))):
        want = [world[name].tracking_number for name in expected]
        page = browser.get(f"/poc/cari/?{query}").content.decode().split("Filter tersimpan")[-1]
        assert list(dict.fromkeys(NUMBER.findall(page))) == want
        rows = list(
            csv.reader(io.StringIO(b"".join(browser.get(f"/poc/cari/csv/?{query}").streaming_content).decode()))
        )
        assert [row[0] for row in rows[1:]] == want
        api = Client().get(f"/api/v1/cases?{query}", HTTP_AUTHORIZATION=f"Bearer {token}").json()
        assert [item["tracking_number"] for item in api["results"]] == want


def test_openapi_lists_every_filter_with_a_description() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in document["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert set(CaseFilter.base_filters) | {"page", "page_size"} == set(parameters)
    assert all(parameters[name].get("description") for name in parameters)
    assert parameters["created_after"].get("deprecated") and parameters["created_before"].get("deprecated")
    assert not parameters["created_from"].get("deprecated")


def test_an_invalid_filter_is_a_400_on_the_api_and_no_rows_on_the_page(world: dict[str, Any]) -> None:
    poc = staff(RoleChoices.POC_OPERATOR)
    token = create_api_token(poc, "filters")[1]
    query = "created_from=2026-11-04&created_to=2026-11-02"
    refused = Client().get(f"/api/v1/cases?{query}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert refused.status_code == 400 and refused.json()["field"] == "created_to"
    unknown_team = Client().get("/api/v1/cases?team=tidak-ada", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert unknown_team.status_code == 400 and unknown_team.json()["field"] == "team"
    vague = Client().get("/api/v1/cases?overdue=yes", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert vague.status_code == 400 and vague.json()["field"] == "overdue"
    browser = Client()
    browser.force_login(poc)
    assert _page_numbers(browser, query) == set()
    assert _csv_numbers(browser, query) == set()


def test_saved_filters_and_dashboard_links_keep_their_parameters(world: dict[str, Any]) -> None:
    """The page's names are the names: a query saved before this change still finds the same cases."""
    poc = staff(RoleChoices.POC_OPERATOR)
    browser = Client()
    browser.force_login(poc)
    browser.post("/poc/cari/simpan/", {"name": "Jalan", "query": "category=jalan-rusak&created_from=2026-11-03"})
    saved = poc.saved_filters.get()
    assert _page_numbers(browser, saved.query) == _cases(world, "overdue")
    village = Village.objects.get(pk=world["assigned"].village_id)
    assert _page_numbers(browser, f"village={village.code}&created_to=2026-11-02") == _cases(world, "assigned")


def test_every_dashboard_drill_down_is_a_valid_case_filter(world: dict[str, Any]) -> None:
    """The operation centre's links to /poc/cari/ use only CaseFilter's parameters, with values it accepts."""
    supervisor = staff(RoleChoices.POC_SUPERVISOR)
    browser = Client()
    browser.force_login(supervisor)
    found: list[str] = []
    for url in (
        "/poc/dasbor/",
        "/poc/dasbor/angka/",
        "/poc/dasbor/opd/",
        "/poc/dasbor/grafik.json",
        "/poc/dasbor/peta.json",
        "/poc/ringkasan/",
        "/walikota/",
    ):
        response = browser.get(url)
        assert response.status_code == 200, url
        text = response.content.decode().replace("&amp;", "&").replace("\\u0026", "&")
        found += re.findall(r"/poc/cari/\?([^\"'\s<>]+)", text)
    assert len(found) > 20
    for query in found:
        params = QueryDict(query)
        assert set(params) <= set(CaseFilter.base_filters), query
        assert CaseFilter(params, Case.objects.all(), user=supervisor).is_valid(), query


def test_the_form_shows_a_new_category_at_once_and_keeps_the_chosen_options(world: dict[str, Any]) -> None:
    """The options are held per process (filters.ReferenceChoiceIterator) and written in Python (QuickSelect): a
    category saved in this process shows on the next page, and the chosen values stay selected."""
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    first = client.get("/poc/cari/", {"category": "sampah", "hour": "3"}).content.decode()
    assert '<option value="sampah" selected>' in first and '<option value="3" selected>' in first
    assert 'value="pohon-tumbang"' not in first
    make_category(code="pohon-tumbang")
    again = client.get("/poc/cari/").content.decode()
    assert '<option value="pohon-tumbang">' in again and '<option value="sampah" selected>' not in again
    assert '<option value="" selected>Semua kategori</option>' in again


def _django_field_group(bound: Any) -> str:
    """The field group as Django writes it with its own widget templates (the reference QuickBoundField and the
    Quick* widgets must match)."""
    from django import forms
    from django.forms.boundfield import BoundField

    field = copy.deepcopy(bound.field)
    plain = {"QuickSelect": forms.Select, "QuickTextInput": forms.TextInput, "QuickDateInput": forms.DateInput}
    base = plain.get(type(field.widget).__name__)
    if base is not None:
        field.widget.__class__ = base
    return str(BoundField(bound.form, field, bound.name).as_field_group())


CHECKBOX_LOOP = Template(
    '{% for option in field %}<label for="{{ option.id_for_label }}">{{ option.tag }} {{ option.choice_label }}'
    "</label>{% endfor %}"
)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "number=bks-1&phone=0812&text=a<b>\"c'&district=&category=sampah&agency=dbmsda&hour=3&sort=due"
        "&created_from=2026-11-01&created_to=2026-11-30&state=closed&state=submitted&priority=high&overdue=true",
        "created_from=2026-11-30&created_to=2026-11-01&hour=99&category=nowhere&state=nowhere&overdue=maybe",
        "sla_status=overdue&channel=phone&team=urc-jalan&priority=low&priority=urgent",
    ],
    ids=["empty", "values", "errors", "more"],
)
def test_the_search_form_written_in_python_is_djangos_markup(world: dict[str, Any], language: str, query: str) -> None:
    """Every field group, select and checkbox of the search form, selected values and errors included, as Django's
    templates write them, in both languages; twice, the second time from the options held per process."""
    supervisor = staff(RoleChoices.POC_SUPERVISOR)
    with translation.override(language):
        for _round in range(2):
            form = CaseFilter(QueryDict(query), Case.objects.all(), user=supervisor).form
            form.is_valid()
            for name in form.fields:
                if name in {"state", "priority"}:
                    expected = CHECKBOX_LOOP.render(Context({"field": form[name]}))
                    assert str(form[name].checkbox_labels()) == expected, name
                elif name not in {"created_after", "created_before"}:
                    assert str(form[name].as_field_group()) == _django_field_group(form[name]), name
    if query.startswith("created_from=2026-11-30"):
        assert form.errors and "aria-invalid" in str(form["created_to"].as_field_group())


def test_names_on_the_search_form_are_escaped(world: dict[str, Any]) -> None:
    """A category, agency or team name with markup is shown as text in the options, in both languages."""
    make_category(code="xss", name="<script>alert(1)</script>", name_en="<b>bold</b> & co")
    roads = make_agency("opd-xss", short_name='OPD "<img src=x onerror=alert(1)>"')
    make_team(roads, "tim-xss", name="<i>Tim</i>")
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    for language, shown in (
        ("id", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("en", "&lt;b&gt;bold&lt;/b&gt; &amp; co"),
    ):
        client.cookies["django_language"] = language
        page = client.get("/poc/cari/", {"category": "xss"}).content.decode()
        assert f'<html lang="{language}"' in page
        assert f'<option value="xss" selected>{shown}</option>' in page, language
        assert "<script>alert(1)" not in page and "<b>bold" not in page and "<i>Tim" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
        assert "&lt;i&gt;Tim&lt;/i&gt;" in page


def test_the_search_page_is_for_staff_only(world: dict[str, Any]) -> None:
    """Anonymous visitors, citizens and a role without the search get neither the form nor its options."""
    for role in (None, RoleChoices.CITIZEN, RoleChoices.URC_OFFICER):
        client = Client()
        if role:
            client.force_login(staff(role))
        refused = client.get("/poc/cari/", {"category": "sampah"})
        assert refused.status_code in (302, 403, 404), role
        assert "Semua kategori" not in refused.content.decode() and 'value="sampah"' not in refused.content.decode()


# The search results' rows as search.html's template loop wrote them (the search_results tag library writes them now).
SEARCH_ROWS = Template(
    "{% load patriot %}{% for case in cases %}\n    <tr>\n"
    """      <td><a href="{% url 'staff-poc-case' case.tracking_number %}" class="case-number">"""
    "{{ case.tracking_number }}</a></td>\n"
    "      <td><strong>{{ case.headline }}</strong>{% if case.headline != case.category.label %}<br>"
    '<small class="muted">{{ case.category.label }}</small>{% endif %}</td>\n'
    '      <td>{{ case.village.name }}<br><small class="muted">{{ case.district.name }}</small></td>\n'
    '      <td>{{ case.created_at|local_dt:"SHORT_DATETIME_FORMAT" }}</td>\n'
    '      <td>{% badge "cases.CaseStateChoices" case.state %}</td>\n'
    '      <td>{{ case.agency.short_name|default:"—" }}</td>\n'
    "    </tr>{% endfor %}"
)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_search_rows_written_in_python_are_the_templates(world: dict[str, Any], language: str) -> None:
    """Each row as the template wrote it, in both languages: a title, a category named in the language, a case
    without an agency, and markup in a title, a category and an agency's name, escaped."""
    from patriot.cases.templatetags.search_results import search_rows

    odd = make_category(code="aneh", name="<b>Aneh</b> & co", name_en="<i>Odd</i>")
    make_case(odd, title="<script>alert(1)</script>")
    make_case(odd, title=odd.name)
    agency = make_agency("opd-aneh", short_name='"<OPD>"')
    Case.objects.filter(pk=world["submitted"].pk).update(agency=agency)
    Case.objects.filter(pk=world["by_phone"].pk).update(agency=None)
    cases = list(Case.objects.select_related("category", "village", "district", "agency").order_by("pk"))
    with translation.override(language):
        written = str(search_rows(cases))
        assert written == SEARCH_ROWS.render(Context({"cases": cases}))
    assert "&lt;script&gt;" in written and "<script>" not in written and "&quot;&lt;OPD&gt;&quot;" in written
    assert written.count("<tr>") == len(cases) >= 6 and "<td>—</td>" in written


@pytest.mark.parametrize("query", ["", "sort=priority", "sort=due", "text=jalan", "hour=8"])
def test_the_search_page_reads_no_column_per_row(world: dict[str, Any], query: str) -> None:
    """The page reads only the columns its rows show (SEARCH_ROW_FIELDS): as many queries for four cases as for
    nine, none per row for a deferred field."""
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    client.get(f"/poc/cari/?{query}")  # the held options and the session, read once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/poc/cari/?{query}").status_code == 200
        return len(captured)

    few = queries()
    for _ in range(5):  # of the categories there are (a new one would be read again for the form's options)
        make_case(world["submitted"].category, title="Jalan berlubang")
    assert queries() == few


def test_a_reference_field_given_another_queryset_shows_its_own_options(world: dict[str, Any]) -> None:
    """The held options are keyed by the field's queryset (compiled once per process): a field given another
    queryset is not shown the first one's options."""
    from patriot.cases.models import Category

    form = CaseFilter(QueryDict(""), Case.objects.all(), user=staff(RoleChoices.POC_SUPERVISOR)).form
    assert 'value="jalan-rusak"' in str(form["category"].as_field_group())
    form.fields["category"].queryset = Category.objects.filter(code="sampah")
    narrowed = str(form["category"].as_field_group())
    assert 'value="sampah"' in narrowed and 'value="jalan-rusak"' not in narrowed
    again = CaseFilter(QueryDict(""), Case.objects.all(), user=staff(RoleChoices.POC_SUPERVISOR)).form
    assert 'value="jalan-rusak"' in str(again["category"].as_field_group())
