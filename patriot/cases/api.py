"""The cases API: public intake and tracking, the reporter's private actions, and every staff action."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from patriot.accounts.auth import STAFF_AUTH, session_user
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases import catalogue, presenters, queries, services
from patriot.cases.choices import CaseStateChoices, CategoryGroupChoices
from patriot.cases.filters import CaseFilter, Paging, api_query_schema
from patriot.cases.models import Attachment, Case, Category, Instruction
from patriot.cases.permissions import channels_for, may, may_answer_instruction, may_instruct
from patriot.cases.photos import check_photo_rate
from patriot.cases.schemas import (
    AgencyOut,
    AssignIn,
    CaseCreatedOut,
    CaseIn,
    CaseListOut,
    CasePublicOut,
    CaseReporterOut,
    CaseStaffOut,
    CategoryOut,
    CommentIn,
    DispatchIn,
    DuplicateOut,
    ForwardedOut,
    ForwardIn,
    InstructionAnswerIn,
    InstructionIn,
    InstructionOut,
    MergeIn,
    NoteIn,
    OverviewOut,
    ReasonIn,
    RejectIn,
    VerifyIn,
)
from patriot.core.errors import Forbidden, InvalidInput, RateLimited
from patriot.core.paging import CappedPaginator
from patriot.core.ratelimit import client_address, hit
from patriot.core.schemas import READ_ERRORS, STAFF_READ_ERRORS, STAFF_WRITE_ERRORS, WRITE_ERRORS, errors

router = Router(tags=["cases"])
# Intake answers 403 when a signed-in session posts without its CSRF token, 409 for a reused Idempotency-Key.
INTAKE_ERRORS = errors(400, 403, 409, 413, 429)


def _uploads(files: list[UploadedFile] | None) -> list[tuple[str, Any]]:
    return [(upload.name or "", upload.file) for upload in files or []]


def _staff_case(request: HttpRequest, tracking_number: str) -> Case:
    """A case the caller may see, else 404: staff never learn that another agency's case exists."""
    user: User = request.auth  # type: ignore[attr-defined]  # django-ninja sets request.auth: STAFF_AUTH's User
    return get_object_or_404(
        queries.visible_cases(user).select_related("category", "agency", "team", "village", "district", "reporter"),
        tracking_number=tracking_number,
    )


def _acting(request: HttpRequest, tracking_number: str, action: str) -> tuple[Case, User]:
    case = _staff_case(request, tracking_number)
    user: User = request.auth  # type: ignore[attr-defined]  # django-ninja sets request.auth: STAFF_AUTH's User
    if not may(user, action, case):
        raise Forbidden(_("Peran Anda tidak berwenang melakukan tindakan ini pada laporan ini."), code="forbidden")
    return case, user


def _staff_view(request: HttpRequest, case: Case) -> dict[str, Any]:
    return presenters.staff_case(case, request.auth, purpose=f"{request.method} {request.path}")  # type: ignore[attr-defined]  # django-ninja sets request.auth


def _public_case(tracking_number: str) -> Case:
    return get_object_or_404(
        Case.objects.select_related("category", "agency", "village", "district").filter(is_confidential=False),
        tracking_number=tracking_number,
    )


def _reporter_case(request: HttpRequest, tracking_number: str) -> Case:
    """The reporter's own case, proven by the key of their private link (X-Reporter-Key header)."""
    case = get_object_or_404(
        Case.objects.select_related("category", "agency", "village", "district"), tracking_number=tracking_number
    )
    if not services.reporter_key_matches(case, request.headers.get("X-Reporter-Key")):
        raise Http404
    return case


