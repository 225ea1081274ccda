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
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, TypeVar

from django.db import connections
from django.db.models import (
    AutoField,
    BigAutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    EmailField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    Model,
    OneToOneField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallIntegerField,
    TextField,
)
from django.db.models.base import ModelState
from django.db.models.fields.json import JSONField
from django.db.models.signals import post_init, post_save, pre_init, pre_save

_statements: dict[tuple[type[Model], str], tuple[str, list[Any]]] = {}

M = TypeVar("M", bound=Model)
# Per model, for new(): the concrete fields' attnames with the default Model.__init__ gives them where that is the
# same object every time (no default, or a constant one), those whose default is made anew each time (a callable
# default, a database default), the keywords set through the field's descriptor (a related object, by the field's
# name), and every keyword taken (those and the attnames).
_Blueprint = tuple[dict[str, Any], list[tuple[str, Any]], frozenset[str], frozenset[str]]
_blueprints: dict[type[Model], _Blueprint | None] = {}


def _blueprint(model: type[Model]) -> _Blueprint | None:
    if model in _blueprints:
        return _blueprints[model]
    meta = model._meta
    blueprint = None
    if model.__init__ is Model.__init__ and not meta.abstract:
        constant: dict[str, Any] = {}
        made: list[tuple[str, Any]] = []
        attnames, related = set(), set()
        for f in meta.fields:
            if f.column is None or f.generated:
                continue
            if (f.has_default() and callable(f.default)) or f.has_db_default():  # type: ignore[attr-defined]  # Field.has_db_default (Django 5.0) is absent from django-stubs
                made.append((f.attname, f))
            else:
                constant[f.attname] = f.get_default()
            attnames.add(f.attname)
            if f.is_relation and f.name != f.attname:
                related.add(f.name)
        blueprint = (constant, made, frozenset(related), frozenset(attnames | related))
    _blueprints[model] = blueprint
    return blueprint


def new(model: type[M], **values: Any) -> M:
    """`model(**values)` for a new row's fields (attnames, or a related object by its field's name), without
    Model.__init__'s walk through every field with its keyword lookups: the defaults Model.__init__ would give the
    fields not in `values` are laid down at once, then `values` as Model.__init__ sets them (a related object through
    its field's descriptor, which caches it and takes its id). The same instance as `model(**values)` would make.
    Falls back to `model(**values)` where that would do more: a model with pre_init/post_init receivers or its own
    __init__, a keyword that is not a concrete field (a property, a generic relation, a mistake: let it raise)."""
    blueprint = _blueprint(model)
    if blueprint is None or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    constant, made, related, known = blueprint
    if not values.keys() <= known:
        return model(**values)
    instance = model.__new__(model)
    instance._state = ModelState()
    fields = instance.__dict__
    fields.update(constant)
    for attname, f in made:
        if attname not in values:
            fields[attname] = f.get_default()
    for name, value in values.items():
        if name in related:
            setattr(instance, name, value)
        else:
            fields[name] = value
    return instance


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


def has_receivers(model: type[Model]) -> bool:
    """Whether save() of `model` would send pre_save/post_save to someone (then write it with save())."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def prepared_values(instance: Model, fields: list[Any], connection: Any) -> list[Any]:
    """The database values of `fields` of a new `instance`, prepared as save() prepares them (plain values only)."""
    return _prepared_params(instance, fields, connection)


# psycopg's own default; these cursors pass prepare=True, so it only matters for a server-binding cursor that does not.
PREPARE_THRESHOLD = 5


def prepared_cursor(using: str = "default") -> Any:
    """A cursor like `connections[using].cursor()` (Django's wrapper: its execute_wrappers, query log and error
    translation) that, on PostgreSQL, binds the parameters on the server and runs each statement as a prepared
    statement of its connection: psycopg neither quotes every value into the SQL in Python (Django's cursor binds on
    the client) nor does PostgreSQL parse and plan the statement each time. Only for statements written to be bound
    on the server (a parameter's type must follow from where it stands, not from a quoted literal): Django's
    own queries are not (hence `server_side_binding` stays off). Elsewhere: the connection's usual cursor.

    Django opens its connections with psycopg's `prepare_threshold=None`, which turns preparing off altogether (even a
    statement executed with `prepare=True`); the connection's threshold is set here, which prepares only the
    statements of these cursors: Django's own cursors bind on the client and are never prepared by psycopg. A pooled
    connection keeps its prepared statements from request to request (psycopg holds at most `prepared_max` per
    connection), so a statement is parsed and planned once per connection rather than per request."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        connection.connection.prepare_threshold = PREPARE_THRESHOLD
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


