"""Repository tests: their URLconf, ErrorMiddleware last, the DRF handler; row factories."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection

# The real-worker fixtures (the audit worker test uses them).
from tests.tasks.conftest import purge_queue, start_worker  # noqa: F401

ERROR_MIDDLEWARE = "infra_core.middleware.ErrorMiddleware"
EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (the PostgreSQL pass runs it)"
)


@pytest.fixture(autouse=True)
def db_urls(settings: Any) -> Any:
    settings.ROOT_URLCONF = "tests.db.urls"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, ERROR_MIDDLEWARE]
    settings.REST_FRAMEWORK = {"EXCEPTION_HANDLER": "infra_core.errors.drf.exception_handler"}
    return settings


def insert_rows(count: int, *, buckets: int, start: int = 0) -> None:
    """Insert ``count`` Row rows in one statement (generate_series / a recursive CTE).

    Row i gets bucket i % buckets (many equal sort values) and created EPOCH + (i // 7) s.
    """
    from tests.testapp.models_db import Row

    table = Row._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (bucket, label, created, data) "
                "SELECT i %% %s, 'r' || i, %s + make_interval(secs => i / 7), '{}'::jsonb "
                "FROM generate_series(%s, %s) AS i",
                [buckets, EPOCH, start, start + count - 1],
            )
        else:
            cursor.execute(
                f"WITH RECURSIVE s(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
                f"INSERT INTO {table} (bucket, label, created, data) "
                "SELECT i %% %s, 'r' || i, "
                "strftime('%%Y-%%m-%%d %%H:%%M:%%S', %s, '+' || (i / 7) || ' seconds'), '{}' "
                "FROM s",
                [start, start + count - 1, buckets, EPOCH.strftime("%Y-%m-%d %H:%M:%S")],
            )
