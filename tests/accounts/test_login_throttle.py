"""Password login closes for an account and address after PATRIOT_LOGIN_MAX_FAILURES failures."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.test import RequestFactory
from pytest_django import Settings

from patriot.accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-benar-123"


@pytest.fixture
def user(settings: Settings) -> User:
    settings.PATRIOT_LOGIN_MAX_FAILURES = 3
    settings.PATRIOT_LOGIN_LOCKOUT_SECONDS = 900
    user = make_user(username="operator")
    user.set_password(PASSWORD)
    user.save()
    return user


def _request(address: str = "10.0.0.1") -> HttpRequest:
    return RequestFactory().post("/admin/login/", REMOTE_ADDR=address)


def _fail(times: int, username: str = "operator", address: str = "10.0.0.1") -> None:
    for _ in range(times):
        assert authenticate(_request(address), username=username, password="salah") is None


def test_the_right_password_works_below_the_limit(user: User) -> None:
    _fail(2)
    assert authenticate(_request(), username="operator", password=PASSWORD) == user


def test_after_the_limit_even_the_right_password_is_refused(user: User) -> None:
    _fail(3)
    assert authenticate(_request(), username="operator", password=PASSWORD) is None


def test_a_success_resets_the_count(user: User) -> None:
    _fail(2)
    assert authenticate(_request(), username="operator", password=PASSWORD) == user
    _fail(2)
    assert authenticate(_request(), username="operator", password=PASSWORD) == user


def test_the_lock_is_per_address(user: User) -> None:
    _fail(3, address="10.0.0.1")
    assert authenticate(_request("10.0.0.2"), username="operator", password=PASSWORD) == user


def test_changing_the_case_of_the_username_does_not_dodge_the_lock(user: User) -> None:
    _fail(2, username="OPERATOR")
    _fail(1, username="Operator")
    assert authenticate(_request(), username="operator", password=PASSWORD) is None


def test_the_lock_opens_after_the_window(user: User) -> None:
    with time_machine.travel(time.time(), tick=False) as traveller:
        _fail(3)
        assert authenticate(_request(), username="operator", password=PASSWORD) is None
        traveller.shift(901)
        assert authenticate(_request(), username="operator", password=PASSWORD) == user


def test_staff_can_still_sign_in_while_redis_is_down(user: User, settings: Settings) -> None:
    # A real Redis client pointed at a closed port: every cache call raises ConnectionError.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    assert authenticate(_request(), username="operator", password="salah") is None
    assert authenticate(_request(), username="operator", password=PASSWORD) == user
