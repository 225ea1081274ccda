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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    FloatField,
    IntegerField,
    Model,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
)
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
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.auto_field.column)}"  # type: ignore[union-attr]  # checked in `usable`
    )
    _statements[key] = (sql, fields)
    return sql, fields


def statement(model: type[Model], using: str = "default") -> tuple[str, list[Any]] | None:
    """`insert()`'s statement for `model` and the fields whose values it takes, in order; None where insert() would
    fall back to save() whatever the instance (see the module docstring)."""
    return _statement(model, using)


# Field classes whose database value is the Python value itself when it is of the type named (what the generic
# `get_db_prep_save()` returns for it: `CharField.to_python` of a str, `float()` of a float, `bool()` of a bool).
_AS_IS: dict[type[Field], type] = {CharField: str, FloatField: float, BooleanField: bool}
# Integer fields whose database value is the backend's adaptation of an int (psycopg's Int2/Int4/Int8 on PostgreSQL).
_INTEGERS = (IntegerField, SmallIntegerField, BigIntegerField, PositiveIntegerField, PositiveSmallIntegerField)
_MISSING = object()
_preparers: dict[tuple[type[Model], str], list[Callable[[Model, Any], Any]]] = {}


def _preparer(field: Any) -> Callable[[Model, Any], Any]:
    """A function (instance, connection) → `field`'s database value for a new row, as `prepared_values()` gives it:
    for a plain field holding a value of its own type, without the generic field path; otherwise that path."""
    attname = field.attname

    def generic(instance: Model, connection: Any) -> Any:
        value = field.pre_save(instance, True)
        if hasattr(value, "resolve_expression"):
            raise ValueError("fast_values() prepares plain values only, not expressions.")
        return field.get_db_prep_save(value, connection)

    kind = type(field)
    if kind in _AS_IS:
        wanted = _AS_IS[kind]

        def as_is(instance: Model, connection: Any) -> Any:
            value = instance.__dict__.get(attname, _MISSING)
            return value if type(value) is wanted else generic(instance, connection)

        return as_is
    if kind in _INTEGERS:
        internal_type = field.get_internal_type()

        def integer(instance: Model, connection: Any) -> Any:
            value = instance.__dict__.get(attname, _MISSING)
            if type(value) is int:
                return connection.ops.adapt_integerfield_value(value, internal_type)
            return generic(instance, connection)

        return integer
    if kind is DateTimeField and not (field.auto_now or field.auto_now_add):

        def moment(instance: Model, connection: Any) -> Any:
            value = instance.__dict__.get(attname, _MISSING)
            if type(value) is datetime and value.utcoffset() is not None:
                return connection.ops.adapt_datetimefield_value(value)
            return generic(instance, connection)

        return moment
    return generic


def fast_values(instance: Model, using: str = "default") -> list[Any] | None:
    """`prepared_values()` of a new `instance` for its `statement()`'s fields, with a short path for plain fields (a
    str in a CharField, an int in an integer field, an aware datetime in a DateTimeField without auto_now…): the same
    values without the generic preparation of each field (~4 µs a field), as `insert(…, fast=True)` writes them.
    None where the model has no such statement; raises ValueError where the instance holds an expression."""
    found = _statement(type(instance), using)
    return None if found is None else _fast_values(instance, found[1], using, connections[using])


def _fast_values(instance: Model, fields: list[Any], using: str, connection: Any) -> list[Any]:
    key = (type(instance), using)
    preparers = _preparers.get(key)
    if preparers is None:
        preparers = _preparers[key] = [_preparer(f) for f in fields]
    return [prepare(instance, connection) for prepare in preparers]


