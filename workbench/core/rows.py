"""Writing rows without the ORM's per-call work: an UPDATE by primary key, an INSERT, a
multi-row INSERT, an upsert, an INSERT that gives way to a row already there, one plain DELETE.

Django's ``bulk_update`` writes one ``CASE WHEN id = ... THEN ...`` per field per row; building
those expressions cost half of a delivery batch's CPU in issue 13's profile (cProfile of
``deliveries.deliver_all`` on 100 batches of 10 deliveries to an SQS queue, 2026-12-02: 3.2 s
of 6.2 s, 56,000 expression copies). Here each row is one parameter tuple, every value adapted
as its field's own ``get_db_prep_save`` adapts it (what ``save()`` stores, on SQLite and
PostgreSQL alike; plain values without its walk, ``_adapter``). ``auto_now`` fields are not
touched by an UPDATE: the caller sets what it writes.

Each write is one ``execute`` where it can be: psycopg's ``executemany`` runs in pipeline
mode, whose entering, syncing and leaving cost about as much as three statements (issue 10's
cProfile of a Task execution on PostgreSQL, 2026-12-03: 1,200 ``executemany`` calls, most of
one or a few rows, took 2.25 of 11.0 s). ``insert_many`` writes its rows as one ``INSERT ...
VALUES (...), (...)`` per batch of at most the backend's parameter limit, and ``insert_all``
does the same for model instances, where Django's ``bulk_create`` compiled an InsertQuery and
prepared every value through it (issue 10's cProfile of PutEvents in process, 2026-12-03: its
three ``bulk_create`` calls were 0.45 of 1.58 s).

The writes whose answer is not read (``update_fields``, ``insert_many``, ``upsert``, an
unkeyed ``insert``) go through ``core.together``: inside its block, PostgreSQL gets a run of
them in one round trip.

``insert_unless_present`` is one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (SQLite 3.35
and PostgreSQL alike): a row inserted only if no unique constraint holds one like it, and
whether it was, in one statement where ``bulk_create(ignore_conflicts=True)`` needs a SELECT
after it to say (issue 10: a task's claim, ``runtime.executions.invoke_task``).

``QuerySet.delete`` runs Django's deletion collector (cascades, signals) even for a row
nothing refers to; issue 10's profile of a served Task execution (cProfile in process,
StartExecution with its function call, 2026-12-02) found a step's deletes of its answered task
and timers at a tenth of its CPU. ``delete_where`` is one DELETE statement, for models no
other row refers to (it refuses any other).
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, TypeVar

import orjson
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    Field,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
    PositiveBigIntegerField,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SmallIntegerField,
    TextField,
    signals,
)
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from psycopg.types.json import Json, Jsonb

from engine import compact_json
from workbench.core import together
from workbench.core.fields import OrderedJSONField

M = TypeVar("M", bound=Model)


Keys = Literal["now", "later", "never"]
"""When ``insert_all``'s objects get their primary keys."""

Adapt = Callable[[Model, BaseDatabaseWrapper], object]
"""A field's value of a model instance, adapted for the (calling thread's) database as
``save()`` would."""


INTEGER_FIELDS = (
    IntegerField,
    BigIntegerField,
    SmallIntegerField,
    PositiveIntegerField,
    PositiveBigIntegerField,
    PositiveSmallIntegerField,
)
"""Integer fields whose saved value is the backend's adaptation of the integer itself."""
_UNLOADED = object()
"""A deferred field's place: its value is loaded by the full path's ``getattr``."""


