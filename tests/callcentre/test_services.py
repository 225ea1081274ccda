"""Call services: number normalisation, answering, durations, emergency transfers, reports for callers, links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre import services
from patriot.callcentre.choices import CallStateChoices, CallTypeChoices, EmergencyLineChoices
from patriot.callcentre.models import Call
from patriot.cases.choices import CaseStateChoices, ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case, Category
from patriot.core import clock
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.events.models import OutboxEvent
from tests.factories import MARGAHAYU, case_through, make_user

pytestmark = pytest.mark.usefixtures("areas")


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("081234500001", "+6281234500001"),
        ("0812-3450-0001", "+6281234500001"),
        ("+62 812 3450 0001", "+6281234500001"),
        ("6281234500001", "+6281234500001"),
        ("(021) 8895 1234", "+622188951234"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_normalised_to_e164(typed: str, e164: str) -> None:
    assert services.normalise_number(typed) == e164


@pytest.mark.parametrize("typed", ["", "   ", "12", "halo", "0812", "+62 999"])
def test_bad_numbers_are_refused_next_to_the_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as error:
        services.normalise_number(typed)
    assert error.value.field == "caller_number"


def test_answer_a_typed_call_starts_it_now(operator: User) -> None:
    call = services.answer_call(by=operator, caller_number="0812 3450 0001", caller_name="Bu Ratna")
    call.refresh_from_db()
    assert call.caller_number == "+6281234500001"
    assert call.state == CallStateChoices.ACTIVE
    assert call.operator == operator
    assert call.started_at is not None and call.ended_at is None
    assert OutboxEvent.objects.filter(subject_type="call", subject_id=str(call.pk), kind="call.answered").exists()


def test_end_call_records_type_times_and_duration(operator: User) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    start = call.started_at
    services.end_call(
        call,
        by=operator,
        call_type=CallTypeChoices.OTHER,
        started_at=start - timedelta(seconds=30),
        ended_at=start + timedelta(minutes=3, seconds=15),
        notes="Menanyakan jam layanan.",
    )
    call.refresh_from_db()
    assert call.state == CallStateChoices.ENDED
    assert call.duration_seconds == 3 * 60 + 45
    assert call.notes == "Menanyakan jam layanan."
    assert OutboxEvent.objects.filter(subject_type="call", kind="call.ended").count() == 1


def test_end_call_without_end_time_ends_it_now(operator: User) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.end_call(call, by=operator, call_type=CallTypeChoices.OTHER)
    call.refresh_from_db()
    assert call.ended_at is not None and call.ended_at >= call.started_at
    assert call.duration_seconds == int((call.ended_at - call.started_at).total_seconds())


def test_an_emergency_is_transferred_and_recorded_with_its_line(operator: User) -> None:
    call = services.answer_call(by=operator, caller_number="082155667788")
    services.end_call(
        call, by=operator, call_type=CallTypeChoices.EMERGENCY, transferred_to=EmergencyLineChoices.PSC_119
    )
    call.refresh_from_db()
    assert (call.call_type, call.transferred_to) == ("emergency", "119")


def test_an_emergency_needs_a_line_and_other_calls_have_none(operator: User) -> None:
    call = services.answer_call(by=operator, caller_number="082155667788")
    with pytest.raises(InvalidInput) as error:
        services.end_call(call, by=operator, call_type=CallTypeChoices.EMERGENCY)
    assert error.value.field == "transferred_to"
    with pytest.raises(InvalidInput) as error:
        services.end_call(call, by=operator, call_type=CallTypeChoices.EMERGENCY, transferred_to="911")
    assert error.value.field == "transferred_to"
    with pytest.raises(InvalidInput) as error:
        services.end_call(call, by=operator, call_type=CallTypeChoices.COMPLAINT, transferred_to="112")
    assert error.value.field == "transferred_to"
    call.refresh_from_db()
    assert call.state == CallStateChoices.ACTIVE and call.call_type == ""


@pytest.mark.parametrize(
    ("start_shift", "end_shift", "field"),
    [
        (timedelta(0), timedelta(minutes=-1), "ended_at"),  # ends before it started
        (timedelta(0), timedelta(hours=13), "ended_at"),  # in the future
        (timedelta(hours=-13), timedelta(0), "ended_at"),  # longer than 12 hours
    ],
)
def test_impossible_times_are_refused(operator: User, start_shift: timedelta, end_shift: timedelta, field: str) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    now = clock.now()
    with pytest.raises(InvalidInput) as error:
        services.end_call(
            call, by=operator, call_type=CallTypeChoices.OTHER, started_at=now + start_shift, ended_at=now + end_shift
        )
    assert error.value.field == field


def test_another_operator_cannot_log_my_call(operator: User, other_operator: User) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    with pytest.raises(InvalidTransition):
        services.end_call(call, by=other_operator, call_type=CallTypeChoices.OTHER)
    admin = make_user(RoleChoices.SYSTEM_ADMIN)
    services.end_call(call, by=admin, call_type=CallTypeChoices.OTHER)


def test_announced_call_is_ringing_and_writes_a_call_event() -> None:
    announced = services.announce_call(caller_number="081234500001", external_id="pbx-1", line="1500444-1")
    call = announced.call
    assert announced.created and call.state == CallStateChoices.RINGING and call.operator is None
    event = OutboxEvent.objects.get(kind="call.incoming")
    assert (event.subject_type, event.subject_id) == ("call", str(call.pk))
    assert event.payload["caller_number"] == "+6281234500001"
    assert event.is_public is False and event.agency_id is None


def test_announcing_the_same_call_twice_makes_one_call() -> None:
    first = services.announce_call(caller_number="081234500001", external_id="pbx-7")
    again = services.announce_call(caller_number="+6281234500001", external_id="pbx-7")
    assert not again.created and again.call.pk == first.call.pk
    assert Call.objects.count() == 1
    assert OutboxEvent.objects.filter(kind="call.incoming").count() == 1
    with pytest.raises(InvalidInput):
        services.announce_call(caller_number="081399998888", external_id="pbx-7")


def test_answering_a_ringing_call_twice_is_refused(operator: User, other_operator: User) -> None:
    call = services.announce_call(caller_number="081234500001").call
    services.answer_call(by=operator, call=call)
    assert call.operator == operator and call.state == CallStateChoices.ACTIVE
    with pytest.raises(InvalidTransition):
        services.answer_call(by=other_operator, call=Call.objects.get(pk=call.pk))


def _report(category: Category, **overrides: object) -> services.PhoneReport:
    values: dict[str, object] = {
        "category": category,
        "description": "Jalan berlubang di depan SDN Margahayu 1, sudah dua motor jatuh.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "address": "Jl. Ir. H. Juanda",
        "reporter_name": "Bu Ratna",
    }
    values.update(overrides)
    return services.PhoneReport(**values)  # type: ignore[arg-type]


def test_a_report_for_the_caller_is_a_phone_case_linked_to_the_call(operator: User, category: Category) -> None:
    call = services.answer_call(by=operator, caller_number="0812-3450-0001")
    result = services.report_for_caller(call, _report(category), by=operator, idempotency_key="form-token-1")
    case = result.case
    assert result.created
    assert case.channel == ChannelChoices.PHONE and case.state == CaseStateChoices.SUBMITTED
    assert (case.reporter_name, case.reporter_phone) == ("Bu Ratna", "+6281234500001")
    assert list(call.cases.all()) == [case]
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.NEW_REPORT and call.caller_name == "Bu Ratna"
    kinds = list(case.timeline.values_list("kind", "is_public", "actor"))
    assert kinds == [
        (TimelineKindChoices.SUBMITTED, True, operator.pk),
        (TimelineKindChoices.CALL_LOGGED, False, operator.pk),
    ]
    logged = case.timeline.get(kind=TimelineKindChoices.CALL_LOGGED)
    assert logged.data == {"call_id": call.pk, "call_type": "new_report"}
    assert OutboxEvent.objects.get(kind="case.call_logged").is_public is False


def test_a_double_submit_makes_one_case(operator: User, category: Category) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    first = services.report_for_caller(call, _report(category), by=operator, idempotency_key="same-token")
    second = services.report_for_caller(call, _report(category), by=operator, idempotency_key="same-token")
    assert not second.created and second.case.pk == first.case.pk
    assert Case.objects.count() == 1
    assert first.case.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED).count() == 1
    third = services.report_for_caller(call, _report(category), by=operator, idempotency_key="another-token")
    assert third.created and Case.objects.count() == 2


def test_the_privacy_choices_of_the_caller_are_kept(operator: User, category: Category) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    case = services.report_for_caller(
        call, _report(category, is_anonymous=True, is_confidential=True), by=operator, idempotency_key="t"
    ).case
    assert case.is_anonymous and case.is_confidential


def test_a_report_outside_the_city_is_refused_and_nothing_is_linked(operator: User, category: Category) -> None:
    call = services.answer_call(by=operator, caller_number="081234500001")
    with pytest.raises(InvalidInput) as error:
        services.report_for_caller(
            call, _report(category, latitude=-6.175, longitude=106.827), by=operator, idempotency_key="t"
        )
    assert error.value.field == "location"
    assert not call.cases.exists() and Case.objects.count() == 0


def test_a_status_question_links_the_call_to_the_case_once(operator: User) -> None:
    case = case_through(CaseStateChoices.CLOSED, reporter_phone="081234500001")
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(call, case, by=operator, call_type=CallTypeChoices.STATUS_QUESTION, note="Tanya status")
    services.link_case(call, case, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    entries = case.timeline.filter(kind=TimelineKindChoices.CALL_LOGGED)
    assert entries.count() == 1
    entry = entries.get()
    assert not entry.is_public and entry.note == "Tanya status" and entry.to_state == CaseStateChoices.CLOSED
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.STATUS_QUESTION
    assert list(call.cases.all()) == [case]


# --- what a call was about, per case and for the call ------------------------------------------


def _call_logged(case: Case, call: Call) -> dict[str, object]:
    return case.timeline.get(kind=TimelineKindChoices.CALL_LOGGED, data__call_id=call.pk).data


def test_a_report_filed_after_a_status_question_is_a_new_report_on_its_case_and_the_call(
    operator: User, category: Category
) -> None:
    asked_about = case_through(CaseStateChoices.DISPATCHED, reporter_phone="081234500001")
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(call, asked_about, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.STATUS_QUESTION
    filed = services.report_for_caller(call, _report(category), by=operator, idempotency_key="t").case
    # Each case's timeline says what happened on it during this call.
    assert _call_logged(filed, call) == {"call_id": call.pk, "call_type": "new_report"}
    assert _call_logged(asked_about, call) == {"call_id": call.pk, "call_type": "status_question"}
    # Filing a report makes the open call a new-report call, which the end form offers.
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.NEW_REPORT


def test_a_status_question_after_a_report_keeps_the_call_a_new_report(operator: User, category: Category) -> None:
    asked_about = case_through(CaseStateChoices.CLOSED, reporter_phone="081234500001")
    call = services.answer_call(by=operator, caller_number="081234500001")
    filed = services.report_for_caller(call, _report(category), by=operator, idempotency_key="t").case
    services.link_case(call, asked_about, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.NEW_REPORT
    assert _call_logged(filed, call)["call_type"] == "new_report"
    assert _call_logged(asked_about, call)["call_type"] == "status_question"


def test_the_type_chosen_when_ending_the_call_is_final(operator: User, category: Category) -> None:
    asked_about = case_through(CaseStateChoices.CLOSED, reporter_phone="081234500001")
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(call, asked_about, by=operator, call_type=CallTypeChoices.STATUS_QUESTION)
    services.report_for_caller(call, _report(category), by=operator, idempotency_key="t")
    services.end_call(call, by=operator, call_type=CallTypeChoices.COMPLAINT)
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.COMPLAINT
    # A report filed after the call ended is a new report on its case; the call keeps the operator's type.
    late = services.report_for_caller(call, _report(category), by=operator, idempotency_key="t2").case
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.COMPLAINT and call.state == CallStateChoices.ENDED
    assert _call_logged(late, call)["call_type"] == "new_report"
    assert OutboxEvent.objects.filter(kind="call.ended").latest("id").payload["call_type"] == "complaint"


def test_a_link_without_a_type_records_the_calls_type(operator: User) -> None:
    first = case_through(CaseStateChoices.CLOSED, reporter_phone="081234500001")
    second = case_through(CaseStateChoices.SUBMITTED, reporter_phone="081234500001")
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(call, first, by=operator, call_type=CallTypeChoices.COMPLAINT)
    services.link_case(call, second, by=operator)
    call.refresh_from_db()
    assert call.call_type == CallTypeChoices.COMPLAINT
    assert _call_logged(second, call)["call_type"] == "complaint"
    with pytest.raises(InvalidInput):
        services.link_case(call, second, by=operator, call_type="gossip")


def test_an_emergency_link_leaves_the_type_to_the_end_of_the_call(operator: User) -> None:
    case = case_through(CaseStateChoices.SUBMITTED, reporter_phone="081234500001")
    call = services.answer_call(by=operator, caller_number="081234500001")
    services.link_case(call, case, by=operator, call_type=CallTypeChoices.EMERGENCY)
    call.refresh_from_db()
    assert (call.call_type, call.transferred_to) == ("", "")
    assert _call_logged(case, call)["call_type"] == "emergency"


# --- withheld numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller_id", ["", None, "anonymous", "ANONYMOUS", " private ", "Withheld", "unknown", "Restricted"]
)
def test_withheld_caller_ids_ring_without_a_number(caller_id: str | None) -> None:
    assert services.is_withheld(caller_id)
    call = services.announce_call(caller_number=caller_id, external_id="pbx-h").call
    assert call.state == CallStateChoices.RINGING and call.caller_number == "" and call.number_withheld


@pytest.mark.parametrize("caller_id", ["halo", "0812", "anonymous1", "+62 999"])
def test_other_caller_ids_must_be_numbers(caller_id: str) -> None:
    assert not services.is_withheld(caller_id)
    with pytest.raises(InvalidInput) as error:
        services.announce_call(caller_number=caller_id)
    assert error.value.field == "caller_number"
    assert not Call.objects.exists()


def test_the_operator_types_the_number_a_withheld_caller_gives(operator: User, other_operator: User) -> None:
    call = services.announce_call(caller_number="anonymous").call
    with pytest.raises(InvalidTransition):
        services.give_number(call, by=operator, caller_number="081234500001")
    services.answer_call(by=operator, call=call)
    assert call.caller_number == ""
    with pytest.raises(InvalidInput) as error:
        services.give_number(call, by=operator, caller_number="halo")
    assert error.value.field == "caller_number"
    with pytest.raises(InvalidTransition):
        services.give_number(call, by=other_operator, caller_number="081234500001")
    services.give_number(call, by=operator, caller_number="0812-3450-0001")
    call.refresh_from_db()
    assert call.caller_number == "+6281234500001" and call.number_withheld
    assert OutboxEvent.objects.filter(kind="call.number_given", subject_id=str(call.pk)).count() == 1
    # It can be corrected while the call is handled.
    services.give_number(call, by=operator, caller_number="081234500002")
    call.refresh_from_db()
    assert call.caller_number == "+6281234500002"


def test_a_known_number_cannot_be_replaced(operator: User) -> None:
    announced = services.announce_call(caller_number="081234500001").call
    services.answer_call(by=operator, call=announced)
    typed = services.answer_call(by=operator, caller_number="081234500002")
    for call in (announced, typed):
        with pytest.raises(InvalidTransition) as error:
            services.give_number(call, by=operator, caller_number="081234500003")
        assert error.value.code == "number_known"


def test_a_report_for_a_withheld_caller_has_no_reporter_phone(operator: User, category: Category) -> None:
    call = services.announce_call(caller_number="private").call
    services.answer_call(by=operator, call=call)
    case = services.report_for_caller(call, _report(category), by=operator, idempotency_key="t").case
    assert case.reporter_phone == "" and case.channel == ChannelChoices.PHONE
    assert list(call.cases.all()) == [case]


def test_only_a_withheld_call_may_lack_a_number() -> None:
    now = clock.now()
    Call.objects.create(caller_number="", number_withheld=True, created_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.create(caller_number="", number_withheld=False, created_at=now)