def _requester(request: HttpRequest) -> User | None:
    """The caller's account if they sent a valid token or session (a write by session needs CSRF); intake works
    without one."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        from patriot.accounts.services import authenticate_token

        return authenticate_token(header[7:].strip())
    return session_user(request)


# --- public -----------------------------------------------------------------------------------


@router.post(
    "/cases", response={200: CaseCreatedOut, 201: CaseCreatedOut, **INTAKE_ERRORS}, auth=None, summary="Submit a report"
)
def create_case(request: HttpRequest, payload: CaseIn) -> Status:
    """Anyone may report. Send an `Idempotency-Key` header so that a retry never files a second case."""
    from django.conf import settings

    if not hit("intake", client_address(request), settings.PATRIOT_INTAKE_RATE_PER_MINUTE):
        raise RateLimited(_("Terlalu banyak laporan dari alamat ini. Coba lagi dalam satu menit."), retry_after=60)
    user = _requester(request)
    if payload.channel not in channels_for(user):
        raise InvalidInput(_("Kanal laporan ini tidak tersedia untuk akun Anda."), code="channel", field="channel")
    channel: str = payload.channel
    citizen = user if user is not None and user.role == "citizen" else None
    if citizen is not None:
        if not hit("intake-account", str(citizen.pk), settings.PATRIOT_INTAKE_RATE_PER_ACCOUNT_PER_MINUTE):
            raise RateLimited(_("Terlalu banyak laporan dari akun Anda. Coba lagi dalam satu menit."), retry_after=60)
        # A verified citizen's report is SOROT whatever the client sent; SOROT needs a verified account.
        channel = queries.report_channel(citizen)
        if payload.channel == "sorot" and channel != "sorot":
            raise InvalidInput(
                _("Laporan SOROT perlu akun dengan email dan nomor HP terverifikasi."), code="channel", field="channel"
            )
    category = catalogue.active_category(payload.category)
    if category is None:
        raise InvalidInput(_("Kategori tidak dikenal."), code="unknown_category", field="category")
    reporter = payload.reporter
    result = services.create_case(
        services.CaseSubmission(
            channel=channel,
            category=category,
            description=payload.description,
            latitude=payload.latitude,
            longitude=payload.longitude,
            title=payload.title,
            address=payload.address,
            attributes=payload.attributes,
            reporter=citizen,
            reporter_name=reporter.name if reporter else citizen.get_full_name() if citizen else "",
            reporter_phone=reporter.phone if reporter else citizen.phone if citizen else "",
            reporter_email=reporter.email if reporter else citizen.email if citizen else "",
            is_anonymous=payload.is_anonymous,
            is_confidential=payload.is_confidential,
        ),
        by=user,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    case = result.case
    # Built without validation (every value is already of its type): django-ninja dumps a model instance of the
    # response's schema as it is instead of validating a dict against it.
    body = CaseCreatedOut.model_construct(
        tracking_number=case.tracking_number,
        state=str(case.state),
        created=result.created,
        reporter_key=result.reporter_key,
        tracking_url=f"/api/v1/public/cases/{case.tracking_number}",
        due_at=case.due_at,
    )
    return Status(201 if result.created else 200, body)


@router.get("/public/cases/{tracking_number}", response={200: CasePublicOut, **READ_ERRORS}, auth=None)
def public_case(request: HttpRequest, tracking_number: str) -> dict[str, Any]:
    """The public view of a case: confidential cases answer 404; no personal data."""
    return presenters.public_case(_public_case(tracking_number))


@router.get("/public/cases/{tracking_number}/private", response={200: CaseReporterOut, **READ_ERRORS}, auth=None)
def reporter_case(request: HttpRequest, tracking_number: str) -> dict[str, Any]:
    """The reporter's view (header `X-Reporter-Key`), including their own contact details."""
    return presenters.reporter_case(_reporter_case(request, tracking_number))


@router.post("/public/cases/{tracking_number}/confirm", response={200: CaseReporterOut, **WRITE_ERRORS}, auth=None)
def reporter_confirm(request: HttpRequest, tracking_number: str, payload: NoteIn) -> dict[str, Any]:
    case = services.confirm_case(_reporter_case(request, tracking_number), note=payload.note)
    return presenters.reporter_case(case)


@router.post("/public/cases/{tracking_number}/dispute", response={200: CaseReporterOut, **WRITE_ERRORS}, auth=None)
def reporter_dispute(request: HttpRequest, tracking_number: str, payload: ReasonIn) -> dict[str, Any]:
    case = services.dispute_case(_reporter_case(request, tracking_number), reason=payload.reason)
    return presenters.reporter_case(case)


@router.post("/public/cases/{tracking_number}/comment", response={200: CaseReporterOut, **WRITE_ERRORS}, auth=None)
def reporter_comment(request: HttpRequest, tracking_number: str, payload: NoteIn) -> dict[str, Any]:
    case = _reporter_case(request, tracking_number)
    services.comment_case(case, by=None, note=payload.note, reporter=True)
    return presenters.reporter_case(case)


