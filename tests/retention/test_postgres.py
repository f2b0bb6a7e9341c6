"""PostgreSQL only: the advisory lock, SKIP LOCKED and lock_timeout, against a second session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import psycopg
import pytest
from django.db import connection

from infra_core.retention import services
from infra_core.retention.policies import Policy
from tests.retention.conftest import LOG, NOW, logs
from tests.testapp.models_retention import RetentionLog

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL locking"),
]

LOG_POLICY = Policy(RetentionLog, "created_at", timedelta(days=30))
TABLE = RetentionLog._meta.db_table


def dsn() -> str:
    s = connection.settings_dict
    return f"host={s['HOST']} port={s['PORT']} user={s['USER']} dbname={s['NAME']}"


@pytest.fixture
def other() -> Iterator[psycopg.Connection]:
    """A second session on the test database (another process, as far as PostgreSQL knows)."""
    with psycopg.connect(dsn(), connect_timeout=3) as conn:
        yield conn


def test_policy_locked_by_another_session_is_skipped(other: psycopg.Connection) -> None:
    logs(expired=3, fresh=0)
    other.execute("SELECT pg_advisory_lock(%s)", [services.lock_key(LOG)])
    outcome = services.run_policy(LOG_POLICY, now=NOW)
    assert outcome.status == "skipped" and not outcome.failed
    assert RetentionLog.objects.count() == 3


def test_policy_lock_is_released_after_the_run(other: psycopg.Connection) -> None:
    services.run_policy(LOG_POLICY, now=NOW)
    row = other.execute("SELECT pg_try_advisory_lock(%s)", [services.lock_key(LOG)]).fetchone()
    assert row is not None and row[0] is True


@pytest.mark.django_db(transaction=True)
def test_row_locked_by_another_transaction_is_skipped_not_waited_for(
    other: psycopg.Connection,
) -> None:
    logs(expired=6, fresh=0)
    locked = RetentionLog.objects.order_by("pk")[2].pk
    with other.transaction():
        other.execute(f"SELECT 1 FROM {TABLE} WHERE id = %s FOR UPDATE", [locked])
        outcome = services.run_policy(LOG_POLICY, now=NOW, batch_size=2)
    assert outcome.status == "done" and outcome.rows == 5
    assert list(RetentionLog.objects.values_list("pk", flat=True)) == [locked]
    assert services.run_policy(LOG_POLICY, now=NOW).rows == 1


@pytest.mark.django_db(transaction=True)
def test_table_locked_by_another_session_fails_on_lock_timeout(
    other: psycopg.Connection, settings: object
) -> None:
    settings.INFRA_CORE = {"RETENTION_LOCK_TIMEOUT": 0.05}  # type: ignore[attr-defined]
    logs(expired=2, fresh=0)
    with other.transaction():
        other.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        outcome = services.run_policy(LOG_POLICY, now=NOW)
    assert outcome.failed and "lock timeout" in outcome.error
    assert RetentionLog.objects.count() == 2


def test_batch_statements_run_under_set_local_timeouts(settings: object) -> None:
    settings.INFRA_CORE = {  # type: ignore[attr-defined]
        "RETENTION_LOCK_TIMEOUT": 0.25,
        "RETENTION_STATEMENT_TIMEOUT": 7.0,
    }
    logs(expired=1, fresh=0)
    seen: list[tuple[str, str]] = []

    def probe(outcome: services.Outcome) -> None:
        with connection.cursor() as cursor:  # after the batch: the outer test transaction
            cursor.execute("SHOW lock_timeout")
            lock = cursor.fetchone()[0]
            cursor.execute("SHOW statement_timeout")
            seen.append((lock, cursor.fetchone()[0]))

    services.run_policy(LOG_POLICY, now=NOW, progress=probe)
    assert seen == [("250ms", "7s")]
