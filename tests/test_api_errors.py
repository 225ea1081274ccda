"""The JSON API's error contract: CSRF for cookie writes, 401 before CSRF, one `{detail, code, field}` shape, and a
Retry-After on every 429 (API, call-centre hook, Open311, pages)."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.test import Client, RequestFactory
from ninja.errors import ValidationError

import patriot
from patriot.accounts.choices import RoleChoices
from patriot.accounts.services import create_api_token
from patriot.api import api
from patriot.callcentre.api import hook
from patriot.cases.models import Case
from patriot.cases.photos import check_photo_rate
from patriot.core import api_errors
from patriot.core.errors import DomainError, Forbidden, RateLimited, Unauthenticated
from tests.factories import MARGAHAYU, load_areas, make_agency, make_case, make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> dict[str, Any]:
    load_areas()
    pothole = make_category("jalan-berlubang", default_agency=make_agency("dbmsda"))
    case = make_case(pothole)
    poc = make_user(RoleChoices.POC_OPERATOR, username="poc")
    citizen = make_user(RoleChoices.CITIZEN, username="warga@example.org", email="warga@example.org")
    return {"case": case, "poc": poc, "token": create_api_token(poc, "test")[1], "citizen": citizen}


def report() -> dict[str, Any]:
    return {
        "category": "jalan-berlubang",
        "description": "Lubang besar di depan pasar, membahayakan motor.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
    }


def assert_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"detail", "code", "field"} and body["detail"], body
    assert body["code"] == code, body
    return body


def signed_in(user: Any) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    return browser


def csrf_token(browser: Client) -> str:
    browser.get("/")  # any page with a form hands out the CSRF cookie
    return browser.cookies["csrftoken"].value


# --- CSRF and authentication ------------------------------------------------------------------------


def test_a_staff_session_write_without_csrf_is_refused_and_changes_nothing(city: dict[str, Any]) -> None:
    number = city["case"].tracking_number
    browser = signed_in(city["poc"])
    refused = browser.post(f"/api/v1/cases/{number}/verify", {}, content_type="application/json")
    assert_shape(refused, 403, "csrf_failed")
    assert Case.objects.get().state == "submitted"
    accepted = browser.post(
        f"/api/v1/cases/{number}/verify", {}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf_token(browser)
    )
    assert accepted.status_code == 200, accepted.content


def test_a_citizen_session_report_without_csrf_is_refused(city: dict[str, Any]) -> None:
    """The public intake reads the session to file a citizen's report; a forged cross-site post must not."""
    browser = signed_in(city["citizen"])
    refused = browser.post("/api/v1/cases", report(), content_type="application/json")
    assert_shape(refused, 403, "csrf_failed")
    assert Case.objects.count() == 1
    accepted = browser.post(
        "/api/v1/cases", report(), content_type="application/json", HTTP_X_CSRFTOKEN=csrf_token(browser)
    )
    assert accepted.status_code == 201, accepted.content
    assert Case.objects.get(tracking_number=accepted.json()["tracking_number"]).reporter == city["citizen"]


