"""``manage.py infra_cleanup``: run the retention policies (batched, locked, time-boxed).

Exit codes: 0 every selected policy finished, was skipped (another run holds it) or stopped at
the time budget; 1 a policy failed; 2 usage or configuration error, nothing done.
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError, CommandParser, OutputWrapper

from infra_core.management.base import EXIT_USAGE, InfraCommand
from infra_core.retention import services
from infra_core.retention.services import Outcome

EXIT_FAILED = 1
BAR_WIDTH = 30


class ProgressReporter:
    """Draw a bar on a terminal; elsewhere write a plain line per policy at most once a second."""

    def __init__(self, out: OutputWrapper, *, tty: bool, every: float = 1.0) -> None:
        self.out, self.tty, self.every = out, tty, every
        self._last: dict[str, float] = {}

    def __call__(self, outcome: Outcome) -> None:
        now = time.monotonic()
        final = outcome.status != "running"
        recent = now - self._last.get(outcome.model, float("-inf")) < self.every
        if not final and recent and not self.tty:
            return
        self._last[outcome.model] = now
        text = (
            f"{outcome.model}: {outcome.rows} rows, {outcome.batches} batches, "
            f"{outcome.seconds:.1f}s"
        )
        if not self.tty:
            self.out.write(f"infra_cleanup: {text}{' (' + outcome.status + ')' if final else ''}")
            return
        share = outcome.fraction or 0.0
        filled = int(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.out.write(f"\r[{bar}] {share:4.0%} {text}", ending="\n" if final else "")
        self.out.flush()


class Command(InfraCommand):
    help = (
        "Delete rows older than their RETENTION_POLICIES age, in primary-key batches. Exit codes: "
        "0 done, 1 a policy failed, 2 usage or configuration error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )
        parser.add_argument(
            "--only",
            nargs="+",
            action="extend",
            default=[],
            metavar="LABEL",
            help="Only these policies (model labels, e.g. infra_core.DeadLetter).",
        )
        parser.add_argument("--batch-size", type=int, metavar="N", help="Primary keys per batch.")
        parser.add_argument(
            "--max-seconds", type=float, metavar="S", help="Start no batch after S seconds."
        )
        parser.add_argument("--sleep", type=int, metavar="MS", help="Pause between batches.")
        parser.add_argument("--json", action="store_true", help="Print the summary as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        self._validate(options)
        try:
            chosen = services.select(services.configured(), options["only"])
        except (ImproperlyConfigured, ValueError) as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        reporter = None
        if options["verbosity"] >= 1:
            reporter = ProgressReporter(self.stderr, tty=self.stderr.isatty())
        outcomes = services.run(
            chosen,
            dry_run=options["dry_run"],
            batch_size=options["batch_size"],
            sleep_ms=options["sleep"],
            max_seconds=options["max_seconds"],
            progress=reporter,
        )
        failed = [o for o in outcomes if o.failed]
        if options["json"]:
            summary = {
                "dry_run": options["dry_run"],
                "ok": not failed,
                "policies": [o.as_dict() for o in outcomes],
            }
            self.stdout.write(json.dumps(summary))
        else:
            self._table(outcomes, dry_run=options["dry_run"])
        if failed:
            detail = "; ".join(f"{o.model}: {o.error}" for o in failed)
            raise CommandError(
                f"{len(failed)} policy(ies) failed: {detail}", returncode=EXIT_FAILED
            )

    def _validate(self, options: dict[str, Any]) -> None:
        for flag, key, minimum in (("--batch-size", "batch_size", 1), ("--sleep", "sleep", 0)):
            if options[key] is not None and options[key] < minimum:
                raise CommandError(f"{flag} must be {minimum} or more.", returncode=EXIT_USAGE)
        if options["max_seconds"] is not None and not options["max_seconds"] > 0:
            raise CommandError("--max-seconds must be more than 0.", returncode=EXIT_USAGE)

    def _table(self, outcomes: list[Outcome], *, dry_run: bool) -> None:
        head = (
            "model",
            "status",
            "would delete" if dry_run else "deleted",
            "cascaded",
            "batches",
            "seconds",
        )
        lines = [head] + [
            (o.model, o.status, str(o.rows), str(o.cascaded), str(o.batches), f"{o.seconds:.2f}")
            for o in outcomes
        ]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        for line in lines:
            cells = [
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(line, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
        total = sum(o.rows for o in outcomes)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(f"{verb} {total} row(s) in {len(outcomes)} policy(ies).")
        for o in outcomes:
            if o.error:
                self.stderr.write(f"{o.model}: {o.status}: {o.error}")