@router.post("/public/cases/{tracking_number}/photos", response={200: CaseReporterOut, **WRITE_ERRORS}, auth=None)
def reporter_photos(request: HttpRequest, tracking_number: str, photos: File[list[UploadedFile]]) -> dict[str, Any]:
    case = _reporter_case(request, tracking_number)
    check_photo_rate(client_address(request), None)
    services.add_photos(case, photos=_uploads(photos), reporter=True)
    return presenters.reporter_case(case)


@router.get(
    "/attachments/{attachment_id}",
    auth=None,
    url_name="attachment_file",
    response=READ_ERRORS,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The photo, re-encoded as JPEG on upload",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attachment_file(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A case photo: for anyone once the case and its photos are public, else for staff who may see the case and
    for its reporter (header `X-Reporter-Key`)."""
    attachment = get_object_or_404(Attachment.objects.select_related("case"), pk=attachment_id)
    case = attachment.case
    if case.is_confidential or not presenters.photos_are_public(case):
        user = _requester(request)
        may_see = user is not None and queries.visible_cases(user).filter(pk=case.pk).exists()
        if not may_see and not services.reporter_key_matches(case, request.headers.get("X-Reporter-Key")):
            raise Http404
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@router.get("/categories", response=list[CategoryOut], auth=None, tags=["reference"])
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    def target(days: int, hours: int | None) -> str:
        return f"{hours}h" if hours else f"{days}wd"

    return [
        {
            "code": c.code,
            "name": c.name,
            "name_en": c.name_en,
            "description": c.description,
            "description_en": c.description_en,
            "group": c.group,
            "group_label": CategoryGroupChoices.label(c.group),
            "icon": c.icon,
            "keywords": c.keywords,
            "default_agency": c.default_agency.code if c.default_agency else None,
            "verify_target": target(c.verify_days, c.verify_hours),
            "followup_target": target(c.followup_days, c.followup_hours),
            "attributes": c.attributes,
        }
        for c in Category.objects.filter(is_active=True).select_related("default_agency").order_by("group", "name")
    ]


@router.get("/agencies", response=list[AgencyOut], auth=None, tags=["reference"])
def agencies(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": a.code,
            "short_name": a.short_name,
            "name": a.name,
            "teams": [{"code": t.code, "name": t.name} for t in a.teams.all() if t.is_active],
        }
        for a in Agency.objects.filter(is_active=True).prefetch_related("teams")
    ]


# --- staff ------------------------------------------------------------------------------------


# Built from CaseFilter at import time, so mypy cannot see it as a type (hence the ignore below).
CaseListQuery = api_query_schema()


@router.get("/cases", response={200: CaseListOut, **STAFF_READ_ERRORS}, auth=STAFF_AUTH)
def list_cases(request: HttpRequest, params: Query[CaseListQuery]) -> dict[str, Any]:  # type: ignore[valid-type]  # CaseListQuery is built from the FilterSet at import time; mypy sees a variable, not a class
    """Cases the caller may see, newest first unless `sort` says otherwise, filtered and paginated. The filters are the staff search page's
    (cases/filters.py), with the same names and meanings. `count` stops at 10,000 (core/paging.py; 1,000 with a
    `text` filter): when more cases match, `count_capped` is true and the pages reach only that far (narrow the filter for the rest)."""
    user: User = request.auth  # type: ignore[attr-defined]  # django-ninja sets request.auth
    filters = CaseFilter(request.GET, queries.visible_cases(user), user=user)
    cases = filters.checked_cases()
    cases = cases.select_related("category", "agency", "team", "village", "district").defer("village__boundary")
    paging = cast(Paging, params)  # CaseListQuery extends Paging
    paginator = CappedPaginator(cases, paging.page_size, cap=filters.count_cap())
    page = paginator.get_page(paging.page)
    return {
        "count": paginator.count,
        "count_capped": paginator.more,
        "page": page.number,
        "page_size": paging.page_size,
        "results": [presenters.case_list_item(case) for case in page.object_list],
    }


@router.get("/cases/{tracking_number}", response={200: CaseStaffOut, **STAFF_READ_ERRORS}, auth=STAFF_AUTH)
def staff_case(request: HttpRequest, tracking_number: str) -> dict[str, Any]:
    return _staff_view(request, _staff_case(request, tracking_number))


@router.get(
    "/cases/{tracking_number}/duplicates", response={200: list[DuplicateOut], **STAFF_READ_ERRORS}, auth=STAFF_AUTH
)
def duplicates(request: HttpRequest, tracking_number: str) -> list[dict[str, Any]]:
    """Open cases of the same category within 250 m in the 30 days before this one."""
    return presenters.duplicate_suggestions(_staff_case(request, tracking_number), request.auth)  # type: ignore[attr-defined]  # django-ninja sets request.auth


@router.post("/cases/{tracking_number}/verify", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def verify(request: HttpRequest, tracking_number: str, payload: VerifyIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "verify")
    services.verify_case(
        case,
        by=user,
        note=payload.note,
        is_anonymous=payload.is_anonymous,
        is_confidential=payload.is_confidential,
        priority=payload.priority,
    )
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/reject", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def reject(request: HttpRequest, tracking_number: str, payload: RejectIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "reject")
    services.reject_case(case, by=user, reason=payload.reason, note=payload.note)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/merge", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def merge(request: HttpRequest, tracking_number: str, payload: MergeIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "merge")
    into = queries.visible_cases(user).filter(tracking_number=payload.into).first()
    if into is None:
        raise InvalidInput(_("Laporan utama %(n)s tidak ditemukan.") % {"n": payload.into}, field="into")
    services.merge_case(case, into=into, by=user, note=payload.note)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/dispatch", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def dispatch(request: HttpRequest, tracking_number: str, payload: DispatchIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "dispatch")
    agency = None
    if payload.agency:
        agency = Agency.objects.filter(code=payload.agency).first()
        if agency is None:
            raise InvalidInput(_("OPD tidak dikenal."), field="agency")
    services.dispatch_case(case, by=user, agency=agency, note=payload.note)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/forward", response={200: ForwardedOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def forward(request: HttpRequest, tracking_number: str, payload: ForwardIn) -> dict[str, Any]:
    """Hand the case to another agency; the forwarding agency loses sight of it."""
    case, user = _acting(request, tracking_number, "forward")
    agency = Agency.objects.filter(code=payload.agency).first()
    if agency is None:
        raise InvalidInput(_("OPD tidak dikenal."), field="agency")
    services.forward_case(case, by=user, agency=agency, reason=payload.reason)
    return {"tracking_number": case.tracking_number, "state": case.state, "agency": agency.code}


@router.post("/cases/{tracking_number}/assign", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def assign(request: HttpRequest, tracking_number: str, payload: AssignIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "assign")
    team = ResponseTeam.objects.filter(code=payload.team).first()
    if team is None:
        raise InvalidInput(_("Tim URC tidak dikenal."), field="team")
    services.assign_case(case, by=user, team=team, note=payload.note)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/start", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def start(request: HttpRequest, tracking_number: str, payload: NoteIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "start")
    services.start_case(case, by=user, note=payload.note)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/resolve", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def resolve(
    request: HttpRequest, tracking_number: str, note: Form[str], proof_photos: File[list[UploadedFile]]
) -> dict[str, Any]:
    """Multipart: `note` and one to five `proof_photos`."""
    case, user = _acting(request, tracking_number, "resolve")
    services.resolve_case(case, by=user, note=note, proof_photos=_uploads(proof_photos))
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/confirm", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def confirm(request: HttpRequest, tracking_number: str, payload: NoteIn) -> dict[str, Any]:
    """An operator records the reporter's confirmation (e.g. said on the phone)."""
    case, user = _acting(request, tracking_number, "confirm")
    services.confirm_case(case, by=user, note=payload.note)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/dispute", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def dispute(request: HttpRequest, tracking_number: str, payload: ReasonIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "dispute")
    services.dispute_case(case, by=user, reason=payload.reason)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/comment", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def comment(request: HttpRequest, tracking_number: str, payload: CommentIn) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "comment")
    services.comment_case(case, by=user, note=payload.note, is_public=payload.is_public)
    return _staff_view(request, case)


@router.post("/cases/{tracking_number}/photos", response={200: CaseStaffOut, **STAFF_WRITE_ERRORS}, auth=STAFF_AUTH)
def staff_photos(request: HttpRequest, tracking_number: str, photos: File[list[UploadedFile]]) -> dict[str, Any]:
    case, user = _acting(request, tracking_number, "add_photos")
    check_photo_rate(client_address(request), user.pk)
    services.add_photos(case, photos=_uploads(photos), by=user)
    return _staff_view(request, case)


@router.get("/overview", response={200: OverviewOut, **STAFF_READ_ERRORS}, auth=STAFF_AUTH, tags=["operation centre"])
def overview(request: HttpRequest) -> dict[str, Any]:
    """Open cases by state × agency, due-soon and overdue counts, today's new cases (within the caller's view)."""
    user: User = request.auth  # type: ignore[attr-defined]  # django-ninja sets request.auth: STAFF_AUTH's User
    if not user.is_staff_role:
        raise Forbidden(_("Hanya untuk petugas."), code="forbidden")
    data = queries.overview(None if user.sees_citywide else queries.visible_cases(user))
    codes = dict(Agency.objects.values_list("id", "code"))
    return {
        "open_total": data.open_total,
        "due_soon": data.due_soon,
        "overdue": data.overdue,
        "new_today": data.new_today,
        "generated_at": data.generated_at,
        "open_by_state_and_agency": [
            {**cell, "agency": codes.get(cell["agency_id"]) if cell["agency_id"] else None}
            for cell in data.open_by_state_and_agency
        ],
    }


# --- the public map -----------------------------------------------------------------------------


def _bounding_box(bbox: str | None) -> tuple[float, float, float, float]:
    """west,south,east,north in degrees; without one, the whole world (the city's cases, that is)."""
    if not bbox:
        return -180.0, -90.0, 180.0, 90.0
    try:
        west, south, east, north = (float(part) for part in bbox.split(","))
    except ValueError:
        west = south = east = north = float("nan")
    corners_valid = all(abs(v) <= limit for v, limit in ((west, 180), (east, 180), (south, 90), (north, 90)))
    if not corners_valid or west > east or south > north:
        raise InvalidInput(
            _("bbox harus berisi barat,selatan,timur,utara dalam derajat."), code="invalid", field="bbox"
        )
    return west, south, east, north


_SINCE = Query(None, description="Created on or after this day (Asia/Jakarta)")
_UNTIL = Query(None, description="Created on or before this day (Asia/Jakarta)")


@router.get(
    "/public/cases.geojson",
    response={200: dict[str, Any], **errors(400)},
    auth=None,
    tags=["public map"],
    summary="Public cases in a bounding box (GeoJSON)",
)
def public_map(
    request: HttpRequest,
    bbox: str | None = Query(None, description="west,south,east,north (WGS84), e.g. 106.9,-6.4,107.1,-6.1"),
    category: str | None = Query(None, max_length=60),
    state: str | None = Query(None, max_length=16),
    district: str | None = Query(None, max_length=20, description="District code, e.g. 32.75.01"),
    since: date | None = _SINCE,
    until: date | None = _UNTIL,
) -> Any:
    """Non-confidential cases without personal data. Up to 250 points (`kind: "case"`); when more are in view,
    clusters (`kind: "cell"`) with their case count, drawn at the mean of their cases, and the box round them
    (`bbox`, west,south,east,north) to zoom to: h3 cells at the resolution the box's size asks for (`resolution`,
    about res 6 for the whole city, 8 for a 5 km box), or squares of a grid for a street-sized box (`resolution`
    16). So the browser never receives more than a few hundred features, whatever the zoom."""
    from patriot.cases.forms import day_bounds

    west, south, east, north = _bounding_box(bbox)
    if state and state not in CaseStateChoices.values():
        raise InvalidInput(_("Status tidak dikenal."), code="invalid", field="state")
    start, end = day_bounds(since, until)
    filters = queries.PublicMapFilter(category=category, state=state, district=district, since=start, until=end)
    view = queries.public_map_view(filters, west=west, south=south, east=east, north=north)
    features: list[dict[str, Any]] = []
    for point in view.points:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [point["longitude"], point["latitude"]]},
                "properties": {
                    "kind": "case",
                    "tracking_number": point["tracking_number"],
                    "category": point["category__code"],
                    "category_name": point["category__name"],
                    "category_name_en": point["category__name_en"],
                    "state": point["state"],
                    "state_label": str(CaseStateChoices.label(str(point["state"]))),
                    "created_at": point["created_at"].isoformat(),
                },
            }
        )
    for cell in view.cells:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [cell.longitude, cell.latitude]},
                "properties": {"kind": "cell", "cell": cell.cell, "count": cell.count, "bbox": cell.bbox},
            }
        )
    return {
        "type": "FeatureCollection",
        "aggregated": view.aggregated,
        "resolution": view.resolution,
        "total": view.total,
        "features": features,
    }


