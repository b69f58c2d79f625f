"""Hot read queries compiled once per thread, not once per call.

Issue 10's profile of a served DescribeExecution (cProfile in process, 2026-12-02): 3.0 ms of
CPU per call, of which the database's own work was about 0.4 ms. The rest was the ORM building
and compiling the same two SELECTs again on every call (``filter``/``add_q``, ``as_sql``,
``get_select``, ``get_related_selections``: about 75 %). A ``Prepared`` query is built from a
queryset once per thread and database with stand-in values, keeps the SQL and the compiler's
column plan, and afterwards only swaps in the call's values, runs the SQL and builds the model
instances (with their ``select_related`` parents) exactly as Django's ``ModelIterable`` does.

Only plain equality lookups can take values this way: each value must reach the SQL as its own
parameter, unchanged (an ``endswith`` lookup, for example, wraps it in ``%...``). ``__init__``
checks that every stand-in appears exactly once among the parameters, so a query that does not
fit fails on first use instead of returning wrong rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


def _stand_in(kind: type, index: int) -> Any:
    """An unusual value of the column's type (an integer column casts its value), inside the
    range of every integer column (Django turns a lookup outside it into an empty result)."""
    return 2_000_000_000 + index if kind is int else f"\x00prepared-{index}\x00"


class _Plan(Generic[M]):
    """One compiled query on one thread's connection."""

    def __init__(self, queryset: QuerySet[M], stand_ins: list[Any]) -> None:
        self.alias = queryset.db
        compiler = queryset.query.get_compiler(using=self.alias)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = []
        for stand_in in stand_ins:
            found = [
                index
                for index, param in enumerate(params)
                if isinstance(param, type(stand_in)) and param == stand_in
            ]
            if len(found) != 1:
                raise ValueError(f"a prepared query needs each value as one plain parameter: {sql}")
            positions.append(found[0])
        self.sql, self.params, self.positions = sql, params, positions
        self.compiler = compiler
        klass_info = compiler.klass_info
        assert klass_info is not None
        self.model: type[M] = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, self.alias)
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(columns)

    def rows(self, values: tuple[Any, ...]) -> list[M]:
        params = list(self.params)
        for position, value in zip(self.positions, values, strict=True):
            # The backend's own wrapper of the value is kept (psycopg's Int4 on an integer
            # column says which type PostgreSQL gets).
            params[position] = type(self.params[position])(value)
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            fetched = cursor.fetchall()
        found = []
        rows = self.compiler.apply_converters(fetched, self.converters) if self.converters else fetched
        for row in rows:
            instance = self.model.from_db(self.alias, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, instance)
            found.append(instance)
        return found


class Prepared(Generic[M]):
    """``build(*values)`` returns the queryset; ``first(*values)`` runs it compiled once per thread.

    ``kinds`` gives each value's type (``int`` or ``str``), for the stand-ins it is built with.

    Plans are kept per thread because a compiler belongs to its thread's connection (Django's
    connections are per thread); the workbench has one database alias, so one plan a thread.
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *kinds: type) -> None:
        self.build = build
        self.kinds = kinds
        self._local = threading.local()

    def _plan(self) -> _Plan[M]:
        plan: _Plan[M] | None = getattr(self._local, "plan", None)
        if plan is None:
            stand_ins = [_stand_in(kind, index) for index, kind in enumerate(self.kinds)]
            plan = self._local.plan = _Plan(self.build(*stand_ins), stand_ins)
        return plan

    def first(self, *values: Any) -> M | None:
        """The first row's instance, or None (the queryset must be ordered or limited to 1)."""
        found = self._plan().rows(values)
        return found[0] if found else None

    def all(self, *values: Any) -> list[M]:
        """Every row's instance, in the queryset's order."""
        return self._plan().rows(values)
