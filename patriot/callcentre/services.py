"""The only code that changes calls: announce (phone-system hook), answer, report on the caller's behalf, link, end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices, EmergencyLineChoices
from patriot.callcentre.lines import psc_lines
from patriot.callcentre.models import Call
from patriot.cases import services as case_services
from patriot.cases.choices import ChannelChoices
from patriot.cases.models import Case
from patriot.core import clock
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.core.phones import normalise_phone
from patriot.events import steps
from patriot.events.services import record_event

State = CallStateChoices
Type = CallTypeChoices

MAX_NOTES_LENGTH = 2000
MAX_NAME_LENGTH = 120
MAX_EXTERNAL_ID_LENGTH = 100
MAX_LINE_LENGTH = 40
# A call log entry longer than this is a typo in the times, not a call.
MAX_CALL_DURATION = timedelta(hours=12)
# Clocks of the phone system and the operator's PC differ a little; times this far ahead are still accepted.
CLOCK_SKEW = timedelta(minutes=5)
# The idempotency scope of reports taken on the phone: a double submit of the form returns the first case.
REPORT_SCOPE = "callcentre"
# Caller ids a phone system sends instead of a number when the caller withheld it (CLIR) or the network did not
# pass one on; compared after stripping spaces, ignoring case. Such a call rings without a number.
WITHHELD_NUMBERS = frozenset({"", "anonymous", "private", "withheld", "unknown", "restricted"})


def normalise_number(raw: str, *, field: str = "caller_number") -> str:
    """A caller's number in E.164 ("0812-3450-0001" → "+6281234500001"), by patriot.core.phones.

    Numbers from abroad are accepted: the phone system reports whoever calls, and a visitor may call too.
    """
    return normalise_phone(raw, field=field, label=_("Nomor penelepon"), allow_foreign=True)


def is_withheld(raw: str | None) -> bool:
    """True when the phone system's caller id says the number is hidden or unknown (WITHHELD_NUMBERS)."""
    return (raw or "").strip().lower() in WITHHELD_NUMBERS


def _text(value: str | None, *, field: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(
            _("%(label)s paling banyak %(limit)d karakter.") % {"label": label, "limit": limit},
            code="too_long",
            field=field,
        )
    return text


def _event(call: Call, kind: str, at: datetime) -> None:
    """Tell the consoles: the stream sends "call" events to call-centre operators and system admins only."""
    record_event(
        kind=f"call.{kind}",
        subject_type="call",
        subject_id=str(call.pk),
        at=at,
        payload={
            "call_id": call.pk,
            "state": call.state,
            "caller_number": call.caller_number,
            "number_withheld": call.number_withheld,
            "call_type": call.call_type,
            "line": call.line,
            "operator_id": call.operator_id,
        },
    )


def _refusal(action: str, call: Call) -> InvalidTransition:
    if action == "answer":
        return InvalidTransition(_("Panggilan ini sudah dijawab operator lain."), code="already_answered")
    return InvalidTransition(_("Jawab panggilan ini dulu."), code="not_answered")


# A call's life as a state machine (core.workflow): an illegal move raises InvalidTransition (HTTP 409). An ended
# call may still be linked, given its number and ended again to correct its log.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "answer": (frozenset({State.RINGING}), State.ACTIVE),
    "give_number": (frozenset({State.ACTIVE, State.ENDED}), None),
    "link": (frozenset({State.ACTIVE, State.ENDED}), None),
    "report": (frozenset({State.ACTIVE, State.ENDED}), None),
    "end": (frozenset({State.ACTIVE, State.ENDED}), State.ENDED),
}
MACHINE = steps.StateMachine(TRANSITIONS, refusal=_refusal)


# --- the phone system ------------------------------------------------------------------------


@dataclass(frozen=True)
class Announced:
    call: Call
    created: bool


def announce_call(
    *, caller_number: str | None, external_id: str = "", line: str = "", at: datetime | None = None
) -> Announced:
    """The phone system says a call is ringing. A repeated announcement (same call id) returns the first call.

    A withheld caller id (`is_withheld`: empty, "anonymous", "private", …) rings as a call without a number;
    anything else must read as a phone number.
    """
    withheld = is_withheld(caller_number)
    number = "" if withheld else normalise_number(caller_number or "")
    external_id = _text(external_id, field="call_id", label="call_id", limit=MAX_EXTERNAL_ID_LENGTH)
    line = _text(line, field="line", label="line", limit=MAX_LINE_LENGTH)
    now = clock.now()
    if at is not None and at > now + CLOCK_SKEW:
        raise InvalidInput(_("Waktu panggilan ada di masa depan."), code="future", field="at")
    if external_id and (existing := _announced(external_id, number, withheld)):
        return existing
    try:
        with transaction.atomic():
            call = Call.objects.create(
                caller_number=number,
                number_withheld=withheld,
                external_id=external_id,
                line=line,
                state=State.RINGING,
                rung_at=at or now,
                created_at=now,
            )
            _event(call, "incoming", now)
    except IntegrityError:
        # Two announcements of one call raced; the first one to commit owns the id.
        if external_id and (existing := _announced(external_id, number, withheld)):
            return existing
        raise
    return Announced(call=call, created=True)


