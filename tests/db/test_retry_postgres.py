"""atomic_with_retry on PostgreSQL: real serialization failures and a terminated backend."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from django.db import connection
from prometheus_client import REGISTRY

from infra_core.db import atomic_with_retry
from tests.db.conftest import postgres_only
from tests.testapp.models_db import Account

pytestmark = [pytest.mark.integration, postgres_only, pytest.mark.django_db(transaction=True)]


def retries(reason: str) -> float:
    return REGISTRY.get_sample_value("infra_core_db_retries_total", {"reason": reason}) or 0.0


def _serializable() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")


def test_serializable_write_skew_is_retried_and_both_effects_land_once() -> None:
    Account.objects.create(name="seed", balance=1)
    barrier = threading.Barrier(2, timeout=10)
    attempts: dict[str, int] = {}
    errors: list[BaseException] = []

    def open_account(name: str) -> None:
        # Each reads the total, then inserts a row the other's read should have seen: a real
        # read/write dependency cycle, so SERIALIZABLE must abort one of them.
        try:
            for attempt in atomic_with_retry(attempts=5, backoff=0.01):
                with attempt:
                    attempts[name] = attempt.number
                    _serializable()
                    total = sum(Account.objects.values_list("balance", flat=True))
                    if attempt.number == 1:
                        barrier.wait()  # both have read before either writes
                    Account.objects.create(name=name, balance=total)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    before = retries("serialization_failure")
    threads = [threading.Thread(target=open_account, args=(n,)) for n in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(attempts.values()) == [1, 2]  # one committed first time, one was retried
    assert retries("serialization_failure") == before + 1
    rows = dict(Account.objects.values_list("name", "balance"))
    assert sorted(rows) == ["left", "right", "seed"]  # each effect exactly once
    retried = "left" if attempts["left"] == 2 else "right"
    assert rows[retried] == 2  # the retry re-read and saw the other's row


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}
    with psycopg.connect(**dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_backend_terminated_mid_transaction_is_retried_on_a_fresh_connection() -> None:
    pids: list[int] = []
    before = retries("connection_lost")
    for attempt in atomic_with_retry(attempts=3, backoff=0.01):
        with attempt:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids.append(int(cursor.fetchone()[0]))
            Account.objects.create(name=f"try{attempt.number}")
            if attempt.number == 1:
                _terminate(pids[-1])
                Account.objects.create(name="after-kill")  # the dead session fails here
    assert len(pids) == 2 and pids[0] != pids[1]
    assert retries("connection_lost") == before + 1
    assert list(Account.objects.values_list("name", flat=True)) == ["try2"]


def test_deadlock_between_two_transactions_is_retried() -> None:
    a = Account.objects.create(name="a")
    b = Account.objects.create(name="b")
    barrier = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []
    before = retries("deadlock")

    def transfer(first: Any, second: Any) -> None:
        try:
            for attempt in atomic_with_retry(attempts=5, backoff=0.01):
                with attempt:
                    Account.objects.filter(pk=first.pk).update(balance=1)
                    if attempt.number == 1:
                        barrier.wait()  # each holds one row lock and wants the other's
                    Account.objects.filter(pk=second.pk).update(balance=2)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=transfer, args=p) for p in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert retries("deadlock") == before + 1
