"""The candidate cuts of issue 16, each beside the alternative (bench/bench_stack.py).

Two cuts are made in infra_core (the access line's orjson path, the request id from
``os.urandom``): their pair is "before" (rebuilt here) and "now" (infra_core's own call). The
others are stand-ins built in this file, measured before anyone decides to make them.
``cut_callables()`` returns ``{cut: {first_name: fn, second_name: fn}}`` of zero-argument calls;
the saving printed is first minus second.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any


def _access_record() -> logging.LogRecord:
    from infra_core.logging.filters import ContextFilter, RedactFilter

    record = logging.getLogger("infra_core.access").makeRecord(
        "infra_core.access",
        logging.INFO,
        __file__,
        1,
        "%s %s %s %.1fms",
        ("GET", "ping", 200, 0.4),
        None,
        extra={
            "method": "GET",
            "route": "ping",
            "status": 200,
            "duration_ms": 0.412,
            "client_ip": "127.0.0.1",
            "user_id": None,
            "slow": False,
        },
    )
    ContextFilter().filter(record)
    RedactFilter().filter(record)
    return record


def _chain(layers: int) -> Callable[[], Any]:
    # Pass-through HybridMiddleware layers as Django's handler stacks them (each wrapped in
    # convert_exception_to_response): what one combined class would save per layer dropped.
    from django.core.handlers.exception import convert_exception_to_response
    from django.test import RequestFactory

    from infra_core.middleware_base import HybridMiddleware

    class PassThrough(HybridMiddleware):
        def __call__(self, request: Any) -> Any:
            if self.is_async:
                return self.__acall__(request)  # pragma: no cover - sync chain here
            return self.get_response(request)

    def view(request: Any) -> int:
        return 200

    handler: Any = convert_exception_to_response(view)
    for _ in range(layers):
        handler = convert_exception_to_response(PassThrough(handler))
    request = RequestFactory().get("/ping")
    return lambda: handler(request)


def cut_callables() -> dict[str, dict[str, Callable[[], Any]]]:
    """Configure Django for the infra stack and return the paired calls of every cut."""
    from bench.stack_app import RATE, configure

    configure("infra")
    from django.test import RequestFactory
    from django.urls import resolve

    from infra_core import context
    from infra_core.logging.formatters import JsonFormatter
    from infra_core.metrics.definitions import HTTP_DURATION, HTTP_REQUESTS
    from infra_core.metrics.middleware import record_request
    from infra_core.ratelimit.decision import hit
    from infra_core.ratelimit.engine import LocalLimiter
    from infra_core.ratelimit.rates import parse_rate
    from infra_core.request_id.middleware import _VARS

    record = _access_record()
    # Any serialiser other than json.dumps itself keeps python-json-logger's own path.
    before_fmt = JsonFormatter(json_serializer=lambda obj, **kw: json.dumps(obj, **kw))
    now_fmt = JsonFormatter()
    assert json.loads(before_fmt.format(record)) == json.loads(now_fmt.format(record))

    request = RequestFactory().get("/ping")
    request.resolver_match = resolve("/ping")
    counter = HTTP_REQUESTS.labels("ping", "GET", "200")
    histogram = HTTP_DURATION.labels("ping", "GET")

    def children_once() -> None:
        counter.inc()
        histogram.observe(0.0004)

    one_var: ContextVar[Any] = ContextVar("bench_one_context", default=None)
    rid = "0" * 32

    def vars_today() -> None:
        token = context.request_id_var.set(rid)
        tokens = [(var, var.set(None)) for var in _VARS]
        for var, tok in tokens:
            var.reset(tok)
        context.request_id_var.reset(token)

    def vars_one() -> None:
        one_var.reset(one_var.set((rid, None, None, None, None, None)))

    rate = parse_rate(RATE)
    local = LocalLimiter()
    return {
        "access line serialiser (made)": {
            "before: python-json-logger's json.dumps path": lambda: before_fmt.format(record),
            "now: JsonFormatter's orjson path": lambda: now_fmt.format(record),
        },
        "metrics label children": {
            "record_request()": lambda: record_request(request, 200, 0.0004),
            "children resolved once": children_once,
        },
        "request id (made)": {
            "before: uuid4().hex": lambda: uuid.uuid4().hex,
            "now: context.new_request_id() (os.urandom)": context.new_request_id,
        },
        "context variables": {
            "6 sets + 6 resets": vars_today,
            "1 set + 1 reset (one context object)": vars_one,
        },
        "one combined middleware": {
            "4 middleware layers": _chain(4),
            "1 layer": _chain(1),
        },
        "rate-limit round trip": {
            "hit() on Redis (1 EVALSHA)": lambda: hit("bench_cut", "127.0.0.1", rate),
            "in-process sliding log (leased-permit floor)": lambda: local.hit("k", rate),
        },
    }
