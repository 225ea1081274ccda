"""Concurrent intakes share one transaction (services.intake._group_commit, core/group_commit.py) and keep every guarantee of one alone.

The writer lock is held by the test while the reports queue, so that they are written as one batch for certain;
each report is sent from a thread of its own with its own database connection, as under the ASGI server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import translation
from pytest_django import Settings

from patriot.cases import services
from patriot.cases.models import Case, IdempotencyKey, TimelineEntry
from patriot.cases.services import intake
from patriot.core.errors import InvalidInput
from patriot.events.models import OutboxEvent
from tests.factories import make_agency, make_category, submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]


@pytest.fixture(autouse=True)
def _group_commit(settings: Settings) -> None:
    settings.PATRIOT_INTAKE_GROUP_COMMIT = True  # on PostgreSQL too, where it is off by default


def _batched(calls: list[Callable[[], Any]], monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[int]]:
    """Run `calls` each in a thread of its own while the writer lock is held, then let them be written.

    Returns each call's result (or the exception it raised) in order, and the size of every batch written."""
    sizes: list[int] = []
    original = intake._group_commit._write

    def counting(batch: list[Any]) -> None:
        sizes.append(len(batch))
        original(batch)

    monkeypatch.setattr(intake._group_commit, "_write", counting)
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except Exception as error:  # compared by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with intake._group_commit._writer:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(intake._group_commit._queue) < len(calls) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(intake._group_commit._queue) == len(calls), "the reports did not all queue"
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "an intake hung"
    return results, sizes


@pytest.fixture
def category() -> Any:
    return make_category("jalan-rusak", default_agency=make_agency("dbmsda"))


def test_concurrent_reports_are_written_in_one_transaction_each_with_its_entry_event_and_number(
    category: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = [lambda i=i: services.create_case(submission(category, description=f"Lubang nomor {i}")) for i in range(8)]
    results, sizes = _batched(calls, monkeypatch)

    assert sizes == [8]
    assert all(isinstance(r, services.NewCase) and r.created for r in results), results
    numbers = sorted(r.case.tracking_number for r in results)
    assert len(set(numbers)) == 8
    assert Case.objects.count() == TimelineEntry.objects.count() == OutboxEvent.objects.count() == 8
    for result in results:
        stored = Case.objects.get(pk=result.case.pk)
        assert stored.tracking_number == result.case.tracking_number
        entry = TimelineEntry.objects.get(case=stored)
        event = OutboxEvent.objects.get(subject_id=stored.tracking_number)
        assert event.payload["timeline_entry_id"] == entry.pk
    if connection.vendor == "sqlite":  # the counter row: consecutive, no gap
        serials = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
        assert serials == list(range(serials[0], serials[0] + 8))


def test_one_key_sent_at_once_from_several_threads_is_one_case(category: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = [lambda: services.create_case(submission(category), idempotency_key="retry-race") for _ in range(5)]
    results, sizes = _batched(calls, monkeypatch)

    assert sum(sizes) >= 5 and sizes[0] == 5
    assert all(isinstance(r, services.NewCase) for r in results), results
    assert sum(r.created for r in results) == 1
    assert len({r.case.pk for r in results}) == 1
    assert len({r.reporter_key for r in results}) == 1
    assert Case.objects.count() == TimelineEntry.objects.count() == OutboxEvent.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


def test_a_failing_report_in_a_batch_fails_alone(category: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def reused_key() -> services.NewCase:
        return services.create_case(submission(category, description="Laporan lain"), idempotency_key="dipakai")

    calls: list[Callable[[], Any]] = [
        lambda: services.create_case(submission(category), idempotency_key="dipakai"),
        reused_key,
        *[lambda i=i: services.create_case(submission(category, description=f"Laporan {i}")) for i in range(4)],
    ]
    results, sizes = _batched(calls, monkeypatch)

    assert sizes[0] == 6
    # The first to be written owns the key; the other, with another body, is refused; the rest are accepted.
    refused = [r for r in results[:2] if isinstance(r, InvalidInput)]
    accepted = [r for r in results if isinstance(r, services.NewCase)]
    assert len(refused) == 1 and refused[0].code == "idempotency_key_reused"
    assert len(accepted) == 5 and all(r.created for r in accepted)
    assert Case.objects.count() == TimelineEntry.objects.count() == OutboxEvent.objects.count() == 5
    assert {c.pk for c in Case.objects.all()} == {r.case.pk for r in accepted}


def test_each_report_is_written_in_its_senders_language(category: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def sent_in(language: str) -> Callable[[], services.NewCase]:
        def call() -> services.NewCase:
            with translation.override(language):
                return services.create_case(submission(category, description=f"Dalam {language}"))

        return call

    results, sizes = _batched([sent_in("en"), sent_in("id"), sent_in("en")], monkeypatch)

    assert sizes == [3]
    labels = {r.case.description: TimelineEntry.objects.get(case_id=r.case.pk).actor_label for r in results}
    assert labels == {"Dalam en": "Reporter", "Dalam id": "Pelapor"}
