"""Intake's answers, headers and cookies included: a report, its replay and its refusals."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from patriot.cases.models import Case
from tests.cases.test_api import MARGAHAYU, city, report  # noqa: F401 (city is a fixture)

pytestmark = pytest.mark.django_db


def _headers(response: Any) -> list[tuple[str, str]]:
    """Every header of the answer, in order; the request id (random) checked for its shape and left out."""
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
    return [(name, value) for name, value in response.items() if name != "X-Request-ID"]


def _expected(length: int, **extra: str) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "application/json; charset=utf-8"),
        *extra.items(),
        ("X-Frame-Options", "DENY"),
        ("Content-Length", str(length)),
        ("Vary", "Accept-Language, Cookie"),
        ("Content-Language", "id"),
        # The site's policy, whatever the settings make it: the empty view answers the same one.
        ("Content-Security-Policy", Client().get("/healthz")["Content-Security-Policy"]),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]


@pytest.mark.usefixtures("city")
def test_a_report_its_replay_and_refusals_answer_as_before(settings: Any) -> None:
    client = Client()
    created = report(client, key="golden-1")
    replay = report(client, key="golden-1")
    assert created.status_code == 201 and replay.status_code == 200
    case = Case.objects.get()
    for answer, was_created in ((created, "true"), (replay, "false")):
        body = answer.content.decode()
        assert re.fullmatch(
            r'\{"tracking_number": "(?P<number>[^"]+)", "state": "submitted", "created": '
            + was_created
            + r', "reporter_key": "[A-Za-z0-9_-]{32}", "tracking_url": "/api/v1/public/cases/(?P=number)", '
            r'"due_at": "[0-9T:+Z-]+"\}',
            body,
        ), body
        assert json.loads(body)["tracking_number"] == case.tracking_number
        assert _headers(answer) == _expected(len(answer.content))
        assert not answer.cookies

    invalid = client.post("/api/v1/cases", {"category": 1}, content_type="application/json")
    assert invalid.status_code == 400
    assert invalid.json() == {
        "detail": "category tidak valid.",
        "code": "invalid",
        "field": "category",
        "errors": [
            {"detail": "category tidak valid.", "field": "category"},
            {"detail": "description wajib diisi.", "field": "description"},
            {"detail": "latitude wajib diisi.", "field": "latitude"},
            {"detail": "longitude wajib diisi.", "field": "longitude"},
        ],
    }
    assert _headers(invalid) == _expected(len(invalid.content)) and not invalid.cookies

    unparsable = client.post("/api/v1/cases", b"{not json", content_type="application/json")
    assert unparsable.status_code == 400 and unparsable.json()["code"] == "invalid_json"
    assert _headers(unparsable) == _expected(len(unparsable.content)) and not unparsable.cookies

    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 1
    limited = report(Client(REMOTE_ADDR="203.0.113.7"))
    limited = report(Client(REMOTE_ADDR="203.0.113.7"))
    assert limited.status_code == 429
    assert limited.json() == {
        "detail": "Terlalu banyak laporan dari alamat ini. Coba lagi dalam satu menit.",
        "code": "rate_limited",
        "field": None,
    }
    assert _headers(limited) == _expected(len(limited.content), **{"Retry-After": "60"}) and not limited.cookies

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    too_big = report(Client(), description="x" * 200)
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "Isi permintaan terlalu besar.", "code": "too_large", "field": "body"}
    assert _headers(too_big) == _expected(len(too_big.content)) and not too_big.cookies
    assert Case.objects.count() == 2
