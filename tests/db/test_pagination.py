"""Keyset cursors and numbered pages: exactness, cursor safety (400s, never 500), metadata."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from infra_core.db import InvalidCursorError, InvalidOrderingError
from infra_core.db.errors import InvalidParameterError
from infra_core.db.pagination import CursorPage
from tests.db.conftest import EPOCH, insert_rows
from tests.testapp.models_db import OtherRow, Row

pytestmark = pytest.mark.django_db


def ids(page: CursorPage[Any], key: str | None) -> list[int]:
    return [row[key] if key else row.pk for row in page.items]


def walk_forwards(
    page_of: Callable[..., CursorPage[Any]], key: str | None = None
) -> tuple[list[int], CursorPage[Any]]:
    """Follow next cursors from the first page; return every id seen and the last page."""
    page = page_of()
    seen = ids(page, key)
    for _ in range(100_000):
        if not page.has_next:
            break
        page = page_of(after=page.next_cursor)
        seen += ids(page, key)
    return seen, page


def walk_backwards(
    page_of: Callable[..., CursorPage[Any]], last: CursorPage[Any], key: str | None = None
) -> list[int]:
    """Follow prev cursors back from ``last``; return every id seen, in list order."""
    page, seen = last, ids(last, key)
    for _ in range(100_000):
        if not page.has_prev:
            break
        page = page_of(before=page.prev_cursor)
        seen = ids(page, key) + seen
    return seen


def expected(order_by: list[str]) -> list[int]:
    return list(Row.objects.order_by(*order_by).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("order_by", "sql_order"),
    [
        (("bucket",), ["bucket", "pk"]),
        (("-bucket", "created"), ["-bucket", "created", "-pk"]),
        (("created", "-label"), ["created", "-label", "pk"]),
    ],
)
def test_paginate_cursor_many_equal_values_every_row_once_both_ways(
    order_by: tuple[str, ...], sql_order: list[str]
) -> None:
    insert_rows(3_000, buckets=7)

    def page_of(**kw: Any) -> CursorPage[Any]:
        return Row.objects.paginate_cursor(order_by=order_by, limit=97, **kw)

    forwards, last = walk_forwards(page_of)
    assert forwards == expected(sql_order)
    assert walk_backwards(page_of, last) == forwards


def test_paginate_cursor_100k_rows_forwards_and_backwards_exactly_once(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": 1000}
    insert_rows(100_000, buckets=50)

    def page_of(**kw: Any) -> CursorPage[Any]:
        qs = Row.objects.values("id", "bucket")  # dict rows: 10x cheaper than instances
        return qs.paginate_cursor(order_by=("bucket",), limit=1000, **kw)

    forwards, last = walk_forwards(page_of, key="id")
    assert len(forwards) == 100_000 and len(set(forwards)) == 100_000
    assert forwards == expected(["bucket", "pk"])
    assert walk_backwards(page_of, last, key="id") == forwards


def test_paginate_cursor_first_page_has_no_prev_and_last_page_no_next() -> None:
    insert_rows(5, buckets=2)
    first = Row.objects.paginate_cursor(order_by="bucket", limit=3)
    assert (first.has_prev, first.prev_cursor, first.has_next) == (False, None, True)
    last = Row.objects.paginate_cursor(order_by="bucket", limit=3, after=first.next_cursor)
    assert (len(last.items), last.has_next, last.next_cursor) == (2, False, None)
    assert last.has_prev


def test_paginate_cursor_rows_deleted_under_the_cursor_still_lead_back() -> None:
    insert_rows(6, buckets=1)
    first = Row.objects.paginate_cursor(order_by="bucket", limit=3)
    Row.objects.filter(pk__in=[r.pk for r in Row.objects.order_by("pk")[3:]]).delete()
    empty = Row.objects.paginate_cursor(order_by="bucket", limit=3, after=first.next_cursor)
    assert empty.items == [] and empty.has_prev
    back = Row.objects.paginate_cursor(order_by="bucket", limit=3, before=empty.prev_cursor)
    assert [r.pk for r in back.items] == [r.pk for r in first.items]


def test_paginate_cursor_limit_above_the_cap_is_capped(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": 4}
    insert_rows(10, buckets=1)
    assert len(Row.objects.paginate_cursor(order_by="bucket", limit=500).items) == 4


@pytest.mark.parametrize("limit", [0, -1, "x", "", "1.5", True, None])
def test_paginate_cursor_bad_limit_raises_invalid_parameter(limit: Any) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        Row.objects.paginate_cursor(order_by="bucket", limit=limit)
    assert caught.value.details["parameter"] == "limit"


@pytest.mark.parametrize(
    ("order_by", "reason"),
    [
        (("note",), "nullable"),
        (("data",), "cannot be ordered"),
        (("article__title",), "spans a relation"),
        (("nope",), "not a field"),
        (("bucket", "-bucket"), "twice"),
        ((), "at least one"),
        (("-",), "not a field name"),
        (("article",), "nullable"),  # a foreign key orders by its id column, NULLs refused
    ],
)
def test_paginate_cursor_unusable_ordering_raises_invalid_ordering(
    order_by: tuple[str, ...], reason: str
) -> None:
    with pytest.raises(InvalidOrderingError, match=reason) as caught:
        Row.objects.paginate_cursor(order_by=order_by)
    assert caught.value.status == 400 and caught.value.details["parameter"] == "order_by"


def test_paginate_cursor_foreign_key_orders_by_its_id_column() -> None:
    insert_rows(3, buckets=1)
    first, second, third = Row.objects.order_by("pk")
    for row in (third, first, second, first):
        OtherRow.objects.create(bucket=0, row=row)
    page = OtherRow.objects.paginate_cursor(order_by=("-row",), limit=3)
    after = OtherRow.objects.paginate_cursor(order_by=("-row",), after=page.next_cursor)
    assert [o.row_id for o in page.items + after.items] == [third.pk, second.pk, first.pk, first.pk]


def test_paginate_cursor_after_and_before_together_are_refused() -> None:
    insert_rows(4, buckets=1)
    page = Row.objects.paginate_cursor(order_by="bucket", limit=2)
    with pytest.raises(InvalidParameterError, match="only one"):
        Row.objects.paginate_cursor(order_by="bucket", after=page.next_cursor, before="x")


def _cursor() -> str:
    insert_rows(4, buckets=1)
    token = Row.objects.paginate_cursor(order_by="bucket", limit=2).next_cursor
    assert token is not None
    return token


def test_cursor_tampered_raises_invalid_cursor() -> None:
    token = _cursor()
    tampered = token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB")
    with pytest.raises(InvalidCursorError, match="tampered"):
        Row.objects.paginate_cursor(order_by="bucket", after=tampered)


def test_cursor_of_another_ordering_raises_invalid_cursor() -> None:
    with pytest.raises(InvalidCursorError):
        Row.objects.paginate_cursor(order_by="-bucket", after=_cursor())


def test_cursor_of_another_model_raises_invalid_cursor() -> None:
    with pytest.raises(InvalidCursorError):
        OtherRow.objects.paginate_cursor(order_by="bucket", after=_cursor())


def test_cursor_signed_with_another_secret_key_raises_invalid_cursor(settings: Any) -> None:
    token = _cursor()
    settings.SECRET_KEY = "another-project-entirely"
    with pytest.raises(InvalidCursorError):
        Row.objects.paginate_cursor(order_by="bucket", after=token)


def test_cursor_given_for_the_other_direction_raises_invalid_cursor() -> None:
    with pytest.raises(InvalidCursorError, match="'after' cursor was given as 'before'"):
        Row.objects.paginate_cursor(order_by="bucket", before=_cursor())


def _signed_at(payload: dict[str, Any], timestamp: int) -> str:
    """Return a cursor token for ``payload`` as if signed at ``timestamp`` (no clock patching)."""
    signer = signing.TimestampSigner(salt="infra_core.db.cursor:testapp.row:bucket,id")
    data = signing.b64_encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
    stamped = f"{data}{signer.sep}{signing.b62_encode(timestamp)}"
    return str(signing.Signer.sign(signer, stamped))


def test_cursor_signed_recently_is_accepted(settings: Any) -> None:
    insert_rows(4, buckets=1)
    settings.INFRA_CORE = {"DB_CURSOR_MAX_AGE": 60}
    first = Row.objects.order_by("pk").first()
    assert first is not None
    token = _signed_at({"d": "a", "v": [0, first.pk]}, int(time.time()) - 10)
    assert len(Row.objects.paginate_cursor(order_by="bucket", after=token).items) == 3


def test_cursor_older_than_max_age_raises_invalid_cursor(settings: Any) -> None:
    insert_rows(4, buckets=1)
    settings.INFRA_CORE = {"DB_CURSOR_MAX_AGE": 60}
    token = _signed_at({"d": "a", "v": [0, 1]}, int(time.time()) - 120)
    with pytest.raises(InvalidCursorError, match="expired"):
        Row.objects.paginate_cursor(order_by="bucket", after=token)


def test_cursor_max_age_none_never_expires(settings: Any) -> None:
    insert_rows(4, buckets=1)
    settings.INFRA_CORE = {"DB_CURSOR_MAX_AGE": None}
    token = _signed_at({"d": "a", "v": [0, 1]}, int(time.time()) - 10 * 365 * 86400)
    assert Row.objects.paginate_cursor(order_by="bucket", after=token).items


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c", "é" * 10, "x" * 5000])
def test_cursor_garbage_raises_invalid_cursor(token: str) -> None:
    with pytest.raises(InvalidCursorError):
        Row.objects.paginate_cursor(order_by="bucket", after=token)


def test_cursor_error_renders_as_400_envelope_naming_the_parameter(client: Client) -> None:
    response = client.get("/db/rows/", {"after": "forged"})
    body = response.json()
    assert response.status_code == 400
    assert body["error"]["code"] == "invalid_cursor"
    assert body["error"]["details"]["parameter"] == "after"


def test_ordering_error_renders_as_400_envelope(client: Client) -> None:
    response = client.get("/db/rows/", {"order_by": "note"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_ordering"


def test_cursor_after_row_starts_after_that_row() -> None:
    insert_rows(5, buckets=1)
    rows = list(Row.objects.order_by("bucket", "pk"))
    token = Row.objects.cursor_after(rows[1], order_by="bucket")
    page = Row.objects.paginate_cursor(order_by="bucket", after=token)
    assert [r.pk for r in page.items] == [r.pk for r in rows[2:]]


def test_cursor_datetime_values_keep_microseconds() -> None:
    base = EPOCH.replace(microsecond=123456)
    Row.objects.bulk_insert(
        [Row(bucket=0, created=base + datetime.timedelta(microseconds=i)) for i in range(3)]
    )
    first = Row.objects.paginate_cursor(order_by="created", limit=1)
    second = Row.objects.paginate_cursor(order_by="created", limit=1, after=first.next_cursor)
    assert second.items[0].created == base + datetime.timedelta(microseconds=1)


def test_paginate_page_returns_metadata() -> None:
    insert_rows(45, buckets=3)
    page = Row.objects.order_by("bucket").paginate_page(2, 20)
    assert page.meta() == {"page": 2, "per_page": 20, "total": 45, "pages": 3,
                           "has_next": True, "has_prev": True}  # fmt: skip
    assert [r.pk for r in page.items] == expected(["bucket", "pk"])[20:40]


def test_paginate_page_without_count_leaves_total_unknown() -> None:
    insert_rows(45, buckets=3)
    page = Row.objects.paginate_page(3, 20, count=False)
    assert (page.total, page.pages, page.has_next, len(page.items)) == (None, None, False, 5)


def test_paginate_page_past_the_end_is_empty() -> None:
    insert_rows(5, buckets=1)
    page = Row.objects.paginate_page(9, 20)
    assert (page.items, page.has_next, page.has_prev, page.pages) == ([], False, True, 1)


def test_paginate_page_per_page_is_capped(settings: Any) -> None:
    settings.INFRA_CORE = {"DB_PAGE_MAX_SIZE": 10}
    insert_rows(30, buckets=1)
    assert Row.objects.paginate_page(1, 1000).per_page == 10


@pytest.mark.parametrize("page", [0, -2, "abc", "1e3"])
def test_paginate_page_bad_page_renders_400_naming_page(client: Client, page: Any) -> None:
    response = client.get("/db/row-pages/", {"page": page})
    assert response.status_code == 400
    assert response.json()["error"]["details"]["parameter"] == "page"


def test_ordering_error_echoes_a_long_client_name_bounded() -> None:
    with pytest.raises(InvalidOrderingError) as caught:
        Row.objects.paginate_cursor(order_by=("x" * 5000 + "\n",))
    assert len(caught.value.message) < 120 and "\n" not in caught.value.message
