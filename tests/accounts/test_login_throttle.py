"""Login throttling: progressive delays per account and address, password spraying, distributed guessing, victims."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.test import Client, RequestFactory
from pytest_django import Settings

from patriot.accounts import throttle
from patriot.accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-benar-123"


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(time.time(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def user(settings: Settings) -> User:
    settings.PATRIOT_LOGIN_FREE_FAILURES = 3
    settings.PATRIOT_LOGIN_ADDRESS_FREE_FAILURES = 20
    settings.PATRIOT_LOGIN_ACCOUNT_FREE_FAILURES = 10
    settings.PATRIOT_LOGIN_MAX_DELAY_SECONDS = 300
    settings.PATRIOT_LOGIN_ACCOUNT_MAX_DELAY_SECONDS = 30
    return _user("operator")


def _user(username: str) -> User:
    user = make_user(username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def _request(address: str = "10.0.0.1", **headers: str) -> HttpRequest:
    return RequestFactory().post("/masuk/", REMOTE_ADDR=address, **headers)


def _try(password: str, username: str = "operator", address: str = "10.0.0.1", **headers: str) -> tuple[bool, int]:
    """(signed in, seconds the throttle asked to wait; 0 when the password was checked)."""
    request = _request(address, **headers)
    user = authenticate(request, username=username, password=password)
    return user is not None, throttle.refused_wait(request) or 0


def _fail(times: int, username: str = "operator", address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert _try("salah", username, address) == (False, 0)


def test_the_right_password_works_below_the_limit(user: User) -> None:
    _fail(3)
    assert _try(PASSWORD) == (True, 0)


def test_delays_double_and_stop_at_the_ceiling_instead_of_a_lock(
    user: User, frozen_clock: time_machine.Traveller
) -> None:
    _fail(3)
    waits = []
    for _ in range(12):
        assert _try("salah") == (False, 0)  # each checked attempt shuts the gate for the next delay
        signed_in, wait = _try(PASSWORD)
        assert not signed_in  # even the right password waits: the delay is what slows a guesser down
        waits.append(wait)
        frozen_clock.shift(wait)
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]
    assert _try(PASSWORD) == (True, 0)


def test_a_success_resets_the_count(user: User) -> None:
    _fail(3)
    assert _try(PASSWORD) == (True, 0)
    _fail(3)
    assert _try(PASSWORD) == (True, 0)


def test_changing_the_case_of_the_username_does_not_dodge_the_delay(user: User) -> None:
    _fail(2, username="OPERATOR")
    _fail(2, username="Operator")
    assert _try(PASSWORD, username="operator") == (False, 1)


def test_failures_are_forgotten_after_the_window(
    user: User, settings: Settings, frozen_clock: time_machine.Traveller
) -> None:
    settings.PATRIOT_LOGIN_WINDOW_SECONDS = 600
    _fail(4)
    frozen_clock.shift(601)
    _fail(3)  # free again
    assert _try(PASSWORD) == (True, 0)


def test_password_spraying_from_one_address_is_slowed_down(user: User, settings: Settings) -> None:
    settings.PATRIOT_LOGIN_ADDRESS_FREE_FAILURES = 5
    for n in range(6):
        _fail(1, username=f"petugas-{n}")  # one guess per account: the per-account counters never fire
    assert _try("salah", username="petugas-6") == (False, 1)
    # The same address with the right password of a real account waits too: otherwise sprayed guesses get through.
    assert _try(PASSWORD) == (False, 1)
    assert _try(PASSWORD, address="10.0.0.2") == (True, 0)


def test_slow_guessing_from_many_addresses_is_slowed_down(user: User, frozen_clock: time_machine.Traveller) -> None:
    for n in range(11):
        _fail(1, address=f"10.9.0.{n}")
    assert _try("salah", address="10.9.1.1") == (False, 1)
    # The delay on the account grows but stays short; it slows the guessers, it never locks the account.
    for n in range(200):
        frozen_clock.shift(31)
        assert _try("salah", address=f"10.9.2.{n}") == (False, 0)
    assert _try("salah", address="10.9.3.1") == (False, 30)


def test_parallel_attempts_cannot_slip_past_a_delay(user: User) -> None:
    _fail(3)
    attempts = [throttle.begin_attempt("operator", _request()) for _ in range(20)]
    assert [attempt.wait_seconds for attempt in attempts] == [0] + [1] * 19


def test_the_victim_signs_in_from_a_known_address_while_strangers_hammer_the_account(user: User) -> None:
    assert _try(PASSWORD, address="10.1.1.1") == (True, 0)  # the staff member's usual workstation
    for n in range(100):
        _try("salah", address=f"10.9.0.{n}")
    assert _try(PASSWORD, address="10.1.1.1") == (True, 0)


def test_the_victim_on_a_new_address_waits_only_briefly(user: User, frozen_clock: time_machine.Traveller) -> None:
    for n in range(100):
        _try("salah", address=f"10.9.0.{n}")
        frozen_clock.shift(5)
    signed_in, wait = _try(PASSWORD, address="10.2.2.2")
    assert not signed_in and 0 < wait <= 30
    frozen_clock.shift(wait)
    assert _try(PASSWORD, address="10.2.2.2") == (True, 0)


def test_an_attack_on_one_account_leaves_the_others_alone(user: User) -> None:
    for n in range(50):
        _try("salah", address=f"10.9.9.{n}")
    assert _try(PASSWORD, address="10.1.1.1")[0] is False  # a new address waits behind the account's delay …
    _user("operator-lain")
    assert _try(PASSWORD, username="operator-lain", address="10.1.1.1") == (True, 0)  # … other accounts don't


def test_rotating_x_forwarded_for_from_an_untrusted_peer_counts_as_one_address(user: User) -> None:
    for n in range(4):
        request = _request("203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
        assert authenticate(request, username="operator", password="salah") is None
    assert _try(PASSWORD, address="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.99") == (False, 1)


def test_behind_a_trusted_proxy_each_client_is_counted_apart(user: User, settings: Settings) -> None:
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.0/24"]
    for _ in range(4):
        _try("salah", address="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _try(PASSWORD, address="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.1") == (False, 1)
    assert _try(PASSWORD, address="10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.2") == (True, 0)


def test_the_admin_login_is_no_way_around_the_throttle(user: User) -> None:
    # /admin/login/ sends everyone to /masuk/ (the throttled form) and checks no password itself.
    admin = Client(REMOTE_ADDR="10.4.4.4")
    response = admin.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/")
    assert "_auth_user_id" not in admin.session


def test_staff_can_still_sign_in_while_redis_is_down(user: User, settings: Settings) -> None:
    # A real Redis client pointed at a closed port: every cache call raises ConnectionError.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert _try("salah") == (False, 0)
    assert _try(PASSWORD) == (True, 0)


def test_the_counters_are_shared_through_redis(user: User, settings: Settings, redis_url: str) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    from django.core.cache import cache

    cache.clear()
    try:
        _fail(4)
        assert _try(PASSWORD) == (False, 1)
    finally:
        cache.clear()
