"""The candidate cuts of issue 16, each beside the alternative (bench/bench_stack.py).

The cuts made in infra_core (the access line's orjson path, the request id from ``os.urandom``,
the access record without ``findCaller``, the formatter's own field pass and per-second
timestamp, the rate-limit headers' cached policy) are paired "before" (rebuilt here) and "now"
(infra_core's own call). The others are stand-ins built in this file, measured before anyone
decides to make them.
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

# The fields AccessLogMiddleware gives a line of GET /ping.
ACCESS_EXTRA: dict[str, Any] = {
    "method": "GET",
    "route": "ping",
    "status": 200,
    "duration_ms": 0.412,
    "client_ip": "127.0.0.1",
    "user_id": None,
    "slow": False,
}


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
        extra=ACCESS_EXTRA,
    )
    ContextFilter().filter(record)
    RedactFilter().filter(record)
    return record


def _headers_before(decision: Any) -> dict[str, str]:
    # rate_limit_headers() before the cut: the scope quoted and the policy built per response.
    from infra_core.ratelimit.headers import _sf_string

    name = _sf_string(decision.scope or "default")
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset),
        "RateLimit-Policy": f"{name};q={decision.limit};w={decision.window}",
        "RateLimit": f"{name};r={decision.remaining};t={decision.reset}",
    }


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
    from datetime import UTC, datetime

    from django.test import RequestFactory
    from django.urls import resolve
    from pythonjsonlogger.json import JsonFormatter as PJLJsonFormatter

    from infra_core import context
    from infra_core.logging.access import _LINENO, access_logger
    from infra_core.logging.formatters import JsonFormatter
    from infra_core.metrics.definitions import HTTP_DURATION, HTTP_REQUESTS
    from infra_core.metrics.middleware import record_request
    from infra_core.ratelimit.decision import hit
    from infra_core.ratelimit.engine import Decision, LocalLimiter
    from infra_core.ratelimit.headers import rate_limit_headers
    from infra_core.ratelimit.rates import parse_rate
    from infra_core.request_id.middleware import _VARS

    record = _access_record()
    # Any serialiser other than json.dumps itself keeps python-json-logger's own path.
    before_fmt = JsonFormatter(json_serializer=lambda obj, **kw: json.dumps(obj, **kw))
    now_fmt = JsonFormatter()
    assert json.loads(before_fmt.format(record)) == json.loads(now_fmt.format(record))

    def fields_before() -> None:
        PJLJsonFormatter.add_fields(now_fmt, {}, record, {})

    def fields_now() -> None:
        now_fmt._record_fields({}, record, {})

    def stamp_before() -> str:
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    assert stamp_before() == now_fmt.formatTime(record)
    line_args = ("GET", "ping", 200, 0.41)
    line_extra = dict(ACCESS_EXTRA)
    fmt = "%s %s %s %.1fms"

    def line_before() -> None:  # Logger.log: findCaller walks the stack for the origin
        access_logger.log(logging.INFO, fmt, *line_args, extra=line_extra)

    def line_now() -> None:  # AccessLogMiddleware._log: makeRecord + handle, origin known
        access_logger.handle(
            access_logger.makeRecord(
                access_logger.name, 20, __file__, _LINENO, fmt, line_args, None, "_log", line_extra
            )
        )

    decision = Decision(True, 1_000_000, 999_000, 60, 60, "bench")
    assert _headers_before(decision) == rate_limit_headers(decision)

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
        "access record (made)": {
            "before: Logger.log() (findCaller)": line_before,
            "now: makeRecord() + handle()": line_now,
        },
        "formatter field pass (made)": {
            "before: python-json-logger's add_fields": fields_before,
            "now: JsonFormatter's own pass": fields_now,
        },
        "line timestamp (made)": {
            "before: datetime.fromtimestamp().isoformat()": stamp_before,
            "now: per-second cache": lambda: now_fmt.formatTime(record),
        },
        "rate-limit headers (made)": {
            "before: policy built per response": lambda: _headers_before(decision),
            "now: cached per scope and rate": lambda: rate_limit_headers(decision),
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
