"""Deep pages on PostgreSQL: keyset ``paginate_cursor`` beside OFFSET and DRF's CursorPagination.

One throwaway database with 1,000,000 rows (one ``INSERT ... SELECT generate_series``, an index
on ``(created, id)``, ``ANALYZE``), dropped afterwards. Each variant fetches one page of 20 model
instances ordered by ``-created``:

* ``cursor_first`` / ``cursor_deep``: ``paginate_cursor`` on the first page / after row 900,000;
* ``offset_first`` / ``offset_deep``: Django's ``Paginator(...).page(n).object_list`` (OFFSET, and
  the COUNT(*) Paginator runs for its page metadata) at page 1 / page 45,001;
* ``offset_only_deep``: the bare ``qs[900000:900020]`` (OFFSET without the count);
* ``drf_first`` / ``drf_deep``: DRF ``CursorPagination(ordering="-created")`` on the first page /
  with a cursor positioned at row 900,000 (``created`` is unique here, as DRF requires).

Each round calls the keyset variants in turn, call by call (``--n`` each), then the OFFSET ones
(``--n // 5`` each), for ``--rounds`` rounds, so a slow phase of the machine hits all of them
alike. Reported: median ms per page over all calls, the ratios of the medians, and the median of
the paired ratios (each deep call over the first-page call made just before it).

Run: ``python tests/services.py -- python bench/bench_db.py [--rows 1000000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGE = 20


def _admin_dsn() -> str:
    host = os.environ.get("INFRA_TEST_PG_HOST", "127.0.0.1")
    port = os.environ.get("INFRA_TEST_PG_PORT", "5432")
    return f"host={host} port={port} user=postgres dbname=postgres"


def _create_database() -> str:
    import psycopg

    name = f"infra_bench_db_{os.getpid()}"
    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup_django(database: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        INFRA_TEST_DB="postgres",
        INFRA_TEST_PG_NAME=database,
    )
    import django

    django.setup()


def _fill(rows: int) -> float:
    from django.db import connection

    from tests.testapp.models_db import Article, Row

    started = time.perf_counter()
    with connection.schema_editor() as editor:
        editor.create_model(Article)
        editor.create_model(Row)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Row._meta.db_table} (bucket, label, created, data) "
            "SELECT i %% 50, 'r' || i, "
            "timestamptz '2026-01-01' + make_interval(secs => i / 1000.0), '{}'::jsonb "
            "FROM generate_series(1, %s) AS i",
            [rows],
        )
        cursor.execute(f"ANALYZE {Row._meta.db_table}")
    return time.perf_counter() - started


def _variants(depth: int) -> dict[str, Callable[[], int]]:
    from django.core.paginator import Paginator
    from django.test import RequestFactory
    from rest_framework.pagination import Cursor, CursorPagination
    from rest_framework.request import Request

    from tests.testapp.models_db import Row

    ordering = ("-created",)
    qs = Row.objects.all()
    boundary = qs.order_by("-created", "-id")[depth - 1]
    after = qs.cursor_after(boundary, order_by=ordering)
    ordered = qs.order_by("-created", "-id")
    factory = RequestFactory()

    class DrfPages(CursorPagination):
        ordering = "-created"
        page_size = PAGE

    probe = DrfPages()
    probe.base_url = "http://testserver/rows/"
    drf_token = probe.encode_cursor(Cursor(offset=0, reverse=False, position=str(boundary.created)))
    drf_query = drf_token.split("?", 1)[1]

    def cursor_page(token: str | None) -> int:
        return len(qs.paginate_cursor(order_by=ordering, after=token, limit=PAGE).items)

    def offset_page(number: int) -> int:
        return len(list(Paginator(ordered, PAGE).page(number).object_list))

    def drf_page(query: str) -> int:
        request = Request(factory.get(f"/rows/?{query}"))
        return len(list(DrfPages().paginate_queryset(qs, request) or []))

    deep_page = depth // PAGE + 1
    return {
        "cursor_first": lambda: cursor_page(None),
        "cursor_deep": lambda: cursor_page(after),
        "offset_first": lambda: offset_page(1),
        "offset_deep": lambda: offset_page(deep_page),
        "offset_only_deep": lambda: len(list(ordered[depth : depth + PAGE])),
        "drf_first": lambda: drf_page(""),
        "drf_deep": lambda: drf_page(drf_query),
    }


def _same_rows(depth: int) -> None:
    """Check that the deep variants return the same 20 rows (a benchmark of wrong pages is moot)."""
    from django.core.paginator import Paginator

    from tests.testapp.models_db import Row

    qs = Row.objects.all()
    ordered = qs.order_by("-created", "-id")
    boundary = ordered[depth - 1]
    keyset = qs.paginate_cursor(order_by=("-created",), after=qs.cursor_after(boundary, "-created"),
                                limit=PAGE)  # fmt: skip
    offset = Paginator(ordered, PAGE).page(depth // PAGE + 1).object_list
    assert [r.pk for r in keyset.items] == [r.pk for r in offset], "keyset and OFFSET disagree"


KEYSET = ("cursor_first", "cursor_deep", "drf_first", "drf_deep")


def measure(rounds: int, n: int, depth: int) -> dict[str, list[float]]:
    """Time every variant; the keyset ones call by call in turn (A B A B ...), ``n`` each a round.

    Calling first and deep pages alternately puts every pair in the same machine state, so the
    depth ratio is not skewed by a slow phase; the OFFSET variants (100x slower) get ``n // 5``.
    """
    variants = _variants(depth)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for fn in variants.values():  # warm-up: plans cached, buffers read
        for _ in range(3):
            assert fn() == PAGE

    def timed(name: str) -> None:
        started = time.perf_counter()
        variants[name]()
        samples[name].append((time.perf_counter() - started) * 1000)

    for _ in range(rounds):
        for _ in range(n):
            for name in KEYSET:
                timed(name)
        for _ in range(max(1, n // 5)):
            for name in variants:
                if name not in KEYSET:
                    timed(name)
    return samples


def paired_ratio(samples: dict[str, list[float]], deep: str, first: str) -> float:
    """Return the median of deep/first over calls made one after the other."""
    pairs = zip(samples[deep], samples[first], strict=True)
    return round(statistics.median(d / f for d, f in pairs), 2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--depth", type=int, default=900_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    database = _create_database()
    try:
        _setup_django(database)
        fill_seconds = _fill(args.rows)
        _same_rows(args.depth)
        samples = measure(args.rounds, args.n, args.depth)
    finally:
        from django.db import connections

        connections.close_all()
        _drop_database(database)
    medians = {name: round(statistics.median(values), 3) for name, values in samples.items()}
    ratios = {
        "cursor_deep / cursor_first": round(medians["cursor_deep"] / medians["cursor_first"], 2),
        "offset_deep / cursor_deep": round(medians["offset_deep"] / medians["cursor_deep"], 1),
        "offset_only_deep / cursor_deep": round(
            medians["offset_only_deep"] / medians["cursor_deep"], 1
        ),
        "drf_deep / cursor_deep": round(medians["drf_deep"] / medians["cursor_deep"], 2),
        "drf_first / cursor_first": round(medians["drf_first"] / medians["cursor_first"], 2),
        "paired cursor_deep / cursor_first": paired_ratio(samples, "cursor_deep", "cursor_first"),
        "paired drf_deep / drf_first": paired_ratio(samples, "drf_deep", "drf_first"),
    }
    for name, value in medians.items():
        print(f"{name:>18}: {value:9.3f} ms per page (median of {len(samples[name])})")
    for name, value in ratios.items():
        print(f"{name:>32}: {value}x")
    print(f"fill: {args.rows} rows in {fill_seconds:.1f} s")
    result: dict[str, Any] = {"rows": args.rows, "depth": args.depth, "ms": medians,
                              "ratios": ratios, "fill_seconds": round(fill_seconds, 1)}  # fmt: skip
    print(json.dumps(result))
    return 0 if ratios["cursor_deep / cursor_first"] <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
