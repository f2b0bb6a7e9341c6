"""Render the dashboard: panel data (panels.py) turned into tables and SVG charts (charts.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from infra_core.dashboard import charts, panels
from infra_core.dashboard.charts import Bar, Segment
from infra_core.dashboard.readings import source
from infra_core.health.models import HealthTransition

TEMPLATE = "admin/infra_core/dashboard.html"


def dlq_link(task_name: str | None = None, status: str | None = None) -> str:
    """Return the DeadLetter changelist URL filtered by its own list filters."""
    query = {}
    if task_name is not None:
        query["task_name"] = task_name
    if status is not None:
        query["status__exact"] = status
    url = reverse("admin:infra_core_deadletter_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def violations_link(scope: str) -> str:
    """Return the RateLimitViolation changelist URL filtered by scope."""
    return (
        f"{reverse('admin:infra_core_ratelimitviolation_changelist')}?{urlencode({'scope': scope})}"
    )


def _clock(at: datetime) -> str:
    return f"{timezone.localtime(at):%H:%M}"  # the admin's time zone, as in the tables


def _strip(
    transitions: list[HealthTransition], current: str, since: datetime, now: datetime
) -> list[Segment]:
    """Status segments of one check over the window, from its transitions (oldest first)."""
    if not transitions:
        return [Segment(1.0, current, title=f"{current} (no change recorded)")]
    segments: list[Segment] = []
    start, status = since, transitions[0].previous or "unknown"
    for t in transitions:
        at = max(t.at, since)
        segments.append(
            Segment((at - start).total_seconds(), status, title=f"{status} until {_clock(at)}")
        )
        start, status = at, t.status
    segments.append(
        Segment((now - start).total_seconds(), status, title=f"{status} since {_clock(start)}")
    )
    return segments


def health_context(panel: panels.HealthPanel) -> dict[str, Any]:
    by_check: dict[str, list[HealthTransition]] = defaultdict(list)
    for t in reversed(panel.transitions):  # oldest first
        by_check[t.check_name].append(t)
    checks = []
    for result in panel.report.results:
        mine = by_check.get(result.name, [])
        strip = charts.strip(
            _strip(mine, result.status.value, panel.since, panel.now),
            title=f"{result.name}: status over the last 24 hours",
        )
        checks.append({"result": result, "strip": strip, "changes": len(mine)})
    latency = charts.bars(
        [
            Bar(r.name, round(r.latency_ms, 1), tone=r.status.value, text=f"{r.latency_ms:.1f} ms")
            for r in panel.report.results
        ],
        title="check latency (ms)",
    )
    return {
        "report": panel.report,
        "checks": checks,
        "latency_chart": latency,
        "transitions": panel.transitions[:20],
    }


@dataclass(frozen=True)
class Cell:
    """One task/status count of the DLQ table and its filtered changelist link."""

    status: str
    n: int
    href: str


def dlq_context(panel: panels.DLQPanel) -> dict[str, Any]:
    tasks = []
    for task in panel.tasks:
        name = task.task_name
        cells = [Cell(s, task.counts.get(s, 0), dlq_link(name, s)) for s in panels.STATUSES]
        bar = charts.stacked(
            [Segment(c.n, c.status, c.href, f"{name} {c.status}: {c.n}") for c in cells],
            title=f"dead letters of {name} by status",
        )
        tasks.append(
            {
                "name": task.task_name,
                "total": task.total,
                "cells": cells,
                "bar": bar,
                "href": dlq_link(task.task_name),
            }
        )
    status_chart = charts.bars(
        [Bar(s, n, href=dlq_link(status=s), tone=s) for s, n in panel.by_status.items()],
        title="dead letters by status",
    )
    return {
        "tasks": tasks,
        "statuses": panels.STATUSES,
        "status_chart": status_chart,
        "more_tasks": panel.more_tasks,
        "truncated": panel.truncated,
    }


def ratelimit_context(panel: panels.RateLimitPanel) -> dict[str, Any]:
    scopes = [
        {
            "scope": s.scope,
            "blocks": s.blocks,
            "metric_blocked": s.metric_blocked,
            "href": violations_link(s.scope),
            "spark": charts.sparkline(s.hourly, title=f"{s.scope}: blocks per hour, last 24 hours"),
        }
        for s in panel.scopes
    ]
    chart = charts.bars(
        [
            Bar(s.scope, s.blocks, href=violations_link(s.scope), tone="blocked")
            for s in panel.scopes
        ],
        title="blocked requests by scope, last 24 hours",
    )
    return {
        "scopes": scopes,
        "chart": chart,
        "since": panel.since,
        "metric_only": panel.metric_only,
    }


def _ratio(row: panels.CacheRow) -> str:
    return f"{100 * row.ratio:.1f}% of {row.lookups:,.0f}"


def cache_context(rows: list[panels.CacheRow]) -> dict[str, Any]:
    served = sum(r.served for r in rows)
    lookups = sum(r.lookups for r in rows)
    chart = charts.bars(
        [Bar(r.name, round(100 * r.ratio, 1), tone="hit", text=_ratio(r)) for r in rows],
        title="cache hit ratio by name (%)",
    )
    overall = served / lookups if lookups else None
    return {"rows": rows, "chart": chart, "overall": overall, "lookups": lookups}


def render(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """Return the dashboard page inside the admin's ``context`` (``each_context``)."""
    data = panels.all_panels()
    context = {
        **context,
        "title": "Infrastructure",
        "health": health_context(data["health"]),
        "dlq": dlq_context(data["dlq"]),
        "ratelimit": ratelimit_context(data["ratelimit"]),
        "cache": cache_context(data["cache"]),
        "retention": data["retention"],
        "retention_problems": data["retention_problems"],
        "metrics_source": source(),
        "dlq_changelist": dlq_link(),
    }
    return TemplateResponse(request, TEMPLATE, context)