# --- the mayor's instructions ("disposisi pimpinan") ---------------------------------------------


def _person_label(user: User | None) -> str | None:
    """A role and agency in the reader's language ("Admin OPD · DBMSDA"), never a member of staff's name."""
    if user is None:
        return None
    label = str(user.get_role_display())
    return f"{label} · {user.agency.short_name}" if user.agency else label


def _instruction_view(instruction: Instruction) -> dict[str, Any]:
    return {
        "id": instruction.pk,
        "tracking_number": instruction.case.tracking_number,
        "text": instruction.text,
        "author": _person_label(instruction.author),
        "created_at": instruction.created_at,
        "answered": instruction.is_answered,
        "answer": instruction.answer,
        "answered_by": _person_label(instruction.answered_by) if instruction.is_answered else None,
        "answered_at": instruction.answered_at,
    }


def _instruction_staff(request: HttpRequest) -> User:
    """Instructions are internal: never for a citizen, not even on their own report."""
    user: User = request.auth  # type: ignore[attr-defined]  # django-ninja sets request.auth: STAFF_AUTH's User
    if not user.is_staff_role:
        raise Forbidden(_("Hanya untuk petugas."), code="forbidden")
    return user


@router.post(
    "/cases/{tracking_number}/instructions",
    response={201: InstructionOut, **STAFF_WRITE_ERRORS},
    auth=STAFF_AUTH,
    tags=["instructions"],
    summary="Instruct the case's agency (mayor)",
)
def instruct(request: HttpRequest, tracking_number: str, payload: InstructionIn) -> Status:
    """The mayor's instruction ("disposisi pimpinan"); 409 once the case is rejected, merged or closed."""
    user = _instruction_staff(request)
    case = _staff_case(request, tracking_number)
    if not may_instruct(user, case):
        raise Forbidden(_("Peran Anda tidak berwenang melakukan tindakan ini pada laporan ini."), code="forbidden")
    instruction = services.instruct_case(case, by=user, text=payload.text)
    instruction.case = case
    return Status(201, _instruction_view(instruction))


