"""The one request context: contextvars for request id, user id, plan and task id.

No Django imports here: logging filters, Celery signal handlers and plain threads read it cheaply.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "infra_core_request_id", default=None
)
user_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "infra_core_user_id", default=None
)
plan_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "infra_core_plan", default=None
)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "infra_core_task_id", default=None
)
route_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "infra_core_route", default=None
)
# Loads the request's user and returns its id: bound by AccessLogMiddleware when nothing has
# loaded the user yet, so only code that needs the actor (audit fields, task headers) pays the
# session and user queries, never a log line or a probe.
user_loader_var: contextvars.ContextVar[Callable[[], str | None] | None] = contextvars.ContextVar(
    "infra_core_user_loader", default=None
)

P = ParamSpec("P")
R = TypeVar("R")


def new_request_id() -> str:
    """Return a fresh request id (32 lowercase hex characters, 128 random bits).

    ``os.urandom(16).hex()``: the same randomness as ``uuid4().hex`` without building a UUID
    object (~4 µs a request on the benchmark VM, docs/performance.md).
    """
    return os.urandom(16).hex()


def get_request_id() -> str | None:
    """Return the request id bound to the current context, if any."""
    return request_id_var.get()


def get_user_id() -> str | None:
    """Return the user id bound to the current context (never loads anything)."""
    return user_id_var.get()


def resolve_user_id() -> str | None:
    """Return the user id, loading the request's user first if nothing has yet (may query)."""
    uid = user_id_var.get()
    if uid is None:
        loader = user_loader_var.get()
        if loader is not None:
            uid = loader()
    return uid


def get_plan() -> str | None:
    return plan_var.get()


def get_task_id() -> str | None:
    return task_id_var.get()


def get_route() -> str | None:
    return route_var.get()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The context values at one moment, for carrying across a queue or thread."""

    request_id: str | None = None
    user_id: str | None = None
    plan: str | None = None
    task_id: str | None = None

    def as_headers(self) -> dict[str, str]:
        """Return the non-empty values as ``infra_core_*`` message headers."""
        items = {
            "infra_core_request_id": self.request_id,
            "infra_core_user_id": self.user_id,
            "infra_core_plan": self.plan,
        }
        return {k: v for k, v in items.items() if v}


def snapshot() -> Snapshot:
    """Return the current context values."""
    return Snapshot(request_id_var.get(), user_id_var.get(), plan_var.get(), task_id_var.get())


@contextmanager
def bind(
    *,
    request_id: str | None = None,
    user_id: str | None = None,
    plan: str | None = None,
    task_id: str | None = None,
) -> Iterator[str]:
    """Bind context values for the ``with`` block and restore the previous ones after.

    A missing ``request_id`` gets a fresh one; the bound request id is yielded.
    """
    rid = request_id or new_request_id()
    tokens = [
        (request_id_var, request_id_var.set(rid)),
        (user_id_var, user_id_var.set(user_id)),
        (plan_var, plan_var.set(plan)),
        (task_id_var, task_id_var.set(task_id)),
    ]
    try:
        yield rid
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def ensure_request_id() -> str:
    """Return the current request id, binding a fresh one for code outside any request.

    Management commands and scripts call this once; the id then stays for the process's context.
    """
    rid = request_id_var.get()
    if rid is None:
        rid = new_request_id()
        request_id_var.set(rid)
    return rid


def run_in_context(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap ``func`` so that it runs in a copy of the caller's context (for threads and pools)."""
    ctx = contextvars.copy_context()

    def runner(*args: P.args, **kwargs: P.kwargs) -> R:
        return ctx.copy().run(func, *args, **kwargs)

    return runner
