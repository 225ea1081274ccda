"""Reads for the console and the call log: a caller's history, lookups, ringing calls, per-operator figures."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.callcentre.choices import CallStateChoices
from patriot.callcentre.lines import psc_lines
from patriot.callcentre.models import Call
from patriot.callcentre.services import normalise_number
from patriot.cases.models import Case
from patriot.cases.presenters import log_reporter_reads, may_see_reporter
from patriot.cases.queries import reporter_shown
from patriot.core import clock
from patriot.core.errors import InvalidInput

HISTORY_LIMIT = 20
# A ringing call the phone system announced but nobody answered drops off the console after this long.
# A call transferred to 119 stays on the PSC's list this long unless answered.
TRANSFER_WINDOW = timedelta(hours=1)
RINGING_WINDOW = timedelta(minutes=15)
TRACKING_NUMBER = re.compile(r"^[A-Z]{2,6}-\d{4}-\d{4,}$")


@dataclass(frozen=True)
class CallerHistory:
    """A caller's earlier cases (reported from this number, or asked about on an earlier call) and calls."""

    number: str
    cases: list[Case]
    case_count: int
    calls: list[Call]
    call_count: int

    @property
    def is_repeat(self) -> bool:
        return bool(self.case_count or self.call_count)

    @property
    def earlier_contacts(self) -> int:
        return self.case_count + self.call_count


def city_line_calls() -> QuerySet[Call]:
    """The calls of the 1500444 line: never those of the PSC's 119 lines (callcentre.lines), whose callers and times
    are the PSC's alone (a call to the emergency line says something about the caller's health)."""
    return Call.objects.exclude(line__in=psc_lines())


def _cases_of(number: str, viewer: User) -> QuerySet[Case]:
    """Cases reported from `number` (E.164) or asked about on its calls.

    A case reported from the number is listed only if `viewer` may see its reporter: listing an anonymous
    report under the number would tell who made it.

    Every stored number is E.164 (patriot.core.phones; cases/0007 rewrote older rows), so an exact match
    served by the case_reporter_phone index finds them however they were typed. Older rows that could not be
    read as a valid number were left as typed; they cannot be this valid number in any spelling, so guessing
    spellings would find nothing more.
    """
    reported = (Q(reporter_phone=number) | Q(reporter__phone=number)) & reporter_shown(viewer)
    return Case.objects.filter(reported | Q(calls__caller_number=number)).distinct()


def caller_history(number: str, *, viewer: User, exclude_call: Call | None = None) -> CallerHistory:
    """Everything the line knows about this number. Showing whose reports these are is logged (UU PDP).

    A withheld number ("") has no history: it would otherwise match every case reported without a phone.
    """
    if not number:
        return CallerHistory(number="", cases=[], case_count=0, calls=[], call_count=0)
    cases_query = _cases_of(number, viewer)
    cases = list(cases_query.select_related("category", "agency").order_by("-created_at", "-id")[:HISTORY_LIMIT])
    calls_query = city_line_calls().filter(caller_number=number).exclude(state=CallStateChoices.RINGING)
    if exclude_call is not None:
        calls_query = calls_query.exclude(pk=exclude_call.pk)
    calls = list(calls_query.select_related("operator").prefetch_related("cases")[:HISTORY_LIMIT])
    log_reporter_reads([case.pk for case in cases], viewer, purpose="callcentre: caller history")
    return CallerHistory(
        number=number,
        cases=cases,
        case_count=cases_query.count() if len(cases) == HISTORY_LIMIT else len(cases),
        calls=calls,
        call_count=calls_query.count() if len(calls) == HISTORY_LIMIT else len(calls),
    )


@dataclass(frozen=True)
class Lookup:
    """The answer to the console's search box: one case by its number, or a phone number's history."""

    query: str
    case: Case | None = None
    history: CallerHistory | None = None
    error: str = ""


