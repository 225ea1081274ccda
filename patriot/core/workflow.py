"""Shared service plumbing for every app: a state machine declared as data, and one step of work on a subject.

A step is lock → act → write the timeline entry → record the outbox event → commit. Apps do it through
`patriot.events.steps` (`steps.perform` is `perform` here; `steps.log` writes the entry and records its event):

    with steps.perform(case, machine=CASE_MACHINE, action="verify") as step:
        previous = CASE_MACHINE.move(step.subject, "verify")
        step.subject.save()
        steps.log(TimelineEntry, case=step.subject, kind="verified", ..., event="case.verified", ...)

`perform` opens the transaction, re-reads the subject under a row lock (`SELECT … FOR UPDATE`), checks the state
machine, and hands the locked row and the time to the caller; whatever the caller writes inside the block (the
row, its timeline entry, its outbox event) commits together or not at all. After the commit the caller's own
instance shows the saved values. An illegal move raises `InvalidTransition`, which every surface answers with
409. Writing the entry and its event lives in `events.steps`, because the core does not import `events` (which
imports the core).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from patriot.core import clock
from patriot.core.errors import InvalidTransition

M = TypeVar("M", bound=models.Model)

Transitions = Mapping[str, tuple[frozenset[str], str | None]]


def _default_refusal(action: str, subject: Any) -> InvalidTransition:
    return InvalidTransition(_("Tindakan ini tidak dapat dilakukan pada status sekarang."))


@dataclass(frozen=True)
class StateMachine:
    """A workflow as data: {action: (states it may start from, state it leads to, or None to stay)}.

    `refusal(action, subject)` builds the error for an illegal move (an `InvalidTransition`, HTTP 409);
    `field` names the subject's state attribute.
    """

    transitions: Transitions
    refusal: Callable[[str, Any], InvalidTransition] = _default_refusal
    field: str = "state"

    def sources(self, action: str) -> frozenset[str]:
        return self.transitions[action][0]

    def target(self, action: str) -> str | None:
        return self.transitions[action][1]

    def allows(self, action: str, state: str) -> bool:
        return state in self.sources(action)

    def allowed(self, state: str) -> list[str]:
        """The actions `state` allows, in declaration order."""
        return [action for action, (sources, _target) in self.transitions.items() if state in sources]

    def check(self, action: str, subject: Any) -> None:
        """Raise the machine's refusal (409) unless `action` may start from the subject's state."""
        if not self.allows(action, getattr(subject, self.field)):
            raise self.refusal(action, subject)

    def move(self, subject: Any, action: str) -> str:
        """Put the subject in the state `action` leads to (if it changes state); returns the state it left."""
        previous: str = getattr(subject, self.field)
        target = self.target(action)
        if target is not None:
            setattr(subject, self.field, target)
        return previous


@dataclass(frozen=True)
class Step(Generic[M]):
    """The locked row and the time of the step, for the caller to act on inside `perform`."""

    subject: M
    now: datetime


def copy_fields(target: models.Model, source: models.Model) -> None:
    """Copy the saved row's values onto the caller's instance so it sees the result."""
    for model_field in type(source)._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(source, model_field.attname))
    target._state.fields_cache = {}


def lock(subject: M, *, related: Sequence[str] = ()) -> M:
    """Re-read `subject` under a row lock (its own table only, so nullable relations may be joined)."""
    query = type(subject)._default_manager.select_for_update(of=("self",))
    if related:
        query = query.select_related(*related)
    fresh: M = query.get(pk=subject.pk)
    return fresh


@contextmanager
def perform(
    subject: M, *, machine: StateMachine | None = None, action: str | None = None, related: Sequence[str] = ()
) -> Iterator[Step[M]]:
    """One step on `subject`: transaction, row lock, state check; the caller acts, writes its timeline entry and
    records its outbox event inside the block (events.steps.log); commit; then `subject` shows the saved values.

    An exception inside the block rolls back everything the block wrote, the event included.
    """
    with transaction.atomic():
        fresh = lock(subject, related=related)
        if machine is not None:
            if action is None:
                raise ValueError("a state machine needs the action to check")
            machine.check(action, fresh)
        yield Step(subject=fresh, now=clock.now())
    copy_fields(subject, fresh)
