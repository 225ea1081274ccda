"""The SLA sweep (`patriot worker`, every minute): due soon at 75 %, escalation at 100 %, auto-close of resolved cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet

from patriot.cases import services as package  # `package._write_entry`: see the package docstring
from patriot.cases.choices import CaseStateChoices, SlaStatusChoices, TimelineKindChoices
from patriot.cases.models import Case, state_among
from patriot.cases.services.common import _stop_clock
from patriot.core import clock

State = CaseStateChoices
Kind = TimelineKindChoices


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
    package._write_entry(
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
    package._write_entry(
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
    package._write_entry(case, Kind.AUTO_CLOSED, at=now, from_state=previous)
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
