from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from infra_core import context


def test_bind_inside_block_sets_values_and_restores_after() -> None:
    with context.bind(request_id="outer", user_id="7", plan="pro") as rid:
        assert rid == "outer"
        assert (context.get_request_id(), context.get_user_id(), context.get_plan()) == (
            "outer",
            "7",
            "pro",
        )
        with context.bind(request_id="inner"):
            assert context.get_request_id() == "inner"
            assert context.get_user_id() is None
        assert context.get_request_id() == "outer"
    assert context.get_request_id() is None


def test_bind_without_request_id_generates_one() -> None:
    with context.bind() as rid:
        assert len(rid) == 32
        assert context.get_request_id() == rid


def test_bind_exception_in_block_still_restores() -> None:
    try:
        with context.bind(request_id="doomed"):
            raise RuntimeError("x")
    except RuntimeError:
        pass
    assert context.get_request_id() is None


def test_context_threads_each_see_only_their_own_id() -> None:
    barrier = threading.Barrier(8, timeout=10)

    def work(i: int) -> tuple[str, str | None]:
        with context.bind(request_id=f"t-{i}"):
            barrier.wait()  # all threads bound at once: a shared store would leak here
            return f"t-{i}", context.get_request_id()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    assert all(sent == seen for sent, seen in results)


def test_context_new_thread_does_not_inherit_without_run_in_context() -> None:
    seen: list[str | None] = []
    with context.bind(request_id="parent"):
        t = threading.Thread(target=lambda: seen.append(context.get_request_id()))
        t.start()
        t.join(5)
    assert seen == [None]


def test_run_in_context_carries_id_into_thread() -> None:
    seen: list[str | None] = []
    with context.bind(request_id="parent"):
        fn = context.run_in_context(lambda: seen.append(context.get_request_id()))
        t = threading.Thread(target=fn)
        t.start()
        t.join(5)
    assert seen == ["parent"]


def test_context_async_tasks_are_isolated() -> None:
    async def one(i: int) -> tuple[str, str | None]:
        with context.bind(request_id=f"a-{i}"):
            await asyncio.sleep(0.01 * (i % 3))
            return f"a-{i}", context.get_request_id()

    async def main() -> list[tuple[str, str | None]]:
        return await asyncio.gather(*(one(i) for i in range(30)))

    assert all(sent == seen for sent, seen in asyncio.run(main()))


def test_snapshot_as_headers_contains_only_set_values() -> None:
    with context.bind(request_id="r1", plan="basic"):
        headers = context.snapshot().as_headers()
    assert headers == {"infra_core_request_id": "r1", "infra_core_plan": "basic"}


def test_ensure_request_id_outside_request_binds_once() -> None:
    def run() -> tuple[str, str]:
        first = context.ensure_request_id()
        return first, context.ensure_request_id()

    import contextvars

    first, second = contextvars.copy_context().run(run)
    assert first == second and len(first) == 32


def test_resolve_user_id_calls_the_loader_once_get_user_id_never() -> None:
    import contextvars

    from infra_core import context

    calls: list[int] = []

    def loader() -> str | None:
        calls.append(1)
        context.user_id_var.set("42")
        return "42"

    def run() -> tuple[str | None, str | None, str | None]:
        context.user_loader_var.set(loader)
        before = context.get_user_id()  # logs read this: it must never load anything
        return before, context.resolve_user_id(), context.resolve_user_id()

    assert contextvars.copy_context().run(run) == (None, "42", "42")
    assert calls == [1]


def test_task_headers_carry_a_user_nothing_had_loaded_yet() -> None:
    import contextvars

    from infra_core import context
    from infra_core.tasks.receivers import add_context_headers

    def run() -> dict[str, str]:
        headers: dict[str, str] = {}
        with context.bind(request_id="r-1"):
            context.user_loader_var.set(lambda: "7")
            add_context_headers(headers=headers)
        return headers

    headers = contextvars.copy_context().run(run)
    assert headers["infra_core_user_id"] == "7" and headers["infra_core_request_id"] == "r-1"
