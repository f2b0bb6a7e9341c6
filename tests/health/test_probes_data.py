from __future__ import annotations

import time

import pytest
import redis
from django.db import connection

from infra_core.health.base import HealthCheck, Status
from infra_core.health.probes import CacheCheck, DatabaseCheck, MigrationsCheck, RedisCheck
from infra_core.health.runner import _inflight, execute, run_checks


def make(
    cls: type[HealthCheck], name: str = "c", timeout: float = 1.0, **opts: object
) -> HealthCheck:
    return cls(name=name, critical=True, timeout=timeout, **opts)


def wait_no_inflight(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _inflight:
            return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_database_check_live_database_passes() -> None:
    report = run_checks([make(DatabaseCheck, alias="default")], deadline=2, max_workers=2)
    assert report.results[0].status is Status.OK


@pytest.mark.django_db(transaction=True)
def test_database_check_bad_query_fails_without_leaking_sql_error() -> None:
    report = run_checks(
        [make(DatabaseCheck, alias="default", query="SELECT * FROM no_such_table_xyz")],
        deadline=2,
        max_workers=2,
    )
    assert report.results[0].status is Status.FAIL
    assert "no_such_table_xyz" not in report.results[0].message


@pytest.mark.django_db(transaction=True)
def test_database_check_pg_sleep_is_cancelled_and_frees_thread() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_sleep needs PostgreSQL")
    start = time.monotonic()
    report = run_checks(
        [make(DatabaseCheck, alias="default", timeout=0.5, query="SELECT pg_sleep(10)")],
        deadline=2,
        max_workers=2,
    )
    assert time.monotonic() - start < 0.5 * 3
    assert report.results[0].status in (Status.TIMEOUT, Status.FAIL)
    # statement_timeout cancels the query server-side, so the thread finishes well before 10 s.
    assert wait_no_inflight(3.0)


@pytest.mark.django_db(transaction=True)
def test_database_check_timeout_does_not_stay_on_the_connection() -> None:
    # A pooled connection (Django's pool, pgbouncer) would carry a session-level SET over to
    # the next request: the check's timeout must end with its own transaction.
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
    assert make(DatabaseCheck, alias="default", timeout=0.5).check() is None
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before


@pytest.mark.django_db(transaction=True)
def test_database_check_closes_its_thread_connection() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("counts server backends")
    sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        before = cursor.fetchone()[0]
        for _ in range(5):
            run_checks([make(DatabaseCheck, name="db", alias="default")], deadline=2, max_workers=4)
        # A closed connection's backend leaves pg_stat_activity a moment after the client closed
        # it; a leaked one stays. Wait (bounded) for the closed ones to go.
        deadline = time.monotonic() + 3
        cursor.execute(sql)
        after = cursor.fetchone()[0]
        while after > before and time.monotonic() < deadline:
            time.sleep(0.05)
            cursor.execute(sql)
            after = cursor.fetchone()[0]
    assert after <= before


def test_database_check_unknown_alias_is_rejected() -> None:
    with pytest.raises(ValueError, match="nope"):
        make(DatabaseCheck, alias="nope")


def test_database_check_expand_without_alias_gives_one_per_alias() -> None:
    assert [name for name, _ in DatabaseCheck.expand({})] == ["database:default"]


def test_cache_check_real_redis_leaves_no_key() -> None:
    from django.core.cache import cache

    client = cache.client.get_client()  # type: ignore[attr-defined]
    prefix = cache.key_prefix  # type: ignore[attr-defined]
    result = execute(make(CacheCheck, alias="default"))
    assert result.status is Status.OK
    assert list(client.scan_iter(match=f"{prefix}*health*", count=1000)) == []


@pytest.mark.integration
def test_cache_check_stopped_redis_fails_fast(settings, throwaway_redis) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "health_tmp": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3},
        },
    }
    throwaway_redis.stop()
    start = time.monotonic()
    report = run_checks([make(CacheCheck, alias="health_tmp")], deadline=2, max_workers=2)
    assert report.results[0].status is Status.FAIL
    assert time.monotonic() - start < 1.0


@pytest.mark.integration
def test_redis_check_url_up_passes(throwaway_redis) -> None:
    assert execute(make(RedisCheck, url=throwaway_redis.url)).status is Status.OK


@pytest.mark.integration
def test_redis_check_debug_sleep_times_out_and_thread_finishes(throwaway_redis) -> None:
    side = redis.Redis.from_url(throwaway_redis.url)
    import threading

    sleeper = threading.Thread(target=lambda: side.execute_command("DEBUG", "SLEEP", "3"))
    sleeper.start()
    try:
        time.sleep(0.1)
        start = time.monotonic()
        report = run_checks(
            [make(RedisCheck, url=throwaway_redis.url, timeout=0.4)], deadline=2, max_workers=2
        )
        assert report.results[0].status in (Status.TIMEOUT, Status.FAIL)
        assert time.monotonic() - start < 0.4 * 3
        # The socket timeout ends the check's own thread long before Redis wakes up.
        assert wait_no_inflight(1.5)
    finally:
        sleeper.join(10)
        side.close()


def test_redis_check_blackhole_times_out_within_deadline(blackhole) -> None:
    start = time.monotonic()
    report = run_checks(
        [make(RedisCheck, url=blackhole.url, timeout=0.3)], deadline=1, max_workers=2
    )
    assert report.results[0].status in (Status.TIMEOUT, Status.FAIL)
    assert time.monotonic() - start < 0.3 * 3
    assert wait_no_inflight(1.5)


def test_redis_check_cache_alias_pings_django_redis() -> None:
    assert execute(make(RedisCheck, alias="default")).status is Status.OK


@pytest.mark.django_db(transaction=True)
def test_migrations_check_migrated_database_passes() -> None:
    assert execute(make(MigrationsCheck)).status is Status.OK


@pytest.mark.django_db(transaction=True)
def test_migrations_check_unapplied_migration_warns() -> None:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    row = recorder.migration_qs.filter(app="contenttypes").order_by("-id").first()
    assert row is not None
    recorder.record_unapplied(row.app, row.name)
    try:
        result = execute(MigrationsCheck(name="m", critical=False, timeout=2))
    finally:
        recorder.record_applied(row.app, row.name)
    assert result.status is Status.WARN
    assert "1 unapplied" in result.message


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_database_check_blackhole_host_times_out_and_connect_timeout_frees_thread(
    settings, blackhole, django_db_blocker
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a network database backend")
    from django.db import connections

    hole = {
        **connections.settings["default"],
        "HOST": "127.0.0.1",
        "PORT": str(blackhole.port),
        "OPTIONS": {"connect_timeout": 2},
    }
    settings.DATABASES = {**settings.DATABASES, "hole": hole}
    connections.settings["hole"] = hole
    try:
        with django_db_blocker.unblock():
            start = time.monotonic()
            report = run_checks(
                [make(DatabaseCheck, alias="hole", timeout=0.5)], deadline=1, max_workers=2
            )
            assert time.monotonic() - start < 0.5 * 3
            assert report.results[0].status is Status.TIMEOUT
            # libpq/psycopg give up at connect_timeout (2 s minimum), so the thread ends.
            assert wait_no_inflight(2 * 3)
    finally:
        del connections.settings["hole"]
