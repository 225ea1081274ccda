"""The call centre on a case's timeline (cases does not import the call centre)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.cases import services as package  # `package._write_entry`: see the package docstring
from patriot.cases.choices import TimelineKindChoices
from patriot.cases.models import Case, TimelineEntry
from patriot.cases.services.common import CASE_RELATED, MAX_NOTE_LENGTH, _check_text
from patriot.events import steps

Kind = TimelineKindChoices


def log_call_on_case(case: Case, *, by: User, call: Any, note: str = "", call_type: str = "") -> TimelineEntry:
    """Record on the case's timeline that a 1500444 call concerned it (internal: never on public pages).

    `call` is a callcentre Call (cases does not import the call centre). `call_type` is what the call was about
    for this case (a report filed on it, a status question…); the call's own type when not given. Any state may
    take a call: people also ring about rejected and closed reports.
    """
    note = _check_text(note, field_name="note", label=_("Catatan"), limit=MAX_NOTE_LENGTH, required=False)
    with steps.perform(case, related=CASE_RELATED) as step:
        fresh, now = step.subject, step.now
        fresh.updated_at = now
        fresh.save(update_fields=["updated_at"])
        entry = package._write_entry(
            fresh,
            Kind.CALL_LOGGED,
            at=now,
            by=by,
            from_state=fresh.state,
            note=note,
            data={"call_id": call.pk, "call_type": call_type or call.call_type},
            is_public=False,
        )
    return entry