def _announced(external_id: str, number: str, withheld: bool) -> Announced | None:
    """The call announced before under this id. Its number is compared as the phone system announced it: a
    withheld call stays the same call after the operator typed the number the caller gave."""
    call = Call.objects.filter(external_id=external_id).first()
    if call is None:
        return None
    if call.number_withheld != withheld or (not withheld and call.caller_number != number):
        raise InvalidInput(
            _("ID panggilan ini sudah dipakai untuk nomor lain."), code="idempotency_key_reused", field="call_id"
        )
    return Announced(call=call, created=False)


# --- the operator ----------------------------------------------------------------------------


def answer_call(*, by: User, call: Call | None = None, caller_number: str = "", caller_name: str = "") -> Call:
    """The operator takes a call: a ringing one the phone system announced, or one they type in by hand."""
    name = _text(caller_name, field="caller_name", label=_("Nama penelepon"), limit=MAX_NAME_LENGTH)
    if call is None:
        with transaction.atomic():
            now = clock.now()
            call = Call.objects.create(
                operator=by,
                caller_number=normalise_number(caller_number),
                caller_name=name,
                state=State.ACTIVE,
                started_at=now,
                created_at=now,
            )
            _event(call, "answered", now)
        return call
    with steps.perform(call, machine=MACHINE, action="answer") as step:
        fresh, now = step.subject, step.now
        if caller_number:
            fresh.caller_number = normalise_number(caller_number)
        fresh.caller_name = name or fresh.caller_name
        fresh.operator = by
        MACHINE.move(fresh, "answer")
        fresh.started_at = now
        fresh.save()
        _event(fresh, "answered", now)
    return call


def _check_operator(call: Call, by: User) -> None:
    if call.operator_id is not None and call.operator_id != by.pk and by.role != RoleChoices.SYSTEM_ADMIN:
        raise InvalidTransition(_("Panggilan ini ditangani operator lain."), code="other_operator")


def give_number(call: Call, *, by: User, caller_number: str) -> Call:
    """The caller of a withheld-number call says their number: the call (and its history lookup) gets it.

    Only a call announced without a number takes one this way; a number the phone system announced, or one
    typed when the call was started, stays as it is.
    """
    with steps.perform(call, machine=MACHINE, action="give_number") as step:
        fresh = step.subject
        _check_operator(fresh, by)
        if not fresh.number_withheld:
            raise InvalidTransition(
                _("Nomor penelepon panggilan ini sudah diketahui dan tidak bisa diubah."), code="number_known"
            )
        fresh.caller_number = normalise_number(caller_number)
        fresh.save(update_fields=["caller_number"])
        _event(fresh, "number_given", step.now)
    return call


def _type_after_link(current: str, linked_as: str) -> str:
    """An open call's type once a case is linked as `linked_as`: the first link gives it a type, and a report
    filed on the call makes it a new-report call whatever was asked before (the operator can still choose
    another type when ending the call). An emergency is only chosen when ending, with the line it went to."""
    if not linked_as or linked_as == Type.EMERGENCY:
        return current
    if not current or linked_as == Type.NEW_REPORT:
        return linked_as
    return current


def link_case(call: Call, case: Case, *, by: User, call_type: str = "", note: str = "") -> Call:
    """Tie the call to a case; the case's timeline records the call and what it was about for this case.

    `call_type` is what happened on this case: a report filed on the call (new_report), a status question, a
    complaint… While the call is open it also sets the call's type (see `_type_after_link`); on an ended call the
    type its operator chose when ending it stays. Linking the same case twice writes nothing the second time,
    so a retried click is harmless.
    """
    if call_type and call_type not in Type.values():
        raise InvalidInput(_("Jenis panggilan tidak dikenal."), code="invalid", field="call_type")
    with steps.perform(call, machine=MACHINE, action="link") as step:
        fresh = step.subject
        _check_operator(fresh, by)
        if fresh.cases.filter(pk=case.pk).exists():
            return call
        if fresh.state != State.ENDED and (new_type := _type_after_link(fresh.call_type, call_type)) != fresh.call_type:
            fresh.call_type = new_type
            fresh.save(update_fields=["call_type"])
        fresh.cases.add(case)
        case_services.log_call_on_case(case, by=by, call=fresh, note=note, call_type=call_type or fresh.call_type)
    return call


@dataclass
class PhoneReport:
    """What the operator types into the report form on the caller's behalf."""

    category: Any
    description: str
    latitude: float
    longitude: float
    address: str = ""
    attributes: dict[str, Any] | None = None
    reporter_name: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False


