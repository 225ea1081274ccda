"""The only code that changes cases: one transaction, one timeline entry and one outbox event per action."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases import sla
from patriot.cases.choices import (
    AttachmentKindChoices,
    CaseStateChoices,
    ChannelChoices,
    PriorityChoices,
    RejectionReasonChoices,
    SlaStatusChoices,
    TimelineKindChoices,
)
from patriot.cases.models import (
    Attachment,
    Case,
    Category,
    IdempotencyKey,
    Instruction,
    ReporterDataAccess,
    TimelineEntry,
    TrackingSequence,
    state_among,
)
from patriot.cases.photos import MAX_PHOTOS_PER_CASE, CleanPhoto, clean_photo
from patriot.core import clock, metrics
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.core.phones import normalise_phone
from patriot.events.services import record_event
from patriot.geo.lookup import LocationError, locate

State = CaseStateChoices
Kind = TimelineKindChoices

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_NOTE_LENGTH = 2000

# Which states each action may start from, and where it leads (DESIGN.md's workflow diagram).
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "verify": (frozenset({State.SUBMITTED}), State.VERIFIED),
    "reject": (frozenset({State.SUBMITTED}), State.REJECTED),
    "merge": (frozenset({State.SUBMITTED}), State.DUPLICATE),
    "dispatch": (frozenset({State.VERIFIED}), State.DISPATCHED),
    "forward": (frozenset({State.DISPATCHED}), State.DISPATCHED),
    "assign": (frozenset({State.DISPATCHED}), State.ASSIGNED),
    "start": (frozenset({State.ASSIGNED}), State.IN_PROGRESS),
    "resolve": (frozenset({State.IN_PROGRESS}), State.RESOLVED),
    "confirm": (frozenset({State.RESOLVED}), State.CLOSED),
    "auto_close": (frozenset({State.RESOLVED}), State.CLOSED),
    "dispute": (frozenset({State.RESOLVED, State.CLOSED}), State.IN_PROGRESS),
    "comment": (frozenset(set(State.values()) - set(State.TERMINAL)), None),
    "add_photos": (frozenset({State.SUBMITTED, State.VERIFIED, State.DISPATCHED, State.ASSIGNED}), None),
}


def allowed_actions(case: Case) -> list[str]:
    """Workflow actions the case's state allows now (who may take them is the caller's question)."""
    actions = [name for name, (sources, _target) in TRANSITIONS.items() if case.state in sources]
    if "dispute" in actions and not _dispute_window_open(case):
        actions.remove("dispute")
    return [a for a in actions if a != "auto_close"]


# --- helpers --------------------------------------------------------------------------------


def _actor_label(user: User | None, *, reporter: bool = False) -> str:
    """How an actor appears on the timeline: a role and agency, never a member of staff's name."""
    if reporter:
        return _("Pelapor")
    if user is None:
        return _("Sistem")
    label = user.get_role_display()
    if user.agency:
        label = f"{label} · {user.agency.short_name}"
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


def _lock(case: Case, action: str) -> Case:
    """Re-read the case under a row lock and check that `action` is allowed from its current state."""
    fresh = (
        Case.objects.select_for_update(of=("self",))
        .select_related("category", "agency", "team", "village", "district")
        .get(pk=case.pk)
    )
    sources, _target = TRANSITIONS[action]
    if fresh.state not in sources:
        raise InvalidTransition(
            _("Laporan %(number)s berstatus %(state)s; tindakan ini tidak dapat dilakukan.")
            % {"number": fresh.tracking_number, "state": State.label(fresh.state)}
        )
    return fresh


@contextmanager
def _acting_on(case: Case, action: str) -> Iterator[tuple[Case, datetime]]:
    """One transaction around `action`: yields the locked row and the time; then the caller's instance shows the result."""
    with transaction.atomic():
        fresh = _lock(case, action)
        yield fresh, clock.now()
    _sync(case, fresh)


def _move(fresh: Case, action: str, now: datetime) -> str:
    """Put the locked case in the state `action` leads to; returns the state it left."""
    previous = fresh.state
    target = TRANSITIONS[action][1]
    if target is not None:
        fresh.state = target
    fresh.updated_at = now
    return previous


def _on_behalf(by: User | None) -> dict[str, Any]:
    """Timeline actor for the reporter's actions: the operator who took them, else the reporter."""
    staff = by is not None and by.is_staff_role
    return {"by": by if staff else None, "reporter": not staff}


def _sync(target: Case, source: Case) -> None:
    """Copy the saved row's values onto the caller's instance so it sees the new state."""
    for model_field in Case._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(source, model_field.attname))
    target._state.fields_cache = {}


