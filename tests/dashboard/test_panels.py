"""Each panel's numbers against real rows and real metrics; the links filter what they say."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from infra_core.cache import get_or_compute
from infra_core.health.models import HealthTransition
from infra_core.ratelimit.models import RateLimitViolation
from infra_core.retention import services as retention
from infra_core.tasks.models import DeadLetter
from tests.dashboard.conftest import URL


def dead_letters(task_name: str, status: str, n: int) -> None:
    DeadLetter.objects.bulk_create(
        DeadLetter(task_name=task_name, task_id=uuid.uuid4().hex, status=status,
                   exception_class="builtins.ValueError")
        for _ in range(n)
    )  # fmt: skip


def violation(scope: str, count: int, window_start: datetime, **fields: Any) -> None:
    RateLimitViolation.objects.create(
        scope=scope, key_kind="ip", key="127.0.0.1", key_digest=uuid.uuid4().hex[:32],
        window_start=window_start, count=count, last_at=window_start, **fields,
    )  # fmt: skip


def _minute(ago: timedelta) -> datetime:
    return (timezone.now() - ago).replace(second=0, microsecond=0)


@pytest.fixture
def dlq_rows(db: None) -> None:
    dead_letters("app.tasks.send_invoice", "pending", 3)
    dead_letters("app.tasks.send_invoice", "replayed", 2)
    dead_letters("app.tasks.sync", "pending", 1)
    dead_letters("app.tasks.sync", "discarded", 4)


def _tasks(response: Any) -> dict[str, dict[str, int]]:
    return {
        t["name"]: {c.status: c.n for c in t["cells"]} for t in response.context["dlq"]["tasks"]
    }


def test_dlq_panel_counts_by_task_and_status(admin_client_dash: Client, dlq_rows: None) -> None:
    response = admin_client_dash.get(URL)
    assert _tasks(response) == {
        "app.tasks.send_invoice": {"pending": 3, "replayed": 2, "discarded": 0, "resolved": 0},
        "app.tasks.sync": {"pending": 1, "replayed": 0, "discarded": 4, "resolved": 0},
    }
    # Most pending first.
    assert response.context["dlq"]["tasks"][0]["name"] == "app.tasks.send_invoice"


def test_dlq_panel_links_filter_the_changelist_by_task_and_status(
    admin_client_dash: Client, dlq_rows: None
) -> None:
    response = admin_client_dash.get(URL)
    html = response.content.decode()
    checked = 0
    for task in response.context["dlq"]["tasks"]:
        for cell in task["cells"]:
            assert f'href="{cell.href.replace("&", "&amp;")}"' in html
            changelist = admin_client_dash.get(cell.href)
            assert changelist.status_code == 200, cell.href  # not the admin's ?e=1 redirect
            cl = changelist.context["cl"]
            assert cl.result_count == cell.n, cell.href
            assert {(r.task_name, r.status) for r in cl.result_list} <= {
                (task["name"], cell.status)
            }
            checked += 1
    assert checked == 8


def test_dlq_panel_status_chart_links_filter_by_status(
    admin_client_dash: Client, dlq_rows: None
) -> None:
    html = admin_client_dash.get(URL).content.decode()
    assert 'href="/admin/infra_core/deadletter/?status__exact=pending"' in html
    cl = admin_client_dash.get("/admin/infra_core/deadletter/?status__exact=pending").context["cl"]
    assert cl.result_count == 4


def test_ratelimit_panel_sums_blocks_by_scope_in_the_window(admin_client_dash: Client) -> None:
    violation("api", 5, _minute(timedelta(minutes=5)))
    violation("api", 7, _minute(timedelta(hours=3)))
    violation("login", 2, _minute(timedelta(minutes=1)))
    violation("api", 1000, _minute(timedelta(days=3)))  # outside the 24-hour window
    response = admin_client_dash.get(URL)
    scopes = {s["scope"]: s for s in response.context["ratelimit"]["scopes"]}
    assert {name: s["blocks"] for name, s in scopes.items()} == {"api": 12, "login": 2}
    assert [s["scope"] for s in response.context["ratelimit"]["scopes"]] == ["api", "login"]
    html = response.content.decode()
    assert 'href="/admin/infra_core/ratelimitviolation/?scope=api"' in html
    cl = admin_client_dash.get("/admin/infra_core/ratelimitviolation/?scope=api").context["cl"]
    assert cl.result_count == 3  # the changelist has no window: the old row too


def test_ratelimit_panel_hourly_series_puts_blocks_in_their_hour(db: None) -> None:
    from infra_core.dashboard.panels import ratelimit_panel

    now = timezone.now()
    violation("api", 5, _minute(timedelta(minutes=5)))
    violation("api", 7, _minute(timedelta(hours=3)))
    panel = ratelimit_panel(now)
    (api,) = panel.scopes
    assert len(api.hourly) == 25 and sum(api.hourly) == 12
    assert api.hourly[-1] + api.hourly[-2] >= 5  # the last hour (or the one before, at :00-:05)
    assert 7 in api.hourly[-5:-2]


def test_cache_panel_reports_the_hit_ratio_of_real_lookups(admin_client_dash: Client) -> None:
    namespace = f"dash{uuid.uuid4().hex[:8]}"
    key = f"k:{uuid.uuid4().hex}"
    for _ in range(4):  # one miss (computes), three hits, through the real Redis cache
        assert get_or_compute(key, lambda: 42, 60, namespace=namespace) == 42
    response = admin_client_dash.get(URL)
    rows = {r.name: r for r in response.context["cache"]["rows"]}
    assert namespace in rows, sorted(rows)
    assert (rows[namespace].served, rows[namespace].lookups) == (3, 4)
    assert "75.0% of 4" in response.content.decode()


def test_retention_panel_shows_the_last_successful_run(admin_client_dash: Client) -> None:
    HealthTransition.objects.create(
        check_name="old", status="fail", at=timezone.now() - timedelta(days=200)
    )
    before = timezone.now()
    (outcome,) = retention.run(only=["infra_core.HealthTransition"])
    assert (outcome.status, outcome.rows) == ("done", 1)
    response = admin_client_dash.get(URL)
    rows = {r.label: r for r in response.context["retention"]}
    assert {"infra_core.DeadLetter", "infra_core.RateLimitViolation"} <= set(rows)
    row = rows["infra_core.HealthTransition"]
    assert row.older_than == timedelta(days=90) and row.older_than_text == "90d"
    assert row.last_success_at is not None and row.last_success_at >= before - timedelta(seconds=1)
    assert row.rows_deleted >= 1


def test_health_panel_runs_the_checks_and_shows_transitions(admin_client_dash: Client) -> None:
    at = timezone.now() - timedelta(hours=2)
    HealthTransition.objects.create(check_name="down", previous="ok", status="fail",
                                    message="dependency down", process="h:1", at=at)  # fmt: skip
    HealthTransition.objects.create(check_name="down", previous="", status="ok", process="h:1",
                                    at=timezone.now() - timedelta(days=2))  # fmt: skip
    response = admin_client_dash.get(URL)
    health = response.context["health"]
    assert health["report"].status.value == "degraded"  # "down" is not critical
    checks = {c["result"].name: c for c in health["checks"]}
    assert checks["counting"]["result"].status.value == "ok"
    assert checks["down"]["result"].status.value == "fail"
    assert checks["down"]["result"].message == "dependency down"
    assert checks["down"]["changes"] == 1 and checks["counting"]["changes"] == 0
    assert [t.check_name for t in health["transitions"]] == ["down"]  # the 2-day-old one is out
    html = response.content.decode()
    assert 'id="health-overall">degraded<' in html
    assert "down: status over the last 24 hours" in html


def block_requests(scope: str, n: int, settings: Any) -> None:
    """Send ``n`` requests through the real limiter (Redis) at 1/m: all but the first blocked."""
    from django.test import RequestFactory

    from infra_core.ratelimit.decision import decide

    settings.INFRA_CORE = {**settings.INFRA_CORE, "RATELIMIT_RECORD_VIOLATIONS": True}
    ip = f"127.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    for _ in range(n):
        decide(RequestFactory().get("/api/", REMOTE_ADDR=ip), scope, key="ip", rate="1/m")


def test_ratelimit_panel_shows_real_blocks_in_rows_and_metrics(
    admin_client_dash: Client, settings: Any
) -> None:
    scope = f"dash{uuid.uuid4().hex[:8]}"
    block_requests(scope, 4, settings)
    response = admin_client_dash.get(URL)
    (row,) = [s for s in response.context["ratelimit"]["scopes"] if s["scope"] == scope]
    assert row["metric_blocked"] == 3  # this process's infra_core_ratelimit_decisions_total
    # The first block is written at once; the next ones within WRITE_INTERVAL wait in memory.
    assert 1 <= row["blocks"] <= 3
    assert RateLimitViolation.objects.for_scope(scope).count() == 1


def test_retention_row_says_the_age_briefly() -> None:
    from infra_core.dashboard.panels import RetentionRow

    def text(delta: timedelta | None) -> str:
        return RetentionRow("x", delta, None, 0).older_than_text

    assert text(timedelta(days=30)) == "30d"
    assert text(timedelta(days=1, hours=6)) == "1d6h"
    assert text(timedelta(minutes=90)) == "1h30m"
    assert text(timedelta(seconds=45)) == "45s"
    assert text(None) == "-"
