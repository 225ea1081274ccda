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


def test_session_and_csrf_cookies_are_secure_outside_debug() -> None:
    from django.conf import settings as live

    assert live.DEBUG is False
    assert live.SESSION_COOKIE_SECURE is True
    assert live.CSRF_COOKIE_SECURE is True
    assert live.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