def lookup(query: str, *, viewer: User) -> Lookup:
    text = (query or "").strip()
    if not text:
        return Lookup(query="")
    upper = text.upper()
    if TRACKING_NUMBER.match(upper):
        case = Case.objects.select_related("category", "agency").filter(tracking_number=upper).first()
        if case is None:
            return Lookup(query=text, error=_("Tidak ada laporan bernomor %(number)s.") % {"number": upper})
        # The number's history shows the number: for an anonymous report only to those who may see its reporter.
        if not may_see_reporter(viewer, case):
            return Lookup(query=text, case=case)
        history = None
        if case.reporter_phone:
            try:
                history = caller_history(normalise_number(case.reporter_phone), viewer=viewer)
            except InvalidInput:
                history = None
        if history is None:
            log_reporter_reads([case.pk], viewer, purpose="callcentre: lookup by tracking number")
        return Lookup(query=text, case=case, history=history)
    try:
        number = normalise_number(text, field="q")
    except InvalidInput as error:
        return Lookup(
            query=text,
            error=_("Ketik nomor laporan (mis. BKS-2611-000123) atau nomor telepon penelepon.") + " " + error.message,
        )
    return Lookup(query=text, history=caller_history(number, viewer=viewer))


def ringing_calls(now: datetime | None = None, *, psc: bool = False) -> list[Call]:
    """Calls the phone system announced in the last minutes that nobody has answered yet, oldest first: those of
    the 1500444 line, or with `psc` those of the PSC 119 lines (callcentre.lines)."""
    now = now or clock.now()
    calls = Call.objects.filter(state=CallStateChoices.RINGING)
    if psc:
        # A caller the 1500444 operator transferred waits on the line; the phone system will not say they hung up.
        calls = calls.filter(line__in=psc_lines()).filter(
            Q(rung_at__gte=now - RINGING_WINDOW) | Q(transferred_from__isnull=False, rung_at__gte=now - TRANSFER_WINDOW)
        )
    else:
        calls = calls.filter(rung_at__gte=now - RINGING_WINDOW).exclude(line__in=psc_lines())
    return list(calls.order_by("rung_at", "id"))


def open_calls(operator: User) -> list[Call]:
    return list(Call.objects.filter(operator=operator, state=CallStateChoices.ACTIVE).order_by("-started_at"))


def call_log(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    operator_id: int | None = None,
    call_type: str = "",
) -> QuerySet[Call]:
    """Answered calls, newest first, filtered by the log page's fields (times are started_at)."""
    calls = city_line_calls().exclude(state=CallStateChoices.RINGING)
    if since is not None:
        calls = calls.filter(started_at__gte=since)
    if until is not None:
        calls = calls.filter(started_at__lte=until)
    if operator_id:
        calls = calls.filter(operator_id=operator_id)
    if call_type:
        calls = calls.filter(call_type=call_type)
    return calls.select_related("operator").prefetch_related("cases").order_by("-started_at", "-id")


@dataclass(frozen=True)
class OperatorFigures:
    operator: User | None
    calls: int
    ended: int
    average_seconds: float | None
    total_seconds: int


def operator_figures(calls: QuerySet[Call]) -> list[OperatorFigures]:
    """Per operator: how many calls, how many finished, their average and total duration."""
    rows = list(
        calls.order_by()
        .values("operator_id")
        .annotate(
            calls=Count("id"),
            ended=Count("duration_seconds"),
            average=Avg("duration_seconds"),
            total=Sum("duration_seconds"),
        )
    )
    people = User.objects.in_bulk([row["operator_id"] for row in rows if row["operator_id"]])
    figures = [
        OperatorFigures(
            operator=people.get(row["operator_id"]),
            calls=row["calls"],
            ended=row["ended"],
            average_seconds=float(row["average"]) if row["average"] is not None else None,
            total_seconds=int(row["total"] or 0),
        )
        for row in rows
    ]
    return sorted(figures, key=lambda f: (-f.calls, f.operator.username if f.operator else ""))
