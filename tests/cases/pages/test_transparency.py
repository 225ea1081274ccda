"""The public transparency page per agency and per kelurahan (issue 14, item 7)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from patriot.cases import queries, services
from patriot.cases.choices import CaseStateChoices
from tests.core.test_layout import csp_problems
from tests.factories import case_through, make_agency, make_category, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(areas: None) -> dict[str, Any]:
    agency = make_agency("dbmsda", short_name="DBMSDA", name="Dinas Bina Marga")
    team = make_team(agency)
    category = make_category()
    closed = case_through(CaseStateChoices.CLOSED, category=category, agency=agency, team=team)
    services.rate_case(closed, rating=4)
    secret = case_through(
        CaseStateChoices.RESOLVED,
        category=category,
        agency=agency,
        team=team,
        is_confidential=True,
        description="Rahasia: jalan di depan rumah pejabat",
    )
    waiting = case_through(CaseStateChoices.DISPATCHED, category=category, agency=agency)
    return {"agency": agency, "closed": closed, "secret": secret, "waiting": waiting}


def test_figures_per_agency_count_confidential_cases(history: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    [row] = queries.transparency("agency", now - timedelta(days=30), now + timedelta(seconds=1))
    assert (row.name, row.received, row.resolved, row.on_time, row.ratings) == ("Dinas Bina Marga", 3, 2, 2, 1)
    assert row.on_time_share == 100.0 and row.rating == 4.0 and row.median_hours is not None


def test_the_page_shows_figures_and_a_chart_and_never_a_case(client: Client, history: dict[str, Any]) -> None:
    response = client.get(reverse("transparency"))
    html = response.content.decode()
    assert response.status_code == 200 and not csp_problems(html)
    assert "Dinas Bina Marga" in html and ("4.0 / 5" in html or "4,0 / 5" in html)
    for case in history.values():
        if hasattr(case, "tracking_number"):
            assert case.tracking_number not in html
    assert "Rahasia: jalan" not in html
    chart = json.loads(re.search(r'id="transparency-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert chart["received"] == [3] and chart["resolved"] == [2]
    # The axis shows the short name, so the chart stays readable at 360 px; the tooltip names the agency in full.
    assert chart["labels"] == ["DBMSDA"] and chart["names"] == ["Dinas Bina Marga"]
    assert "vendor/chart.js/chart.umd.min.js" in html


def test_by_kelurahan_and_period(client: Client, history: dict[str, Any]) -> None:
    html = client.get(reverse("transparency"), {"menurut": "kelurahan", "periode": "365"}).content.decode()
    assert history["closed"].village.name in html and "365 hari terakhir" in html
    assert 'value="365" selected' in html


def test_the_page_speaks_english(client: Client, history: dict[str, Any]) -> None:
    client.cookies["django_language"] = "en"
    html = client.get(reverse("transparency"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Received" in html
    assert '<th scope="col">Agency (OPD)</th>' in html  # a column heading starts with a capital, as the others
