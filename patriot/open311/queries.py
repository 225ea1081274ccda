"""Reads for the Open311 server: active services and the public service requests, never confidential ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from patriot.cases.choices import AttachmentKindChoices
from patriot.cases.models import Attachment, Case, Category
from patriot.cases.queries import public_cases
from patriot.open311.choices import RequestStatusChoices
from patriot.open311.models import CatalogueChange

MAX_PAGE_SIZE = 1000


def services() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True).order_by("group", "code")


def service(code: str) -> Category | None:
    return Category.objects.filter(is_active=True, code=code).first()


def _for_output(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.select_related("category", "agency", "duplicate_of", "open311_request").prefetch_related(
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(kind=AttachmentKindChoices.REPORT_PHOTO).order_by("created_at", "id"),
            to_attr="report_photos",
        )
    )


@dataclass(frozen=True)
class RequestSearch:
    """GET requests.{format} filters: the spec's (service_code, start/end date, status) and page/page_size."""

    start: datetime
    end: datetime
    service_codes: tuple[str, ...] = ()
    statuses: frozenset[str] = frozenset()
    page: int = 1
    page_size: int = MAX_PAGE_SIZE


def search_requests(search: RequestSearch) -> list[Case]:
    """Public requests in the window, newest first. Rejected and merged reports are left out, as on the public map."""
    cases = public_cases().filter(created_at__gte=search.start, created_at__lte=search.end)
    if search.service_codes:
        cases = cases.filter(category__code__in=search.service_codes)
    if search.statuses == {RequestStatusChoices.OPEN}:
        cases = cases.filter(state__in=RequestStatusChoices.OPEN_STATES)
    elif search.statuses == {RequestStatusChoices.CLOSED}:
        cases = cases.exclude(state__in=RequestStatusChoices.OPEN_STATES)
    offset = (search.page - 1) * search.page_size
    return list(_for_output(cases.order_by("-created_at", "-id"))[offset : offset + search.page_size])


def requests_by_id(tracking_numbers: list[str]) -> list[Case]:
    """Requests asked for by id, in the order asked. A client following its own request also learns that it
    was rejected or merged (status closed), so those are included here; confidential cases never are."""
    found = {
        case.tracking_number: case
        for case in _for_output(Case.objects.filter(is_confidential=False, tracking_number__in=tracking_numbers))
    }
    return [found[number] for number in dict.fromkeys(tracking_numbers) if number in found]


def catalogue_changed_at() -> datetime | None:
    """When a service was last added, edited or removed (None before any change was recorded)."""
    return CatalogueChange.objects.filter(pk=1).values_list("changed_at", flat=True).first()
