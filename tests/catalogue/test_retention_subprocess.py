"""Catalogue I (retention) cases that need a real ``infra_cleanup`` process on PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

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
