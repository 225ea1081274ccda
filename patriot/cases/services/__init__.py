"""The only code that changes cases: one transaction, one timeline entry and one outbox event per action.

One module per concern; callers import from here (`from patriot.cases import services; services.create_case`):

- `common`: what every action shares — text checks, the timeline entry with its outbox event, SLA clocks, photos
- `intake`: `create_case` from every channel, the reporter's key, the reporter's later photos, supporters
- `workflow`: `TRANSITIONS` (the workflow diagram, an events.steps state machine) and one function per action
- `sweep`: the SLA sweep of `patriot worker`
- `instructions`: the mayor's instructions ("disposisi pimpinan")
- `personal_data`: reporters' personal-data rights and retention (UU PDP)
- `calls`: a call-centre call on a case's timeline

The concerns write timeline entries through `package._write_entry` (events.steps.log), which records the event
through `package.record_event` (both looked up here when called), so replacing either on this package — how tests
make the outbox fail — reaches every action.
"""

from __future__ import annotations

from patriot.cases.services.calls import log_call_on_case
from patriot.cases.services.common import (
    CASE_RELATED,
    MAX_DESCRIPTION_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_TITLE_LENGTH,
    _remove_files,
    _write_entry,
)
from patriot.cases.services.instructions import answer_instruction, instruct_case
from patriot.cases.services.intake import (
    CaseSubmission,
    NewCase,
    add_photos,
    create_case,
    reporter_key_for,
    reporter_key_matches,
    support_case,
)
from patriot.cases.services.personal_data import (
    deidentify_reporter,
    forget_reporter_contacts,
    purge_reporter_access_log,
)
from patriot.cases.services.sweep import SweepResult, sweep_sla
from patriot.cases.services.workflow import (
    MACHINE,
    TRANSITIONS,
    allowed_actions,
    assign_case,
    comment_case,
    confirm_case,
    dispatch_case,
    dispute_case,
    forward_case,
    merge_case,
    rate_case,
    reject_case,
    resolve_case,
    start_case,
    verify_case,
)
from patriot.events.services import record_event

__all__ = [
    "CASE_RELATED",
    "MACHINE",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_NOTE_LENGTH",
    "MAX_TITLE_LENGTH",
    "TRANSITIONS",
    "CaseSubmission",
    "NewCase",
    "SweepResult",
    "_remove_files",
    "_write_entry",
    "add_photos",
    "allowed_actions",
    "answer_instruction",
    "assign_case",
    "comment_case",
    "confirm_case",
    "create_case",
    "deidentify_reporter",
    "dispatch_case",
    "dispute_case",
    "forget_reporter_contacts",
    "forward_case",
    "instruct_case",
    "log_call_on_case",
    "merge_case",
    "purge_reporter_access_log",
    "rate_case",
    "record_event",
    "reject_case",
    "reporter_key_for",
    "reporter_key_matches",
    "resolve_case",
    "start_case",
    "support_case",
    "sweep_sla",
    "verify_case",
]
