"""RATELIMIT_RECORD_VIOLATIONS: blocked requests become aggregated RateLimitViolation rows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient, Client
from pytest_django.fixtures import DjangoAssertNumQueries
from pytest_django.fixtures import Settings as SettingsWrapper

from infra_core.metrics.definitions import OBSERVER_ERRORS
from infra_core.ratelimit import violations
from infra_core.ratelimit.keys import digest
from infra_core.ratelimit.models import RateLimitViolation
from infra_core.ratelimit.violations import Aggregate, Batch, ViolationRecorder

MIDDLEWARE = "infra_core.middleware.RateLimitMiddleware"
URLS = pytest.mark.urls("tests.ratelimit.urls")


@pytest.fixture(autouse=True)
def _no_pending_counts() -> Iterator[None]:
    violations.RECORDER.drain()
    yield
    violations.RECORDER.drain()


@pytest.fixture
def limited(settings: SettingsWrapper) -> Any:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]

    def configure(record: bool = True, **infra: Any) -> None:
        settings.INFRA_CORE = {
            "RATELIMIT_RATES": {"api": "2/m"},
            "RATELIMIT_RULES": [{"path": "/api/", "scope": "api", "key": "header:X-Client"}],
            "RATELIMIT_RECORD_VIOLATIONS": record,
            **infra,
        }

    return configure


def _get(client: Client, client_id: str, n: int, path: str = "/api/plain/") -> list[int]:
    return [client.get(path, HTTP_X_CLIENT=client_id).status_code for _ in range(n)]


def _observer_errors() -> float:
    return float(OBSERVER_ERRORS.labels(component="ratelimit_violations")._value.get())


def _batch(n: int = 1, scope: str = "api") -> Batch:
    at = datetime(2026, 1, 1, 12, 0, n % 60, tzinfo=UTC)
    agg = Aggregate(scope, "ip", "d1", "basic", at.replace(second=0))
    return Batch(agg, count=1, first_at=at, last_at=at, key="ip:203.0.113.1", path=f"/p{n}/")


@URLS
@pytest.mark.django_db
def test_violation_blocked_request_through_middleware_creates_one_row(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    assert _get(client, client_id, 3) == [200, 200, 429]
    row = RateLimitViolation.objects.get()
    assert (row.scope, row.key_kind, row.plan, row.count) == ("api", "header:X-Client", "basic", 1)
    assert row.last_path == "/api/plain/"
    assert row.rate == "2/60s"
    assert row.window_start == row.first_at.replace(second=0, microsecond=0)


@URLS
@pytest.mark.django_db
def test_violation_row_carries_request_id_of_last_block(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    _get(client, client_id, 2)
    response = client.get("/api/plain/", HTTP_X_CLIENT=client_id, HTTP_X_REQUEST_ID="req-abc-123")
    assert response.status_code == 429
    assert RateLimitViolation.objects.get().last_request_id == response["X-Request-ID"]


@URLS
@pytest.mark.django_db
def test_violation_header_key_stores_digest_not_value(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    _get(client, client_id, 3)
    row = RateLimitViolation.objects.get()
    assert row.key == ""
    assert row.key_digest == digest(f"header:x-client:{client_id}")
    assert client_id not in str(list(RateLimitViolation.objects.values()))


@URLS
@pytest.mark.django_db
def test_violation_ip_key_through_decorator_stores_the_address(
    settings: SettingsWrapper, client: Client, client_ip_addr: str
) -> None:
    settings.INFRA_CORE = {"RATELIMIT_RECORD_VIOLATIONS": True}
    statuses = [client.get("/byip/", REMOTE_ADDR=client_ip_addr).status_code for _ in range(2)]
    assert statuses == [200, 429]
    row = RateLimitViolation.objects.get()
    assert (row.scope, row.key_kind, row.key) == ("byip", "ip", f"ip:{client_ip_addr}")


@URLS
@pytest.mark.django_db(transaction=True)
def test_violation_async_view_block_is_recorded(settings: SettingsWrapper, client_id: str) -> None:
    settings.INFRA_CORE = {"RATELIMIT_RECORD_VIOLATIONS": True}

    async def run() -> list[int]:
        client = AsyncClient()
        statuses = [
            (await client.get("/async/", headers={"X-Client": client_id})).status_code
            for _ in range(4)
        ]
        # The row was written on Django's sync thread: close its connection there, or PostgreSQL
        # cannot drop the test database.
        await sync_to_async(connections.close_all)()
        return statuses

    assert asyncio.run(run()) == [200, 200, 200, 429]
    row = RateLimitViolation.objects.get()
    assert (row.scope, row.count, row.last_path) == ("async", 1, "/async/")


@URLS
@pytest.mark.django_db
def test_violation_flood_from_one_key_is_one_row_counting_every_block(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    statuses = _get(client, client_id, 52)
    violations.flush()
    assert statuses.count(429) == 50
    row = RateLimitViolation.objects.get()
    assert row.count == 50


@URLS
@pytest.mark.django_db
def test_violation_different_keys_get_different_rows(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    for suffix in ("a", "b", "c"):
        _get(client, client_id + suffix, 4)
    violations.flush()
    rows = RateLimitViolation.objects.order_by("key_digest")
    assert [r.count for r in rows] == [2, 2, 2]
    assert len({r.key_digest for r in rows}) == 3


@URLS
@pytest.mark.django_db
def test_violation_setting_off_records_nothing_and_queries_nothing(
    limited: Any, client: Client, client_id: str, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    limited(record=False)
    _get(client, client_id, 2)
    with django_assert_num_queries(0):
        assert _get(client, client_id, 5) == [429] * 5
    violations.flush()
    assert not RateLimitViolation.objects.exists()


@URLS
@pytest.mark.django_db
def test_violation_allowed_requests_record_nothing(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    assert _get(client, client_id, 2) == [200, 200]
    violations.flush()
    assert not RateLimitViolation.objects.exists()


@URLS
@pytest.mark.django_db
def test_violation_database_failure_is_counted_and_429_still_goes_out(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    before = _observer_errors()
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(f"DROP TABLE {RateLimitViolation._meta.db_table}")
    assert _get(client, client_id, 3) == [200, 200, 429]
    assert _observer_errors() == before + 1


@URLS
@pytest.mark.django_db
def test_violation_database_failure_leaves_request_transaction_usable(
    limited: Any, client: Client, client_id: str
) -> None:
    limited()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {RateLimitViolation._meta.db_table}")
    _get(client, client_id, 3)
    with connection.cursor() as cursor:  # PostgreSQL refuses this if the savepoint leaked
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_violation_write_adds_to_existing_row_and_keeps_first_and_last() -> None:
    early, late = _batch(5), _batch(30)
    violations.write(late)
    violations.write(early)  # an older batch from another process arrives second
    row = RateLimitViolation.objects.get()
    assert row.count == 2
    assert (row.first_at, row.last_at) == (early.first_at, late.last_at)


def test_recorder_writes_first_block_at_once() -> None:
    recorder = ViolationRecorder(clock=lambda: 100.0)
    assert recorder.add(_batch()) == [_batch()]


def test_recorder_holds_blocks_within_interval_in_memory() -> None:
    recorder = ViolationRecorder(clock=lambda: 100.0)
    due = [recorder.add(_batch(i)) for i in range(50)]
    assert sum(len(d) for d in due) == 1


def test_recorder_next_write_after_interval_carries_the_held_count() -> None:
    now = [100.0]
    recorder = ViolationRecorder(interval=1.0, clock=lambda: now[0])
    for i in range(50):
        recorder.add(_batch(i))
    now[0] = 101.0
    (due,) = recorder.add(_batch(50))
    assert due.count == 50
    assert (due.first_at, due.path) == (_batch(1).first_at, "/p50/")


def test_recorder_due_write_sweeps_other_held_aggregates() -> None:
    now = [100.0]
    recorder = ViolationRecorder(interval=1.0, clock=lambda: now[0])
    recorder.add(_batch(1, scope="a"))
    recorder.add(_batch(2, scope="a"))  # held
    now[0] = 102.0
    due = recorder.add(_batch(3, scope="b"))
    assert [(b.aggregate.scope, b.count) for b in due] == [("b", 1), ("a", 1)]


def test_recorder_drain_returns_held_counts_once() -> None:
    recorder = ViolationRecorder(clock=lambda: 100.0)
    for i in range(3):
        recorder.add(_batch(i))
    assert [b.count for b in recorder.drain()] == [2]
    assert recorder.drain() == []


def test_recorder_full_of_held_counts_writes_new_aggregate_through() -> None:
    recorder = ViolationRecorder(max_tracked=1, clock=lambda: 100.0)
    recorder.add(_batch(1, scope="a"))
    recorder.add(_batch(2, scope="a"))  # held: the only slot is busy
    assert [b.aggregate.scope for b in recorder.add(_batch(3, scope="b"))] == ["b"]
    assert [b.aggregate.scope for b in recorder.add(_batch(4, scope="c"))] == ["c"]


@pytest.mark.django_db
def test_violation_admin_changelist_renders_read_only(admin_client: Client) -> None:
    violations.write(_batch())
    response = admin_client.get("/admin/infra_core/ratelimitviolation/")
    assert response.status_code == 200
    assert b"ip:203.0.113.1" in response.content
    assert admin_client.get("/admin/infra_core/ratelimitviolation/add/").status_code == 403


@pytest.mark.django_db
def test_violation_admin_search_finds_key(admin_client: Client) -> None:
    violations.write(_batch())
    url = "/admin/infra_core/ratelimitviolation/?q="
    assert admin_client.get(url + "203.0.113.1").context["cl"].result_count == 1
    assert admin_client.get(url + "198.51.100.9").context["cl"].result_count == 0


@pytest.mark.django_db
def test_violation_admin_superuser_may_delete(admin_client: Client) -> None:
    violations.write(_batch())
    pk = RateLimitViolation.objects.get().pk
    url = f"/admin/infra_core/ratelimitviolation/{pk}/delete/"
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not RateLimitViolation.objects.exists()


@pytest.mark.django_db
def test_violation_admin_staff_with_view_permission_cannot_delete(
    client: Client, django_user_model: Any
) -> None:
    from django.contrib.auth.models import Permission

    violations.write(_batch())
    staff = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_ratelimitviolation"))
    client.force_login(staff)
    pk = RateLimitViolation.objects.get().pk
    assert client.get("/admin/infra_core/ratelimitviolation/").status_code == 200
    assert client.get(f"/admin/infra_core/ratelimitviolation/{pk}/delete/").status_code == 403
