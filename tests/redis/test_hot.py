"""Hot connections: reuse, a socket the server closed, timeouts, error replies, threads, fork."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper
from redis import ConnectionPool, Redis
from redis.connection import Connection
from redis.exceptions import MaxConnectionsError, NoScriptError, TimeoutError

from infra_core import redis as infra_redis
from infra_core.ratelimit.decision import decide
from infra_core.ratelimit.engine import pack_evalsha
from infra_core.redis import guarded
from infra_core.redis.hot import HotConnections
from tests.conftest import HOST, ThrowawayRedis

SHARED = "redis://127.0.0.1:6379/0"


def pack(*args: object) -> bytes:
    return b"".join(Connection().pack_command(*args))


CLIENT_ID = pack("CLIENT", "ID")


def _pool(url: str = SHARED, **kwargs: object) -> ConnectionPool:
    options: dict[str, object] = {"socket_timeout": 1, "socket_connect_timeout": 1, **kwargs}
    return ConnectionPool.from_url(url, **options)


@pytest.fixture
def admin() -> Iterator[Redis]:
    client = Redis.from_url(SHARED)
    yield client
    client.close()


def _named(admin: Redis, name: str) -> int:
    return sum(1 for c in admin.client_list() if c.get("name") == name)


def test_pack_evalsha_is_what_redis_py_sends() -> None:
    key = "p:1:rl:{chat:user:é}:10/60"
    assert pack_evalsha("ab" * 20, key, 10, 60_000_000, 60_001) == pack(
        "EVALSHA", "ab" * 20, 1, key, 10, 60_000_000, 60_001
    )


def test_sequential_calls_reuse_one_connection() -> None:
    hot = HotConnections(_pool())
    ids = {hot.call(CLIENT_ID) for _ in range(50)}
    assert len(ids) == 1
    assert (hot.created, hot.open, hot.idle) == (1, 1, 1)
    hot.close()
    assert (hot.open, hot.idle) == (0, 0)


def test_socket_closed_by_server_is_replaced_without_an_error(admin: Redis) -> None:
    hot = HotConnections(_pool())
    first = hot.call(CLIENT_ID)
    assert admin.client_kill_filter(_id=first) == 1
    second = hot.call(CLIENT_ID)  # the dead socket fails on use; one fresh connection answers
    assert second != first
    assert (hot.created, hot.open) == (2, 1)
    hot.close()


def test_redis_restart_costs_a_decision_no_failure(
    throwaway_redis: ThrowawayRedis, settings: SettingsWrapper
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": throwaway_redis.url},
    }
    infra_redis.reset()
    from django.test import RequestFactory

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    assert decide(request, "hot", "ip", "5/m").remaining == 4  # type: ignore[union-attr]
    throwaway_redis.stop()
    throwaway_redis.start()  # same port, empty memory, the pooled socket is dead
    after = decide(request, "hot", "ip", "5/m")
    assert after is not None and after.outcome == "allowed" and after.remaining == 4
    guard = guarded("default")
    assert guard.breaker.state.value == "closed"
    assert guard.hot is not None and guard.hot.created == 2
    infra_redis.reset()


def test_timeout_is_not_retried(throwaway_redis: ThrowawayRedis) -> None:
    hot = HotConnections(_pool(throwaway_redis.url, socket_timeout=0.3))
    hot.call(CLIENT_ID)
    Redis(host=HOST, port=throwaway_redis.port).execute_command("CLIENT", "PAUSE", 1500, "ALL")
    with pytest.raises(TimeoutError):
        hot.call(CLIENT_ID)
    assert (hot.created, hot.open, hot.idle) == (1, 0, 0)  # dropped, and no second try


def test_error_reply_leaves_the_connection_usable() -> None:
    hot = HotConnections(_pool())
    first = hot.call(CLIENT_ID)
    with pytest.raises(NoScriptError):
        hot.call(pack_evalsha("0" * 40, "hot-test", 1, 2, 3))
    assert hot.call(CLIENT_ID) == first
    assert hot.created == 1
    hot.close()


def test_threads_leave_at_most_max_idle_sockets_open(admin: Redis) -> None:
    name = f"hot-test-{os.getpid()}"
    hot = HotConnections(_pool(client_name=name), max_idle=2)
    start = threading.Barrier(8)
    replies: list[int] = []

    def work() -> None:
        start.wait(10)
        replies.extend(hot.call(CLIENT_ID) for _ in range(50))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(replies) == 400
    assert hot.idle <= 2 and hot.open == hot.idle
    assert _named(admin, name) == hot.idle  # the surplus sockets are really closed
    hot.close()
    deadline = time.monotonic() + 5
    while _named(admin, name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _named(admin, name) == 0


def test_max_connections_is_honoured(throwaway_redis: ThrowawayRedis) -> None:
    hot = HotConnections(_pool(throwaway_redis.url, max_connections=1, socket_timeout=3))
    hot.call(CLIENT_ID)
    Redis(host=HOST, port=throwaway_redis.port).execute_command("CLIENT", "PAUSE", 800, "ALL")
    slow = threading.Thread(target=hot.call, args=(CLIENT_ID,))
    slow.start()
    deadline = time.monotonic() + 5
    while hot.idle and time.monotonic() < deadline:
        time.sleep(0.01)  # the thread has taken the only connection
    with pytest.raises(MaxConnectionsError):
        hot.call(CLIENT_ID)
    slow.join(10)
    assert hot.open == 1


def test_guarded_alias_uses_hot_connections_and_reset_closes_them(admin: Redis) -> None:
    infra_redis.reset()
    from django.test import RequestFactory

    decide(RequestFactory().get("/", REMOTE_ADDR="198.51.100.8"), "hot", "ip", "5/m")
    hot = guarded("default").hot
    assert hot is not None and hot.idle == 1
    infra_redis.reset()
    assert hot.open == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_forked_child_opens_its_own_connection_and_leaves_the_parents_alone() -> None:
    hot = HotConnections(_pool())
    parent_id = hot.call(CLIENT_ID)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report (idle before the call, own client id), then leave at once
        code = 0
        try:
            idle = hot.idle
            child_id = hot.call(CLIENT_ID)
            os.write(write_end, f"{idle} {child_id}".encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    _, status = os.waitpid(pid, 0)
    report = os.read(read_end, 100).decode()
    os.close(read_end)
    assert os.waitstatus_to_exitcode(status) == 0
    idle, child_id = (int(x) for x in report.split())
    assert idle == 0 and child_id != parent_id
    assert hot.call(CLIENT_ID) == parent_id  # the child did not shut the parent's socket down
    hot.close()
