"""Referrals' API: a hospital's system reports its beds (POST /api/v1/referrals/beds), as its own staff, in the
shape of the national bed report (SIRS / RS Online "tempat tidur": id_tt, ruang, jumlah, terpakai, prepare,
antrian); anyone reads the public board (GET /api/v1/referrals/beds), stale figures without a free count."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from patriot.accounts.auth import STAFF_AUTH
from patriot.accounts.models import User
from patriot.core.errors import Forbidden, InvalidInput
from patriot.core.schemas import errors
from patriot.referrals import queries, services
from patriot.referrals.choices import BedTypeChoices, ChangeSourceChoices
from patriot.referrals.models import Facility
from patriot.referrals.schemas import BedBoardOut, BedReportIn, BedReportOut

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
def bed_board(request: HttpRequest, id_tt: str = "") -> list[BedBoardOut]:
    if id_tt and id_tt not in BedTypeChoices.values():
        raise InvalidInput(_("Jenis tempat tidur tidak dikenal."), code="unknown_bed_type", field="id_tt")
    return [
        BedBoardOut(
            facility=row.hospital_code,
            nama=row.hospital,
            id_tt=row.bed_type,
            jumlah=row.total,
            kosong=row.free,
            updated_at=row.updated_at,
            usang=row.stale,
        )
        for row in queries.board(id_tt or None)
    ]
