"""atomic_with_retry: what it retries, what it never retries, backoff, refusal, the metric."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from prometheus_client import REGISTRY

from infra_core.db import NestedRetryError, atomic_with_retry
from infra_core.db.retry import Retrying, classify
from tests.testapp.models_db import Account

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's 'database table is locked' (shared cache)"
)


def retries(reason: str) -> float:
    return REGISTRY.get_sample_value("infra_core_db_retries_total", {"reason": reason}) or 0.0


def test_delay_doubles_from_backoff_and_stops_at_the_cap() -> None:
    retrying = Retrying(jitter=0.0)
    delays = [retrying.delay(n, backoff=0.1, max_backoff=0.3) for n in (1, 2, 3, 4)]
    assert delays == pytest.approx([0.1, 0.2, 0.3, 0.3])


def test_delay_jitter_only_shortens_within_its_fraction() -> None:
    low = Retrying(jitter=0.5, rng=lambda: 1.0).delay(2, backoff=0.1, max_backoff=5)
    high = Retrying(jitter=0.5, rng=lambda: 0.0).delay(2, backoff=0.1, max_backoff=5)
    assert (low, high) == pytest.approx((0.1, 0.2))


@pytest.mark.parametrize("options", [{"attempts": 0}, {"backoff": -1}, {"jitter": 1.5}])
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        atomic_with_retry(**options)


def test_classify_non_transient_errors_is_none() -> None:
    assert classify(ValueError("database is locked")) is None
    assert classify(IntegrityError("duplicate key")) is None


@pytest.mark.django_db(transaction=True)
def test_inside_an_outer_atomic_block_is_refused_with_a_clear_error() -> None:
    calls = []
    with transaction.atomic(), pytest.raises(NestedRetryError, match="outermost transaction"):
        for attempt in atomic_with_retry():
            with attempt:
                calls.append(1)
    assert calls == []


@pytest.mark.django_db(transaction=True)
def test_decorated_function_inside_atomic_is_refused() -> None:
    @atomic_with_retry
    def work() -> int:
        return 1

    with transaction.atomic(), pytest.raises(NestedRetryError):
        work()


@pytest.mark.django_db
def test_inside_django_testcase_atomic_runs_as_a_savepoint() -> None:
    @atomic_with_retry(attempts=2)
    def open_account() -> Account:
        return Account.objects.create(name="tc")

    assert open_account().pk is not None


def test_decorator_keeps_the_function_name_and_doc() -> None:
    @atomic_with_retry(attempts=2)
    def open_account() -> None:
        """Open one."""

    assert (open_account.__name__, open_account.__doc__) == ("open_account", "Open one.")


@pytest.mark.django_db(transaction=True)
def test_body_committed_once_on_success() -> None:
    for attempt in atomic_with_retry():
        with attempt:
            Account.objects.create(name="once")
    assert Account.objects.filter(name="once").count() == 1


@pytest.mark.django_db(transaction=True)
def test_unique_violation_is_not_retried() -> None:
    Account.objects.create(name="taken")
    calls: list[int] = []
    sleeps: list[float] = []

    @atomic_with_retry(attempts=3, sleep=sleeps.append)
    def duplicate() -> None:
        calls.append(1)
        Account.objects.create(name="taken")

    with pytest.raises(IntegrityError):
        duplicate()
    assert (calls, sleeps) == ([1], [])


@pytest.mark.django_db(transaction=True)
def test_non_database_error_propagates_and_rolls_back() -> None:
    with pytest.raises(KeyError):
        for attempt in atomic_with_retry():
            with attempt:
                Account.objects.create(name="gone")
                raise KeyError("boom")
    assert not Account.objects.filter(name="gone").exists()


class TableLocker(threading.Thread):
    """Hold a write transaction on the accounts table until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.locked = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        try:
            with transaction.atomic():
                Account.objects.create(name="locker")
                self.locked.set()
                self.release.wait(20)
        finally:
            connection.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_locked_table_is_retried_after_backoff_and_commits() -> None:
    locker = TableLocker()
    locker.start()
    assert locker.locked.wait(10)
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # the lock holder finishes while we back off
        sleeps.append(seconds)
        locker.release.set()
        locker.join(10)

    before = retries("database_locked")
    for attempt in atomic_with_retry(attempts=3, backoff=0.01, sleep=sleep):
        with attempt:
            Account.objects.create(name="writer")
    assert len(sleeps) == 1
    assert retries("database_locked") == before + 1
    assert set(Account.objects.values_list("name", flat=True)) == {"locker", "writer"}


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_lock_held_throughout_raises_after_the_last_attempt() -> None:
    locker = TableLocker()
    locker.start()
    assert locker.locked.wait(10)
    sleeps: list[float] = []
    try:
        with pytest.raises(OperationalError, match="locked"):
            for attempt in atomic_with_retry(attempts=3, backoff=0.01, sleep=sleeps.append):
                with attempt:
                    Account.objects.create(name="writer")
    finally:
        locker.release.set()
        locker.join(10)
    assert len(sleeps) == 2  # three attempts, two pauses
