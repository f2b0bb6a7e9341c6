"""``manage.py infra_health``: run the health checks, print a table or JSON, exit 1 if unhealthy."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from infra_core.health.base import Overall
from infra_core.health.reports import detail, get_report
from infra_core.management.base import InfraCommand


class Command(InfraCommand):
    help = "Run the configured health checks; exit 1 when unhealthy (2 with --strict and degraded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--ready", action="store_true", help="Run only the critical checks, as /ready/ does."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Exit 2 when degraded (default: exit 0)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = get_report(critical_only=options["ready"], use_cache=False)
        if options["json"]:
            self.stdout.write(json.dumps(detail(report), indent=2))
        else:
            self._table(report.results)
            self.stdout.write(f"overall: {report.status.value} ({report.duration_ms:.1f} ms)")
        if report.status is Overall.UNHEALTHY:
            raise CommandError("unhealthy", returncode=1)
        if report.status is Overall.DEGRADED and options["strict"]:
            raise CommandError("degraded", returncode=2)

    def _table(self, results: Any) -> None:
        rows = [("check", "status", "critical", "ms", "message")]
        rows += [
            (
                r.name,
                r.status.value,
                "yes" if r.critical else "no",
                f"{r.latency_ms:.1f}",
                r.message,
            )
            for r in results
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(4)]
            self.stdout.write("  ".join([*cells, row[4]]).rstrip())