def _adapter(field: Field[Any, Any], *, adding: bool) -> Adapt:
    """How to read and adapt ``field``'s value cheaply: ``get_db_prep_save`` (with ``pre_save``
    when ``adding``) walks three methods and a ``to_python`` for every value, about a tenth of
    PutEvents' CPU to 300 rules with its delivery (issue 10's cProfile in process, 2026-12-04:
    99,000 calls for 300 calls of 10 entries). For a plain text, boolean, integer, key,
    date-time or JSON field holding a value of its own type, the answer is known: the value
    itself, or the backend's adaptation of an integer, a key, an aware date-time or a JSON
    object or array. Any other field or value takes the full path."""
    attname, kind = field.attname, type(field)
    full = _full_adapter(field, adding=adding)
    if adding and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        if kind is DateTimeField and settings.USE_TZ:

            def stamp(obj: Model, db: BaseDatabaseWrapper) -> object:
                # DateTimeField.pre_save: the time of the call, set on the instance (one time
                # for all the rows of one INSERT, ``_one_moment``). Every delivery's created
                # and updated took the full path, a twentieth of accepting an event (issue
                # 10's cProfile of PutEvents in process, 2026-12-06).
                value = getattr(_statement, "moment", None) or timezone.now()
                setattr(obj, attname, value)
                return _adapted_moment(value, db)

            return stamp
        return full
    if kind in (CharField, TextField):

        def text(obj: Model, db: BaseDatabaseWrapper) -> object:
            value = obj.__dict__.get(attname, _UNLOADED)
            return value if value is None or type(value) is str else full(obj, db)

        return text
    if kind is BooleanField:

        def boolean(obj: Model, db: BaseDatabaseWrapper) -> object:
            value = obj.__dict__.get(attname, _UNLOADED)
            return value if value is None or type(value) is bool else full(obj, db)

        return boolean
    if kind in INTEGER_FIELDS:
        internal_type = field.get_internal_type()

        def number(obj: Model, db: BaseDatabaseWrapper) -> object:
            value = obj.__dict__.get(attname, _UNLOADED)
            if value is None:
                return None
            if type(value) is int:
                return db.ops.adapt_integerfield_value(value, internal_type)
            return full(obj, db)

        return number
    if isinstance(field, ForeignKey) and isinstance(field.target_field, AutoFieldMixin):

        def key(obj: Model, db: BaseDatabaseWrapper) -> object:
            value = obj.__dict__.get(attname, _UNLOADED)
            if value is None:
                return None
            return db.ops.validate_autopk_value(value) if type(value) is int else full(obj, db)

        return key
    if kind is JSONField or kind is OrderedJSONField:
        encoder = field.encoder
        # PostgreSQL's json keeps the text sent; jsonb only the value (core.fields).
        wrapper = Json if kind is OrderedJSONField else Jsonb

        def document(obj: Model, db: BaseDatabaseWrapper) -> object:
            value = obj.__dict__.get(attname, _UNLOADED)
            if value is None:
                return None
            if type(value) is dict or type(value) is list:
                if encoder is None:
                    if not value and wrapper is Jsonb:  # an empty list of flags, of rules matched
                        return _adapted_empty(type(value), db)
                    if db.vendor == "postgresql":
                        return wrapper(value, dumps=_jsonb_text)
                return db.ops.adapt_json_value(value, encoder)
            return full(obj, db)

        return document
    if kind is DateTimeField:

        def moment(obj: Model, db: BaseDatabaseWrapper) -> object:
            value = obj.__dict__.get(attname, _UNLOADED)
            if value is None:
                return None
            if type(value) is datetime and value.utcoffset() is not None:
                return _adapted_moment(value, db)
            return full(obj, db)

        return moment
    return full


_statement = threading.local()
"""``moment``: the time every ``auto_now`` field of the INSERT being built is stamped with."""


@contextmanager
def _one_moment() -> Iterator[None]:
    """Within the block, the rows built on this thread are stamped with one time, as SQL's
    ``now()`` gives every row of a statement one."""
    _statement.moment = timezone.now()
    try:
        yield
    finally:
        _statement.moment = None


_last_moment: tuple[datetime, str, object] = (datetime.min, "", None)


def _adapted_moment(value: datetime, db: BaseDatabaseWrapper) -> object:
    """``db``'s adaptation of an aware date-time, the last one remembered: the rows of one
    statement mostly share their times (an event's receipt, a batch's moment, ``_one_moment``).
    Django's SQLite adaptation takes 4 microseconds a value, and accepting and delivering an
    entry adapted five (issue 10's cProfile of PutEvents in process, 2026-12-06)."""
    global _last_moment
    last = _last_moment
    if last[0] is value and last[1] == db.vendor:
        return last[2]
    adapted = db.ops.adapt_datetimefield_value(value)
    _last_moment = (value, db.vendor, adapted)
    return adapted


_empty: dict[tuple[type[Any], str], object] = {}


def _adapted_empty(kind: type[Any], db: BaseDatabaseWrapper) -> object:
    """An empty JSON list or object adapted for ``db``, once per process."""
    key = (kind, db.vendor)
    found = _empty.get(key)
    if found is None:
        if db.vendor == "postgresql":
            found = Jsonb(kind(), dumps=_jsonb_text)
        else:
            found = db.ops.adapt_json_value(kind(), None)
        _empty[key] = found
    return found


