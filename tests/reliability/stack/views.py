"""Views of the reliability stack: rate-limited, cached, database-writing, task-enqueueing."""

from __future__ import annotations

import os

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from infra_core.cache import get_or_compute
from infra_core.db import atomic_with_retry
from infra_core.errors import JobQueueError
from infra_core.ratelimit import rate_limit


def ping(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def pid(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(os.getpid()))


@rate_limit("relopen", key="ip", rate="1200/m")
def limited_open(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# Only the fault probes call this one: the load never fills its fail-open fallback bucket, so a
# 429 from it during an outage can only be the wrong policy (wrk's /relopen/ may legitimately
# exhaust its per-process fallback count of 1,200/m while Redis is away).
@rate_limit("relprobe", key="ip", rate="1200/m")
def limited_open_probe(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@rate_limit("relclosed", key="ip", rate="1000000/m")
def limited_closed(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


# Exactness: one scope per test, so each starts from an empty bucket (the sliding log, exact).
@rate_limit("relexact1", key="ip", rate="50/m")
def exact_one(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@rate_limit("relexact2", key="ip", rate="50/m")
def exact_two(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def cached(request: HttpRequest) -> JsonResponse:
    n = int(request.GET.get("n", "0")) % 20
    value = get_or_compute(f"relcached:{n}", lambda: {"n": n, "squared": n * n}, ttl=30)
    return JsonResponse(value)


def _execute(sql: str, params: list[object]) -> None:
    for attempt in atomic_with_retry(attempts=5):
        with attempt, connection.cursor() as cursor:
            cursor.execute(sql, params)


def write(request: HttpRequest) -> HttpResponse:
    _execute("INSERT INTO rel_writes (pid) VALUES (%s)", [os.getpid()])
    return HttpResponse("written")


def enqueue(request: HttpRequest) -> HttpResponse:
    """Record the key as sent, publish it (503 job_queue_unavailable if the broker is away)."""
    from tests.reliability.stack.tasks import apply_key

    key = request.GET["key"]
    fail = request.GET.get("fail") == "1"
    sleep = float(request.GET.get("sleep", "0"))
    _execute("INSERT INTO rel_sent (key, state, fail) VALUES (%s, 'publishing', %s)", [key, fail])
    try:
        apply_key.apply_async(kwargs={"key": key, "fail": fail, "sleep": sleep}, task_id=key)
    except JobQueueError:
        _execute("UPDATE rel_sent SET state = 'refused' WHERE key = %s", [key])
        raise
    _execute("UPDATE rel_sent SET state = 'sent' WHERE key = %s", [key])
    return HttpResponse("queued", status=202)
