"""The landing page and the security headers every answer carries."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_page_is_served_with_security_headers() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert "1500444" in response.content.decode()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_production_settings_are_secure_by_default() -> None:
    from patriot import settings as configured

    assert configured.DEBUG is False
    assert configured.SESSION_COOKIE_SECURE is True
    assert configured.CSRF_COOKIE_SECURE is True
    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_pages_open_in_indonesian_even_for_an_english_browser() -> None:
    page = Client().get("/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="id"' in page.content.decode()


def test_the_remembered_switch_wins_over_the_default() -> None:
    client = Client()
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get("/masuk/").content.decode()


def test_the_api_follows_the_client_language() -> None:
    answer = Client().get("/api/v1/cases", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 401
    assert answer.json()["detail"] == "Log in or send a valid API token."
