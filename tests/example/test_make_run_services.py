"""``make run`` with ``REDIS_URL`` and ``DATABASE_URL`` set: the walkthrough on real services.

The example is served on a database this module creates on the suite's PostgreSQL server (and
drops afterwards) and on the shared Redis, in database 11 under a per-run key prefix (only those
keys are deleted afterwards). The walkthrough runs with bash and the real curl when curl is
installed (else with the Python interpreter); then the rows are read back from PostgreSQL and the
keys from Redis, which proves the example used them and not SQLite, local memory or files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.example.conftest import Served, serve
from tests.example.test_make_run import assert_interrupt_stops_everything, walk
from tests.example.walkthrough import run_bash, run_python

pytestmark = pytest.mark.integration
REDIS_DB = 11
RUN_ID = os.environ.get("INFRA_TEST_RUN_ID", f"r{os.getpid()}")
PREFIX = f"infra-example-{RUN_ID}"


def _pg() -> dict[str, str]:
    if "INFRA_TEST_PG_HOST" not in os.environ:
        pytest.skip("needs the suite's PostgreSQL (run through tests/services.py)")
    return {
        "host": os.environ["INFRA_TEST_PG_HOST"],
        "port": os.environ.get("INFRA_TEST_PG_PORT", "5432"),
        "user": os.environ.get("INFRA_TEST_PG_USER", "postgres"),
    }


def _admin_connect(pg: dict[str, str]) -> Any:
    import psycopg

    return psycopg.connect(**pg, dbname="postgres", autocommit=True, connect_timeout=5)


@pytest.fixture(scope="module")
def database() -> Iterator[tuple[dict[str, str], str]]:
    pg = _pg()
    name = f"infra_example_{RUN_ID}".lower()
    with _admin_connect(pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg, name
    finally:
        with _admin_connect(pg) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    import redis

    base = urlsplit(os.environ.get("INFRA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    url = f"redis://{base.hostname}:{base.port or 6379}/{REDIS_DB}"
    yield url
    client = redis.Redis.from_url(url)
    for pattern in (f"{PREFIX}:*", "_kombu.*", "celery", "unacked*"):
        for key in client.scan_iter(match=pattern, count=500):
            client.delete(key)
    client.close()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    database: tuple[dict[str, str], str],
    redis_url: str,
) -> Iterator[Served]:
    pg, name = database
    instance = serve(
        tmp_path_factory.mktemp("make-run-services"),
        DATABASE_URL=f"postgres://{pg['user']}@{pg['host']}:{pg['port']}/{name}",
        REDIS_URL=f"{redis_url}?key_prefix={PREFIX}",
    )
    yield instance
    instance.kill()


@pytest.fixture(scope="module")
def walked(served: Served) -> list[tuple[str, str]]:
    return walk(served, run_bash if shutil.which("curl") else run_python)


def test_make_run_services_says_postgres_and_redis(served: Served, redis_url: str) -> None:
    line = next(x for x in served.text().splitlines() if x.startswith("services: "))
    assert "database postgresql " in line and "infra_example_" in line
    assert f"cache {redis_url}" in line and f"broker {redis_url}" in line


def test_make_run_services_walkthrough_prints_what_it_shows(
    walked: list[tuple[str, str]],
) -> None:
    assert len(walked) >= 20


def test_make_run_services_rows_are_in_postgres(
    walked: list[tuple[str, str]], database: tuple[dict[str, str], str]
) -> None:
    import psycopg

    pg, name = database
    with psycopg.connect(**pg, dbname=name, connect_timeout=5) as conn:
        items = conn.execute("SELECT name, version FROM shop_item ORDER BY id").fetchall()
        letters = conn.execute("SELECT task_name, attempts FROM infra_core_deadletter").fetchall()
        sales = conn.execute("SELECT count(*) FROM shop_sale").fetchone()
    assert items == [("kettle", 1), ("teapot", 1), ("mug", 1), ("lamp", 2)]
    assert letters == [("example.send_receipt", 3)]
    assert sales == (1,)


def test_make_run_services_keys_are_in_redis(walked: list[tuple[str, str]], served: Served,
                                             redis_url: str) -> None:  # fmt: skip
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = {k.decode() for k in client.scan_iter(match=f"{PREFIX}:*", count=500)}
        assert any(":rl:{quota:" in k for k in keys), keys  # the rate limiter's windows
        assert any(":items:" in k for k in keys), keys  # the cached pages and their version
        assert client.exists("_kombu.binding.celery"), "the broker did not use Redis"
    finally:
        client.close()
    broker_dir = served.env["EXAMPLE_BROKER_DIR"]
    assert not os.path.exists(broker_dir), "the filesystem broker was used"


def test_make_run_services_ctrl_c_stops_web_and_worker(
    served: Served, walked: list[tuple[str, str]]
) -> None:
    assert_interrupt_stops_everything(served)