def _event_payload(case: Case, entry: TimelineEntry) -> dict[str, Any]:
    """What live subscribers learn: never the reporter's identity or the description."""
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
        "village": case.village.code,
        "district": case.district.code,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "sla_status": case.sla_status,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "timeline_entry_id": entry.pk,
        "at": entry.created_at.isoformat(),
    }


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
) -> TimelineEntry:
    """Append one timeline entry and its outbox event."""
    entry = TimelineEntry.objects.create(
        case=case,
        kind=kind,
        actor=by,
        actor_label=_actor_label(by, reporter=reporter),
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
        is_public=is_public,
        created_at=at,
    )
    record_event(
        kind=f"case.{kind}",
        subject_type="case",
        subject_id=case.tracking_number,
        at=at,
        payload=_event_payload(case, entry),
        agency_id=case.agency_id,
        team_id=case.team_id,
        is_public=is_public and not case.is_confidential and case.state not in (State.REJECTED, State.DUPLICATE),
    )
    return entry


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


def _dispute_window_open(case: Case, now: datetime | None = None) -> bool:
    return case.dispute_until is not None and (now or clock.now()) < case.dispute_until


def _next_tracking_number(at: datetime) -> str:
    """Take the month's next number in a short transaction of its own.

    Inside the case's transaction the counter row would stay locked until that commits, queueing every
    concurrent intake on PostgreSQL behind it. A number taken by an intake that then fails is skipped.
    """
    period = at.astimezone(sla.city_zone()).strftime("%y%m")
    table = connection.ops.quote_name(TrackingSequence._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE period = %s RETURNING last_number",  # noqa: S608
            [period],
        )
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                TrackingSequence.objects.create(period=period, last_number=1)
            row = (1,)
        except IntegrityError:
            return _next_tracking_number(at)
    return f"{settings.PATRIOT_CITY_CODE}-{period}-{row[0]:06d}"