def _jsonb_text(value: Any) -> str:
    """A document's text for a ``jsonb`` or ``json`` column: orjson's, which reads back to the
    value Django's ``json.dumps`` text gives (members in their order); json's where orjson
    refuses the value (a lone surrogate, escaped by json as PostgreSQL then refuses it) or may
    have written NaN or an infinity as ``null``. Issue 10's py-spy of served PutEvents in
    distributed mode (2026-12-06): json's text of each event's body was 2% of the samples."""
    try:
        text = orjson.dumps(value, option=compact_json.ORJSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(value)
    return text if "null" not in text else json.dumps(value)


def _full_adapter(field: Field[Any, Any], *, adding: bool) -> Adapt:
    if adding:
        return lambda obj, db: field.get_db_prep_save(field.pre_save(obj, True), db)
    return lambda obj, db: field.get_db_prep_save(getattr(obj, field.attname), db)


@functools.lru_cache(maxsize=64)
def _blank(model: type[Model]) -> tuple[tuple[tuple[str, Any, bool], ...], dict[str, Field[Any, Any]]]:
    """Each concrete field's attribute name with its default (or the callable giving it), and
    the fields by name and attribute name: what ``Model.__init__`` works out on every call."""
    defaults = []
    by_name: dict[str, Field[Any, Any]] = {}
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            defaults.append((field.attname, field.default, True))
        else:
            defaults.append((field.attname, field.get_default(), False))
        by_name[field.name] = by_name[field.attname] = field
    return tuple(defaults), by_name


def new(model: type[M], **values: Any) -> M:
    """An unsaved instance of ``model``, as ``model(**values)`` builds it: every concrete field
    at its default, then ``values`` by field name (a related instance, for a foreign key, sets
    its key and is cached on the new instance) or attribute name. ``Model.__init__`` with
    keywords was the largest single cost of accepting and delivering an event (issue 10's
    cProfile of PutEvents to 300 rules in process, 2026-12-05: 8,400 instances, a tenth of the
    CPU); ``test_rows.py`` holds the two to the same instance. Only concrete fields (anything
    else raises); while any ``pre_init`` or ``post_init`` receiver is connected, the instance
    is built by ``model(**values)``, which sends them."""
    if signals.pre_init.receivers or signals.post_init.receivers:
        return model(**values)
    defaults, by_name = _blank(model)
    obj = model.__new__(model)
    obj._state = ModelState()
    attributes = obj.__dict__
    for attname, default, call in defaults:
        attributes[attname] = default() if call else default
    for name, value in values.items():
        field = by_name.get(name)
        if field is None:
            raise TypeError(f"{model.__name__} has no field {name}")
        if field.is_relation and name == field.name and value is not None:
            attributes[field.attname] = getattr(value, field.target_field.attname)
            field.set_cached_value(obj, value)
            if obj._state.db is None:  # as the related descriptor's __set__ (one database here)
                obj._state.db = value._state.db or DEFAULT_DB_ALIAS
        else:
            attributes[field.attname] = value
    return obj


def update_fields(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of each of ``objects`` (rows of ``model``, by primary key), in the
    caller's transaction."""
    if not objects:
        return
    db = connections[DEFAULT_DB_ALIAS]
    statement, adapters = _update_text(model, tuple(fields), db.vendor)
    rows = [(*(adapt(obj, db) for adapt in adapters), obj.pk) for obj in objects]
    if len(rows) > 1 and db.vendor == "postgresql":
        together.write(_update_all_text(model, tuple(fields), len(rows)), [v for row in rows for v in row])
        return
    if len(rows) == 1 or together.holding():
        for row in rows:
            together.write(statement, row)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(statement, rows)


@functools.lru_cache(maxsize=256)
def _update_text(model: type[Model], fields: tuple[str, ...], vendor: str) -> tuple[str, tuple[Adapt, ...]]:
    """``UPDATE table SET ... WHERE pk = %s`` of ``fields`` of ``model``, and how to adapt each
    field's value: built once per model and fields, as ``_insert_text``."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = tuple(meta.get_field(name) for name in fields)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    statement = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    return statement, tuple(_adapter(field, adding=False) for field in columns)


@functools.lru_cache(maxsize=256)
def _update_all_text(model: type[Model], fields: tuple[str, ...], count: int) -> str:
    """PostgreSQL: ``count`` rows' UPDATE of ``fields`` by primary key as one statement, ``UPDATE
    table SET f = v.f ... FROM (VALUES (...), ...) AS v WHERE table.pk = v.pk``; each row's
    values then its key, as ``_update_text`` takes them. One statement is planned once, where
    one UPDATE a row was planned for every row (issue 10's pg_stat_statements of PutEvents to
    300 rules, 2026-12-05: a delivery batch's UPDATEs were the largest statement, 21 of their
    48 microseconds each in planning). Each value is cast to its column's type: a column whose
    rows are all NULL would otherwise reach the assignment as text."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    key = quote(meta.pk.column)
    names = ", ".join([*(quote(field.column) for field in columns), key])
    assignments = ", ".join(
        f"{quote(field.column)} = v.{quote(field.column)}::{field.db_type(connection)}" for field in columns
    )
    one = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    table = quote(meta.db_table)
    return (
        f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([one] * count)}) AS v ({names}) "
        f"WHERE {table}.{key} = v.{key}"
    )


