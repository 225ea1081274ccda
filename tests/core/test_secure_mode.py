"""Secure mode: HTTPS redirect and HSTS, with X-Forwarded-Proto believed only from a trusted proxy."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django import Settings

from tests.fresh_settings import setting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secure_mode(settings: Settings) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_plain_http_is_redirected_to_https() -> None:
    response = Client().get("/lapor/?kategori=x", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/lapor/?kategori=x"


def test_https_answers_with_hsts() -> None:
    response = Client().get("/", secure=True, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_a_client_cannot_claim_https_itself() -> None:
    response = Client().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert "Strict-Transport-Security" not in response


def test_the_trusted_proxy_says_the_request_came_over_https() -> None:
    response = Client().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert Client().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_PROTO="http").status_code == 301


def test_the_health_check_answers_over_plain_http() -> None:
    assert Client().get("/healthz", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_secure_mode_is_the_default_and_make_run_turns_it_off(tmp_path: Path) -> None:
    var = str(tmp_path)
    assert setting("SECURE_SSL_REDIRECT", PATRIOT_VAR_DIR=var) == "True"
    assert setting("SECURE_HSTS_SECONDS", PATRIOT_VAR_DIR=var) == "31536000"
    assert setting("SECURE_SSL_REDIRECT", PATRIOT_VAR_DIR=var, PATRIOT_SECURE_COOKIES="0") == "False"
    assert setting("SECURE_HSTS_SECONDS", PATRIOT_VAR_DIR=var, PATRIOT_SECURE_COOKIES="0") == "0"
    assert setting("SECURE_PROXY_SSL_HEADER", PATRIOT_VAR_DIR=var) == "None"
    proxied = setting("SECURE_PROXY_SSL_HEADER", PATRIOT_VAR_DIR=var, PATRIOT_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    assert proxied == "('HTTP_X_FORWARDED_PROTO', 'https')"