def has_receivers(model: type[Model]) -> bool:
    """Whether save() of `model` would send pre_save/post_save to someone (then write it with save())."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def prepared_values(instance: Model, fields: list[Any], connection: Any) -> list[Any]:
    """The database values of `fields` of a new `instance`, prepared as save() prepares them (plain values only)."""
    return _prepared_params(instance, fields, connection)


def prepared_cursor(using: str = "default") -> Any:
    """A cursor like `connections[using].cursor()` (Django's wrapper: its execute_wrappers, query log and error
    translation) that, on PostgreSQL, binds the parameters on the server and runs each statement as a prepared
    statement of its connection: psycopg neither quotes every value into the SQL in Python (Django's cursor binds on
    the client) nor does PostgreSQL parse and plan the statement each time. Only for statements written to be bound
    on the server (a parameter's type must follow from where it stands, not from a quoted literal): Django's
    own queries are not (hence `server_side_binding` stays off). Elsewhere: the connection's usual cursor."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def _prepared_cursor_class() -> type:
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]  # absent from django-stubs
        ServerBindingCursor,
    )

    class PreparedCursor(ServerBindingCursor):  # psycopg's Cursor, with Django's callproc
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            options.setdefault("prepare", True)
            return super().execute(query, params, **options)

    return PreparedCursor


class _LazyClass:
    """`_PreparedCursor(...)`: the class is made on first use (psycopg is imported only where PostgreSQL is used)."""

    cls: type | None = None

    def __call__(self, *args: Any) -> Any:
        if self.cls is None:
            self.cls = _prepared_cursor_class()
        return self.cls(*args)


_PreparedCursor = _LazyClass()


def insert(instance: Model, using: str = "default", *, fast: bool = False) -> None:
    """Write `instance` as a new row, as `instance.save(force_insert=True)` would, with a prepared statement.
    `fast`: its values are prepared by `fast_values()` (the same values; for a caller whose instances hold no
    expressions)."""
    model = type(instance)
    prepared = None
    if instance.pk is None and not (pre_save.has_listeners(model) or post_save.has_listeners(model)):
        prepared = _statement(model, using)
    if prepared is not None:
        sql, fields = prepared
        connection = connections[using]
        params = _fast_values(instance, fields, using, connection) if fast else None
        if params is None:
            raw = [f.pre_save(instance, True) for f in fields]
            if not any(hasattr(v, "resolve_expression") for v in raw):
                params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, raw, strict=True)]
        if params is not None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
            instance.pk = row[0]
            instance._state.adding = False
            instance._state.db = using
            return
    instance.save(force_insert=True, using=using)


_many_statements: dict[tuple[type[Model], str, int], tuple[str, list[Any]]] = {}


def insert_many(instances: Sequence[Model], using: str = "default", *, fast: bool = False) -> None:
    """Write `instances` (new rows of one model) with one INSERT of several VALUES rows, as `insert()` would each: the
    ids come back in the rows' order (RETURNING, as Django's bulk_create relies on, on SQLite ≥ 3.35 and PostgreSQL).
    The statement is built once per model, database and row count. Falls back to `insert()` one by one wherever
    `insert()` would fall back to save(). `fast`: as for `insert()`."""
    if not instances:
        return
    model = type(instances[0])
    key = (model, using, len(instances))
    prepared = None
    if (
        len(instances) > 1
        and all(type(i) is model for i in instances)
        and not (pre_save.has_listeners(model) or post_save.has_listeners(model))
    ):
        prepared = _many_statements.get(key)
        single = _statement(model, using) if prepared is None else None
        if single is not None:
            sql, fields = single
            head, rest = sql.split(" VALUES ", 1)
            one_row, returning = rest.split(" RETURNING ", 1)
            prepared = _many_statements[key] = (
                f"{head} VALUES {', '.join([one_row] * len(instances))} RETURNING {returning}",
                fields,
            )
    if prepared is not None and all(i.pk is None for i in instances):
        sql, fields = prepared
        connection = connections[using]
        params: list[Any] | None = None
        if fast:
            params = [v for instance in instances for v in _fast_values(instance, fields, using, connection)]
        else:
            rows = [[f.pre_save(instance, True) for f in fields] for instance in instances]
            if not any(hasattr(v, "resolve_expression") for row in rows for v in row):
                params = [f.get_db_prep_save(v, connection) for row in rows for f, v in zip(fields, row, strict=True)]
        if params is not None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                ids = [row[0] for row in cursor.fetchall()]
            for instance, pk in zip(instances, ids, strict=True):
                instance.pk = pk
                instance._state.adding = False
                instance._state.db = using
            return
    for instance in instances:
        insert(instance, using, fast=fast)