def insert(instance: Model, using: str = "default") -> None:
    """Write `instance` as a new row, as `instance.save(force_insert=True)` would, with a prepared statement."""
    model = type(instance)
    prepared = None
    if instance.pk is None and not (pre_save.has_listeners(model) or post_save.has_listeners(model)):
        prepared = _statement(model, using)
    if prepared is not None:
        sql, fields = prepared
        connection = connections[using]
        params = _prepared_or_none(instance, fields, connection)
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


def insert_many(instances: Sequence[Model], using: str = "default") -> None:
    """Write `instances` (new rows of one model) with one INSERT of several VALUES rows, as `insert()` would each: the
    ids come back in the rows' order (RETURNING, as Django's bulk_create relies on, on SQLite ≥ 3.35 and PostgreSQL).
    The statement is built once per model, database and row count. Falls back to `insert()` one by one wherever
    `insert()` would fall back to save()."""
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
        rows = [_prepared_or_none(instance, fields, connection) for instance in instances]
        if all(row is not None for row in rows):
            params = [value for row in rows for value in row]  # type: ignore[union-attr]  # checked above
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                ids = [row[0] for row in cursor.fetchall()]
            for instance, pk in zip(instances, ids, strict=True):
                instance.pk = pk
                instance._state.adding = False
                instance._state.db = using
            return
    for instance in instances:
        insert(instance, using)


@dataclass(frozen=True)
class Linked:
    """A new row written with its parent by `insert_linked`. `columns` maps some of its fields (attnames) to a
    PostgreSQL expression of the parent's new id, `{id}`, and of the field's own prepared value, `{value}`: e.g.
    `{"inspection_id": "{id}"}`, or `{"subject_id": "{id}::text"}`."""

    instance: Model
    columns: dict[str, str] = field(default_factory=dict)


_linked_statements: dict[tuple[Any, ...], str] = {}


def in_one_statement(parent: Model, linked: list[Linked], using: str = "default") -> bool:
    """Whether `insert_linked(parent, linked)` writes its rows with ONE statement (PostgreSQL, new rows, no save()
    receivers): then, outside a transaction, that statement is a transaction of its own (all rows or none)."""
    connection = connections[using]
    return (
        connection.vendor == "postgresql"
        and parent.pk is None
        and _statement(type(parent), using) is not None
        and all(row.instance.pk is None and _statement(type(row.instance), using) is not None for row in linked)
        and not any(
            pre_save.has_listeners(type(m)) or post_save.has_listeners(type(m))
            for m in [parent, *(r.instance for r in linked)]
        )
    )


def insert_linked(
    parent: Model, linked: list[Linked], link: Callable[[], None], using: str = "default", *, prepared: bool = False
) -> None:
    """Write `parent` and the rows that refer to it, as `insert(parent)`, `link()` and `insert_many()` of the rows of
    each model would, which is what happens on SQLite. `link()` sets, in Python, what `columns` computes from the
    parent's id (so the instances read as the rows do afterwards). The linked rows' ids are not read back.

    On PostgreSQL the rows are written by one statement (data-modifying CTEs: the parent's INSERT … RETURNING id,
    then each linked row's INSERT … SELECT from it), one round trip instead of one per model; the database's
    constraints decide as they would for separate INSERTs (a unique violation raises IntegrityError, and no row
    is written). `prepared`: that statement through `prepared_cursor()` (bound on the server, prepared once per
    connection)."""
    connection = connections[using]
    if not in_one_statement(parent, linked, using):
        insert(parent, using)
        link()
        groups: dict[type[Model], list[Model]] = {}
        for row in linked:
            groups.setdefault(type(row.instance), []).append(row.instance)
        for instances in groups.values():
            insert_many(instances, using)
        return
    parent_statement = _statement(type(parent), using)
    statements = [_statement(type(row.instance), using) for row in linked]
    assert parent_statement is not None  # checked by in_one_statement()
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
    params = _prepared_params(parent, parent_statement[1], connection)
    for row, statement in zip(linked, statements, strict=True):
        _sql, fields = statement  # type: ignore[misc]  # checked above
        params += [
            value
            for f, value in zip(fields, _prepared_params(row.instance, fields, connection), strict=True)
            if "{value}" in row.columns.get(f.attname, "{value}")
        ]
    sql = _linked_statements[key]
    with prepared_cursor(using) if prepared else connection.cursor() as cursor:
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
    params = _prepared_or_none(instance, fields, connection)
    if params is None:
        raise ValueError("insert_linked() writes plain values only, not expressions.")
    return params


