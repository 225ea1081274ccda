"""POST /api/v1/larvae/inspections: a jumantik's phone (token or session) records inspections; a retry with the
same Idempotency-Key never counts a house twice; nobody else may record."""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from typing import Any

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token
from patriot.core import clock
from patriot.larvae.models import Inspection
from tests.factories import MARGAHAYU, OUTSIDE_CITY, make_user

pytestmark = pytest.mark.usefixtures("areas")
URL = "/api/v1/larvae/inspections"


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "building_kind": "house",
        "address": "Jl. Mawar No. 3",
        "rw": 4,
        "rt": 2,
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "inspected_at": (clock.now() - timedelta(hours=2)).isoformat(),
        "containers": [
            {"type": "bath_tub", "place": "indoor", "inspected": 2, "positive": 1},
            {"type": "flower_vase", "place": "indoor", "inspected": 1, "positive": 0},
        ],
        "actions": ["drain", "larvicide"],
        "fever_past_week": False,
    }
    values.update(overrides)
    return values


def post(user: User | None, payload: dict[str, Any], key: str | None = None) -> Any:
    headers: dict[str, str] = {}
    if user is not None:
        _token, raw = create_api_token(user, "ponsel")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(URL, json.dumps(payload), content_type="application/json", **headers)


def test_a_jumantik_records_an_inspection(jumantik: User) -> None:
    response = post(jumantik, body(), key="ponsel-1")
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["created"] and answer["is_positive"] and answer["village"] == "32.75.01.1002"
    assert (answer["containers_inspected"], answer["containers_positive"]) == (3, 1)
    inspection = Inspection.objects.get()
    assert inspection.jumantik == jumantik and inspection.idempotency_key == "ponsel-1"
    # The household's address is not echoed back into API answers.
    assert "Mawar" not in response.content.decode()


def test_a_retry_with_the_same_key_answers_200_with_the_first_inspection(jumantik: User) -> None:
    payload = body()
    first = post(jumantik, payload, key="ponsel-2")
    again = post(jumantik, payload, key="ponsel-2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Inspection.objects.count() == 1


def test_the_same_key_with_other_content_answers_409(jumantik: User) -> None:
    post(jumantik, body(rt=2), key="ponsel-3")
    response = post(jumantik, body(rt=9), key="ponsel-3")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"containers": [{"type": "drum", "place": "indoor", "inspected": 1, "positive": 2}]}, 400,
         "positive_exceeds_inspected"),
        ({"containers": [{"type": "drum", "place": "indoor", "inspected": -1, "positive": 0}]}, 400, "invalid"),
        ({"latitude": OUTSIDE_CITY[0], "longitude": OUTSIDE_CITY[1]}, 400, "outside_city"),
        ({"building_kind": "warehouse"}, 400, "invalid"),
        ({"rt": 0}, 400, "invalid"),
    ],
)  # fmt: skip
def test_invalid_inspections_answer_400(jumantik: User, overrides: dict[str, Any], status: int, code: str) -> None:
    response = post(jumantik, body(**overrides))
    assert response.status_code == status and response.json()["code"] == code
    assert not Inspection.objects.exists()


def test_a_future_time_answers_400(jumantik: User) -> None:
    response = post(jumantik, body(inspected_at=(clock.now() + timedelta(days=1)).isoformat()))
    assert response.status_code == 400 and response.json()["code"] == "future_time"


def test_an_inspection_kept_offline_is_taken_within_the_window_and_refused_after_it(jumantik: User) -> None:
    ten_days_ago = (clock.now() - timedelta(days=10)).isoformat()
    response = post(jumantik, body(inspected_at=ten_days_ago), key="late-1")
    assert response.status_code == 201
    old = (clock.now() - timedelta(days=20)).isoformat()
    response = post(jumantik, body(inspected_at=old), key="late-2")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("too_old", "inspected_at")
    assert Inspection.objects.count() == 1


def test_without_sign_in_401(db: None) -> None:
    assert post(None, body()).status_code == 401


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.AGENCY_OFFICER, Role.POC_OPERATOR, Role.HEALTH_OFFICER])
def test_other_roles_answer_403(role: str) -> None:
    response = post(make_user(role), body())
    assert response.status_code == 403
    assert not Inspection.objects.exists()


def test_a_session_needs_its_csrf_token(jumantik: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(jumantik)
    response = client.post(URL, json.dumps(body()), content_type="application/json")
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_the_answer_is_what_the_schema_would_render(jumantik: User) -> None:
    """The view renders its answer without validating it through InspectionOut again: byte for byte what ninja makes
    of it through the schema (types, the phone's own offset kept in inspected_at, the status's schema), as before."""
    from patriot.api import api
    from patriot.larvae.schemas import InspectionOut

    at = (clock.now() - timedelta(hours=2)).astimezone(timezone(timedelta(hours=7)))
    for key, status in (("ponsel-1", 201), ("ponsel-1", 200)):
        response = post(jumantik, body(inspected_at=at.isoformat()), key=key)
        assert response.status_code == status, response.content
        inspection = Inspection.objects.select_related("village").get()
        validated = InspectionOut.model_validate(
            {
                "id": inspection.pk,
                "created": status == 201,
                "building_kind": inspection.building_kind,
                "village": inspection.village.code,
                "rw": inspection.rw,
                "rt": inspection.rt,
                "is_positive": inspection.is_positive,
                "containers_inspected": inspection.containers_inspected,
                "containers_positive": inspection.containers_positive,
                # The first answer carries the phone's time as sent; a replay the row's (in UTC).
                "inspected_at": at if status == 201 else inspection.inspected_at,
                "received_at": inspection.received_at,
            }
        )
        expected = api.renderer.render(None, validated.model_dump(), response_status=status)  # type: ignore[arg-type]  # the renderer does not read the request
        assert response.content.decode() == (expected.decode() if isinstance(expected, bytes) else expected)
        assert response["Content-Type"] == api.get_content_type()
        assert response.json()["inspected_at"].endswith("+07:00" if status == 201 else "Z")