@router.get(
    "/cases/{tracking_number}/instructions",
    response={200: list[InstructionOut], **STAFF_READ_ERRORS},
    auth=STAFF_AUTH,
    tags=["instructions"],
)
def case_instructions(request: HttpRequest, tracking_number: str) -> list[dict[str, Any]]:
    """The case's instructions, oldest first, for staff who may see the case."""
    _instruction_staff(request)
    case = _staff_case(request, tracking_number)
    instructions = (
        Instruction.objects.filter(case=case)
        .select_related("case", "author__agency", "answered_by__agency")
        .order_by("created_at", "id")
    )
    return [_instruction_view(instruction) for instruction in instructions]


@router.post(
    "/instructions/{instruction_id}/answer",
    response={200: InstructionOut, **STAFF_WRITE_ERRORS},
    auth=STAFF_AUTH,
    tags=["instructions"],
    summary="Answer an instruction (the case's agency)",
)
def answer_instruction(request: HttpRequest, instruction_id: int, payload: InstructionAnswerIn) -> dict[str, Any]:
    """Answered once: the case's agency, or the POC while no agency holds the case. 409 when already answered."""
    user = _instruction_staff(request)
    instruction = get_object_or_404(
        Instruction.objects.select_related("case", "author__agency").filter(case__in=queries.visible_cases(user)),
        pk=instruction_id,
    )
    case = instruction.case
    if not may_answer_instruction(user, case):
        raise Forbidden(_("Peran Anda tidak berwenang melakukan tindakan ini pada laporan ini."), code="forbidden")
    services.answer_instruction(instruction, by=user, answer=payload.answer)
    instruction.answered_by = user
    return _instruction_view(instruction)
