"""Several SLA workers at once (PostgreSQL row locks with SKIP LOCKED) never act twice on one case."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, SlaStatusChoices, TimelineKindChoices
from patriot.cases.models import Case, TimelineEntry
from patriot.events.models import OutboxEvent
from tests.factories import case_through, make_agency, make_case, make_category

Kind = TimelineKindChoices
WORKERS = 4
OVERDUE_CASES = 40
RESOLVED_CASES = 8

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("areas"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent workers need PostgreSQL row locks (SELECT … FOR UPDATE SKIP LOCKED); "
        "SQLite runs a single in-process worker",
    ),
]


def run_workers(batch_size: int) -> list[services.SweepResult]:
    """Run WORKERS sweeps at once, each in its own thread and database connection."""
    barrier = threading.Barrier(WORKERS)
    results: list[services.SweepResult] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            result = services.sweep_sla(batch_size=batch_size)
            with lock:
                results.append(result)
        except BaseException as error:  # re-raised in the main thread below
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    if errors:
        raise errors[0]
    assert len(results) == WORKERS
    return results


@pytest.mark.parametrize("batch_size", [200, 5])
def test_concurrent_sweeps_escalate_and_close_each_case_once(batch_size: int) -> None:
    category = make_category(default_agency=make_agency())
    # Submitted and resolved a month ago: every verify clock is overdue, every reply window has passed.
    with time_machine.travel(datetime.now(ZoneInfo("Asia/Jakarta")) - timedelta(days=40), tick=False):
        overdue = [make_case(category) for _ in range(OVERDUE_CASES)]
        resolved = [case_through(CaseStateChoices.RESOLVED, category=category) for _ in range(RESOLVED_CASES)]

    results = run_workers(batch_size)

    assert sum(r.escalated for r in results) == OVERDUE_CASES
    assert sum(r.closed for r in results) == RESOLVED_CASES
    escalations = Counter(TimelineEntry.objects.filter(kind=Kind.SLA_ESCALATED).values_list("case_id", flat=True))
    assert escalations == Counter({case.pk: 1 for case in overdue})
    closings = Counter(TimelineEntry.objects.filter(kind=Kind.AUTO_CLOSED).values_list("case_id", flat=True))
    assert closings == Counter({case.pk: 1 for case in resolved})
    assert (
        Case.objects.filter(pk__in=[c.pk for c in overdue], sla_status=SlaStatusChoices.OVERDUE).count()
        == OVERDUE_CASES
    )
    assert Case.objects.filter(state=CaseStateChoices.CLOSED).count() == RESOLVED_CASES
    assert OutboxEvent.objects.count() == TimelineEntry.objects.count()