def reporter_key_for(case: Case) -> str:
    """The secret in the reporter's private link (follow, confirm, dispute, add information).

    Derived from the tracking number with the server's secret key rather than stored, so a retried
    submission can be answered with the same link the lost first answer carried.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"patriot.reporter-key:{case.tracking_number}".encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode()


def reporter_key_matches(case: Case, key: str | None) -> bool:
    return bool(key) and hmac.compare_digest(reporter_key_for(case), str(key))


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
        attachment.file.save(f"{secrets.token_hex(8)}.{photo.extension}", ContentFile(photo.content), save=False)
        written.append(attachment.file.name)
        attachment.save()
        stored.append(attachment)
    return stored


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _in_english() -> bool:
    return (get_language() or "id").startswith("en")


def _validate_attributes(category: Category, values: dict[str, Any] | None) -> dict[str, Any]:
    """Check submitted custom attributes against the category's definitions; unknown ones are refused."""
    values = dict(values or {})
    definitions = {attribute["code"]: attribute for attribute in category.attributes}
    unknown = sorted(set(values) - set(definitions))
    if unknown:
        raise InvalidInput(
            _("Atribut tidak dikenal untuk kategori ini: %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_attribute",
            field="attributes",
        )
    clean: dict[str, Any] = {}
    for code, definition in definitions.items():
        value = values.get(code)
        label = (definition.get("label_en") if _in_english() else None) or definition.get("label") or code
        if value is None or value in ("", []):
            if definition.get("required"):
                raise InvalidInput(
                    _("%(label)s wajib diisi.") % {"label": label}, code="required", field=f"attributes.{code}"
                )
            continue
        datatype = definition.get("datatype", "string")
        allowed = {choice["key"] for choice in definition.get("values", [])}
        if datatype == "number":
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = float("nan")
            if number != number or number < 0 or number > 1e9:
                raise InvalidInput(
                    _("%(label)s harus berupa angka.") % {"label": label}, code="invalid", field=f"attributes.{code}"
                )
            clean[code] = number
        elif datatype == "singlevaluelist":
            if str(value) not in allowed:
                raise InvalidInput(
                    _("Pilihan %(label)s tidak dikenal.") % {"label": label}, code="invalid", field=f"attributes.{code}"
                )
            clean[code] = str(value)
        elif datatype == "multivaluelist":
            chosen = [str(v) for v in (value if isinstance(value, list) else [value])]
            if not set(chosen) <= allowed:
                raise InvalidInput(
                    _("Pilihan %(label)s tidak dikenal.") % {"label": label}, code="invalid", field=f"attributes.{code}"
                )
            clean[code] = chosen
        else:
            clean[code] = _check_text(
                str(value), field_name=f"attributes.{code}", label=label, limit=1000, required=False
            )
    return clean


# --- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCase:
    """The result of an intake: the case, whether this call created it, and the reporter's private key."""

    case: Case
    created: bool
    reporter_key: str


@dataclass
class CaseSubmission:
    channel: str
    category: Category
    description: str
    latitude: float
    longitude: float
    title: str = ""
    address: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    reporter: User | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False

    def fingerprint(self) -> str:
        body = {
            "channel": self.channel,
            "category": self.category.code,
            "description": self.description,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "title": self.title,
            "address": self.address,
            "attributes": self.attributes,
            "reporter": self.reporter.pk if self.reporter else None,
            "reporter_name": self.reporter_name,
            "reporter_phone": self.reporter_phone,
            "reporter_email": self.reporter_email,
            "is_anonymous": self.is_anonymous,
            "is_confidential": self.is_confidential,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _existing_for_key(scope: str, key: str, fingerprint: str) -> NewCase | None:
    record = IdempotencyKey.objects.select_related("case").filter(scope=scope, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise InvalidInput(
            _("Idempotency-Key ini sudah dipakai untuk laporan lain. Gunakan kunci baru untuk laporan baru."),
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return NewCase(case=record.case, created=False, reporter_key=reporter_key_for(record.case))


def create_case(
    submission: CaseSubmission,
    *,
    photos: Sequence[tuple[str, IO[bytes]]] = (),
    by: User | None = None,
    idempotency_key: str | None = None,
    idempotency_scope: str = "api",
) -> NewCase:
    """Accept a report from any channel. With an idempotency key, a retry returns the first case."""
    if submission.channel not in ChannelChoices.values():
        raise InvalidInput(_("Kanal laporan tidak dikenal."), code="invalid", field="channel")
    if not submission.category.is_active:
        raise InvalidInput(_("Kategori ini tidak aktif."), code="inactive_category", field="category")
    description = _check_text(
        submission.description, field_name="description", label=_("Uraian"), limit=MAX_DESCRIPTION_LENGTH, required=True
    )
    title = _check_text(submission.title, field_name="title", label=_("Judul"), limit=MAX_TITLE_LENGTH, required=False)
    address = _check_text(submission.address, field_name="address", label=_("Alamat"), limit=300, required=False)
    reporter_name = _check_text(
        submission.reporter_name, field_name="reporter_name", label=_("Nama"), limit=120, required=False
    )
    # Stored in E.164 whatever the channel, so lookups by number are exact; numbers from abroad are accepted.
    reporter_phone = (submission.reporter_phone or "").strip()
    if reporter_phone:
        reporter_phone = normalise_phone(
            reporter_phone, field="reporter_phone", label=_("Nomor HP"), allow_foreign=True
        )
    reporter_email = _check_text(
        submission.reporter_email, field_name="reporter_email", label=_("Email"), limit=254, required=False
    )
    attributes = _validate_attributes(submission.category, submission.attributes)
    try:
        location = locate(submission.latitude, submission.longitude)
    except LocationError as error:
        raise InvalidInput(error.messages[0], code="outside_city", field="location") from error
    key = (idempotency_key or "").strip()
    if len(key) > 200:
        raise InvalidInput(_("Idempotency-Key paling panjang 200 karakter."), code="too_long", field="Idempotency-Key")
    # A retry that spells the number differently is still the same report.
    fingerprint = replace(submission, reporter_phone=reporter_phone).fingerprint()
    if key and (existing := _existing_for_key(idempotency_scope, key, fingerprint)):
        return existing
    clean_photos = _clean_photos(photos, already=0)

    now = clock.now()
    tracking_number = _next_tracking_number(now)
    written: list[str] = []
    try:
        with transaction.atomic():
            case = Case(
                tracking_number=tracking_number,
                channel=submission.channel,
                category=submission.category,
                title=title or submission.category.name,
                description=description,
                attributes=attributes,
                priority=submission.category.default_priority or PriorityChoices.NORMAL,
                latitude=submission.latitude,
                longitude=submission.longitude,
                address=address,
                village_id=location.village_id,
                district_id=location.district_id,
                h3_cell=location.h3_cell,
                h3_cell_coarse=location.h3_cell_coarse,
                reporter=submission.reporter,
                reporter_name=reporter_name,
                reporter_phone=reporter_phone,
                reporter_email=reporter_email,
                is_anonymous=submission.is_anonymous,
                is_confidential=submission.is_confidential,
                state=State.SUBMITTED,
                created_at=now,
                updated_at=now,
            )
            _start_clock(case, "verify", now)
            case.save()
            _store_photos(case, clean_photos, kind=AttachmentKindChoices.REPORT_PHOTO, by=by, at=now, written=written)
            _write_entry(
                case,
                Kind.SUBMITTED,
                at=now,
                data={"channel": case.channel, "photos": len(clean_photos)},
                **_on_behalf(by),
            )
            if key:
                IdempotencyKey.objects.create(
                    scope=idempotency_scope, key=key, fingerprint=fingerprint, case=case, created_at=now
                )
    except IntegrityError:
        _remove_files(written)
        # Two requests with one key raced; the one that committed first owns the key.
        if key and (existing := _existing_for_key(idempotency_scope, key, fingerprint)):
            return existing
        raise
    except BaseException:
        _remove_files(written)
        raise
    metrics.REPORTS.labels(case.channel).inc()
    return NewCase(case=case, created=True, reporter_key=reporter_key_for(case))


def add_photos(
    case: Case, *, photos: Sequence[tuple[str, IO[bytes]]], by: User | None = None, reporter: bool = False
) -> list[Attachment]:
    """The reporter (or staff on their behalf) adds photos while the case is still being handled."""
    if not photos:
        raise InvalidInput(_("Pilih setidaknya satu foto."), code="required", field="photos")
    existing = case.attachments.filter(kind=AttachmentKindChoices.REPORT_PHOTO).count()
    clean = _clean_photos(photos, already=existing)
    written: list[str] = []
    try:
        with _acting_on(case, "add_photos") as (fresh, now):
            if (
                fresh.attachments.filter(kind=AttachmentKindChoices.REPORT_PHOTO).count() + len(clean)
                > MAX_PHOTOS_PER_CASE
            ):
                raise InvalidInput(
                    _("Paling banyak %(limit)d foto per laporan.") % {"limit": MAX_PHOTOS_PER_CASE},
                    code="too_many_photos",
                    field="photos",
                )
            stored = _store_photos(
                fresh, clean, kind=AttachmentKindChoices.REPORT_PHOTO, by=by, at=now, written=written
            )
            fresh.updated_at = now
            fresh.save(update_fields=["updated_at"])
            _write_entry(
                fresh,
                Kind.PHOTO_ADDED,
                at=now,
                by=by,
                reporter=reporter,
                from_state=fresh.state,
                data={"photos": len(stored)},
            )
    except BaseException:
        _remove_files(written)
        raise
    return stored


# --- the workflow ---------------------------------------------------------------------------


def verify_case(
    case: Case,
    *,
    by: User,
    note: str = "",
    is_anonymous: bool | None = None,
    is_confidential: bool | None = None,
    priority: str | None = None,
) -> Case:
    """POC accepts the report as genuine; it may also set the privacy flags and the priority."""
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    if priority is not None and priority not in PriorityChoices.values():
        raise InvalidInput(_("Prioritas tidak dikenal."), code="invalid", field="priority")
    with _acting_on(case, "verify") as (fresh, now):
        previous = _move(fresh, "verify", now)
        fresh.verified_at = now
        if is_anonymous is not None:
            fresh.is_anonymous = is_anonymous
        if is_confidential is not None:
            fresh.is_confidential = is_confidential
        if priority is not None:
            fresh.priority = priority
        fresh.save()
        _write_entry(fresh, Kind.VERIFIED, at=now, by=by, from_state=previous, note=note)
    return case


def reject_case(case: Case, *, by: User, reason: str, note: str = "") -> Case:
    if reason not in RejectionReasonChoices.values():
        raise InvalidInput(_("Alasan penolakan tidak dikenal."), code="invalid", field="reason")
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with _acting_on(case, "reject") as (fresh, now):
        previous = _move(fresh, "reject", now)
        fresh.rejection_reason = reason
        fresh.closed_at = now
        _stop_clock(fresh)
        fresh.save()
        _write_entry(fresh, Kind.REJECTED, at=now, by=by, from_state=previous, note=note, data={"reason": reason})
    return case


def merge_case(case: Case, *, into: Case, by: User, note: str = "") -> Case:
    """Mark a newer report as a duplicate of an older one; both timelines record the link."""
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    if into.pk == case.pk:
        raise InvalidInput(_("Laporan tidak dapat digabung dengan dirinya sendiri."), code="invalid", field="into")
    with _acting_on(case, "merge") as (fresh, now):
        target = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "village", "district")
            .get(pk=into.pk)
        )
        # A finished case does not change; a new report about it is a new case, not a duplicate.
        if target.state in State.TERMINAL:
            raise InvalidTransition(
                _("Laporan %(number)s berstatus %(state)s dan tidak dapat menjadi laporan utama.")
                % {"number": target.tracking_number, "state": State.label(target.state)}
            )
        if (target.created_at, target.pk) > (fresh.created_at, fresh.pk):
            raise InvalidInput(
                _("Hanya laporan yang lebih baru yang dapat digabung ke laporan yang lebih lama."),
                code="merge_order",
                field="into",
            )
        previous = _move(fresh, "merge", now)
        fresh.duplicate_of = target
        fresh.closed_at = now
        _stop_clock(fresh)
        fresh.save()
        _write_entry(
            fresh, Kind.MERGED, at=now, by=by, from_state=previous, note=note, data={"into": target.tracking_number}
        )
        target.updated_at = now
        target.save(update_fields=["updated_at"])
        _write_entry(
            target,
            Kind.DUPLICATE_LINKED,
            at=now,
            by=by,
            from_state=target.state,
            data={"duplicate": fresh.tracking_number},
        )
    return case


def dispatch_case(case: Case, *, by: User, agency: Agency | None = None, note: str = "") -> Case:
    """Forward a verified case to the responsible agency; without one, the routing rules choose."""
    from patriot.cases.queries import suggest_agency

    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with _acting_on(case, "dispatch") as (fresh, now):
        chosen = agency or suggest_agency(fresh.category, fresh.village)
        if chosen is None or not chosen.is_active:
            raise InvalidInput(_("Pilih OPD tujuan disposisi."), code="required", field="agency")
        previous = _move(fresh, "dispatch", now)
        fresh.agency = chosen
        fresh.dispatched_at = now
        _start_clock(fresh, "followup", now)
        fresh.save()
        _write_entry(
            fresh,
            Kind.DISPATCHED,
            at=now,
            by=by,
            from_state=previous,
            note=note,
            data={"agency": chosen.code, "agency_name": chosen.short_name},
        )
    return case


def forward_case(case: Case, *, by: User, agency: Agency, reason: str) -> Case:
    """Hand a dispatched case to another agency. The follow-up clock keeps running: the citizen's wait does."""
    reason = _check_text(reason, field_name="reason", label=_("Alasan"), limit=MAX_NOTE_LENGTH, required=True)
    with _acting_on(case, "forward") as (fresh, now):
        if agency.pk == fresh.agency_id:
            raise InvalidInput(_("Laporan sudah berada di OPD ini."), code="same_agency", field="agency")
        if not agency.is_active:
            raise InvalidInput(_("OPD tujuan tidak aktif."), code="inactive_agency", field="agency")
        origin = fresh.agency
        previous = _move(fresh, "forward", now)
        fresh.agency = agency
        fresh.save()
        _write_entry(
            fresh,
            Kind.FORWARDED,
            at=now,
            by=by,
            from_state=previous,
            note=reason,
            data={
                "from_agency": origin.code if origin else None,
                "from_agency_id": origin.pk if origin else None,
                "agency": agency.code,
                "agency_name": agency.short_name,
            },
        )
    return case


def assign_case(case: Case, *, by: User, team: ResponseTeam, note: str = "") -> Case:
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with _acting_on(case, "assign") as (fresh, now):
        if team.agency_id != fresh.agency_id or not team.is_active:
            raise InvalidInput(_("Tim URC harus milik OPD yang menangani laporan."), code="team_agency", field="team")
        previous = _move(fresh, "assign", now)
        fresh.team = team
        fresh.assigned_at = now
        fresh.save()
        _write_entry(
            fresh,
            Kind.ASSIGNED,
            at=now,
            by=by,
            from_state=previous,
            note=note,
            data={"team": team.code, "team_name": team.name},
        )
    return case


def start_case(case: Case, *, by: User, note: str = "") -> Case:
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with _acting_on(case, "start") as (fresh, now):
        previous = _move(fresh, "start", now)
        fresh.started_at = now
        fresh.save()
        _write_entry(fresh, Kind.STARTED, at=now, by=by, from_state=previous, note=note)
    return case


def resolve_case(case: Case, *, by: User, note: str, proof_photos: Sequence[tuple[str, IO[bytes]]]) -> Case:
    """The field team reports the fix with at least one proof photo; the reporter's reply window opens."""
    note = _check_text(note, field_name="note", label=_("Catatan penanganan"), limit=MAX_NOTE_LENGTH, required=True)
    if not proof_photos:
        raise InvalidInput(_("Lampirkan setidaknya satu foto bukti penanganan."), code="required", field="proof_photos")
    if len(proof_photos) > MAX_PHOTOS_PER_CASE:
        raise InvalidInput(
            _("Paling banyak %(limit)d foto per laporan.") % {"limit": MAX_PHOTOS_PER_CASE},
            code="too_many_photos",
            field="proof_photos",
        )
    clean = [clean_photo(stream, name=name) for name, stream in proof_photos]
    written: list[str] = []
    try:
        with _acting_on(case, "resolve") as (fresh, now):
            previous = _move(fresh, "resolve", now)
            fresh.resolved_at = now
            fresh.resolution_note = note
            _start_clock(fresh, "closing", now)
            fresh.dispute_until = fresh.due_at
            fresh.save()
            stored = _store_photos(fresh, clean, kind=AttachmentKindChoices.PROOF_PHOTO, by=by, at=now, written=written)
            _write_entry(
                fresh,
                Kind.RESOLVED,
                at=now,
                by=by,
                from_state=previous,
                note=note,
                data={"proof_photos": [attachment.pk for attachment in stored]},
            )
    except BaseException:
        _remove_files(written)
        raise
    return case


def confirm_case(case: Case, *, by: User | None = None, note: str = "") -> Case:
    """The reporter (or an operator on their behalf) confirms the fix; the case closes."""
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with _acting_on(case, "confirm") as (fresh, now):
        previous = _move(fresh, "confirm", now)
        fresh.closed_at = now
        _stop_clock(fresh)
        fresh.save()
        _write_entry(fresh, Kind.CONFIRMED, at=now, from_state=previous, note=note, **_on_behalf(by))
    return case


def dispute_case(case: Case, *, reason: str, by: User | None = None) -> Case:
    """The reporter says it is not fixed: within the window the case reopens with a fresh follow-up clock."""
    reason = _check_text(reason, field_name="reason", label=_("Alasan"), limit=MAX_NOTE_LENGTH, required=True)
    with _acting_on(case, "dispute") as (fresh, now):
        if not _dispute_window_open(fresh, now):
            raise InvalidTransition(
                _("Batas waktu sanggahan untuk laporan ini sudah lewat."), code="dispute_window_closed"
            )
        previous = _move(fresh, "dispute", now)
        fresh.closed_at = None
        fresh.resolved_at = None
        fresh.dispute_until = None
        _start_clock(fresh, "followup", now)
        fresh.save()
        _write_entry(fresh, Kind.DISPUTED, at=now, from_state=previous, note=reason, **_on_behalf(by))
    return case


def comment_case(
    case: Case, *, by: User | None, note: str, is_public: bool = False, reporter: bool = False
) -> TimelineEntry:
    """Add a comment. Staff comments are internal unless marked public; the reporter's are always public."""
    note = _check_text(note, field_name="note", label=_("Komentar"), limit=MAX_NOTE_LENGTH, required=True)
    with _acting_on(case, "comment") as (fresh, now):
        fresh.updated_at = now
        fresh.save(update_fields=["updated_at"])
        entry = _write_entry(
            fresh,
            Kind.COMMENTED,
            at=now,
            by=by,
            reporter=reporter,
            from_state=fresh.state,
            note=note,
            is_public=is_public or reporter,
        )
    return entry


# --- SLA sweep ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    due_soon: int
    escalated: int
    closed: int


def _locked_batch(ids: list[int]) -> list[Case]:
    """Lock rows that no other worker holds; on PostgreSQL several workers split the work this way."""
    query = Case.objects.select_related("category", "agency", "team", "village", "district").filter(pk__in=ids)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return list(query)


def _flag_due_soon(case: Case, now: datetime) -> bool:
    if not (
        case.state in State.OPEN and case.sla_status == SlaStatusChoices.ON_TRACK and case.due_at and case.due_at > now
    ):
        return False
    case.sla_status = SlaStatusChoices.DUE_SOON
    case.save(update_fields=["sla_status"])
    _write_entry(
        case,
        Kind.SLA_DUE_SOON,
        at=now,
        from_state=case.state,
        data={"due_at": case.due_at.isoformat()},
        is_public=False,
    )
    return True


def _escalate(case: Case, now: datetime) -> bool:
    if not (
        case.state in State.OPEN and case.sla_status != SlaStatusChoices.OVERDUE and case.due_at and case.due_at <= now
    ):
        return False
    case.sla_status = SlaStatusChoices.OVERDUE
    case.escalated_at = now
    case.save(update_fields=["sla_status", "escalated_at"])
    phase = "verify" if case.state in (State.SUBMITTED, State.VERIFIED) else "followup"
    _write_entry(
        case,
        Kind.SLA_ESCALATED,
        at=now,
        from_state=case.state,
        is_public=False,
        data={"phase": phase, "due_at": case.due_at.isoformat(), "escalated_to": ["agency_head", "poc", "mayor"]},
    )
    return True


def _auto_close(case: Case, now: datetime) -> bool:
    if not (case.state == State.RESOLVED and case.due_at and case.due_at <= now):
        return False
    previous = case.state
    case.state = State.CLOSED
    case.closed_at = now
    case.updated_at = now
    _stop_clock(case)
    case.save()
    _write_entry(case, Kind.AUTO_CLOSED, at=now, from_state=previous)
    return True


def _sweep(candidates: QuerySet[Case], act: Callable[[Case, datetime], bool], now: datetime, batch_size: int) -> int:
    """Apply `act` to every candidate under its row lock, one transaction per batch.

    `act` re-checks its condition on the locked row, so a case another worker handled in the meantime
    is left alone; rows another worker holds right now are skipped and left to it.
    """
    acted = 0
    passed_over: set[int] = set()
    while ids := list(candidates.exclude(pk__in=passed_over).order_by().values_list("pk", flat=True)[:batch_size]):
        with transaction.atomic():
            locked = _locked_batch(ids)
            passed_over.update(set(ids) - {case.pk for case in locked})
            for case in locked:
                if act(case, now):
                    acted += 1
                else:
                    passed_over.add(case.pk)
        if len(ids) < batch_size:
            break
    return acted


def sweep_sla(now: datetime | None = None, *, batch_size: int = 200) -> SweepResult:
    """Flag clocks past 75 %, escalate those past 100 %, close resolved cases nobody answered.

    Every candidate is re-checked under its row lock, so two workers never act twice on one case.
    """
    now = now or clock.now()
    open_cases = Case.objects.filter(state_among(State.OPEN))
    return SweepResult(
        due_soon=_sweep(
            open_cases.filter(sla_status=SlaStatusChoices.ON_TRACK, due_soon_at__lte=now, due_at__gt=now),
            _flag_due_soon,
            now,
            batch_size,
        ),
        escalated=_sweep(
            open_cases.filter(due_at__lte=now).exclude(sla_status=SlaStatusChoices.OVERDUE), _escalate, now, batch_size
        ),
        closed=_sweep(Case.objects.filter(state=State.RESOLVED, due_at__lte=now), _auto_close, now, batch_size),
    )


# --- the mayor's instructions ("disposisi pimpinan") ---------------------------------------------


def instruct_case(case: Case, *, by: User, text: str) -> Instruction:
    """The mayor instructs the case's agency; tracked until answered. Internal: never on public pages.

    Allowed while the case is still in the city's hands (any state but rejected, duplicate or closed).
    """
    text = _check_text(text, field_name="text", label=_("Isi disposisi"), limit=MAX_NOTE_LENGTH, required=True)
    with _acting_on(case, "comment") as (fresh, now):
        fresh.updated_at = now
        fresh.save(update_fields=["updated_at"])
        instruction = Instruction.objects.create(case=fresh, author=by, text=text, created_at=now)
        _write_entry(
            fresh,
            Kind.INSTRUCTED,
            at=now,
            by=by,
            from_state=fresh.state,
            note=text,
            data={"instruction": instruction.pk},
            is_public=False,
        )
    return instruction


def answer_instruction(instruction: Instruction, *, by: User, answer: str) -> Instruction:
    """The responsible agency answers a mayor's instruction, once; the answer goes on the case timeline."""
    answer = _check_text(answer, field_name="answer", label=_("Tanggapan"), limit=MAX_NOTE_LENGTH, required=True)
    with transaction.atomic():
        fresh = Instruction.objects.select_for_update(of=("self",)).get(pk=instruction.pk)
        if fresh.answered_at is not None:
            raise InvalidTransition(_("Disposisi ini sudah ditanggapi."), code="already_answered")
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "agency", "team", "village", "district")
            .get(pk=fresh.case_id)
        )
        now = clock.now()
        fresh.answer = answer
        fresh.answered_by = by
        fresh.answered_at = now
        fresh.save(update_fields=["answer", "answered_by", "answered_at"])
        case.updated_at = now
        case.save(update_fields=["updated_at"])
        _write_entry(
            case,
            Kind.INSTRUCTION_ANSWERED,
            at=now,
            by=by,
            from_state=case.state,
            note=answer,
            data={"instruction": fresh.pk, "instruction_text": fresh.text},
            is_public=False,
        )
    for name in ("answer", "answered_by_id", "answered_at"):
        setattr(instruction, name, getattr(fresh, name))
    return instruction