_MOST_PARAMETERS = 999
"""Parameters one multi-row INSERT carries at most where the backend names no limit (SQLite's
is Django's ``max_query_params``, 999)."""


def _insert_rows(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[object]], *, keys: bool
) -> list[object]:
    """INSERT ``rows`` (values of ``columns``, adapted for the database) as few multi-row
    statements as the parameter limit allows; with ``keys``, the new rows' primary keys in
    the order the rows were given: one statement takes its keys from the table's sequence row
    by row, so they rise in the rows' order (sorted here, as neither SQLite nor PostgreSQL
    promises RETURNING's order)."""
    made: list[object] = []
    for statement, values, _ in _insert_statements(model, columns, rows, keys=keys):
        if not keys:
            together.write(statement, values)
            continue
        made.extend(sorted(key for (key,) in together.returning(statement, values)))
    return made


def _insert_statements(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[object]], *, keys: bool
) -> Iterator[tuple[str, list[object], slice]]:
    """Each multi-row INSERT of ``rows`` (RETURNING the keys with ``keys``), its values and the
    rows it writes."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, (connection.features.max_query_params or _MOST_PARAMETERS) // len(columns))
    returning = f" RETURNING {quote(meta.pk.column)}" if keys else ""
    for start in range(0, len(rows), per_statement):
        batch = rows[start : start + per_statement]
        statement = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES {', '.join([one] * len(batch))}"
        values = [value for row in batch for value in row]
        yield statement + returning, values, slice(start, start + len(batch))


def insert_many(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """INSERT ``rows`` (each the values of ``fields``, already adapted for the database) into
    ``model``'s table in the caller's transaction: ``bulk_create`` without model instances."""
    if rows:
        meta = model._meta
        _insert_rows(model, [meta.get_field(name).column for name in fields], rows, keys=False)


def insert_all(objects: Sequence[M], *, keys: Keys = "now") -> Sequence[M]:
    """INSERT the unsaved ``objects`` (all of one model) in the caller's transaction, every
    concrete field written as ``save()`` would: ``bulk_create`` without its per-call compiling.
    ``keys`` says when the objects get their primary keys: "now"; "later", inside
    ``together.atomic`` on PostgreSQL, when the INSERT held with the block's writes is sent
    (with the COMMIT at the latest: ``together.returning_later``), for a caller that reads
    none before; "never", for rows whose keys nobody reads (they stay unset), held with the
    block's writes as any other write (``together.write``)."""
    if not objects:
        return objects
    db = connections[DEFAULT_DB_ALIAS]
    _, fields, adapters = _insert_text(type(objects[0]), db.vendor)
    with _one_moment():
        values = [[adapt(obj, db) for adapt in adapters] for obj in objects]
    columns = [field.column for field in fields]
    if keys == "never":
        _insert_rows(type(objects[0]), columns, values, keys=False)
        return objects
    if keys == "later":
        for statement, batch, written in _insert_statements(type(objects[0]), columns, values, keys=True):
            together.returning_later(statement, batch, functools.partial(_keyed, objects[written]))
        return objects
    made = _insert_rows(type(objects[0]), columns, values, keys=True)
    for obj, key in zip(objects, made, strict=True):
        _saved(obj, key)
    return objects