def test_a_bearer_token_needs_no_csrf_even_beside_a_session(city: dict[str, Any]) -> None:
    browser = signed_in(city["citizen"])
    number = city["case"].tracking_number
    response = browser.post(
        f"/api/v1/cases/{number}/verify",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {city['token']}",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_calls_to_staff_endpoints_answer_401_not_a_csrf_403(city: dict[str, Any], method: str) -> None:
    number = city["case"].tracking_number
    anonymous = Client(enforce_csrf_checks=True)
    path = f"/api/v1/cases/{number}/verify" if method == "post" else "/api/v1/cases"
    kwargs: dict[str, Any] = {"content_type": "application/json"} if method == "post" else {}
    assert_shape(getattr(anonymous, method)(path, {}, **kwargs), 401, "unauthenticated")
    assert_shape(
        getattr(anonymous, method)(path, {}, HTTP_AUTHORIZATION="Bearer wrong", **kwargs), 401, "unauthenticated"
    )
    assert Case.objects.get().state == "submitted"


# --- one error shape -------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{not json", b"\x00", b'{"category": "jalan-berlubang",'])
def test_malformed_json_is_400_in_the_shape(city: dict[str, Any], body: bytes) -> None:
    assert_shape(Client().post("/api/v1/cases", body, content_type="application/json"), 400, "invalid_json")
    number = city["case"].tracking_number
    staff = Client().post(
        f"/api/v1/cases/{number}/verify",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {city['token']}",
    )
    assert_shape(staff, 400, "invalid_json")
    assert Case.objects.count() == 1 and Case.objects.get().state == "submitted"


def test_a_body_too_large_is_413_in_the_shape(city: dict[str, Any], settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {**report(), "description": "x" * 2048}
    assert_shape(Client().post("/api/v1/cases", body, content_type="application/json"), 413, "too_large")
    assert Case.objects.count() == 1


def test_unknown_paths_and_methods_answer_in_the_shape(city: dict[str, Any]) -> None:
    assert_shape(Client().get("/api/v1/no-such-thing"), 404, "not_found")
    refused = assert_shape(Client().delete("/api/v1/categories"), 405, "method_not_allowed")
    assert refused["field"] is None
    assert "GET" in Client().delete("/api/v1/categories")["Allow"]


def test_a_bug_answers_500_in_the_shape(city: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from patriot.cases import presenters

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(presenters, "public_case", broken)
    response = Client(raise_request_exception=False).get(f"/api/v1/public/cases/{city['case'].tracking_number}")
    body = assert_shape(response, 500, "server_error")
    assert "a bug" not in body["detail"]


def test_every_operation_documents_its_errors_in_the_shape() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            errors = {status for status in responses if status.startswith(("4", "5"))}
            if operation.get("parameters") or operation.get("requestBody"):
                assert "400" in errors, (method, path)
            if operation.get("security"):
                assert {"401", "403"} <= errors, (method, path)
            if method == "post":
                assert "413" in errors, (method, path)
            for status in errors:
                schema = responses[status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    assert set(document["components"]["schemas"]["ErrorOut"]["properties"]) == {"detail", "code", "field"}


# --- Retry-After on every 429 ------------------------------------------------------------------------


def test_api_429_carries_retry_after(city: dict[str, Any], settings: Any) -> None:
    settings.PATRIOT_INTAKE_RATE_PER_MINUTE = 1
    assert Client().post("/api/v1/cases", report(), content_type="application/json").status_code == 201
    limited = Client().post("/api/v1/cases", report(), content_type="application/json")
    assert_shape(limited, 429, "rate_limited")
    assert limited["Retry-After"] == "60"


def test_page_429_carries_retry_after(city: dict[str, Any], settings: Any) -> None:
    """A page that shows its refusal in the form (the password reset request) still tells when to retry."""
    for _attempt in range(10):
        response = Client().post("/akun/sandi/lupa/", {"email": "warga@example.org"})
        if response.status_code == 429:
            break
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_every_rate_limit_is_one_error_class() -> None:
    from patriot.callcentre import api as hook
    from patriot.citizens import services as citizens
    from patriot.core.errors import RateLimited
    from patriot.open311 import views as open311

    assert citizens.RateLimited is RateLimited and open311.RateLimited is RateLimited
    assert not hasattr(hook, "TooManyRequests")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/areas/villages?district=32.75%00", None),
        ("get", "/api/v1/public/cases.geojson?category=a%00b", None),
        ("post", "/api/v1/cases", '{"category": "jalan\\u0000", "description": "x", "latitude": 0, "longitude": 0}'),
    ],
)
def test_a_nul_character_is_400_in_the_shape(city: dict[str, Any], method: str, path: str, body: str | None) -> None:
    """PostgreSQL text cannot hold NUL: such a request is refused before it reaches a query."""
    response = getattr(Client(), method)(path, body, content_type="application/json") if body else Client().get(path)
    assert_shape(response, 400, "invalid")
    assert Case.objects.count() == 1


# --- one error type per meaning, one handler for every NinjaAPI ---------------------------------------


def _all_domain_errors() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(patriot.__path__, "patriot."):
        if ".migrations" not in module.name and ".management" not in module.name and "backend" not in module.name:
            importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    pending = [DomainError]
    while pending:
        for sub in pending.pop().__subclasses__():
            found.add(sub)
            pending.append(sub)
    return found


@pytest.mark.parametrize(("status", "only"), [(401, Unauthenticated), (403, Forbidden), (429, RateLimited)])
def test_one_error_type_per_meaning(status: int, only: type[DomainError]) -> None:
    """A 401, 403 or 429 is raised as core's one type (or a case of it, like a second-factor lockout), so every
    surface answers it alike."""
    same_status = {error for error in _all_domain_errors() if error.status_code == status}
    assert only in same_status and all(issubclass(error, only) for error in same_status)


def test_too_many_photos_is_the_common_rate_limit(settings: Any) -> None:
    settings.PATRIOT_PHOTO_RATE_PER_MINUTE = 1
    check_photo_rate("192.0.2.77", None)
    with pytest.raises(RateLimited) as refused:
        check_photo_rate("192.0.2.77", None)
    assert refused.value.retry_after == 60 and refused.value.field == "photos"


@pytest.mark.parametrize("instance", [api, hook], ids=["api", "callcentre-hook"])
def test_every_ninja_api_uses_the_same_handlers(instance: Any) -> None:
    assert instance._exception_handlers[DomainError] is api_errors.domain_error
    assert instance._exception_handlers[ValidationError] is api_errors.invalid_request


def test_a_rate_limit_always_says_when_to_retry() -> None:
    request = RequestFactory().get("/")
    response = api_errors.domain_error(request, RateLimited("Terlalu banyak.", retry_after=17, field="photos"))
    assert response.status_code == 429 and response["Retry-After"] == "17"
    assert json.loads(response.content) == {"detail": "Terlalu banyak.", "code": "rate_limited", "field": "photos"}
    other = api_errors.domain_error(request, Forbidden("Tidak boleh.", code="forbidden"))
    assert other.status_code == 403 and not other.has_header("Retry-After")
