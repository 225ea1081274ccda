"""The phone system's hook: shared-secret auth, switched off without a secret, bad input, withheld numbers,
idempotency, rate limit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from pytest_django import Settings

from patriot.accounts.models import User
from patriot.callcentre import services
from patriot.callcentre.choices import CallStateChoices
from patriot.callcentre.models import Call
from patriot.events.models import OutboxEvent

URL = "/callcentre/api/incoming"
pytestmark = pytest.mark.django_db


def post(body: Any, *, secret: str | None = None, raw: bool = False, **headers: str) -> Any:
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    data = body if raw else json.dumps(body)
    return Client().post(URL, data=data, content_type="application/json", headers=headers)


def test_without_a_secret_the_hook_is_switched_off(settings: Settings) -> None:
    settings.PATRIOT_CALLCENTRE_HOOK_SECRET = ""
    response = post({"caller_number": "081234500001"}, secret="anything")
    assert response.status_code == 503
    assert response.json()["code"] == "hook_disabled"
    assert "PATRIOT_CALLCENTRE_HOOK_SECRET" in response.json()["detail"]
    assert not Call.objects.exists()


def test_no_credentials_answer_401(hook_secret: str) -> None:
    response = post({"caller_number": "081234500001"})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
    response = post({"caller_number": "081234500001"}, Authorization=f"Basic {hook_secret}")
    assert response.status_code == 401
    assert not Call.objects.exists()


def test_a_wrong_secret_answers_403(hook_secret: str) -> None:
    response = post({"caller_number": "081234500001"}, secret=hook_secret + "x")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Call.objects.exists()


def test_auth_is_checked_before_the_body(hook_secret: str) -> None:
    assert post("{not json", raw=True).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "caller_number"),
        ({"caller_number": "halo"}, "caller_number"),
        ({"caller_number": "0812"}, "caller_number"),
        ({"caller_number": "+62 999"}, "caller_number"),
        ({"caller_number": "anonymous caller"}, "caller_number"),
        ({"caller_number": "sembunyi"}, "caller_number"),
        ({"caller_number": "081234500001", "at": "kemarin"}, "at"),
        ({"caller_number": "081234500001", "at": "2026-01-01T10:00:00"}, "at"),
        ({"caller_number": "081234500001", "at": "2099-01-01T10:00:00+07:00"}, "at"),
        ({"caller_number": "081234500001", "call_id": "x" * 101}, "call_id"),
    ],
)
def test_bad_input_answers_400_with_the_field(hook_secret: str, body: dict[str, Any], field: str) -> None:
    response = post(body, secret=hook_secret)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["field"] == field and answer["detail"]
    assert not Call.objects.exists()


def test_malformed_json_answers_400(hook_secret: str) -> None:
    response = post("{not json", secret=hook_secret, raw=True)
    assert response.status_code == 400 and response.json()["detail"]


def test_an_announced_call_rings_and_writes_a_call_event(hook_secret: str) -> None:
    response = post(
        {"caller_number": "0812-3450-0001", "call_id": "pbx-42", "line": "trunk-1", "at": "2020-01-01T10:00:00+07:00"},
        secret=hook_secret,
    )
    assert response.status_code == 201, response.content
    answer = response.json()
    call = Call.objects.get()
    assert answer == {
        "id": str(call.pk),
        "state": "ringing",
        "caller_number": "+6281234500001",
        "number_withheld": False,
        "created": True,
    }
    assert call.state == CallStateChoices.RINGING and call.external_id == "pbx-42" and call.line == "trunk-1"
    assert call.rung_at.isoformat() == "2020-01-01T03:00:00+00:00"
    event = OutboxEvent.objects.get()
    assert (event.kind, event.subject_type, event.subject_id) == ("call.incoming", "call", str(call.pk))
    assert event.is_public is False


def test_a_real_number_that_does_not_read_is_still_refused(hook_secret: str) -> None:
    response = post({"caller_number": "12ab"}, secret=hook_secret)
    assert response.status_code == 400 and response.json()["code"] == "invalid_phone"
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "caller_id", ["", "  ", None, "anonymous", "Anonymous", " PRIVATE ", "withheld", "Unknown", "restricted"]
)
def test_a_withheld_number_rings_without_a_number(hook_secret: str, caller_id: str | None) -> None:
    response = post({"caller_number": caller_id, "call_id": "pbx-hidden", "line": "trunk-1"}, secret=hook_secret)
    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert response.json() == {
        "id": str(call.pk),
        "state": "ringing",
        "caller_number": "",
        "number_withheld": True,
        "created": True,
    }
    assert call.state == CallStateChoices.RINGING and call.caller_number == "" and call.number_withheld
    event = OutboxEvent.objects.get()
    assert event.kind == "call.incoming" and event.payload["caller_number"] == ""
    assert event.payload["number_withheld"] is True


def test_a_withheld_call_is_still_one_call_when_announced_again(hook_secret: str, operator: User) -> None:
    first = post({"caller_number": "anonymous", "call_id": "pbx-h1"}, secret=hook_secret)
    again = post({"caller_number": "Private", "call_id": "pbx-h1"}, secret=hook_secret)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    # The operator answers and types the number the caller gives; a late retry still finds the same call.
    call = Call.objects.get()
    services.answer_call(by=operator, call=call)
    services.give_number(call, by=operator, caller_number="0812-3450-0001")
    late = post({"caller_number": "anonymous", "call_id": "pbx-h1"}, secret=hook_secret)
    assert late.status_code == 200 and late.json()["id"] == first.json()["id"]
    assert late.json()["state"] == "active" and late.json()["number_withheld"] is True
    # The same call id with a number is another call: refused, like a different number.
    reused = post({"caller_number": "081234500001", "call_id": "pbx-h1"}, secret=hook_secret)
    assert reused.status_code == 400 and reused.json()["code"] == "idempotency_key_reused"
    shown = post({"caller_number": "081234500002", "call_id": "pbx-shown"}, secret=hook_secret)
    hidden = post({"caller_number": "anonymous", "call_id": "pbx-shown"}, secret=hook_secret)
    assert shown.status_code == 201 and hidden.status_code == 400
    assert Call.objects.count() == 2 and OutboxEvent.objects.filter(kind="call.incoming").count() == 2


def test_a_retried_announcement_returns_the_first_call(hook_secret: str) -> None:
    first = post({"caller_number": "081234500001", "call_id": "pbx-9"}, secret=hook_secret)
    again = post({"caller_number": "081234500001", "call_id": "pbx-9"}, secret=hook_secret)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Call.objects.count() == 1 and OutboxEvent.objects.count() == 1


def test_the_idempotency_key_header_stands_in_for_a_call_id(hook_secret: str) -> None:
    first = post({"caller_number": "081234500001"}, secret=hook_secret, **{"Idempotency-Key": "k-1"})
    again = post({"caller_number": "081234500001"}, secret=hook_secret, **{"Idempotency-Key": "k-1"})
    other = post({"caller_number": "081234500001"}, secret=hook_secret)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert Call.objects.count() == 2


def test_the_hook_is_rate_limited_per_address(hook_secret: str, settings: Settings) -> None:
    settings.PATRIOT_CALLCENTRE_HOOK_RATE_PER_MINUTE = 3
    codes = [post({"caller_number": "081234500001"}, secret=hook_secret).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = post({"caller_number": "081234500001"}, secret=hook_secret)
    assert limited.status_code == 429 and limited["Retry-After"] == "60"
    assert limited.json()["code"] == "rate_limited"
    assert Call.objects.count() == 3


def test_the_hook_needs_no_session_or_csrf_token(hook_secret: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        URL,
        data=json.dumps({"caller_number": "081234500001"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {hook_secret}"},
    )
    assert response.status_code == 201