# --- a reporter's account is deleted (UU PDP) ----------------------------------------------


def deidentify_reporter(user: User) -> int:
    """Strip a deleted account from its cases: no account link, no name, phone or email; neutral actor labels.

    The cases stay for the city's records. Each case gets one internal timeline entry (and outbox event)
    saying its reporter data was removed. Call inside the transaction that deletes the account.
    Returns the number of cases changed.
    """
    changed = 0
    with transaction.atomic():
        cases = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "agency", "team", "village", "district")
            .filter(reporter=user)
            .order_by("pk")
        )
        for fresh in cases:
            fresh.timeline.filter(actor=user).update(actor=None, actor_label=_("Pelapor"))
            _remove_reporter_details(
                fresh,
                unlink=True,
                note=_("Akun pelapor dihapus atas permintaannya; data pribadi pelapor dihapus dari laporan ini."),
                data={"reporter_deidentified": True},
            )
            changed += 1
    return changed


def _remove_reporter_details(case: Case, *, unlink: bool, note: str, data: dict[str, Any]) -> None:
    """Blank the reporter's name, phone and email (and with `unlink` the account link) of a locked case, with one
    internal timeline entry saying so."""
    now = clock.now()
    case.reporter_name = ""
    case.reporter_phone = ""
    case.reporter_email = ""
    case.updated_at = now
    fields = ["reporter_name", "reporter_phone", "reporter_email", "updated_at"]
    if unlink:
        case.reporter = None
        fields.append("reporter")
    case.save(update_fields=fields)
    _write_entry(case, Kind.COMMENTED, at=now, from_state=case.state, note=note, data=data, is_public=False)


