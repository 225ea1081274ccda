"""On PostgreSQL an inspection sent outside a transaction (the API's and the form's usual case, group commit off) is
written by one autocommitted statement (services.inspections._write_autocommitted) and keeps every guarantee of the
transaction it replaces: the inspection, its container counts and one outbox event naming it, all or nothing, the
idempotency key, the live streams woken only once it is committed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection

from patriot.accounts.choices import RoleChoices
from patriot.core import clock
from patriot.events import broadcast
from patriot.events.models import OutboxEvent
from patriot.larvae.models import ContainerCount, Inspection
from patriot.larvae.services import IdempotencyConflict, inspections, record_inspection
from tests.factories import load_areas, make_user, outbox_down
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_without_group_commit(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement inspection is PostgreSQL's")
    settings.PATRIOT_INTAKE_GROUP_COMMIT = False  # PostgreSQL's default
    load_areas()


@pytest.fixture
def sender() -> Any:
    return make_user(RoleChoices.JUMANTIK, username="jumantik-satu")


def _statements() -> Any:
    seen: Counter[str] = Counter()

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen[sql.split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    return seen, connection.execute_wrapper(wrapper)


def test_an_inspection_is_one_statement_with_its_counts_and_event(sender: Any, monkeypatch: Any) -> None:
    wakes: list[bool] = []

    def woken() -> None:  # the streams are woken once the rows are there
        wakes.append(Inspection.objects.filter(address="Jl. Melati No. 7").exists())

    record_inspection(sender, inspection_submission(address="Rumah pertama"))  # the areas' index is loaded
    Inspection.objects.all().delete()
    OutboxEvent.objects.all().delete()
    monkeypatch.setattr(broadcast, "notify_committed", woken)
    submission = inspection_submission(
        containers=[("drum", "outdoor", 4, 2), ("jar", "indoor", 3, 0)], actions=["drain"], residents=3
    )
    seen, counting = _statements()
    with counting:
        result = record_inspection(sender, submission, from_phone=True)

    # No BEGIN or COMMIT either: one autocommitted statement (the SELECT is woken()'s own).
    assert dict(seen) == {"WITH": 1, "SELECT": 1}
    assert wakes == [True]
    assert not connection.in_atomic_block and connection.get_autocommit()
    stored = Inspection.objects.get()
    assert result.created and result.inspection.pk == stored.pk
    for field in Inspection._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(result.inspection, field.attname), field.name
    assert sorted(ContainerCount.objects.filter(inspection=stored).values_list("container_type", "inspected")) == [
        ("drum", 4),
        ("jar", 3),
    ]
    event = OutboxEvent.objects.get()
    assert event.kind == "larvae.inspected" and event.subject_type == "larvae"
    assert event.subject_id == str(stored.pk) and event.created_at == stored.received_at
    assert event.payload == inspections._event_payload(stored, result.village_code, result.village_name)
    assert event.payload["inspection"] == stored.pk and "quiet" not in event.payload
    assert not event.is_public and event.agency_id is None and event.team_id is None


def test_a_retry_returns_the_first_inspection_and_other_content_is_a_conflict(sender: Any) -> None:
    at = clock.now() - timedelta(minutes=3)
    first = record_inspection(sender, inspection_submission(at=at, idempotency_key="kunci-1"), from_phone=True)
    again = record_inspection(sender, inspection_submission(at=at, idempotency_key="kunci-1"), from_phone=True)
    assert first.created and not again.created and again.inspection.pk == first.inspection.pk
    with pytest.raises(IdempotencyConflict):
        record_inspection(sender, inspection_submission(at=at, idempotency_key="kunci-1", rt=9), from_phone=True)
    assert Inspection.objects.count() == 1 and OutboxEvent.objects.count() == 1 and ContainerCount.objects.count() == 1


def test_a_failing_outbox_leaves_no_inspection(sender: Any) -> None:
    with outbox_down(), pytest.raises(DatabaseError, match="outbox down"):
        record_inspection(sender, inspection_submission(containers=[("drum", "outdoor", 2, 1)]), from_phone=True)
    assert not Inspection.objects.exists() and not ContainerCount.objects.exists() and not OutboxEvent.objects.exists()
    assert record_inspection(sender, inspection_submission(), from_phone=True).created  # the connection still works


def test_with_a_save_receiver_the_usual_transaction_writes_it(sender: Any) -> None:
    from django.db.models.signals import post_save

    def receiver(**kwargs: Any) -> None:
        pass

    post_save.connect(receiver, sender=ContainerCount)
    try:
        seen, counting = _statements()
        with counting:
            record_inspection(sender, inspection_submission(), from_phone=True)
    finally:
        post_save.disconnect(receiver, sender=ContainerCount)
    assert seen["INSERT"] == 3 and "WITH" not in seen
    assert Inspection.objects.count() == ContainerCount.objects.count() == OutboxEvent.objects.count() == 1


def test_the_statement_and_the_token_lookup_are_prepared_once_per_connection(sender: Any) -> None:
    """core.inserts.prepared_cursor() prepares (Django's connections come with preparing turned off): after two
    inspections and two token lookups on one connection, PostgreSQL holds each statement once, prepared."""
    from patriot.accounts.services import authenticate_token, create_api_token

    _token, secret = create_api_token(sender, "ponsel")

    def prepared() -> dict[str, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name, statement FROM pg_prepared_statements")
            return dict(cursor.fetchall())

    def inspections_and_tokens(statements: dict[str, str]) -> tuple[set[str], set[str]]:
        return (
            {name for name, s in statements.items() if s.startswith('WITH p AS (INSERT INTO "larvae_inspection"')},
            {name for name, s in statements.items() if "api_token_stale" in s},
        )

    # An earlier test on this pooled connection may have prepared these statements already (psycopg prepares one per
    # statement and parameter types: an inspection with other empty fields is another).
    before = inspections_and_tokens(prepared())
    for n in range(2):
        assert authenticate_token(secret) == sender
        record_inspection(sender, inspection_submission(address=f"Jl. Mawar No. {n}"), from_phone=True)
    after = inspections_and_tokens(prepared())
    assert after[0] and after[1]  # prepared at all (Django's connections come with preparing turned off)
    assert len(after[0] - before[0]) <= 1 and len(after[1] - before[1]) <= 1  # and not again on the second run
