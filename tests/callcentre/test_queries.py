"""Reads: a caller's history with the repeat-caller count, lookups, ringing calls and per-operator figures."""

from __future__ import annotations

from datetime import timedelta

import pytest

from patriot.accounts.models import User
from patriot.callcentre import queries, services
from patriot.callcentre.choices import CallTypeChoices
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import ReporterDataAccess
from patriot.core import clock
from tests.factories import case_through, make_case

pytestmark = pytest.mark.usefixtures("areas")


def _ended_call(operator: User, number: str, seconds: int, call_type: str = CallTypeChoices.OTHER) -> None:
    call = services.answer_call(by=operator, caller_number=number)
    services.end_call(call, by=operator, call_type=call_type, ended_at=call.started_at + timedelta(seconds=seconds))


def test_a_first_time_caller_has_no_history(operator: User) -> None:
    history = queries.caller_history("+6281234500001", viewer=operator)
    assert not history.is_repeat and history.cases == [] and history.calls == []


def test_a_repeat_caller_is_found_however_the_number_was_typed(operator: User) -> None:
    typed_locally = make_case(reporter_phone="081234500001")
    typed_international = case_through(CaseStateChoices.DISPATCHED, reporter_phone="+6281234500001")
    make_case(reporter_phone="081299990000")  # someone else
    _ended_call(operator, "0812-3450-0001", 60)
    history = queries.caller_history("+6281234500001", viewer=operator)
    assert history.is_repeat
    assert {c.pk for c in history.cases} == {typed_locally.pk, typed_international.pk}
    assert (history.case_count, history.call_count, history.earlier_contacts) == (2, 1, 3)
    # Showing whose reports these are is an audited read of reporter data.
    assert ReporterDataAccess.objects.filter(user=operator).count() == 2


def test_cases_asked_about_on_earlier_calls_belong_to_the_history(operator: User) -> None:
    neighbours_case = make_case(reporter_phone="081299990000")
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(call, neighbours_case, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    history = queries.caller_history("+6281234500001", viewer=operator, exclude_call=call)
    assert [c.pk for c in history.cases] == [neighbours_case.pk] and history.call_count == 0


def test_lookup_by_tracking_number_shows_the_case_and_its_reporters_history(operator: User) -> None:
    case = make_case(reporter_phone="081234500001")
    make_case(reporter_phone="0812 3450 0001")
    found = queries.lookup(case.tracking_number.lower(), viewer=operator)
    assert found.case == case and found.history is not None and found.history.case_count == 2
    missing = queries.lookup("BKS-2601-999999", viewer=operator)
    assert missing.case is None and "BKS-2601-999999" in missing.error


def test_lookup_by_phone_and_nonsense(operator: User) -> None:
    make_case(reporter_phone="081234500001")
    assert queries.lookup("0812-3450-0001", viewer=operator).history.case_count == 1  # type: ignore[union-attr]
    assert queries.lookup("jalan rusak", viewer=operator).error


def test_ringing_calls_are_the_recent_unanswered_ones(operator: User) -> None:
    old = services.announce_call(caller_number="081234500001", at=clock.now() - timedelta(hours=1)).call
    fresh = services.announce_call(caller_number="081234500002").call
    answered = services.announce_call(caller_number="081234500003").call
    services.answer_call(by=operator, call=answered)
    assert [c.pk for c in queries.ringing_calls()] == [fresh.pk]
    assert old.pk not in [c.pk for c in queries.ringing_calls()]


def test_operator_figures_count_and_average_durations(operator: User, other_operator: User) -> None:
    _ended_call(operator, "081234500001", 60)
    _ended_call(operator, "081234500002", 180, CallTypeChoices.COMPLAINT)
    services.answer_call(by=operator, caller_number="081234500003")  # still going: counted, no duration
    _ended_call(other_operator, "081234500004", 30)
    figures = {f.operator.username: f for f in queries.operator_figures(queries.call_log())}  # type: ignore[union-attr]
    mine = figures["operator-1"]
    assert (mine.calls, mine.ended, mine.average_seconds, mine.total_seconds) == (3, 2, 120.0, 240)
    theirs = figures["operator-2"]
    assert (theirs.calls, theirs.ended, theirs.average_seconds) == (1, 1, 30.0)
    complaints = queries.call_log(call_type=CallTypeChoices.COMPLAINT)
    assert complaints.count() == 1
    assert queries.call_log(operator_id=other_operator.pk).count() == 1
    assert queries.call_log(since=clock.now() + timedelta(hours=1)).count() == 0


def test_a_withheld_number_has_no_history(operator: User) -> None:
    make_case(reporter_phone="")  # a report without a phone number must not count as this caller's
    withheld = services.announce_call(caller_number="anonymous").call
    services.answer_call(by=operator, call=withheld)
    history = queries.caller_history("", viewer=operator)
    assert (history.cases, history.calls, history.is_repeat) == ([], [], False)
    assert not ReporterDataAccess.objects.exists()
