"""Catalogue I (retention) cases that need a real ``infra_cleanup`` process on PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.retention.test_subprocess import counts, finish, report, seed, start, wait_backends_gone

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL subprocess runs"),
]


def test_d07_sigint_midway_exits_like_sigint_keeps_batches_and_reruns_finish(
    tmp_path: Path,
) -> None:
    seed(expired=60_000, fresh=6_000)
    proc, _ = start(tmp_path, "interrupted", "--batch-size", "500", "--sleep", "20")
    deadline = time.monotonic() + 60
    while counts()[0] > 50_000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGINT)  # Ctrl-C
    code, _ = finish(proc, seconds=30)
    # 130 (128 + SIGINT) as a shell reports it: exited by SIGINT, or exit status 130.
    assert code in (130, -signal.SIGINT), (code, (tmp_path / "interrupted.err").read_text()[-2000:])
    expired, fresh = counts()
    assert 0 < expired < 60_000 and fresh == 6_000  # committed batches stay deleted
    wait_backends_gone()
    second, out = start(tmp_path, "second")
    assert finish(second)[0] == 0
    assert report(out)["rows"] == expired and counts() == (0, 6_000)
    third, out = start(tmp_path, "third")
    assert finish(third)[0] == 0 and report(out)["rows"] == 0


def test_d05_table_locked_mid_run_fails_fast_keeps_committed_batches_and_no_success_stamp(
    settings: object,
) -> None:
    from prometheus_client import REGISTRY

    from infra_core.retention import services
    from infra_core.retention.policies import Policy
    from tests.retention.conftest import LOG, NOW, logs
    from tests.retention.test_postgres import TABLE, dsn
    from tests.testapp.models_retention import RetentionLog

    settings.INFRA_CORE = {"RETENTION_LOCK_TIMEOUT": 0.05}  # type: ignore[attr-defined]
    stamp = "infra_core_retention_last_success_timestamp_seconds"
    before = REGISTRY.get_sample_value(stamp, {"model": LOG})
    logs(expired=8, fresh=0)
    policy = Policy(RetentionLog, "created_at", timedelta(days=30))
    with psycopg.connect(dsn(), connect_timeout=3) as other:

        def lock_after_first_batch(outcome: object) -> None:
            if getattr(outcome, "rows", 0) and not other.info.transaction_status:
                other.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")  # held: no commit

        began = time.monotonic()
        outcome = services.run_policy(
            policy, now=NOW, batch_size=2, progress=lock_after_first_batch
        )
        took = time.monotonic() - began
        other.rollback()
    assert outcome.failed and "lock timeout" in outcome.error
    assert took < 10  # 3 tries of 0.05 s lock_timeout each, not a wait for the lock holder
    assert RetentionLog.objects.count() == 6  # the first batch stays deleted
    assert REGISTRY.get_sample_value(stamp, {"model": LOG}) == before  # no success recorded
