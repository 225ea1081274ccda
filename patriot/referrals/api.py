"""Referrals' API: a hospital's system reports its beds (POST /api/v1/referrals/beds), as its own staff, in the
shape of the national bed report (SIRS / RS Online "tempat tidur": id_tt, ruang, jumlah, terpakai, prepare,
antrian); anyone reads the public board (GET /api/v1/referrals/beds), stale figures without a free count; a referral
as FHIR R4 (GET /api/v1/referrals/{id}/fhir, …/fhir/task; POST /api/v1/referrals/fhir imports one; see
referrals.fhir; a Bundle naming an existing referral by its number creates nothing and answers 200 with it), for the
referring and receiving facility and Dinkes only (referrals.access: a hospital still asked reads the patient masked),
every read of a patient's identity audited with its purpose."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from patriot.accounts.auth import STAFF_AUTH
from patriot.accounts.models import User
from patriot.core.api_errors import error_response
from patriot.core.errors import Forbidden, InvalidInput
from patriot.core.schemas import errors
from patriot.referrals import access, board_cache, fhir, services
from patriot.referrals.choices import BedTypeChoices, ChangeSourceChoices
from patriot.referrals.models import Facility
from patriot.referrals.schemas import BedBoardOut, BedReportIn, BedReportOut
from patriot.referrals.services import opened

router = Router(tags=["referrals"])


@router.post(
    "/beds",
    response={200: BedReportOut, **errors(400, 401, 403, 413)},
    auth=STAFF_AUTH,
    summary="Report one bed type's figures (hospital staff, own hospital only)",
)
def report_beds(request: HttpRequest, payload: BedReportIn) -> BedReportOut:
    user: User = request.auth  # type: ignore[attr-defined]
    facility = Facility.objects.select_related("unit").filter(unit__code=payload.facility).first()
    if facility is None:
        # The same answer as another hospital's: staff learn nothing about which codes exist.
        raise Forbidden(_("Anda hanya boleh memperbarui tempat tidur rumah sakit Anda sendiri."), code="other_facility")
    bed = services.set_beds(
        user,
        facility,
        payload.id_tt,
        services.BedFigures(
            total=payload.jumlah, occupied=payload.terpakai, reserved=payload.prepare, queue=payload.antrian
        ),
        room=payload.ruang,
        source=ChangeSourceChoices.API,
    )
    return BedReportOut(
        facility=facility.unit.code,
        id_tt=bed.bed_type,
        ruang=bed.room,
        jumlah=bed.total,
        terpakai=bed.occupied,
        prepare=bed.reserved,
        antrian=bed.queue,
        kosong=bed.free,
        updated_at=bed.updated_at,
    )


@router.get(
    "/beds",
    response={200: list[BedBoardOut], **errors(400)},
    auth=None,
    summary="The public bed board: free beds per hospital and bed type (stale figures: kosong null, usang true)",
)
def bed_board(request: HttpRequest, id_tt: str = "") -> HttpResponse:
    """The list of BedBoardOut, written from the board's per-hospital cache (referrals.board_cache.api_body): a change
    rebuilds one hospital's rows, not the list, and nothing is validated again per row."""
    if id_tt and id_tt not in BedTypeChoices.values():
        raise InvalidInput(_("Jenis tempat tidur tidak dikenal."), code="unknown_bed_type", field="id_tt")
    return HttpResponse(board_cache.api_body(id_tt), content_type="application/json; charset=utf-8")


# --- FHIR R4 (referrals.fhir): export a referral as a Bundle, its Task alone, import a Bundle --------------------


def _fhir(body: dict[str, Any], status: int = 200) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), status=status, content_type=fhir.FHIR_JSON)


def _reading(request: HttpRequest, referral_id: int) -> tuple[User, access.Reading | None]:
    user: User = request.auth  # type: ignore[attr-defined]
    return user, access.find_reading(user, referral_id)


def _not_found() -> HttpResponse:
    # The same answer for a referral that does not exist and one the caller may not see.
    return error_response(404, _("Rujukan tidak ditemukan."), "not_found")


def _audit_read(user: User, reading: access.Reading, *, patient: bool) -> None:
    """A read that showed the patient's identity is recorded with its purpose; a masked one shows none and is not."""
    if not reading.identity:
        return
    if reading.is_referrer:
        purpose = _("Merujuk pasien (FHIR)")
    elif reading.offer is not None:
        purpose = _("Menerima rujukan (FHIR)")
    else:
        purpose = _("Pengawasan rujukan Dinkes (FHIR)")
    access.record_identity_reads(user, [reading.referral], purpose, diagnosis=patient)


