"""The reporter rates a closed case's handling through the private link; staff see the rating (issue 14, item 6)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from patriot.accounts.choices import RoleChoices
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.events.models import OutboxEvent
from tests.factories import case_through, make_category, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(areas: None) -> Any:
    return case_through(CaseStateChoices.CLOSED, category=make_category())


def test_the_reporter_rates_a_closed_case_once(client: Client, closed: Any) -> None:
    url = reverse("track_case", kwargs={"number": closed.tracking_number})
    assert client.post(url, {"action": "rate", "rating": "4"}).status_code == 404  # no key, no rating
    client.get(url, {"kunci": services.reporter_key_for(closed)})
    page = client.get(url).content.decode()
    assert 'id="form-rate"' in page
    refused = client.post(url, {"action": "rate", "rating": "9"})
    assert refused.status_code == 400
    assert client.post(url, {"action": "rate", "rating": "4", "comment": "Cepat, terima kasih."}).status_code == 302
    closed.refresh_from_db()
    assert (closed.rating, closed.rating_comment) == (4, "Cepat, terima kasih.") and closed.rated_at
    page = client.get(url).content.decode()
    assert 'id="form-rate"' not in page and "Penilaian Anda: 4 dari 5" in page
    entry = closed.timeline.get(kind="rated")
    assert entry.data == {"rating": 4} and not entry.is_public
    assert not OutboxEvent.objects.filter(
        subject_id=closed.tracking_number, payload__kind="rated", is_public=True
    ).exists()


def test_a_rating_needs_a_closed_case_and_a_number_from_one_to_five(closed: Any, areas: None) -> None:
    open_case = case_through(CaseStateChoices.RESOLVED, category=closed.category)
    with pytest.raises(InvalidTransition):
        services.rate_case(open_case, rating=5)
    with pytest.raises(InvalidInput):
        services.rate_case(closed, rating=0)
    services.rate_case(closed, rating=2)
    with pytest.raises(InvalidTransition):
        services.rate_case(closed, rating=5)


def test_staff_see_the_rating_on_the_case_and_the_public_does_not(client: Client, closed: Any) -> None:
    services.rate_case(closed, rating=3, comment="Lama sekali.")
    public = client.get(reverse("track_case", kwargs={"number": closed.tracking_number})).content.decode()
    assert "Lama sekali." not in public and "3/5" not in public
    client.force_login(staff(RoleChoices.POC_OPERATOR))
    page = client.get(reverse("staff-poc-case", kwargs={"tracking_number": closed.tracking_number})).content.decode()
    assert "3/5" in page and "Lama sekali." in page
