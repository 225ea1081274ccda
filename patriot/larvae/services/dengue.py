"""Confirmed dengue (DBD) cases Dinkes records by kelurahan, RW and date: counts only, no names.

Recording one checks its area's thresholds at once (a confirmed case calls for fogging: services.thresholds).

Hook for the referrals module (not built here; the health apps never import each other): when a referral's
diagnosis is ICD-10 A90 (dengue fever) or A91 (dengue haemorrhagic fever), referrals should call a provider it
exposes through core.registry (or a setter it offers), which larvae.apps.ready() sets to
`record_dengue_case(source="referral", source_ref=<referral number>, …)`. `source_ref` is unique per source, so
a referral replayed never counts twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.core.errors import Forbidden, InvalidInput
from patriot.geo.models import Village
from patriot.larvae.indices import Period
from patriot.larvae.models import DengueCase

RECORDING_ROLES = frozenset({RoleChoices.HEALTH_OFFICER, RoleChoices.SYSTEM_ADMIN})
DENGUE_ICD10 = ("A90", "A91")
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
    today = clock.now().date()
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