# Django's own field classes whose get_db_prep_save() gives back a value of these types (and None) unchanged (the
# integer fields only where the database adapts their values unchanged: not on PostgreSQL, see _plan): for them a
# row's value is used as it is instead of going through three method calls per field (a case has ~40 fields).
# Exact classes only: a subclass may prepare its values otherwise. Strings: any str (a TextChoices member is one,
# and CharField.to_python leaves it as it is); numbers and booleans: exactly that type (an IntegerField given True
# sends 1).
_STR_FIELDS = (CharField, TextField, EmailField, SlugField)
_UNCHANGED: dict[type, tuple[type, ...]] = {
    **{cls: () for cls in _STR_FIELDS},
    **{
        cls: (int,)
        for cls in (
            IntegerField,
            BigIntegerField,
            SmallIntegerField,
            PositiveIntegerField,
            PositiveSmallIntegerField,
            AutoField,
            BigAutoField,
        )
    },
    BooleanField: (bool,),
    FloatField: (float,),
}
# Per field: (its value is the instance's attribute, the exact types passed unchanged or None where every value is
# prepared by the field, whether any str is passed unchanged, whether an aware datetime is passed unchanged, whether
# None is, the class an int is wrapped in (PostgreSQL's integer fields), whether a dict or list goes to the database's
# adapt_json_value() straight away).
_PROBE = datetime(2000, 1, 1, tzinfo=UTC)
_Plan = tuple[Any, bool, tuple[type, ...] | None, bool, bool, bool, type | None, bool]


def _plan(f: Any, ops: Any) -> _Plan:
    cls = type(f)
    plain_attribute = cls.pre_save is Field.pre_save or (
        cls in (DateField, DateTimeField) and not f.auto_now and not f.auto_now_add
    )
    target = f.target_field if cls in (ForeignKey, OneToOneField) else f
    kind = type(target)
    unchanged = _UNCHANGED.get(kind)
    none_as_is = unchanged is not None or kind is JSONField  # JSONField.get_db_prep_save(None): SQL NULL
    wrap = None
    # Django's PostgreSQL backend wraps an integer field's value in psycopg's Int2/Int4/Int8 (its type on the
    # server): IntegerField.get_prep_value()'s int() changes no int, so an int is wrapped here as the backend's
    # adapt_integerfield_value() would. AutoField's values go through validate_autopk_value only.
    if unchanged == (int,) and kind not in (AutoField, BigAutoField):
        wrapped = ops.adapt_integerfield_value(12345, target.get_internal_type())
        if type(wrapped) is not int:
            unchanged = None
            none_as_is = ops.adapt_integerfield_value(None, target.get_internal_type()) is None
            wrap = type(wrapped) if type(wrapped)(12345) == wrapped else None
    # Where the database's adapt_datetimefield_value() gives a datetime back as it is (PostgreSQL's; SQLite's makes
    # a string of it), an aware one is sent unchanged: DateTimeField.get_prep_value() changes only a naive one.
    aware = kind is DateTimeField and ops.adapt_datetimefield_value(_PROBE) is _PROBE
    if kind is DateTimeField:
        none_as_is = ops.adapt_datetimefield_value(None) is None
    elif kind is DateField:
        none_as_is = ops.adapt_datefield_value(None) is None
    return f, plain_attribute, unchanged, kind in _STR_FIELDS, aware, none_as_is, wrap, kind is JSONField


# Per list of fields and database: the fields' plans; an attrgetter of all their values where every one is the
# instance's attribute (None where a field's pre_save() computes its value); and per tuple of the values' exact types,
# the plans of the positions whose value is not sent as it is by its type alone (prepared one by one, each time).
_Shape = tuple[list[_Plan], Callable[[Any], tuple[Any, ...]] | None, dict[tuple[type, ...], list[tuple[int, _Plan]]]]
_shapes: dict[tuple[int, str], tuple[list[Any], _Shape]] = {}
_MAX_TYPE_TUPLES = 64  # per list of fields; a few in practice (a reporter's account or not, ...)


