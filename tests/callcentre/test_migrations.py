"""callcentre/0003: rows written before the call-type fix describe the reports filed on calls as new reports."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from patriot.accounts.models import User
from patriot.callcentre import services
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices
from patriot.callcentre.models import Call
from patriot.cases.choices import CaseStateChoices, TimelineKindChoices
from patriot.cases.models import Case, Category, TimelineEntry
from tests.factories import MARGAHAYU, case_through

pytestmark = pytest.mark.usefixtures("areas")
repair = importlib.import_module("patriot.callcentre.migrations.0003_reports_filed_on_calls")


def _as_before_the_fix(call: Call, *cases: Case) -> None:
    """What the old link_case wrote: the first link's type on every entry and on the open call."""
    TimelineEntry.objects.filter(case__in=cases, kind=TimelineKindChoices.CALL_LOGGED, data__call_id=call.pk).update(
        data={"call_id": call.pk, "call_type": "status_question"}
    )
    Call.objects.filter(pk=call.pk, state=CallStateChoices.ACTIVE).update(call_type="status_question")


def _entry(case: Case, call: Call) -> dict[str, object]:
    return TimelineEntry.objects.get(case=case, kind=TimelineKindChoices.CALL_LOGGED, data__call_id=call.pk).data


def _file(call: Call, operator: User, category: Category, token: str) -> Case:
    report = services.PhoneReport(
        category=category,
        description="Jalan berlubang di depan SDN Margahayu 1.",
        latitude=MARGAHAYU[0],
        longitude=MARGAHAYU[1],
    )
    return services.report_for_caller(call, report, by=operator, idempotency_key=token).case


def test_reports_filed_on_calls_are_described_as_new_reports(operator: User, category: Category) -> None:
    asked = case_through(CaseStateChoices.DISPATCHED, reporter_phone="081234500001")
    open_call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(open_call, asked, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    filed_open = _file(open_call, operator, category, "a")
    ended_call = services.answer_call(by=operator, caller_number="081234500002")
    services.link_case(ended_call, asked, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    filed_ended = _file(ended_call, operator, category, "b")
    _as_before_the_fix(open_call, asked, filed_open)
    _as_before_the_fix(ended_call, asked, filed_ended)
    services.end_call(ended_call, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)

    repair.describe_filed_reports(apps, None)

    assert _entry(filed_open, open_call) == {"call_id": open_call.pk, "call_type": "new_report"}
    assert _entry(filed_ended, ended_call) == {"call_id": ended_call.pk, "call_type": "new_report"}
    # The status questions stay status questions; an ended call keeps the type its operator chose.
    assert _entry(asked, open_call)["call_type"] == "status_question"
    assert _entry(asked, ended_call)["call_type"] == "status_question"
    open_call.refresh_from_db()
    ended_call.refresh_from_db()
    assert open_call.call_type == CallTypeChoices.NEW_REPORT
    assert ended_call.call_type == CallTypeChoices.STATUS_QUESTION
    # Running it again changes nothing.
    repair.describe_filed_reports(apps, None)
    assert _entry(asked, open_call)["call_type"] == "status_question"
