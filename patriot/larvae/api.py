"""Si Tik Tik's API: a jumantik's phone or another client sends inspections here (the web form's offline queue sends
to the form's own URL, which also takes the photo)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from patriot.accounts.auth import STAFF_AUTH
from patriot.accounts.models import User
from patriot.core.schemas import errors
from patriot.larvae import services
from patriot.larvae.schemas import InspectionIn, InspectionOut

router = Router(tags=["larvae"])


@router.post(
    "/inspections",
    response={200: InspectionOut, 201: InspectionOut, **errors(400, 401, 403, 409, 413)},
    auth=STAFF_AUTH,
    summary="Record a house inspection (jumantik)",
)
def record_inspection(request: HttpRequest, payload: InspectionIn) -> Status:
    """A jumantik records one building. Send an `Idempotency-Key` header (the phone's id for this inspection):
    a retry with it answers 200 with the first inspection and never counts the house twice; the same key with
    different content answers 409. `inspected_at` is the phone's time of the inspection: an inspection kept offline
    is accepted with it up to PATRIOT_LARVAE_MAX_DELAY_DAYS later (400 `too_old` after that)."""
    user: User = request.auth  # type: ignore[attr-defined]
    submission = services.InspectionSubmission(
        building_kind=payload.building_kind,
        address=payload.address,
        rw=payload.rw,
        rt=payload.rt,
        latitude=payload.latitude,
        longitude=payload.longitude,
        inspected_at=payload.inspected_at,
        containers=[services.ContainerEntry(c.type, c.place, c.inspected, c.positive) for c in payload.containers],
        actions=list(payload.actions),
        residents=payload.residents,
        fever_past_week=payload.fever_past_week,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    result = services.record_inspection(user, submission, from_phone=True)
    inspection = result.inspection
    # Built without validation (every value is the row just written, already of its type): django-ninja dumps a model
    # instance of the response's schema as it is instead of validating a dict against it (as case intake does).
    body = InspectionOut.model_construct(
        id=inspection.pk,
        created=result.created,
        building_kind=inspection.building_kind,
        village=result.village_code,
        rw=inspection.rw,
        rt=inspection.rt,
        is_positive=inspection.is_positive,
        containers_inspected=inspection.containers_inspected,
        containers_positive=inspection.containers_positive,
        inspected_at=inspection.inspected_at,
        received_at=inspection.received_at,
    )
    return Status(201 if result.created else 200, body)
