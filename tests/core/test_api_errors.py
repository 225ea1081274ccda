"""One error type per meaning, and one handler for domain errors shared by every NinjaAPI instance."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.test import RequestFactory
from ninja.errors import ValidationError

import patriot
from patriot.api import api
from patriot.callcentre.api import hook
from patriot.cases.photos import check_photo_rate
from patriot.core import api_errors
from patriot.core.errors import DomainError, Forbidden, RateLimited, Unauthenticated


def _all_domain_errors() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(patriot.__path__, "patriot."):
        if ".migrations" not in module.name and ".management" not in module.name and "backend" not in module.name:
            importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    todo = [DomainError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
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
