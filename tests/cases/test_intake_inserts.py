"""core.inserts prepares a row's values as save() does, with Django's own preparation skipped only where it would
give the value back unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.signals import post_init

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


def _same_instance(made: Any, expected: Any) -> None:
    assert type(made) is type(expected)
    made_fields, expected_fields = dict(made.__dict__), dict(expected.__dict__)
    made_state, expected_state = made_fields.pop("_state"), expected_fields.pop("_state")
    assert made_fields == expected_fields
    assert (made_state.db, made_state.adding, made_state.fields_cache) == (
        expected_state.db,
        expected_state.adding,
        expected_state.fields_cache,
    )


def test_new_makes_the_instance_the_models_own_init_makes() -> None:
    case = make_case(make_category())
    at = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
    for model, values in [
        (Case, {"category": case.category, "reporter": None, "title": "Judul", "created_at": at, "village_id": 1}),
        (TimelineEntry, {"case": case, "kind": "submitted", "data": {"photos": 0}, "created_at": at}),
        (OutboxEvent, {"kind": "case.submitted", "payload": {"a": 1}, "agency_id": None, "created_at": at}),
        (IdempotencyKey, {"scope": "api", "key": "k", "fingerprint": "f", "case_id": case.pk, "created_at": at}),
    ]:
        _same_instance(inserts.new(model, **values), model(**values))


def test_new_is_the_models_own_init_where_that_does_more() -> None:
    seen: list[Any] = []

    def receiver(instance: Any, **_kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=OutboxEvent, dispatch_uid="test-new")
    try:
        event = inserts.new(OutboxEvent, kind="case.submitted", payload={})
    finally:
        post_init.disconnect(receiver, sender=OutboxEvent, dispatch_uid="test-new")
    assert seen == [event]
    with pytest.raises(TypeError, match="unexpected keyword"):
        inserts.new(OutboxEvent, kind="case.submitted", no_such_field=1)
