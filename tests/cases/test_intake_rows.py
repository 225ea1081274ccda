"""A report written the short way (rows made by core/inserts.new, values prepared by core/inserts, on PostgreSQL one
autocommitted statement, on SQLite the group commit's multi-row INSERTs) stores, column by column, what Django's own
Model() and save() store for the same report at the same instant: receivers on the four models turn every short cut
off (inserts.new, insert and the one statement all fall back to Django), which is the way intake was written before
them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_init, pre_save

from patriot.accounts.choices import RoleChoices
from patriot.cases import services
from patriot.cases.models import Case, IdempotencyKey, TimelineEntry
from patriot.core import clock
from patriot.events.models import OutboxEvent
from tests.factories import make_agency, make_category, staff, submission

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("areas")]

MODELS = (Case, TimelineEntry, OutboxEvent, IdempotencyKey)
AT = datetime(2026, 12, 7, 3, 4, 5, 678901, tzinfo=UTC)


@contextmanager
def _django_only() -> Iterator[None]:
    """Receivers of pre_init's sibling post_init and of pre_save on every model an intake writes: no short cut."""

    def receiver(**_kwargs: Any) -> None:
        return None

    for model in MODELS:
        post_init.connect(receiver, sender=model, dispatch_uid="test-intake-rows")
        pre_save.connect(receiver, sender=model, dispatch_uid="test-intake-rows")
    try:
        yield
    finally:
        for model in MODELS:
            post_init.disconnect(receiver, sender=model, dispatch_uid="test-intake-rows")
            pre_save.disconnect(receiver, sender=model, dispatch_uid="test-intake-rows")


def _stored() -> list[list[dict[str, Any]]]:
    """Every row of the four tables as the database gives it back (JSON as stored: text on SQLite), with the ids
    and the tracking number, which differ from write to write, replaced by names."""
    tables = []
    for model in MODELS:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)} ORDER BY id")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            tables.append([dict(zip(columns, row, strict=True)) for row in cursor.fetchall()])
    (case,), (entry,), (event,), keys = tables
    names = {
        ("id", case["id"]): "<case>",
        ("case_id", case["id"]): "<case>",
        ("id", entry["id"]): "<entry>",
        ("id", event["id"]): "<event>",
        **{("id", key["id"]): "<key>" for key in keys},
    }
    number = case["tracking_number"]

    def named(column: str, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(number, "<number>")
            return re.sub(rf'"timeline_entry_id": {entry["id"]}\b', '"timeline_entry_id": "<entry>"', value)
        if isinstance(value, dict):
            return {k: "<entry>" if k == "timeline_entry_id" else named(k, v) for k, v in value.items()}
        return names.get((column, value), value) if type(value) is int else value

    return [[{column: named(column, value) for column, value in row.items()} for row in rows] for rows in tables]


def _write(report: Any, **options: Any) -> list[list[dict[str, Any]]]:
    with clock.pinned(AT):
        result = services.create_case(report, **options)
    assert result.created
    rows = _stored()
    for model in (OutboxEvent, IdempotencyKey, TimelineEntry, Case):
        model.objects.all().delete()
    return rows


@pytest.mark.parametrize("group_commit", [False, True])
@pytest.mark.parametrize("keyed", [False, True])
def test_a_report_is_stored_as_djangos_own_save_stores_it(settings: Any, group_commit: bool, keyed: bool) -> None:
    settings.PATRIOT_INTAKE_GROUP_COMMIT = group_commit
    category = make_category("jalan-rusak", default_agency=make_agency("dbmsda"))
    report = submission(
        category,
        title="Lubang di depan sekolah",
        address="Jl. Contoh No. 1",
        reporter_name="Warga Uji",
        reporter_phone="0812 3456 7890",
        reporter_email="warga@example.com",
        attributes={},
    )
    operator = staff(RoleChoices.CALLCENTRE_OPERATOR)
    options: dict[str, Any] = {"idempotency_key": "kunci-baris" if keyed else None, "by": operator}
    services.create_case(report)  # the month's tracking number sequence (PostgreSQL), then no more statements
    for model in (OutboxEvent, IdempotencyKey, TimelineEntry, Case):
        model.objects.all().delete()

    short = _write(report, **options)
    with _django_only():
        django = _write(report, **options)

    assert short == django
    assert len(short[3]) == (1 if keyed else 0)
    if connection.vendor == "sqlite":  # the JSON as stored, byte for byte
        assert json.loads(short[2][0]["payload"])["at"] == AT.isoformat()
