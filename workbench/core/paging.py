"""NextToken paging by key, not by offset, shared by every List* operation.

A token holds the ordering columns' values of the last item of its page (the primary key
always among them, so the order is total); the next page is the rows that sort after it. A row
inserted while a client pages therefore shifts nothing: no row that existed when paging began
is skipped or repeated, and each page is one index range scan where an index fits the order
(see the ``Meta.indexes`` of the listed models). AWS documents NextToken only as opaque
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet

from workbench.core.errors import InvalidToken
from workbench.core.jsonio import dumps

Ordering = list[tuple[str, bool]]  # (field name, descending)


def page(
    items: QuerySet[Any] | Sequence[Any],
    next_token: str | None,
    limit: int | None,
    *,
    default_limit: int = 100,
    key: Callable[[Any], Any] = lambda item: item,
) -> tuple[list[Any], str | None]:
    """One page of ``items`` after ``next_token`` and the token of the page after it (None at the end).

    A queryset is paged by its ordering columns; a plain sequence (sorted ascending by ``key``,
    keys unique, e.g. names) by the key of its last item.
    """
    size = limit or default_limit
    after = _decode(next_token) if next_token else None
    if isinstance(items, QuerySet):
        return _page_queryset(items, after, size)
    return _page_sequence(items, after, size, key)


def _page_queryset(items: QuerySet[Any], after: list[Any] | None, size: int) -> tuple[list[Any], str | None]:
    ordering = _ordering(items)
    if after is not None:
        items = items.filter(_after(items.model, ordering, after))
    chunk = list(items.order_by(*(f"-{name}" if desc else name for name, desc in ordering))[: size + 1])
    if len(chunk) <= size:
        return chunk, None
    chunk = chunk[:size]
    return chunk, _encode([_plain(getattr(chunk[-1], name)) for name, _ in ordering])


def _page_sequence(
    items: Sequence[Any], after: list[Any] | None, size: int, key: Callable[[Any], Any]
) -> tuple[list[Any], str | None]:
    rest = list(items)
    if after is not None:
        try:
            rest = [item for item in rest if key(item) > after[0]]
        except TypeError as exc:  # a token of another list
            raise _invalid() from exc
    if len(rest) <= size:
        return rest, None
    return rest[:size], _encode([key(rest[size - 1])])


def _ordering(items: QuerySet[Any]) -> Ordering:
    """The queryset's order as (column, descending) pairs, ending with the primary key."""
    fields = list(items.query.order_by) or list(items.model._meta.ordering)
    ordering: Ordering = []
    for field in fields:
        if not isinstance(field, str):
            raise TypeError(f"keyset paging needs plain ordering columns, not {field!r}")
        name = field.lstrip("-")
        column = items.model._meta.get_field("id" if name == "pk" else name)
        ordering.append((getattr(column, "attname", name), field.startswith("-")))
    pk = items.model._meta.pk
    assert pk is not None
    if not any(name in ("id", pk.attname) for name, _ in ordering):
        ordering.append((pk.attname, ordering[-1][1] if ordering else False))
    return ordering


def _after(model: type[Model], ordering: Ordering, values: list[Any]) -> Q:
    """Rows that sort after ``values``: (a > x) or (a = x and b > y) or ..., flipped where descending."""
    if len(values) != len(ordering):
        raise _invalid()
    typed = [_typed(model, name, value) for (name, _), value in zip(ordering, values, strict=True)]
    clauses = []
    for index, (name, desc) in enumerate(ordering):
        equal = {ordering[j][0]: typed[j] for j in range(index)}
        clauses.append(Q(**equal, **{f"{name}__{'lt' if desc else 'gt'}": typed[index]}))
    # The same rows, plus a plain range on the leading column: the OR alone is a filter the
    # database applies row by row from the top of the index, this bound lets it seek there, so a
    # deep page costs what the first does.
    first, desc = ordering[0]
    return Q(**{f"{first}__{'lte' if desc else 'gte'}": typed[0]}) & reduce(or_, clauses)


def _typed(model: type[Model], name: str, value: Any) -> Any:
    try:
        return model._meta.get_field(name).to_python(value)
    except (FieldDoesNotExist, ValidationError, TypeError, ValueError) as exc:
        raise _invalid() from exc


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _encode(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(dumps(values).encode()).decode()


def _decode(token: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise _invalid() from exc
    if not isinstance(values, list) or not values:
        raise _invalid()
    return values


def _invalid() -> InvalidToken:
    return InvalidToken("Invalid NextToken")