def _keyed(objects: Sequence[Model], found: Sequence[tuple[object]]) -> None:
    """Give ``objects`` the keys one INSERT returned, in their order (see ``_insert_rows``)."""
    for obj, key in zip(objects, sorted(key for (key,) in found), strict=True):  # type: ignore[type-var]
        _saved(obj, key)


@functools.lru_cache(maxsize=128)
def _insert_text(
    model: type[Model], vendor: str
) -> tuple[str, tuple[Field[Any, Any], ...], tuple[Adapt, ...]]:
    """``INSERT INTO table (columns) VALUES (...)`` of ``model``'s concrete fields but its
    primary key, those fields and how to adapt each one's value: built once per model
    (quoting the names on every call was 59 of the 135 ``quote_name`` calls of a Task
    execution in issue 10's cProfile, 2026-12-04)."""
    meta = model._meta
    quote = connection.ops.quote_name
    fields = tuple(field for field in meta.concrete_fields if not field.primary_key)
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    adapters = tuple(_adapter(field, adding=True) for field in fields)
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})", fields, adapters


def _insert(obj: Model) -> tuple[str, list[object]]:
    """The INSERT of the unsaved ``obj`` and its values, every concrete field written as
    ``save()`` would (defaults, ``auto_now_add``)."""
    db = connections[DEFAULT_DB_ALIAS]
    statement, _, adapters = _insert_text(type(obj), db.vendor)
    return statement, [adapt(obj, db) for adapt in adapters]


def insert(obj: Model, *, keyed: bool = True) -> None:
    """INSERT the unsaved ``obj`` in the caller's transaction (it gets its primary key unless
    ``keyed`` is False, when the INSERT may go with the writes around it, core.together):
    ``objects.create`` without the save path's per-call work."""
    statement, values = _insert(obj)
    if not keyed:
        together.write(statement, values)
        return
    key_column = connection.ops.quote_name(obj._meta.pk.column)
    [(key,)] = together.returning(f"{statement} RETURNING {key_column}", values)
    _saved(obj, key)


def upsert(obj: Model, unique: Sequence[str], update: Sequence[str]) -> None:
    """INSERT the unsaved ``obj``, or, where its table already holds a row with the same
    ``unique`` fields (a unique constraint's), set that row's ``update`` fields to ``obj``'s:
    ``bulk_create(update_conflicts=True)`` for one row, without its per-call compiling."""
    meta = obj._meta
    quote = connection.ops.quote_name
    statement, values = _insert(obj)
    target = ", ".join(quote(meta.get_field(name).column) for name in unique)
    columns = [quote(meta.get_field(name).column) for name in update]
    assignments = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns)
    together.write(f"{statement} ON CONFLICT ({target}) DO UPDATE SET {assignments}", values)


def insert_unless_present(obj: Model) -> bool:
    """INSERT the unsaved ``obj`` unless a unique constraint of its table already holds a row
    like it, in the caller's transaction; True (and ``obj`` has its primary key) when it was
    inserted."""
    statement, values = _insert(obj)
    returning = f" ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(obj._meta.pk.column)}"
    # With the writes held before it, in one query (core.together): a new execution's INSERT.
    inserted = together.returning(statement + returning, values)
    if not inserted:
        return False
    _saved(obj, inserted[0][0])
    return True


def _saved(obj: Model, pk: object) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def delete_where(model: type[Model], **equal: object) -> int:
    """DELETE the rows of ``model`` whose fields equal ``equal``, in the caller's transaction;
    how many went. Only for a model no foreign key points at: nothing cascades here."""
    statement, values = _delete(model, equal)
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        return int(cursor.rowcount)


def delete_held(model: type[Model], **equal: object) -> None:
    """``delete_where`` for a caller who needs no count: the DELETE may go with the writes
    around it (core.together)."""
    together.write(*_delete(model, equal))


def _delete(model: type[Model], equal: dict[str, object]) -> tuple[str, list[object]]:
    meta = model._meta
    if meta.related_objects:
        raise ValueError(f"{meta.label} is referred to by other rows: delete it through the ORM")
    quote = connection.ops.quote_name
    fields = [meta.get_field(name) for name in equal]
    condition = " AND ".join(f"{quote(field.column)} = %s" for field in fields)
    values = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(fields, equal.values(), strict=True)
    ]
    return f"DELETE FROM {quote(meta.db_table)} WHERE {condition}", values
