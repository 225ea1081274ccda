"""INSERT of one new row with its statement built once per model, for the rows every report writes.

`Model.save()` compiles a fresh INSERT each time (quoting every column, preparing every value through the query
compiler): for a case, its timeline entry and its outbox event that was most of the Python time intake spent in
the database layer. `insert()` prepares the values exactly as save() does (`field.pre_save(instance, add=True)` then
`field.get_db_prep_save()`, so auto_now_add, foreign keys, JSON and time zones come out the same), sends a statement
built once per model and database, and marks the instance saved with the id the database returned.

It falls back to `save(force_insert=True)` whenever the short path would not be the same as save(): a model with
pre_save/post_save receivers (they would not be sent), a parent model (multi-table inheritance), database defaults
or other columns returned besides the id, a primary key already set, a value that is an expression, or a database
that cannot return the id from the INSERT.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

_statements: dict[tuple[type[Model], str], tuple[str, list[Any]]] = {}


def _statement(model: type[Model], using: str) -> tuple[str, list[Any]] | None:
    key = (model, using)
    if key in _statements:
        return _statements[key]
    connection = connections[using]
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    usable = (
        meta.auto_field is not None
        and not meta.parents
        and list(meta.db_returning_fields) == [meta.auto_field]
        and connection.features.can_return_columns_from_insert
        and not any(f.has_db_default() for f in fields)  # type: ignore[attr-defined]  # Field.has_db_default (Django 5.0) is absent from django-stubs
        and not any(hasattr(f, "get_placeholder") for f in fields)
    )
    if not usable:
        return None
    quote = connection.ops.quote_name
    # The model's own table and column names, quoted.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.auto_field.column)}"  # type: ignore[union-attr]  # checked in `usable`
    )
    _statements[key] = (sql, fields)
    return sql, fields


def insert(instance: Model, using: str = "default") -> None:
    """Write `instance` as a new row, as `instance.save(force_insert=True)` would, with a prepared statement."""
    model = type(instance)
    prepared = None
    if instance.pk is None and not (pre_save.has_listeners(model) or post_save.has_listeners(model)):
        prepared = _statement(model, using)
    if prepared is not None:
        sql, fields = prepared
        connection = connections[using]
        values = [f.pre_save(instance, True) for f in fields]
        if not any(hasattr(v, "resolve_expression") for v in values):
            params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            instance.pk = row[0]
            instance._state.adding = False
            instance._state.db = using
            return
    instance.save(force_insert=True, using=using)


def insert_many(instances: Sequence[Model], using: str = "default") -> None:
    """Write `instances` (all of one model) as new rows with one INSERT of several VALUES rows, as `insert()` would
    each; the ids come back in the rows' order (RETURNING, as Django's bulk_create relies on, on SQLite ≥ 3.35 and
    PostgreSQL). Falls back to `insert()` one by one wherever `insert()` would fall back to save()."""
    if not instances:
        return
    model = type(instances[0])
    prepared = None
    if (
        len(instances) > 1
        and all(type(i) is model and i.pk is None for i in instances)
        and not (pre_save.has_listeners(model) or post_save.has_listeners(model))
    ):
        prepared = _statement(model, using)
    if prepared is not None:
        sql, fields = prepared
        connection = connections[using]
        rows = [[f.pre_save(instance, True) for f in fields] for instance in instances]
        if not any(hasattr(v, "resolve_expression") for row in rows for v in row):
            params = [f.get_db_prep_save(v, connection) for row in rows for f, v in zip(fields, row, strict=True)]
            head, returning = sql.split(" VALUES ", 1)
            one_row, returning = returning.split(" RETURNING ", 1)
            many_sql = f"{head} VALUES {', '.join([one_row] * len(instances))} RETURNING {returning}"
            with connection.cursor() as cursor:
                cursor.execute(many_sql, params)
                ids = [row[0] for row in cursor.fetchall()]
            for instance, pk in zip(instances, ids, strict=True):
                instance.pk = pk
                instance._state.adding = False
                instance._state.db = using
            return
    for instance in instances:
        insert(instance, using)
