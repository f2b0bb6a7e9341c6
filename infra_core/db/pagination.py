"""Keyset (cursor) and numbered pages over any queryset; the QuerySet methods call these."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import connections, models

from infra_core.db import cursors
from infra_core.db.conf import PAGE_MAX_SIZE
from infra_core.db.errors import InvalidParameterError
from infra_core.db.ordering import Ordering, parse_ordering

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    """One keyset page: its rows in order and the opaque cursors to its neighbours."""

    items: list[T]
    next_cursor: str | None
    prev_cursor: str | None
    has_next: bool
    has_prev: bool

    def meta(self) -> dict[str, Any]:
        """Return the page's metadata (everything but the items), e.g. for a JSON body."""
        return {
            "next_cursor": self.next_cursor,
            "prev_cursor": self.prev_cursor,
            "has_next": self.has_next,
            "has_prev": self.has_prev,
        }


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One numbered page; ``total`` and ``pages`` are None when counting was turned off."""

    items: list[T]
    page: int
    per_page: int
    total: int | None
    pages: int | None
    has_next: bool
    has_prev: bool = field(default=False)

    def meta(self) -> dict[str, Any]:
        """Return the page's metadata (everything but the items), e.g. for a JSON body."""
        return {
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": self.pages,
            "has_next": self.has_next,
            "has_prev": self.has_prev,
        }


def positive_int(parameter: str, value: Any) -> int:
    """Return ``value`` (an int, or a string of digits from a query string) as an int >= 1."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidParameterError(parameter, "not a whole number >= 1")
    return value


def page_size(parameter: str, value: Any) -> int:
    """Return a requested page size, capped by ``DB_PAGE_MAX_SIZE``."""
    return min(positive_int(parameter, value), PAGE_MAX_SIZE.value)


def paginate_cursor(
    queryset: models.QuerySet[Any, T],
    *,
    order_by: str | Sequence[str],
    after: str | None = None,
    before: str | None = None,
    cursor: str | None = None,
    limit: int | str = 20,
) -> CursorPage[T]:
    """Return the keyset page after ``after`` / before ``before`` (or the first page)."""
    model = queryset.model
    ordering = parse_ordering(model, order_by)
    size = page_size("limit", limit)
    tokens = (("after", after), ("before", before), ("cursor", cursor))
    given = [(name, token) for name, token in tokens if token is not None]
    if len(given) > 1:
        raise InvalidParameterError(given[1][0], f"give only one of {given[0][0]!r} and it")
    if not given:
        return _forwards(queryset, ordering, None, size)
    name, token = given[0]
    wanted: cursors.Direction | None = None if name == "cursor" else name  # type: ignore[assignment]
    position = cursors.decode(model, ordering, token, parameter=name, direction=wanted)
    if position.direction == "after":
        return _forwards(queryset, ordering, position, size)
    return _backwards(queryset, ordering, position, size)


def cursor_for(
    model: type[models.Model], ordering: Ordering, row: Any, direction: cursors.Direction
) -> str:
    """Return the cursor of the rows after (or before) ``row`` in ``ordering``."""
    values = tuple(ordering.values_of(row))
    return cursors.encode(model, ordering, cursors.Position(direction, values))


def _forwards(
    queryset: models.QuerySet[Any, T],
    ordering: Ordering,
    position: cursors.Position | None,
    size: int,
) -> CursorPage[T]:
    model = queryset.model
    qs = queryset.order_by(*ordering.order_by())
    if position is not None:
        seek = ordering.seek(
            position.values, backwards=False, inclusive=position.inclusive, row_values=_rows(qs)
        )
        qs = qs.filter(seek)
    rows = list(qs[: size + 1])
    has_next = len(rows) > size
    items = rows[:size]
    # A page reached through a cursor always has a way back (as DRF's CursorPagination): asking
    # the database whether rows precede it would cost a query per page.
    has_prev = position is not None
    next_cursor = cursor_for(model, ordering, items[-1], "after") if has_next else None
    prev_cursor = None
    if has_prev and items:
        prev_cursor = cursor_for(model, ordering, items[0], "before")
    elif has_prev and position is not None:  # rows vanished: go back from where we stood
        prev_cursor = cursors.encode(
            model, ordering, cursors.Position("before", position.values, inclusive=True)
        )
    return CursorPage(items, next_cursor, prev_cursor, has_next, has_prev)


def _backwards(
    queryset: models.QuerySet[Any, T],
    ordering: Ordering,
    position: cursors.Position,
    size: int,
) -> CursorPage[T]:
    model = queryset.model
    qs = queryset.order_by(*ordering.order_by(reverse=True))
    seek = ordering.seek(
        position.values, backwards=True, inclusive=position.inclusive, row_values=_rows(qs)
    )
    qs = qs.filter(seek)
    rows = list(qs[: size + 1])
    has_prev = len(rows) > size
    items = rows[:size][::-1]
    prev_cursor = cursor_for(model, ordering, items[0], "before") if has_prev else None
    if items:
        next_cursor = cursor_for(model, ordering, items[-1], "after")
    else:
        next_cursor = cursors.encode(
            model, ordering, cursors.Position("after", position.values, inclusive=True)
        )
    return CursorPage(items, next_cursor, prev_cursor, True, has_prev)


def paginate_page(
    queryset: models.QuerySet[Any, T],
    page: int | str = 1,
    per_page: int | str = 20,
    *,
    count: bool = True,
) -> Page[T]:
    """Return page ``page`` (1-based) of ``per_page`` rows; ``count=False`` skips COUNT(*)."""
    number = positive_int("page", page)
    size = page_size("per_page", per_page)
    qs = queryset
    ordering = list(qs.query.order_by) or list(qs.model._meta.ordering)
    if not any(str(term).lstrip("-") in ("pk", _pk_name(qs.model)) for term in ordering):
        qs = qs.order_by(*ordering, "pk")  # a total order: no row on two pages, none on none
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    total = queryset.count() if count else None
    pages = max(1, math.ceil(total / size)) if total is not None else None
    return Page(rows[:size], number, size, total, pages, len(rows) > size, number > 1)


def _rows(queryset: models.QuerySet[Any, Any]) -> bool:
    # Row-value comparisons: PostgreSQL, SQLite >= 3.15, MySQL; not Oracle.
    return connections[queryset.db].vendor in ("postgresql", "sqlite", "mysql")


def _pk_name(model: type[models.Model]) -> str:
    pk = model._meta.pk
    assert pk is not None
    return pk.attname
