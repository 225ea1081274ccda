"""What every case action shares: text checks, the timeline entry with its outbox event, SLA clocks, photo files."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.cases import services as package  # `package.record_event`: see the package docstring
from patriot.cases import sla
from patriot.cases.choices import AttachmentKindChoices, CaseStateChoices, SlaStatusChoices
from patriot.cases.models import Attachment, Case, TimelineEntry
from patriot.cases.photos import MAX_PHOTOS_PER_CASE, CleanPhoto, clean_photo
from patriot.cases.queries import distance_metres
from patriot.core.errors import InvalidInput
from patriot.events import steps

State = CaseStateChoices

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_NOTE_LENGTH = 2000

# The relations every action's payload and checks read, fetched with the locked row.
CASE_RELATED = ("category", "agency", "team", "village", "district")


def _actor_label(user: User | None, *, reporter: bool = False) -> str:
    """How an actor appears on the timeline: a role and agency, never a member of staff's name."""
    if reporter:
        return _("Pelapor")
    if user is None:
        return _("Sistem")
    label = user.get_role_display()
    if user.agency_id:
        label = f"{label} · {user.agency.short_name}"  # type: ignore[union-attr]
    return label


def _check_text(value: str, *, field_name: str, label: str, limit: int, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("%(label)s wajib diisi.") % {"label": label}, code="required", field=field_name)
    if len(text) > limit:
        raise InvalidInput(
            _("%(label)s paling banyak %(limit)d karakter.") % {"label": label, "limit": limit},
            code="too_long",
            field=field_name,
        )
    return text


def _on_behalf(by: User | None) -> dict[str, Any]:
    """Timeline actor for the reporter's actions: the operator who took them, else the reporter."""
    staff = by is not None and by.is_staff_role
    return {"by": by if staff else None, "reporter": not staff}


def _event_payload(case: Case, entry: TimelineEntry, area_codes: tuple[str, str] | None = None) -> dict[str, Any]:
    """What live subscribers learn: never the reporter's identity or the description."""
    village_code, district_code = area_codes or (case.village.code, case.district.code)
    return {
        "tracking_number": case.tracking_number,
        "kind": entry.kind,
        "state": case.state,
        "channel": case.channel,
        "category": case.category.code,
        "agency_id": case.agency_id,
        "team_id": case.team_id,
        # The agency a forward took the case from: its staff are told too, so the case leaves their inbox live.
        "left_agency_id": entry.data.get("from_agency_id"),
        "village": village_code,
        "district": district_code,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "sla_status": case.sla_status,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "timeline_entry_id": entry.pk,
        "at": entry.created_at.isoformat(),
    }


def _entry_step(
    case: Case,
    kind: str,
    *,
    at: datetime,
    by: User | None = None,
    reporter: bool = False,
    from_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    area_codes: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What `events.steps.log` takes for one timeline entry of `case` and its outbox event (see _write_entry)."""
    return dict(
        at=at,
        event=f"case.{kind}",
        subject_type="case",
        subject_id=case.tracking_number,
        payload=lambda entry: _event_payload(case, entry, area_codes),
        agency_id=case.agency_id,
        team_id=case.team_id,
        public_event=is_public and not case.is_confidential and case.state not in (State.REJECTED, State.DUPLICATE),
        record=package.record_event,
        case=case,
        kind=kind,
        actor=by,
        actor_label=_actor_label(by, reporter=reporter),
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
        is_public=is_public,
    )


def _write_entry(
    case: Case,
    kind: str,
    *,
    at: datetime,
    by: User | None = None,
    reporter: bool = False,
    from_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    area_codes: tuple[str, str] | None = None,
) -> TimelineEntry:
    """Append one timeline entry and its outbox event (events.steps.log, through `package.record_event`).

    `area_codes`: the case's kelurahan and kecamatan codes when the caller has them at hand (intake, from placing the
    point), so the event payload does not load the two rows."""
    return steps.log(
        TimelineEntry,
        **_entry_step(
            case,
            kind,
            at=at,
            by=by,
            reporter=reporter,
            from_state=from_state,
            note=note,
            data=data,
            is_public=is_public,
            area_codes=area_codes,
        ),
    )


def _start_clock(case: Case, phase: str, start: datetime) -> None:
    """Set the SLA clock of `phase` ("verify", "followup" or "closing") running from `start`."""
    category = case.category
    if phase == "closing":
        case.due_at = sla.close_due(start)
        case.due_soon_at = None
        case.sla_status = SlaStatusChoices.STOPPED
        return
    hours = category.verify_hours if phase == "verify" else category.followup_hours
    days = category.verify_days if phase == "verify" else category.followup_days
    due_soon, due = sla.hour_clock(start, hours) if hours else sla.working_day_clock(start, days)
    case.due_soon_at = due_soon
    case.due_at = due
    case.sla_status = SlaStatusChoices.OVERDUE if due <= start else SlaStatusChoices.ON_TRACK
    case.escalated_at = None


def _stop_clock(case: Case) -> None:
    case.due_at = None
    case.due_soon_at = None
    case.sla_status = SlaStatusChoices.STOPPED


def _clean_photos(photos: Sequence[tuple[str, IO[bytes]]], *, already: int) -> list[CleanPhoto]:
    if already + len(photos) > MAX_PHOTOS_PER_CASE:
        raise InvalidInput(
            _("Paling banyak %(limit)d foto per laporan.") % {"limit": MAX_PHOTOS_PER_CASE},
            code="too_many_photos",
            field="photos",
        )
    return [clean_photo(stream, name=name) for name, stream in photos]


def _store_photos(
    case: Case, photos: Iterable[CleanPhoto], *, kind: str, by: User | None, at: datetime, written: list[str]
) -> list[Attachment]:
    stored = []
    for photo in photos:
        attachment = Attachment(
            case=case,
            kind=kind,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size_bytes=len(photo.content),
            uploaded_by=by,
            created_at=at,
        )
        if kind == AttachmentKindChoices.PROOF_PHOTO:
            # Proof of work: the camera's time and the distance from the case, read before the EXIF was stripped.
            capture = photo.capture
            attachment.taken_at = capture.taken_at
            if capture.latitude is not None and capture.longitude is not None:
                attachment.distance_m = round(
                    distance_metres(case.latitude, case.longitude, capture.latitude, capture.longitude), 1
                )
        attachment.file.save(f"{secrets.token_hex(8)}.{photo.extension}", ContentFile(photo.content), save=False)
        written.append(attachment.file.name)
        attachment.save()
        stored.append(attachment)
    return stored


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