def report_for_caller(call: Call, report: PhoneReport, *, by: User, idempotency_key: str) -> case_services.NewCase:
    """A new case of channel `phone` with the caller as reporter, linked to the call.

    The form's one-time token is the Idempotency-Key: a double submit (or a retry after a lost answer)
    returns the first case and links nothing twice.
    """
    if not (idempotency_key or "").strip():
        raise InvalidInput(_("Formulir kedaluwarsa. Muat ulang halaman lalu kirim lagi."), code="required")
    fresh = Call.objects.get(pk=call.pk)
    _check_operator(fresh, by)
    MACHINE.check("report", fresh)
    result = case_services.create_case(
        case_services.CaseSubmission(
            channel=ChannelChoices.PHONE,
            category=report.category,
            description=report.description,
            latitude=report.latitude,
            longitude=report.longitude,
            address=report.address,
            attributes=report.attributes or {},
            reporter_name=report.reporter_name or fresh.caller_name,
            reporter_phone=fresh.caller_number,
            is_anonymous=report.is_anonymous,
            is_confidential=report.is_confidential,
        ),
        by=by,
        idempotency_key=f"call-{fresh.pk}:{idempotency_key.strip()}",
        idempotency_scope=REPORT_SCOPE,
    )
    link_case(call, result.case, by=by, call_type=Type.NEW_REPORT)
    if report.reporter_name and not call.caller_name:
        with transaction.atomic():
            Call.objects.filter(pk=call.pk, caller_name="").update(caller_name=report.reporter_name[:MAX_NAME_LENGTH])
        call.refresh_from_db(fields=["caller_name"])
    return result


def end_call(
    call: Call,
    *,
    by: User,
    call_type: str,
    transferred_to: str = "",
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    notes: str = "",
    caller_name: str | None = None,
) -> Call:
    """Close the call's log: its type (an emergency names the line it went to), times and notes.

    An ended call may be ended again to correct its log; the times are the operator's to fix.
    """
    if call_type not in Type.values():
        raise InvalidInput(_("Pilih jenis panggilan."), code="required", field="call_type")
    if call_type == Type.EMERGENCY:
        if transferred_to not in EmergencyLineChoices.values():
            raise InvalidInput(
                _("Panggilan darurat harus dialihkan ke 119 atau 112: pilih tujuannya."),
                code="required",
                field="transferred_to",
            )
    elif transferred_to:
        raise InvalidInput(
            _("Hanya panggilan darurat yang dialihkan ke 119 atau 112."), code="invalid", field="transferred_to"
        )
    notes = _text(notes, field="notes", label=_("Catatan"), limit=MAX_NOTES_LENGTH)
    name = (
        None
        if caller_name is None
        else _text(caller_name, field="caller_name", label=_("Nama penelepon"), limit=MAX_NAME_LENGTH)
    )
    with steps.perform(call, machine=MACHINE, action="end") as step:
        fresh, now = step.subject, step.now
        _check_operator(fresh, by)
        start = started_at or fresh.started_at or now
        end = ended_at or (fresh.ended_at if fresh.state == State.ENDED else None) or now
        if end < start:
            raise InvalidInput(_("Waktu selesai tidak boleh sebelum waktu mulai."), code="invalid", field="ended_at")
        if end > now + CLOCK_SKEW:
            raise InvalidInput(_("Waktu selesai ada di masa depan."), code="future", field="ended_at")
        if end - start > MAX_CALL_DURATION:
            raise InvalidInput(
                _("Panggilan lebih dari 12 jam: periksa lagi waktu mulai dan selesai."),
                code="too_long",
                field="ended_at",
            )
        newly_transferred_to_psc = (
            call_type == Type.EMERGENCY
            and transferred_to == EmergencyLineChoices.PSC_119
            and fresh.transferred_to != EmergencyLineChoices.PSC_119
        )
        fresh.call_type = call_type
        fresh.transferred_to = transferred_to if call_type == Type.EMERGENCY else ""
        fresh.started_at = start
        fresh.ended_at = end
        fresh.duration_seconds = int((end - start).total_seconds())
        fresh.notes = notes
        if name is not None:
            fresh.caller_name = name
        if fresh.operator_id is None:
            fresh.operator = by
        MACHINE.move(fresh, "end")
        fresh.save()
        _event(fresh, "ended", now)
        if newly_transferred_to_psc and psc_lines():
            _ring_at_psc(fresh, now)
    return call


def _ring_at_psc(call: Call, now: datetime) -> Call:
    """The caller transferred to 119 rings on the PSC's first line as a new call that carries what the call
    centre knows (number, name, the operator's notes) and points back at this one; the PSC call taker answers it
    and the incident form opens filled in."""
    transferred = Call.objects.create(
        caller_number=call.caller_number,
        number_withheld=call.number_withheld,
        caller_name=call.caller_name,
        notes=call.notes,
        line=psc_lines()[0],
        state=State.RINGING,
        rung_at=now,
        created_at=now,
        transferred_from=call,
    )
    _event(transferred, "incoming", now)
    return transferred