@dataclass(frozen=True)
class Linked:
    """A new row written with its parent by `insert_linked`. `columns` maps some of its fields (attnames) to a
    PostgreSQL expression of the parent's new id, `{id}`, and of the field's own prepared value, `{value}`: e.g.
    `{"inspection_id": "{id}"}`, or `{"subject_id": "{id}::text"}`."""

    instance: Model
    columns: dict[str, str] = field(default_factory=dict)


_linked_statements: dict[tuple[Any, ...], str] = {}


def insert_linked(
    parent: Model,
    linked: list[Linked],
    link: Callable[[], None],
    using: str = "default",
    *,
    fast: bool = False,
) -> None:
    """Write `parent` and the rows that refer to it, as `insert(parent)`, `link()` and `insert_many()` of the rows of
    each model would, which is what happens on SQLite. `link()` sets, in Python, what `columns` computes from the
    parent's id (so the instances read as the rows do afterwards). The linked rows' ids are not read back.

    On PostgreSQL the rows are written by one statement (data-modifying CTEs: the parent's INSERT … RETURNING id,
    then each linked row's INSERT … SELECT from it), one round trip instead of one per model; the database's
    constraints decide as they would for separate INSERTs (a unique violation raises IntegrityError, and no row
    is written). `fast`: as for `insert()`."""
    connection = connections[using]
    parent_statement = _statement(type(parent), using) if parent.pk is None else None
    statements = [_statement(type(row.instance), using) for row in linked]
    if (
        connection.vendor != "postgresql"
        or parent_statement is None
        or any(s is None or row.instance.pk is not None for s, row in zip(statements, linked, strict=True))
        or any(
            pre_save.has_listeners(type(m)) or post_save.has_listeners(type(m))
            for m in [parent, *(r.instance for r in linked)]
        )
    ):
        insert(parent, using, fast=fast)
        link()
        groups: dict[type[Model], list[Model]] = {}
        for row in linked:
            groups.setdefault(type(row.instance), []).append(row.instance)
        for instances in groups.values():
            insert_many(instances, using, fast=fast)
        return
    key = (type(parent), using, *((type(row.instance), tuple(sorted(row.columns.items()))) for row in linked))
    if key not in _linked_statements:
        quote = connection.ops.quote_name
        parent_sql, _parent_fields = parent_statement
        pk_column = quote(parent._meta.pk.column)
        ctes = [f"p AS ({parent_sql})"]
        for n, (row, statement) in enumerate(zip(linked, statements, strict=True)):
            _sql, fields = statement  # type: ignore[misc]  # checked above
            meta = row.instance._meta
            expressions = [
                row.columns.get(f.attname, "{value}").replace("{id}", f"p.{pk_column}").replace("{value}", "%s")
                for f in fields
            ]
            # The models' own table and column names, quoted; the values are parameters.
            ctes.append(
                f"l{n} AS (INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
                f" SELECT {', '.join(expressions)} FROM p)"
            )
        sql = f"WITH {', '.join(ctes)} SELECT p.{pk_column} FROM p"  # noqa: S608
        _linked_statements[key] = sql
    prepare = (
        (lambda row, fields: _fast_values(row, fields, using, connection))
        if fast
        else (lambda row, fields: _prepared_params(row, fields, connection))
    )
    params = prepare(parent, parent_statement[1])
    for row, statement in zip(linked, statements, strict=True):
        _sql, fields = statement  # type: ignore[misc]  # checked above
        params += [
            value
            for f, value in zip(fields, prepare(row.instance, fields), strict=True)
            if "{value}" in row.columns.get(f.attname, "{value}")
        ]
    sql = _linked_statements[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        (pk,) = cursor.fetchone()
    parent.pk = pk
    parent._state.adding = False
    parent._state.db = using
    link()
    for row in linked:
        row.instance._state.adding = False
        row.instance._state.db = using


def _prepared_params(instance: Model, fields: list[Any], connection: Any) -> list[Any]:
    values = [f.pre_save(instance, True) for f in fields]
    if any(hasattr(v, "resolve_expression") for v in values):
        raise ValueError("insert_linked() writes plain values only, not expressions.")
    return [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