# --- retention ------------------------------------------------------------------------------


def forget_reporter_contacts(before: datetime, *, batch_size: int = 200) -> int:
    """Retention: remove the reporter's name, phone and email from cases finished (closed, rejected or merged)
    before `before`; returns how many cases changed.

    A citizen's account link stays: it is their own history under "Laporan saya", and their account's contact
    details go when they delete it. Works in batches of short transactions, so a first run over years of cases
    does not hold locks for long; a case reopened meanwhile (no longer finished) is skipped.
    """
    finished = Q(state__in=State.TERMINAL, closed_at__lt=before)
    with_contact = ~Q(reporter_name="") | ~Q(reporter_phone="") | ~Q(reporter_email="")
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(
                Case.objects.select_for_update(of=("self",), skip_locked=connection.vendor == "postgresql")
                .select_related("category", "agency", "team", "village", "district")
                .filter(finished & with_contact)
                .order_by("pk")[:batch_size]
            )
            for fresh in batch:
                _remove_reporter_details(
                    fresh,
                    unlink=False,
                    note=_("Masa simpan data berakhir: nama dan kontak pelapor dihapus dari laporan ini."),
                    data={"reporter_contact_removed": True},
                )
        changed += len(batch)
        if len(batch) < batch_size:
            return changed


def purge_reporter_access_log(before: datetime) -> int:
    """Retention: delete the audit rows of staff reads of reporter data made before `before`; returns how many."""
    deleted, _by_model = ReporterDataAccess.objects.filter(created_at__lt=before).delete()
    return deleted


# --- call centre ----------------------------------------------------------------------------


def log_call_on_case(case: Case, *, by: User, call: Any, note: str = "", call_type: str = "") -> TimelineEntry:
    """Record on the case's timeline that a 1500444 call concerned it (internal: never on public pages).

    `call` is a callcentre Call (cases does not import the call centre). `call_type` is what the call was about
    for this case (a report filed on it, a status question…); the call's own type when not given. Any state may
    take a call: people also ring about rejected and closed reports.
    """
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with transaction.atomic():
        fresh = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "agency", "team", "village", "district")
            .get(pk=case.pk)
        )
        now = clock.now()
        fresh.updated_at = now
        fresh.save(update_fields=["updated_at"])
        entry = _write_entry(
            fresh,
            Kind.CALL_LOGGED,
            at=now,
            by=by,
            from_state=fresh.state,
            note=note,
            data={"call_id": call.pk, "call_type": call_type or call.call_type},
            is_public=False,
        )
    _sync(case, fresh)
    return entry
