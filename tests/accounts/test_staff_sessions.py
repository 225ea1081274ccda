"""Staff sessions end after an idle spell and after an absolute limit; citizens keep long sessions."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from tests.factories import make_user

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture(autouse=True)
def clock(settings: Settings) -> Iterator[time_machine.Traveller]:
    settings.PATRIOT_STAFF_SESSION_IDLE_SECONDS = 2 * HOUR
    settings.PATRIOT_STAFF_SESSION_MAX_SECONDS = 12 * HOUR
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


def _signed_in(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def _still_signed_in(client: Client, **headers: str) -> bool:
    client.get("/", headers=headers)
    return "_auth_user_id" in client.session


def test_a_staff_session_ends_after_two_idle_hours(clock: time_machine.Traveller) -> None:
    client = _signed_in(RoleChoices.POC_OPERATOR)
    clock.shift(2 * HOUR - 60)
    assert _still_signed_in(client)  # a click just before the limit keeps it going …
    clock.shift(2 * HOUR - 60)
    assert _still_signed_in(client)
    clock.shift(2 * HOUR + 1)
    response = client.get("/poc/", follow=True)  # … two hours without one ends it
    assert "_auth_user_id" not in client.session
    assert response.redirect_chain[-1][0].startswith("/masuk/")
    assert "Sesi Anda berakhir. Silakan masuk lagi." in response.content.decode()


def test_live_updates_and_htmx_refreshes_do_not_count_as_activity(clock: time_machine.Traveller) -> None:
    client = _signed_in(RoleChoices.POC_SUPERVISOR)
    clock.shift(HOUR)
    assert _still_signed_in(client, HX_Request="true")
    assert _still_signed_in(client, Accept="text/event-stream")
    clock.shift(HOUR - 10)
    assert _still_signed_in(client, HX_Request="true")
    clock.shift(20)  # two hours since the last click, however many refreshes came in between
    assert not _still_signed_in(client, HX_Request="true")


def test_a_staff_session_ends_after_twelve_hours_however_busy(clock: time_machine.Traveller) -> None:
    client = _signed_in(RoleChoices.AGENCY_OFFICER)
    for _ in range(11):
        clock.shift(HOUR)
        assert _still_signed_in(client)
    clock.shift(HOUR + 1)
    assert not _still_signed_in(client)


def test_signing_in_again_starts_a_new_session(clock: time_machine.Traveller) -> None:
    user = make_user(RoleChoices.POC_OPERATOR)
    client = Client()
    client.force_login(user)
    clock.shift(3 * HOUR)
    assert not _still_signed_in(client)
    client.force_login(user)
    assert _still_signed_in(client)


def test_citizens_keep_long_sessions(clock: time_machine.Traveller) -> None:
    client = _signed_in(RoleChoices.CITIZEN)
    clock.shift(13 * HOUR)
    assert _still_signed_in(client)
    clock.shift(6 * 24 * HOUR)
    assert _still_signed_in(client)


def test_the_limits_are_configurable(settings: Settings, clock: time_machine.Traveller) -> None:
    settings.PATRIOT_STAFF_SESSION_IDLE_SECONDS = 600
    client = _signed_in(RoleChoices.CALLCENTRE_OPERATOR)
    clock.shift(601)
    assert not _still_signed_in(client)