@router.get(
    "/{int:referral_id}/fhir",
    response={200: dict[str, Any], **errors(400, 401, 403, 404)},
    auth=STAFF_AUTH,
    summary="A referral as a FHIR R4 Bundle (type collection), for the referring and receiving facility and Dinkes",
    description=(
        "A hospital still asked to accept (its offer pending) receives the Patient without identity: no name, "
        "birth date, NIK, BPJS number or telecom; the NIK's last 4 digits (system urn:patriot:nik-last4), the age "
        "in years (extension urn:patriot:age-years) and the security label REDACTED."
    ),
)
def fhir_bundle(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, reading = _reading(request, referral_id)
    if reading is None:
        return _not_found()
    # The hospital's system reading its waiting copy opens it, as its staff opening the page do.
    opened.record_opened(user, reading.referral)
    bundle = fhir.export_bundle(reading.referral, reading.facility, identity=reading.identity)
    _audit_read(user, reading, patient=True)
    return _fhir(bundle)


@router.get(
    "/{int:referral_id}/fhir/task",
    response={200: dict[str, Any], **errors(400, 401, 403, 404)},
    auth=STAFF_AUTH,
    summary="The referral's FHIR R4 Task: its status (requested, accepted, rejected, in-progress, …) and reason",
)
def fhir_task(request: HttpRequest, referral_id: int) -> HttpResponse:
    user, reading = _reading(request, referral_id)
    if reading is None:
        return _not_found()
    task = fhir.validated_task(reading.referral, reading.facility)
    _audit_read(user, reading, patient=False)
    return _fhir(task)


@router.post(
    "/fhir",
    response={200: dict[str, Any], 201: dict[str, Any], **errors(400, 401, 403, 409, 413)},
    auth=STAFF_AUTH,
    summary="Import a referral from a FHIR R4 Bundle like the export's (staff of the referring facility named in it)",
    description=(
        "Body: a Bundle (application/fhir+json or application/json) with one Patient (NIK identifier system "
        "https://fhir.kemkes.go.id/id/nik), one Practitioner, Organizations (identifier system "
        "urn:patriot:facility), one ServiceRequest (reasonCode ICD-10), vital-sign Observations (LOINC) and one "
        "Task whose requester is the referring Organization. A Task with status requested and an owner is sent to "
        "that hospital (received: sent and stamped as opened); other Task statuses are refused (400, "
        "unsupported_task_status). Answer 201: the new referral as a Bundle, header Location its …/fhir URL. "
        "Invalid resources: 400 {detail, code, field}.\n\n"
        "Conditional create (FHIR If-None-Exist, by identifier): a Bundle whose ServiceRequest or Task identifier "
        "(system urn:patriot:referral, value RJK-NNNNNN) names a referral the caller may read (referring facility, "
        "a hospital it was sent to as GET …/fhir allows, Dinkes) creates nothing, whatever its Task status: answer "
        "200 with that referral's Bundle as the caller reads it and its Location, so a retried import or "
        "export → import → export is equal. If the Bundle's patient identity or clinical content (Patient, "
        "ServiceRequest, Observations) differs from the stored referral: 409 code referral_conflict, nothing is "
        "changed. A number that names no referral, or one the caller may not read, or none: imported as a new "
        "referral (the answer never tells whether that referral exists). Optional header If-None-Exist: "
        "identifier=urn:patriot:referral|RJK-NNNNNN does the same for a Bundle without the identifier.\n\n"
        "A Bundle from the referring facility's own system (SIMRS) names the referral by its identifier on the "
        "ServiceRequest (any other system; or If-None-Exist: identifier=<system>|<value>): the first one is kept "
        "with the new referral and exported after ours, and the same facility's Bundle with it again (a retry, or "
        "two at once) answers 200 with that referral, or 409 referral_conflict when its content differs."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "object", "required": ["resourceType", "entry"]}}
                for media in (fhir.FHIR_JSON, "application/json")
            },
        }
    },
)
def fhir_import(request: HttpRequest) -> HttpResponse:
    user: User = request.auth  # type: ignore[attr-defined]
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return error_response(400, _("Isi permintaan bukan JSON yang valid."), "invalid", "request")
    imported = fhir.import_bundle(user, data, if_none_exist=request.headers.get("If-None-Exist", ""))
    referral, reading = imported.referral, imported.reading
    if reading is None:  # created: the importer is its referrer
        reading = access.reading(user, referral)
    else:  # it existed: answered as the importer reads it, as GET …/fhir does (a waiting copy is opened)
        opened.record_opened(user, referral)
    bundle = fhir.export_bundle(referral, reading.facility, identity=reading.identity)
    _audit_read(user, reading, patient=True)
    response = _fhir(bundle, status=201 if imported.created else 200)
    response["Location"] = f"/api/v1/referrals/{referral.pk}/fhir"
    return response
