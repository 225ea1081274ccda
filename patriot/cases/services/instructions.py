"""The mayor's instructions ("disposisi pimpinan"): given on a case, tracked until the case's agency answers."""

from __future__ import annotations

from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.cases import services as package  # `package._write_entry`: see the package docstring
from patriot.cases.choices import TimelineKindChoices
from patriot.cases.models import Case, Instruction
from patriot.cases.services.common import CASE_RELATED, MAX_NOTE_LENGTH, _check_text
from patriot.cases.services.workflow import _acting_on
from patriot.core.errors import InvalidTransition
from patriot.events import steps

Kind = TimelineKindChoices


def instruct_case(case: Case, *, by: User, text: str) -> Instruction:
    """The mayor instructs the case's agency; tracked until answered. Internal: never on public pages.

    Allowed while the case is still in the city's hands (any state but rejected, duplicate or closed).
    """
    text = _check_text(text, field_name="text", label=_("Isi disposisi"), limit=MAX_NOTE_LENGTH, required=True)
    with _acting_on(case, "comment") as (fresh, now):
        fresh.updated_at = now
        fresh.save(update_fields=["updated_at"])
        instruction = Instruction.objects.create(case=fresh, author=by, text=text, created_at=now)
        package._write_entry(
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
    with steps.perform(instruction) as step:
        fresh, now = step.subject, step.now
        if fresh.answered_at is not None:
            raise InvalidTransition(_("Disposisi ini sudah ditanggapi."), code="already_answered")
        case = steps.lock(Case(pk=fresh.case_id), related=CASE_RELATED)
        fresh.answer = answer
        fresh.answered_by = by
        fresh.answered_at = now
        fresh.save(update_fields=["answer", "answered_by", "answered_at"])
        case.updated_at = now
        case.save(update_fields=["updated_at"])
        package._write_entry(
            case,
            Kind.INSTRUCTION_ANSWERED,
            at=now,
            by=by,
            from_state=case.state,
            note=answer,
            data={"instruction": fresh.pk, "instruction_text": fresh.text},
            is_public=False,
        )
    return instruction