def _shape_for(fields: list[Any], connection: Any) -> _Shape:
    key = (id(fields), connection.vendor)
    known = _shapes.get(key)
    if known is not None and known[0] is fields:
        return known[1]
    plans = [_plan(f, connection.ops) for f in fields]
    getter = None
    if all(plain_attribute for _f, plain_attribute, *_rest in plans):
        names = [f.attname for f in fields]
        getter = attrgetter(*names) if len(names) > 1 else (lambda instance: (getattr(instance, names[0]),))
    shape: _Shape = (plans, getter, {})
    _shapes[key] = (fields, shape)  # holds `fields`, so its id is not another list's
    return shape


def _as_is_by_type(plan: _Plan, kind: type) -> bool:
    """Whether every value of exactly this type is sent as it is (see _prepared_value)."""
    _f, _plain_attribute, unchanged, any_str, _aware, none_as_is, _wrap, _json = plan
    if kind is type(None):
        return none_as_is
    return unchanged is not None and ((any_str and issubclass(kind, str)) or kind in unchanged)


_EXPRESSION = object()


def _prepared_value(plan: _Plan, value: Any, connection: Any) -> Any:
    """The database value of one field's `value`, as get_db_prep_save() makes it; `_EXPRESSION` for an expression."""
    f, _plain_attribute, unchanged, any_str, aware, none_as_is, wrap, json = plan
    if value is None:
        as_is = none_as_is
    elif unchanged is not None:
        as_is = (any_str and isinstance(value, str)) or type(value) in unchanged
    else:
        as_is = aware and type(value) is datetime and value.tzinfo is not None
    if as_is:
        return value
    if wrap is not None and type(value) is int:
        return wrap(value)
    if json and type(value) in (dict, list):  # JSONField.get_prep_value() changes neither
        return connection.ops.adapt_json_value(value, f.encoder)
    if type(value) is datetime and value.tzinfo is not None and type(f) is DateTimeField:
        return _datetime(f, value, connection)
    if hasattr(value, "resolve_expression"):
        return _EXPRESSION
    return f.get_db_prep_save(value, connection)


def _prepared_or_none(instance: Model, fields: list[Any], connection: Any) -> list[Any] | None:
    """The database values of `fields` of a new `instance`, as save() prepares them (`pre_save(instance, add=True)`
    then `get_db_prep_save()`), or None if one of them is an expression (then only save() can write the row).

    The values are read at once where every one is the instance's attribute; then only those that their type alone
    does not let through as they are (datetimes, JSON, PostgreSQL's integers, values of an unusual type) are prepared,
    one by one."""
    plans, getter, by_types = _shape_for(fields, connection)
    if getter is None:
        params = []
        for plan in plans:
            f, plain_attribute = plan[0], plan[1]
            value = _prepared_value(
                plan, getattr(instance, f.attname) if plain_attribute else f.pre_save(instance, True), connection
            )
            if value is _EXPRESSION:
                return None
            params.append(value)
        return params
    values = getter(instance)
    types = tuple(map(type, values))
    to_prepare = by_types.get(types)
    if to_prepare is None:
        to_prepare = [
            (i, plan) for i, (plan, kind) in enumerate(zip(plans, types, strict=True)) if not _as_is_by_type(plan, kind)
        ]
        if len(by_types) >= _MAX_TYPE_TUPLES:
            by_types.clear()
        by_types[types] = to_prepare
    params = list(values)
    for i, plan in to_prepare:
        value = _prepared_value(plan, params[i], connection)
        if value is _EXPRESSION:
            return None
        params[i] = value
    return params


# The last aware datetime prepared, per database: a report's rows carry the same instant several times (the case's
# created_at and updated_at, its entry's and its event's), which SQLite's adapt_datetimefield_value() turns into the
# same string each time (the instant in the connection's zone).
_last_datetime: dict[tuple[str, str], tuple[datetime, Any]] = {}


def _datetime(f: Any, value: datetime, connection: Any) -> Any:
    key = (connection.alias, connection.timezone_name)
    last = _last_datetime.get(key)
    if last is not None and last[0] == value:  # the same instant
        return last[1]
    prepared = f.get_db_prep_save(value, connection)
    _last_datetime[key] = (value, prepared)
    return prepared
