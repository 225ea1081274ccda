"""Concurrent inspections share one transaction (larvae.services.inspections._group_commit, core/group_commit.py) and
keep every guarantee of one written alone: a retried key never counts a house twice, a failing inspection in a batch
fails alone, every answer follows its inspection's commit, and the live streams are woken once the batch commits.

The writer lock is held by the test while the inspections queue, so that they are written as one batch for certain;
each is sent from a thread of its own with its own database connection, as under the ASGI server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.events import broadcast
from patriot.events.models import OutboxEvent
from patriot.larvae.models import ContainerCount, Inspection
from patriot.larvae.services import IdempotencyConflict, RecordedInspection, inspections, record_inspection
from tests.factories import make_user
from tests.larvae.conftest import inspection_submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]


@pytest.fixture(autouse=True)
def _group_commit(settings: Settings) -> None:
    settings.PATRIOT_INTAKE_GROUP_COMMIT = True  # on PostgreSQL too, where it is off by default


def _batched(
    calls: list[Callable[[], Any]], monkeypatch: pytest.MonkeyPatch, after: Callable[[Any], Any] | None = None
) -> tuple[list[Any], list[int], list[Any]]:
    """Run `calls` each in a thread of its own while the writer lock is held, then let them be written.

    Returns each call's result (or the exception it raised) in order, the size of every batch written, and what
    `after(result)` returned in the calling thread right after its call returned (on that thread's connection)."""
    sizes: list[int] = []
    group = inspections._group_commit
    original = group._write

    def counting(batch: list[Any]) -> None:
        sizes.append(len(batch))
        original(batch)

    monkeypatch.setattr(group, "_write", counting)
    results: list[Any] = [None] * len(calls)
    seen: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
            if after is not None:
                seen[index] = after(results[index])
        except Exception as error:  # compared by the test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    with group._writer:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(group._queue) < len(calls) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(group._queue) == len(calls), "the inspections did not all queue"
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "an inspection hung"
    return results, sizes, seen


@pytest.fixture
def crew(db: None) -> list[User]:
    return [make_user(RoleChoices.JUMANTIK, username=f"jumantik-batch-{n}") for n in range(4)]


def test_concurrent_inspections_are_written_in_one_transaction_each_with_its_counts_and_event(
    crew: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    def send(n: int) -> RecordedInspection:
        containers = [("drum", "outdoor", 2 + n, n % 2), ("jar", "indoor", 1, 0)][: 1 + n % 2]
        submission = inspection_submission(address=f"Jl. Mawar No. {n}", containers=containers)
        return record_inspection(crew[n % 4], submission, from_phone=True)

    results, sizes, _seen = _batched([lambda n=n: send(n) for n in range(8)], monkeypatch)

    assert sizes == [8]
    assert all(isinstance(r, RecordedInspection) and r.created for r in results), results
    assert Inspection.objects.count() == OutboxEvent.objects.filter(subject_type="larvae").count() == 8
    for n, result in enumerate(results):
        inspection = result.inspection
        read = Inspection.objects.get(pk=inspection.pk)
        for field in Inspection._meta.concrete_fields:
            assert getattr(read, field.attname) == getattr(inspection, field.attname), field.name
        assert read.address == f"Jl. Mawar No. {n}" and read.jumantik_id == crew[n % 4].pk
        expected = [("drum", "outdoor", 2 + n, n % 2), ("jar", "indoor", 1, 0)][: 1 + n % 2]
        rows = ContainerCount.objects.filter(inspection=read).values_list(
            "container_type", "place", "inspected", "positive"
        )
        assert sorted(rows) == sorted(expected)
        event = OutboxEvent.objects.get(subject_type="larvae", subject_id=str(read.pk))
        assert event.payload == inspections._event_payload(read, result.village_code, result.village_name)
        assert event.payload["inspection"] == read.pk and event.created_at == read.received_at


def test_one_key_sent_at_once_from_several_threads_counts_the_house_once(
    crew: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    submission = inspection_submission(idempotency_key="phone-retry")
    calls = [lambda: record_inspection(crew[0], submission, from_phone=True) for _ in range(5)]
    results, sizes, _seen = _batched(calls, monkeypatch)

    assert sizes[0] == 5
    assert all(isinstance(r, RecordedInspection) for r in results), results
    assert sum(r.created for r in results) == 1
    assert len({r.inspection.pk for r in results}) == 1
    assert Inspection.objects.count() == 1 and ContainerCount.objects.count() == 1
    assert OutboxEvent.objects.filter(subject_type="larvae").count() == 1


def test_a_failing_inspection_in_a_batch_fails_alone(crew: list[User], monkeypatch: pytest.MonkeyPatch) -> None:
    def reused_key() -> RecordedInspection:
        other = inspection_submission(address="Rumah lain", idempotency_key="dipakai")
        return record_inspection(crew[0], other, from_phone=True)

    calls: list[Callable[[], Any]] = [
        lambda: record_inspection(crew[0], inspection_submission(idempotency_key="dipakai"), from_phone=True),
        reused_key,
        *[
            lambda i=i: record_inspection(crew[i % 4], inspection_submission(address=f"Jl. Anggrek {i}"))
            for i in range(4)
        ],
    ]
    results, sizes, _seen = _batched(calls, monkeypatch)

    assert sizes[0] == 6
    # The first to be written owns the key; the other, with another body, is refused (409); the rest are accepted.
    refused = [r for r in results[:2] if isinstance(r, IdempotencyConflict)]
    accepted = [r for r in results if isinstance(r, RecordedInspection)]
    assert len(refused) == 1 and refused[0].code == "idempotency_key_reused"
    assert len(accepted) == 5 and all(r.created for r in accepted)
    assert {i.pk for i in Inspection.objects.all()} == {r.inspection.pk for r in accepted}
    assert OutboxEvent.objects.filter(subject_type="larvae").count() == ContainerCount.objects.count() == 5
    assert {e.subject_id for e in OutboxEvent.objects.filter(subject_type="larvae")} == {
        str(r.inspection.pk) for r in accepted
    }


def test_every_answer_follows_the_commit_and_the_streams_are_woken_after_it(
    crew: list[User], monkeypatch: pytest.MonkeyPatch
) -> None:
    wakes: list[int] = []

    def notify_committed() -> None:  # called by the writer's transaction once it has committed
        wakes.append(Inspection.objects.count())

    monkeypatch.setattr(broadcast, "notify_committed", notify_committed)

    def committed(result: RecordedInspection) -> bool:
        # The calling thread's own connection (not the writer's, except for the writer itself) sees the row and
        # its event: the answer came after the commit.
        return (
            Inspection.objects.filter(pk=result.inspection.pk).exists()
            and OutboxEvent.objects.filter(subject_type="larvae", subject_id=str(result.inspection.pk)).exists()
        )

    calls = [
        lambda n=n: record_inspection(crew[n % 4], inspection_submission(address=f"Jl. Kamboja {n}")) for n in range(6)
    ]
    results, sizes, seen = _batched(calls, monkeypatch, after=committed)

    assert sizes == [6]
    assert all(isinstance(r, RecordedInspection) for r in results), results
    assert seen == [True] * 6
    assert wakes == [6]  # one wake for the batch, after its commit (all six rows visible then)


def test_without_group_commit_each_inspection_is_written_alone(
    crew: list[User], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PATRIOT_INTAKE_GROUP_COMMIT = False
    queued: list[Any] = []
    monkeypatch.setattr(inspections._group_commit, "write", queued.append)
    result = record_inspection(crew[0], inspection_submission())
    assert result.created and Inspection.objects.filter(pk=result.inspection.pk).exists() and queued == []
