"""Confirmed dengue (DBD) cases Dinkes records by kelurahan, RW and date: counts only, no names.

Recording one checks its area's thresholds at once (a confirmed case calls for fogging: services.thresholds).

From referrals (larvae.apps registers `record_from_diagnosis` with core.registry; the health apps never import each
other): when a hospital admits a referred patient whose diagnoses include ICD-10 A90 (dengue fever) or A91 (dengue
haemorrhagic fever), any subcode, referrals announces the diagnosis and one case is recorded, without names, in the
same transaction as the admission. Admission is the step that counts (see referrals.services.referrals
._announce_admission_diagnosis: the hospital has examined the patient and keeps them with that diagnosis). Referrals
hold no patient address, so the case is placed in the referring facility's kelurahan, without an RW, and its source
says so ("referral_origin"; "referral" is kept for a record that knows the patient's address). The referral number
is the `source_ref`, unique per source and looked up under both, so one referral gives at most one case.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.core.errors import DomainError, Forbidden, InvalidInput
from patriot.core.registry import DiagnosisMade
from patriot.geo.models import Village
from patriot.larvae.indices import Period
from patriot.larvae.models import DengueCase

RECORDING_ROLES = frozenset({RoleChoices.HEALTH_OFFICER, RoleChoices.SYSTEM_ADMIN})
DENGUE_ICD10 = ("A90", "A91")
# A case placed by the patient's address (kelurahan, RW when known), or by the referring facility's kelurahan
# (DengueSourceChoices: "referral", "referral_origin").
FROM_PATIENT_ADDRESS = "patient_address"
ORIGIN_SUFFIX = "_origin"
logger = logging.getLogger(__name__)
MAX_CASES_PER_ENTRY = 500
MAX_RW = 999
# A diagnosis older than this is history, not this season's signal.
MAX_AGE = timedelta(days=366)


def record_dengue_case(
    by: User | None,
    *,
    village: Village,
    onset_date: date,
    count: int = 1,
    rw: int | None = None,
    source: str = "manual",
    source_ref: str = "",
    check: bool = True,
) -> DengueCase:
    """Record `count` confirmed DBD cases in a kelurahan (RW optional) on a date, then check the area's
    thresholds. A replay of the same `source_ref` returns the first record."""
    if by is not None and (by.role not in RECORDING_ROLES or not by.is_active):
        raise Forbidden(_("Hanya Dinkes yang dapat mencatat kasus DBD."), code="forbidden")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_CASES_PER_ENTRY:
        raise InvalidInput(
            _("Jumlah kasus harus 1 sampai %(max)d.") % {"max": MAX_CASES_PER_ENTRY}, code="out_of_range", field="count"
        )
    if rw is not None and (isinstance(rw, bool) or not isinstance(rw, int) or not 1 <= rw <= MAX_RW):
        raise InvalidInput(_("RW harus 1 sampai 999."), code="out_of_range", field="rw")
    today = timezone.localdate(clock.now())  # the city's date, not UTC's
    if onset_date > today:
        raise InvalidInput(_("Tanggal diagnosis belum terjadi."), code="future_date", field="onset_date")
    if onset_date < today - MAX_AGE:
        raise InvalidInput(_("Tanggal diagnosis lebih dari setahun lalu."), code="too_old", field="onset_date")
    source_ref = (source_ref or "").strip()[:64]
    if source_ref and (existing := DengueCase.objects.filter(source=source, source_ref=source_ref).first()):
        return existing
    try:
        with transaction.atomic():
            record = DengueCase.objects.create(
                village=village,
                district_id=village.district_id,
                rw=rw,
                onset_date=onset_date,
                count=count,
                source=source,
                source_ref=source_ref,
                recorded_by=by,
                recorded_at=clock.now(),
            )
    except IntegrityError:
        if source_ref and (existing := DengueCase.objects.filter(source=source, source_ref=source_ref).first()):
            return existing
        raise
    if check:
        from patriot.larvae.services.thresholds import check_thresholds

        year, week, _weekday = onset_date.isocalendar()
        check_thresholds(Period.iso_week(year, week), village_id=village.pk)
    return record


def is_dengue(code: str) -> bool:
    """ICD-10 A90 or A91, any subcode ("A91", "A91.0", "a910")."""
    return code.strip().upper().replace(".", "").startswith(DENGUE_ICD10)


def record_from_diagnosis(diagnosis: DiagnosisMade) -> DengueCase | None:
    """A diagnosis announced through core.registry: one dengue case when any of its codes is A90/A91, once per
    record however often it is announced; None otherwise, or when the record places the patient nowhere. Called
    inside the announcing step's transaction: a case that cannot be recorded is logged, never undoes the step."""
    if not any(is_dengue(code) for code in diagnosis.codes) or diagnosis.village_id is None:
        return None
    village = Village.objects.filter(pk=diagnosis.village_id).first()
    if village is None:
        return None
    suffix = "" if diagnosis.place == FROM_PATIENT_ADDRESS else ORIGIN_SUFFIX
    source = f"{diagnosis.source}{suffix}"[:16]
    sources = {f"{diagnosis.source}"[:16], f"{diagnosis.source}{ORIGIN_SUFFIX}"[:16]}
    existing = DengueCase.objects.filter(source__in=sources, source_ref=diagnosis.source_ref).first()
    if existing is not None:
        return existing
    try:
        record = record_dengue_case(
            None,
            village=village,
            onset_date=diagnosis.on,
            rw=diagnosis.rw if not suffix else None,
            source=source,
            source_ref=diagnosis.source_ref,
            check=False,
        )
    except DomainError as error:
        logger.warning("dengue case from %s %s not recorded: %s", diagnosis.source, diagnosis.source_ref, error.code)
        return None
    year, week, _weekday = diagnosis.on.isocalendar()

    def check() -> None:
        from patriot.larvae.services.thresholds import check_thresholds

        check_thresholds(Period.iso_week(year, week), village_id=village.pk)

    # After the admission commits, outside its transaction (opening a case is the cases app's own work); the
    # thresholds job would find it on its next round anyway.
    transaction.on_commit(check, robust=True)
    return record
