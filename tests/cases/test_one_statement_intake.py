"""On PostgreSQL a report sent outside a transaction is written by one autocommitted statement
(services.intake._write_in_one_statement) and keeps every guarantee of the usual path: one case, one timeline entry,
one outbox event whose payload names them, the idempotency key, all or nothing."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import DatabaseError, connection

from patriot.cases import services, sla
from patriot.cases.models import Case, IdempotencyKey, TimelineEntry
from patriot.cases.services import intake
from patriot.core import clock
from patriot.core.errors import InvalidInput
from patriot.events.models import OutboxEvent
from tests.factories import make_agency, make_category, outbox_down, submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]


@pytest.fixture(autouse=True)
def _postgresql_without_group_commit(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement intake is PostgreSQL's")
    settings.PATRIOT_INTAKE_GROUP_COMMIT = False  # PostgreSQL's default


@pytest.fixture
def category() -> Any:
    return make_category("jalan-rusak", default_agency=make_agency("dbmsda"))


def _statements() -> Any:
    seen: Counter[str] = Counter()

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen[sql.split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    return seen, connection.execute_wrapper(wrapper)


def _only_rows_of(case: Case) -> tuple[TimelineEntry, OutboxEvent]:
    assert Case.objects.count() == TimelineEntry.objects.count() == OutboxEvent.objects.count() == 1
    return TimelineEntry.objects.get(case=case), OutboxEvent.objects.get()


def test_a_report_is_one_statement_with_its_entry_and_event(category: Any) -> None:
    before = services.create_case(submission(category, description="Laporan pertama bulan ini"))  # the month's sequence
    Case.objects.all().delete()
    OutboxEvent.objects.all().delete()
    seen, counting = _statements()
    with counting:
        result = services.create_case(submission(category, reporter_phone="0812 3456 7890"))

    assert dict(seen) == {"WITH": 1}  # no BEGIN or COMMIT either: one autocommitted statement
    stored = Case.objects.get()
    assert result.created and result.case.pk == stored.pk
    assert stored.tracking_number == result.case.tracking_number
    assert int(stored.tracking_number.rsplit("-", 1)[1]) == int(before.case.tracking_number.rsplit("-", 1)[1]) + 1
    assert stored.reporter_phone == "+6281234567890" and stored.state == "submitted" and stored.due_at is not None
    entry, event = _only_rows_of(stored)
    assert entry.kind == "submitted" and entry.data == {"channel": "pot", "photos": 0}
    assert event.kind == "case.submitted" and event.subject_id == stored.tracking_number
    assert event.payload["tracking_number"] == stored.tracking_number
    assert event.payload["timeline_entry_id"] == entry.pk == result.case.timeline.get().pk
    assert event.payload["due_at"] == result.case.due_at.isoformat()
    assert event.payload["at"] == entry.created_at.isoformat() == result.case.created_at.isoformat()
    assert services.reporter_key_matches(stored, result.reporter_key)


def test_a_retry_with_the_key_returns_the_first_case_and_writes_nothing(category: Any) -> None:
    services.create_case(submission(category, description="Laporan pertama bulan ini"))
    Case.objects.all().delete()
    OutboxEvent.objects.all().delete()
    first = services.create_case(submission(category), idempotency_key="kunci-1")
    again = services.create_case(submission(category), idempotency_key="kunci-1")

    assert first.created and not again.created and again.case.pk == first.case.pk
    assert again.reporter_key == first.reporter_key
    _only_rows_of(first.case)
    assert IdempotencyKey.objects.get().case_id == first.case.pk
    with pytest.raises(InvalidInput) as refused:
        services.create_case(submission(category, description="Laporan lain sama sekali"), idempotency_key="kunci-1")
    assert refused.value.code == "idempotency_key_reused"
    _only_rows_of(first.case)


def test_a_raced_key_writes_no_case_and_answers_with_the_first(category: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services.create_case(submission(category, description="Laporan pertama bulan ini"))
    Case.objects.all().delete()
    OutboxEvent.objects.all().delete()
    first = services.create_case(submission(category), idempotency_key="balapan")
    looked_up = intake._existing_for_key
    calls = []

    def not_yet_committed(*args: Any) -> Any:  # the other request's key was not visible when this one looked
        calls.append(args)
        return None if len(calls) == 1 else looked_up(*args)

    monkeypatch.setattr(intake, "_existing_for_key", not_yet_committed)
    seen, counting = _statements()
    with counting:
        again = services.create_case(submission(category), idempotency_key="balapan")

    assert seen["WITH"] == 1  # the statement ran, and its unique violation undid all of it
    assert len(calls) == 2 and not again.created and again.case.pk == first.case.pk
    _only_rows_of(first.case)


def test_the_months_first_report_makes_its_sequence_then_the_next_is_one_statement(category: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE IF EXISTS cases_trackingsequence_3101")
    with clock.pinned(datetime(2031, 1, 15, 3, 0, tzinfo=UTC)):
        first = services.create_case(submission(category, description="Laporan pertama Januari 2031"))
        seen, counting = _statements()
        with counting:
            second = services.create_case(submission(category, description="Laporan kedua Januari 2031"))

    assert first.case.tracking_number.endswith("-3101-000001")
    assert second.case.tracking_number.endswith("-3101-000002")
    assert dict(seen) == {"WITH": 1}
    assert Case.objects.count() == TimelineEntry.objects.count() == OutboxEvent.objects.count() == 2
    for result in (first, second):
        entry = TimelineEntry.objects.get(case=result.case)
        event = OutboxEvent.objects.get(subject_id=result.case.tracking_number)
        assert event.payload["timeline_entry_id"] == entry.pk


@pytest.mark.parametrize("path", ["one statement", "the month's first report", "group commit"])
def test_a_failing_outbox_leaves_no_case(category: Any, settings: Any, path: str) -> None:
    """The outbox refuses the event in the database: on each write path nothing of the report is left."""
    services.create_case(submission(category, description="Laporan pertama bulan ini"))  # the month's sequence
    Case.objects.all().delete()
    OutboxEvent.objects.all().delete()
    if path == "the month's first report":  # the statement finds no sequence, the usual transaction writes it
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SEQUENCE cases_trackingsequence_{clock.now().astimezone(sla.city_zone()):%y%m}")
    settings.PATRIOT_INTAKE_GROUP_COMMIT = path == "group commit"
    seen, counting = _statements()
    with outbox_down(), counting, pytest.raises(DatabaseError, match="outbox down"):
        services.create_case(submission(category), idempotency_key="kunci-gagal")

    if path == "one statement":
        assert seen["WITH"] == 1 and not seen["INSERT"]
    else:  # the case and its entry were written in the transaction the event's refusal rolled back
        assert seen["INSERT"] >= 2
    assert Case.objects.count() == TimelineEntry.objects.count() == OutboxEvent.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0
