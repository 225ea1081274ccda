"""Issue 14 item 8: the POC queue shows what matters first (emergencies, high priority, then least time left), is
sortable and filterable with the search page's CaseFilter, and carries what its emergency alarm needs; the agency
inbox and the URC list show priority."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.cases.choices import CaseStateChoices, ChannelChoices, PriorityChoices
from patriot.cases.models import Case
from tests.factories import case_through, make_agency, make_case, make_category, make_team, staff

pytestmark = pytest.mark.usefixtures("areas")
NUMBER = re.compile(r"BKS-\d{4}-\d{6}")


def _queue_numbers(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/poc/{query}")
    assert response.status_code == 200
    table = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    return list(dict.fromkeys(NUMBER.findall(table)))


def _client(role: str = RoleChoices.POC_OPERATOR, **kwargs: object) -> Client:
    client = Client()
    client.force_login(staff(role, **kwargs))  # type: ignore[arg-type]
    return client


def test_an_emergency_phone_report_among_47_is_the_first_row_of_page_one() -> None:
    """Today's failure: an emergency call-centre report sat at row 45 of 47, on page 2."""
    ordinary = make_category(code="sampah")
    fire = make_category(code="kebakaran", default_priority=PriorityChoices.URGENT, verify_hours=2)
    for _ in range(44):
        make_case(ordinary)
    emergency = make_case(fire, channel=ChannelChoices.PHONE, reporter_phone="081234567890")
    make_case(ordinary)
    make_case(ordinary)
    assert Case.objects.count() == 47
    rows = _queue_numbers(_client())
    assert rows[0] == emergency.tracking_number


def test_high_priority_then_least_time_left_then_the_rest() -> None:
    now = timezone.now()
    plain = make_category(code="sampah")
    late = make_case(plain)
    soon = make_case(plain)
    high = make_case(plain)
    urgent = make_case(plain)
    Case.objects.filter(pk=late.pk).update(due_at=now + timedelta(days=3))
    Case.objects.filter(pk=soon.pk).update(due_at=now + timedelta(hours=2))
    Case.objects.filter(pk=high.pk).update(priority=PriorityChoices.HIGH, due_at=now + timedelta(days=5))
    Case.objects.filter(pk=urgent.pk).update(priority=PriorityChoices.URGENT, due_at=now + timedelta(days=9))
    client = _client()
    expected = [urgent, high, soon, late]
    assert _queue_numbers(client) == [case.tracking_number for case in expected]
    # Sortable: by time left alone, or oldest first.
    by_due = [soon, late, high, urgent]
    assert _queue_numbers(client, "?sort=due") == [case.tracking_number for case in by_due]
    assert _queue_numbers(client, "?sort=oldest") == [
        late.tracking_number,
        soon.tracking_number,
        high.tracking_number,
        urgent.tracking_number,
    ]
    # Filterable with the search page's parameters.
    assert _queue_numbers(client, "?priority=urgent&priority=high") == [urgent.tracking_number, high.tracking_number]
    # The page carries every waiting emergency for the alarm, whatever the filter shows.
    page = client.get("/poc/?priority=low").content.decode()
    assert f'data-emergencies="{urgent.tracking_number}"' in page


def test_the_queue_shows_each_rows_priority() -> None:
    case = make_case(make_category(code="sampah"))
    Case.objects.filter(pk=case.pk).update(priority=PriorityChoices.HIGH)
    page = _client().get("/poc/").content.decode()
    row = page.split(case.tracking_number)[-1].split("</tr>")[0]
    assert 'data-value="high"' in row


def test_the_agency_inbox_and_urc_list_show_priority() -> None:
    agency = make_agency("dbmsda")
    team = make_team(agency, "urc-jalan")
    category = make_category(code="jalan-rusak", default_agency=agency, default_priority=PriorityChoices.URGENT)
    case = case_through(CaseStateChoices.ASSIGNED, category=category, agency=agency, team=team)
    inbox = _client(RoleChoices.AGENCY_OFFICER, agency=agency).get("/opd/").content.decode()
    assert 'data-value="urgent"' in inbox.split(case.tracking_number)[-1].split("</tr>")[0]
    urc = _client(RoleChoices.URC_OFFICER, team=team).get("/urc/").content.decode()
    assert 'data-value="urgent"' in urc


def test_the_queue_is_for_the_poc_only() -> None:
    agency = make_agency("dbmsda")
    assert _client(RoleChoices.AGENCY_OFFICER, agency=agency).get("/poc/?sort=due").status_code == 403
    assert Client().get("/poc/?sort=due").status_code == 302
