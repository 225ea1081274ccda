"""core.inserts prepares a row's values as save() does, with Django's own preparation skipped only where it would
give the value back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F

from patriot.cases.models import Case, IdempotencyKey, TimelineEntry
from patriot.core import inserts
from patriot.events.models import OutboxEvent
from tests.factories import make_case, make_category

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]


def _as_save_prepares(instance: Any, fields: list[Any]) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _comparable(value: Any) -> tuple[type, Any]:
    return type(value), getattr(value, "obj", value)  # psycopg's Jsonb wraps the JSON value


def test_every_row_of_a_report_is_prepared_as_save_prepares_it() -> None:
    case = make_case(make_category(), idempotency_key="kunci-sama")
    rows = [
        Case.objects.get(),
        TimelineEntry.objects.get(),
        OutboxEvent.objects.get(),
        IdempotencyKey.objects.get(),
    ]
    assert rows[0].pk == case.pk
    for row in rows:
        _sql, fields = inserts.statement(type(row))  # type: ignore[misc]  # every one has a statement
        fast = inserts.prepared_values(row, fields, connection)
        slow = _as_save_prepares(row, fields)
        assert [_comparable(v) for v in fast] == [_comparable(v) for v in slow], type(row).__name__


def test_a_value_of_another_type_is_still_prepared_by_its_field() -> None:
    case = Case.objects.get(pk=make_case(make_category()).pk)
    case.supporter_count = True  # an IntegerField given a bool sends 1, not True
    case.latitude = 1  # a FloatField given an int sends 1.0
    _sql, fields = inserts.statement(Case)  # type: ignore[misc]
    names = [f.attname for f in fields]
    values = dict(zip(names, inserts.prepared_values(case, fields, connection), strict=True))
    expected = dict(zip(names, _as_save_prepares(case, fields), strict=True))
    assert _comparable(values["supporter_count"]) == _comparable(expected["supporter_count"])
    assert int(values["supporter_count"]) == 1 and type(values["supporter_count"]) is not bool
    assert type(values["latitude"]) is float and values["latitude"] == 1.0


def test_an_expression_is_refused() -> None:
    case = Case.objects.get(pk=make_case(make_category()).pk)
    case.supporter_count = F("supporter_count") + 1
    _sql, fields = inserts.statement(Case)  # type: ignore[misc]
    with pytest.raises(ValueError, match="plain values only"):
        inserts.prepared_values(case, fields, connection)


def test_the_same_instant_in_other_zones_is_prepared_as_save_prepares_it() -> None:
    case = Case.objects.get(pk=make_case(make_category()).pk)
    case.created_at = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=UTC)
    case.updated_at = case.created_at.astimezone(ZoneInfo("Asia/Jakarta"))  # the same instant, another zone
    case.due_at = case.created_at + timedelta(microseconds=1)  # another instant
    _sql, fields = inserts.statement(Case)  # type: ignore[misc]
    for _round in range(2):
        assert [_comparable(v) for v in inserts.prepared_values(case, fields, connection)] == [
            _comparable(v) for v in _as_save_prepares(case, fields)
        ]
