"""Schemathesis over the whole /api/v1 OpenAPI document, anonymous and with a staff token: no 5xx, no schema drift."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from patriot.accounts.choices import RoleChoices
from patriot.accounts.services import create_api_token
from patriot.cases import services
from tests.factories import (
    case_through,
    load_areas,
    make_agency,
    make_category,
    make_team,
    make_user,
    photo,
    submission,
)

_django = ClientHandler(enforce_csrf_checks=True)


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """The Django app as WSGI, through the test client's handler: it keeps the test's database transaction open."""
    response = _django(environ)
    headers = [*response.items(), *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values())]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return response


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
# Bounded and derandomized: the same examples every run, about a minute per database for the whole document.
FUZZ = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    """Enough of a city that generated requests meet real rows: areas, an agency with a team, a category, cases in
    several states (one with a photo and a reporter key) and an instruction."""
    load_areas()
    roads = make_agency("dbmsda")
    team = make_team(roads, "urc-dbmsda")
    pothole = make_category("jalan-berlubang", default_agency=roads)
    mayor = make_user(RoleChoices.MAYOR, username="mayor-fuzz")
    result = services.create_case(submission(pothole), photos=[photo()])
    cases = [result.case, *(case_through(state, category=pothole, team=team) for state in ("verified", "assigned"))]
    instruction = services.instruct_case(cases[1], by=mayor, text="Segera tangani.")
    poc = make_user(RoleChoices.POC_SUPERVISOR, username="poc-fuzz")
    return {
        "tracking_number": [case.tracking_number for case in cases],
        "attachment_id": [attachment.pk for attachment in result.case.attachments.all()],
        "instruction_id": [instruction.pk],
        "reporter_key": result.reporter_key,
        "token": create_api_token(poc, "fuzz")[1],
    }


def _meet_real_rows(case: schemathesis.Case, city: dict[str, Any]) -> None:
    """Point two generated requests in three at an existing row, so that the fuzzer also reaches the 200s of a
    real case; which one follows from the generated value, so a run stays reproducible."""
    for name, value in (case.path_parameters or {}).items():
        if name in city and len(str(value)) % 3:
            rows = city[name]
            case.path_parameters[name] = rows[len(str(value)) % len(rows)]
    if case.path_parameters and case.path_parameters.get("tracking_number") == city["tracking_number"][0]:
        # The reporter's key travels in a header the reporter's endpoints read themselves.
        case.headers = {**(case.headers or {}), "X-Reporter-Key": city["reporter_key"]}


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_anonymous(case: schemathesis.Case, city: dict[str, Any]) -> None:
    _meet_real_rows(case, city)
    case.call_and_validate(checks=CHECKS)


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_staff_token(case: schemathesis.Case, city: dict[str, Any]) -> None:
    _meet_real_rows(case, city)
    case.call_and_validate(headers={"Authorization": f"Bearer {city['token']}"}, checks=CHECKS)
