"""Bulk exports of cases: the search CSV for city-wide staff, with reporters' data only for supervisors who say why."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.choices import CaseStateChoices, ChannelChoices, PriorityChoices, SlaStatusChoices
from patriot.cases.models import Case, PersonalDataExport, ReporterDataAccess
from patriot.core.errors import Forbidden, InvalidInput

MIN_PURPOSE_LENGTH = 10
MAX_PURPOSE_LENGTH = 150
LOG_BATCH = 500


def may_export_personal_data(user: User) -> bool:
    return user.role in RoleChoices.PERSONAL_EXPORT_ROLES


def identity_may_be_exported(case: Case) -> bool:
    """An anonymous or confidential reporter's identity never goes into a bulk export, whoever downloads it."""
    return not (case.is_anonymous or case.is_confidential)


def start_personal_export(user: User, *, export: str, purpose: str, query: str = "") -> str:
    """Check the role and the stated purpose and log the export before any row is written; returns the purpose."""
    if not may_export_personal_data(user):
        raise Forbidden(_("Hanya supervisor yang boleh mengunduh data pribadi."), code="forbidden")
    purpose = " ".join((purpose or "").split())
    if len(purpose) < MIN_PURPOSE_LENGTH:
        raise InvalidInput(
            _("Tuliskan tujuan pengunduhan data pribadi ini (paling sedikit %(n)d karakter).")
            % {"n": MIN_PURPOSE_LENGTH},
            code="purpose_required",
            field="purpose",
        )
    if len(purpose) > MAX_PURPOSE_LENGTH:
        raise InvalidInput(
            _("Tujuan paling panjang %(n)d karakter.") % {"n": MAX_PURPOSE_LENGTH}, code="too_long", field="purpose"
        )
    PersonalDataExport.objects.create(user=user, export=export, purpose=purpose, query=query[:1000])
    return purpose


def log_exported_reporters(case_ids: Sequence[int], user: User, *, purpose: str) -> None:
    """Each case whose reporter went into an export gets a reporter-data access entry (their processing history)."""
    if case_ids:
        entry = _("Ekspor CSV: %(purpose)s") % {"purpose": purpose}
        ReporterDataAccess.objects.bulk_create(
            [ReporterDataAccess(case_id=pk, user=user, purpose=entry[:200]) for pk in case_ids]
        )


def case_header(*, personal: bool) -> list[str]:
    header = [
        _("Nomor laporan"),
        _("Dilaporkan"),
        _("Kanal"),
        _("Kategori"),
        _("Judul"),
        _("Status"),
        _("Prioritas"),
        _("Kecamatan"),
        _("Kelurahan"),
        _("Alamat"),
        _("OPD"),
        _("Tim URC"),
        _("Status SLA"),
        _("Batas waktu"),
        _("Lintang"),
        _("Bujur"),
    ]
    if personal:
        header += [_("Nama pelapor"), _("HP pelapor"), _("Email pelapor")]
    return header


def case_rows(cases: QuerySet[Case], user: User, *, purpose: str | None = None) -> Iterator[list[Any]]:
    """One row per case; with a purpose (a started personal export) also the reporter's name, phone and email."""
    zone = timezone.get_default_timezone()
    shown: list[int] = []
    for case in cases.select_related("team").iterator(chunk_size=500):
        row: list[Any] = [
            case.tracking_number,
            case.created_at.astimezone(zone).isoformat(timespec="minutes"),
            str(ChannelChoices.label(case.channel)),
            case.category.label,
            case.headline,
            str(CaseStateChoices.label(case.state)),
            str(PriorityChoices.label(case.priority)),
            case.district.name,
            case.village.name,
            case.address,
            case.agency.short_name if case.agency else "",
            case.team.name if case.team else "",
            str(SlaStatusChoices.label(case.sla_status)),
            case.due_at.astimezone(zone).isoformat(timespec="minutes") if case.due_at else "",
            round(case.latitude, 6),
            round(case.longitude, 6),
        ]
        if purpose is not None:
            if identity_may_be_exported(case) and (case.reporter_name or case.reporter_phone or case.reporter_email):
                row += [case.reporter_name, case.reporter_phone, case.reporter_email]
                shown.append(case.pk)
            else:
                row += ["", "", ""]
            if len(shown) >= LOG_BATCH:
                log_exported_reporters(shown, user, purpose=purpose)
                shown = []
        yield row
    if purpose is not None:
        log_exported_reporters(shown, user, purpose=purpose)
