"""Every metric and label the rules and the dashboard query is on a real ``/metrics`` scrape.

One test run exercises what feeds each metric (requests and a 500, a rate limit failing open and
closed against a Redis port nothing listens on, which also opens its breaker, a health probe, a
dead-lettered task, a caught observer failure, a denied scrape, cache hits, errors and a lock wait
that times out, a retention run), scrapes ``/metrics`` with the
token and parses the text, so a renamed metric or label breaks this test, not an operator's alert.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from infra_core import redis as infra_redis
from infra_core.metrics.definitions import BREAKER_STATE
from infra_core.observe import observer_failed
from infra_core.ratelimit import decision as limiter
from infra_core.tasks import metrics as task_metrics
from tests.conftest import HOST, free_port
from tests.ops.conftest import dashboard, rules
from tests.ops.promql import Usage, usage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.ops.urls")]

TOKEN = "ops-kit-metrics-token-0123"
DOWN = "ops_down"
#: Labels Prometheus attaches to every scraped series (the target's), not emitted by the app.
TARGET_LABELS = frozenset({"job", "instance"})

Samples = dict[str, list[dict[str, str]]]


def _expressions() -> list[str]:
    exprs = [rule["expr"] for rule in rules()]
    for panel in dashboard()["panels"]:
        exprs.extend(target["expr"] for target in panel.get("targets", []))
    for variable in dashboard()["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):  # label_values(<metric>, <label>)
            metric, label = re.fullmatch(r"label_values\((\w+), (\w+)\)", query["query"]).groups()
            exprs.append(f'{metric}{{{label}=~".*"}}')
    return exprs


@pytest.fixture
def outage(settings: Any) -> Iterator[None]:
    """MetricsMiddleware on, rate limits on a Redis alias whose port refuses connections."""
    mw = list(settings.MIDDLEWARE)
    settings.MIDDLEWARE = [mw[0], "infra_core.middleware.MetricsMiddleware", *mw[1:]]
    settings.CACHES = {
        **settings.CACHES,
        DOWN: {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{HOST}:{free_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    settings.INFRA_CORE = {
        "METRICS_TOKEN": TOKEN,
        "RATELIMIT_CACHE": DOWN,
        "RATELIMIT_SCOPE_FAIL_OPEN": {"ops_closed": False},
        "HEALTH_CHECKS": [
            "infra_core.health.probes.DatabaseCheck",
            {"check": "infra_core.health.probes.CacheCheck", "options": {"alias": DOWN}},
        ],
        "HEALTH_CACHE_SECONDS": 0,
        "CACHE_LOCK_WAIT": 0.2,
    }
    infra_redis.reset()
    limiter.FALLBACK.clear()
    try:
        yield
    finally:
        infra_redis.reset()
        limiter.FALLBACK.clear()
        # The breaker object is gone; its gauge child would report "open" for the whole run.
        with contextlib.suppress(KeyError):  # the test failed before the breaker opened
            BREAKER_STATE.remove(f"redis:{DOWN}")


def _cache_traffic() -> None:
    """A miss then a hit, an error on the dead port, and a waiter that gives up on a slow fill."""
    from infra_core.cache import get_or_compute

    key, entered, results = f"ops-kit:{uuid.uuid4().hex}", threading.Event(), []
    assert [get_or_compute(key, lambda: 1, ttl=60) for _ in range(2)] == [1, 1]
    assert get_or_compute("ops-kit", lambda: 2, ttl=60, alias=DOWN) == 2

    def slow() -> str:
        entered.set()
        time.sleep(1.0)  # longer than CACHE_LOCK_WAIT: the second caller stops waiting
        return "slow"

    slow_key = f"{key}:slow"
    first = threading.Thread(target=lambda: results.append(get_or_compute(slow_key, slow, ttl=60)))
    first.start()
    assert entered.wait(10)
    results.append(get_or_compute(slow_key, lambda: "waiter", ttl=60))
    first.join(10)
    assert sorted(results) == ["slow", "waiter"]


def _retention_run() -> None:
    from datetime import timedelta

    from infra_core.retention import services
    from infra_core.retention.policies import Policy
    from tests.retention.conftest import NOW, logs
    from tests.testapp.models_retention import RetentionLog

    logs(expired=2, fresh=1)
    outcome = services.run_policy(Policy(RetentionLog, "created_at", timedelta(days=30)), now=NOW)
    assert (outcome.status, outcome.rows) == ("done", 2)


def _exercise(client: Client) -> None:
    from tests.testapp.tasks import not_retried

    assert client.get("/ping/").status_code == 200
    assert client.get("/boom/").status_code == 500
    statuses = [client.get("/ops/open/", HTTP_X_CLIENT="c1").status_code for _ in range(2)]
    assert statuses == [200, 429]  # fail_open, then the per-process fallback blocks
    assert client.get("/ops/closed/", HTTP_X_CLIENT="c1").status_code == 429  # fail_closed
    assert client.get("/health/").status_code == 503  # the cache check on the dead port fails
    not_retried.apply()  # fails for good: one dead letter, outcomes failure + dead_lettered
    task_metrics.PENDING._at = float("-inf")  # count the new row on this scrape
    observer_failed("metrics", RuntimeError("ops kit scrape test"))
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    _cache_traffic()
    _retention_run()


def _scrape(client: Client) -> Samples:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(dict(sample.labels))
    return samples


@pytest.fixture
def scraped(outage: None) -> Samples:
    client = Client(raise_request_exception=False)
    _exercise(client)
    return _scrape(client)


def _problems(used: Usage, samples: Samples) -> list[str]:
    problems: list[str] = []
    exposed: set[str] = set()
    for metric in sorted(used.metrics):
        if not samples.get(metric):
            problems.append(f"{metric}: no sample on /metrics")
            continue
        exposed |= {label for labels in samples[metric] for label in labels}
    for m in used.matchers:
        labels = samples.get(m.metric, [])
        if m.label in TARGET_LABELS or not labels:  # a missing metric is reported above
            continue
        if not any(m.label in s for s in labels):
            problems.append(f"{m.metric}: no label {m.label!r}")
        elif m.op in {"=", "=~"} and "$" not in m.value:
            pattern = re.escape(m.value) if m.op == "=" else m.value
            if not any(re.fullmatch(pattern, s.get(m.label, "")) for s in labels):
                problems.append(f"{m.metric}: no sample with {m.label}{m.op}{m.value!r}")
    for label in sorted(used.grouping - exposed - TARGET_LABELS):
        problems.append(f"grouping label {label!r} is on none of {sorted(used.metrics)}")
    return problems


def test_scrape_every_dashboard_and_rule_expression_reads_exposed_metrics(
    scraped: Samples,
) -> None:
    problems = {expr: p for expr in _expressions() if (p := _problems(usage(expr), scraped))}
    assert not problems, problems


def test_scrape_every_alert_template_label_is_in_its_expression_output(scraped: Samples) -> None:
    for rule in rules():
        used = usage(rule["expr"])
        text = " ".join(rule["annotations"].values())
        for label in re.findall(r"\$labels\.(\w+)", text):
            assert label in used.grouping, f"{rule['alert']}: {label} is aggregated away"


def test_scrape_a_renamed_metric_is_reported(scraped: Samples) -> None:
    # The check above can fail: a name or label value infra_core does not emit is caught.
    used = usage('rate(infra_core_http_request_total{status=~"5.."}[5m])')
    assert _problems(used, scraped) == ["infra_core_http_request_total: no sample on /metrics"]
    used = usage('rate(infra_core_ratelimit_decisions_total{decision="failed_open"}[5m])')
    assert _problems(used, scraped) == [
        "infra_core_ratelimit_decisions_total: no sample with decision='failed_open'"
    ]
    used = usage("sum by (path) (rate(infra_core_http_requests_total[5m]))")
    assert _problems(used, scraped) == [
        "grouping label 'path' is on none of ['infra_core_http_requests_total']"
    ]
