"""The workflow: `TRANSITIONS` is DESIGN.md's diagram as a state machine (core.workflow); one function per action,
each one transaction with one timeline entry and one outbox event."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import IO

from django.utils.translation import gettext as _

from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases import services as package  # `package._write_entry`: see the package docstring
from patriot.cases.choices import (
    AttachmentKindChoices,
    CaseStateChoices,
    PriorityChoices,
    RejectionReasonChoices,
    TimelineKindChoices,
)
from patriot.cases.models import Case, TimelineEntry
from patriot.cases.photos import MAX_PHOTOS_PER_CASE, clean_photo
from patriot.cases.queries import suggest_agency
from patriot.cases.services.common import (
    CASE_RELATED,
    MAX_NOTE_LENGTH,
    _check_text,
    _on_behalf,
    _remove_files,
    _start_clock,
    _stop_clock,
    _store_photos,
)
from patriot.core import clock
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.events import steps

State = CaseStateChoices
Kind = TimelineKindChoices


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
    # The reporter rates the handling once the case is closed (once; the state stays).
    "rate": (frozenset({State.CLOSED}), None),
    # A citizen adds their support to an open report instead of filing a duplicate (intake.support_case).
    "support": (frozenset(State.OPEN), None),
}


def _refusal(action: str, case: Case) -> InvalidTransition:
    return InvalidTransition(
        _("Laporan %(number)s berstatus %(state)s; tindakan ini tidak dapat dilakukan.")
        % {"number": case.tracking_number, "state": State.label(case.state)}
    )


# The workflow as a state machine (core.workflow): an illegal action raises InvalidTransition (HTTP 409).
MACHINE = steps.StateMachine(TRANSITIONS, refusal=_refusal)


def allowed_actions(case: Case) -> list[str]:
    """Workflow actions the case's state allows now (who may take them is the caller's question)."""
    actions = MACHINE.allowed(case.state)
    if "dispute" in actions and not _dispute_window_open(case):
        actions.remove("dispute")
    if "rate" in actions and case.rating is not None:
        actions.remove("rate")
    return [a for a in actions if a not in ("auto_close", "support")]


@contextmanager
def _acting_on(case: Case, action: str) -> Iterator[tuple[Case, datetime]]:
    """One step of `action` (events.steps.perform): yields the locked row and the time; then the caller's instance
    shows the result."""
    with steps.perform(case, machine=MACHINE, action=action, related=CASE_RELATED) as step:
        yield step.subject, step.now


def _move(fresh: Case, action: str, now: datetime) -> str:
    """Put the locked case in the state `action` leads to; returns the state it left."""
    previous = MACHINE.move(fresh, action)
    fresh.updated_at = now
    return previous


def _dispute_window_open(case: Case, now: datetime | None = None) -> bool:
    return case.dispute_until is not None and (now or clock.now()) < case.dispute_until


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
        package._write_entry(fresh, Kind.VERIFIED, at=now, by=by, from_state=previous, note=note)
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
        package._write_entry(
            fresh, Kind.REJECTED, at=now, by=by, from_state=previous, note=note, data={"reason": reason}
        )
    return case


def merge_case(case: Case, *, into: Case, by: User, note: str = "") -> Case:
    """Mark a newer report as a duplicate of an older one; both timelines record the link."""
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    if into.pk == case.pk:
        raise InvalidInput(_("Laporan tidak dapat digabung dengan dirinya sendiri."), code="invalid", field="into")
    with _acting_on(case, "merge") as (fresh, now):
        target = steps.lock(into, related=("category", "village", "district"))
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
        package._write_entry(
            fresh, Kind.MERGED, at=now, by=by, from_state=previous, note=note, data={"into": target.tracking_number}
        )
        target.updated_at = now
        target.save(update_fields=["updated_at"])
        package._write_entry(
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
        package._write_entry(
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
        package._write_entry(
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
        package._write_entry(
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
        package._write_entry(fresh, Kind.STARTED, at=now, by=by, from_state=previous, note=note)
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
            package._write_entry(
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
        package._write_entry(fresh, Kind.CONFIRMED, at=now, from_state=previous, note=note, **_on_behalf(by))
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
        package._write_entry(fresh, Kind.DISPUTED, at=now, from_state=previous, note=reason, **_on_behalf(by))
    return case


MAX_RATING_COMMENT_LENGTH = 1000


def rate_case(case: Case, *, rating: int, comment: str = "", by: User | None = None) -> Case:
    """The reporter's rating of a closed case's handling (1–5, optional words), once; staff see it on the case."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("Pilih nilai 1 sampai 5."), code="invalid", field="rating")
    comment = _check_text(
        comment, field_name="comment", label=_("Komentar"), limit=MAX_RATING_COMMENT_LENGTH, required=False
    )
    with _acting_on(case, "rate") as (fresh, now):
        if fresh.rating is not None:
            raise InvalidTransition(_("Laporan ini sudah dinilai."), code="already_rated")
        fresh.rating = rating
        fresh.rating_comment = comment
        fresh.rated_at = now
        fresh.updated_at = now
        fresh.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        # A rating is for the city's staff (and the transparency page's averages), not a public timeline step.
        package._write_entry(
            fresh,
            Kind.RATED,
            at=now,
            from_state=fresh.state,
            data={"rating": rating},
            note=comment,
            is_public=False,
            **_on_behalf(by),
        )
    return case


def comment_case(
    case: Case, *, by: User | None, note: str, is_public: bool = False, reporter: bool = False
) -> TimelineEntry:
    """Add a comment. Staff comments are internal unless marked public; the reporter's are always public."""
    note = _check_text(note, field_name="note", label=_("Komentar"), limit=MAX_NOTE_LENGTH, required=True)
    with _acting_on(case, "comment") as (fresh, now):
        fresh.updated_at = now
        fresh.save(update_fields=["updated_at"])
        entry = package._write_entry(
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
