"""``manage.py infra_dlq list|show|replay|discard|resolve|purge|sweep``: operate the DLQ.

Exit codes: 0 done; 1 some rows were refused or failed; 2 usage or setup error, nothing done;
3 nothing matched.
"""

from __future__ import annotations

import getpass
import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from infra_core.management.base import (
    DURATION_FORM,
    EXIT_USAGE,
    InfraCommand,
    parse_duration,
)
from infra_core.retention.policies import Policy
from infra_core.retention.services import RetentionError, delete_expired
from infra_core.tasks import operations, runs
from infra_core.tasks.conf import DLQ_DATABASE
from infra_core.tasks.models import DeadLetter, DeadLetterQuerySet

EXIT_REFUSED = 1
EXIT_NO_MATCH = 3

STATUSES = [str(s) for s in DeadLetter.Status.values]
PENDING = DeadLetter.Status.PENDING
SUMMARY_FIELDS = (
    "task_name", "task_id", "status", "attempts", "exception_class", "exception_message", "queue",
    "request_id", "first_failed_at", "last_failed_at", "payload_truncated", "replayed_by",
    "replayed_at", "replayed_task_id", "replay_of", "note",
)  # fmt: skip


def actor() -> str:
    """Return who is acting, for the row's ``replayed_by``: the command and the OS user."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # a container user with no passwd entry and no $USER
        user = "unknown"
    return f"infra_dlq:{user}"


def as_json(row: DeadLetter, *, full: bool = False) -> dict[str, Any]:
    """Return ``row`` as a JSON-safe dict; ``full`` adds args, kwargs and the traceback."""
    names = (*SUMMARY_FIELDS, "args", "kwargs", "traceback") if full else SUMMARY_FIELDS
    data: dict[str, Any] = {"id": row.pk}
    for name in names:
        value = getattr(row, name)
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return data


def _add_filters(parser: CommandParser, *, limit: int | None) -> None:
    parser.add_argument("--task", metavar="NAME", help="Only rows of this task name.")
    parser.add_argument(
        "--exception", metavar="CLASS", help="Only this exception class (dotted or bare name)."
    )
    parser.add_argument(
        "--older-than",
        metavar="DURATION",
        help=f"Last failure before now - DURATION ({DURATION_FORM}).",
    )
    parser.add_argument("--newer-than", metavar="DURATION", help="Last failure within DURATION.")
    parser.add_argument(
        "--limit",
        type=int,
        default=limit,
        metavar="N",
        help=f"At most N rows (default {limit or 'all'}).",
    )


def _add_action(sub: Any, name: str, help_text: str) -> CommandParser:
    parser: CommandParser = sub.add_parser(name, help=help_text)
    parser.add_argument("ids", nargs="*", type=int, metavar="ID", help="Dead letter ids.")
    parser.add_argument(
        "--all-matching", action="store_true", help="Every pending row matching the filters."
    )
    _add_filters(parser, limit=None)
    parser.add_argument(
        "--dry-run", action="store_true", help="Print what would happen; change nothing."
    )
    return parser


class Command(InfraCommand):
    help = (
        "List, show, replay, discard, resolve, purge or sweep dead-lettered tasks. Exit codes: "
        "0 done, 1 some rows refused or failed, 2 usage or setup error, 3 nothing matched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List dead letters (pending by default).")
        _add_filters(listing, limit=50)
        listing.add_argument("--status", choices=[*STATUSES, "all"], default="pending")
        listing.add_argument("--json", action="store_true", help="One JSON object per line.")
        show = sub.add_parser("show", help="Show one dead letter in full.")
        show.add_argument("id", type=int, metavar="ID")
        show.add_argument("--json", action="store_true", help="Print it as one JSON object.")
        replay = _add_action(sub, "replay", "Re-enqueue pending dead letters under new task ids.")
        replay.add_argument(
            "--delay", type=float, metavar="SECONDS", help="Enqueue with this countdown."
        )
        for name, verb in (("discard", "discarded"), ("resolve", "resolved")):
            closing = _add_action(sub, name, f"Mark pending dead letters {verb}.")
            closing.add_argument("--note", default="", help="Why; stored on the row.")
        purge = sub.add_parser("purge", help="Delete closed dead letters older than a duration.")
        purge.add_argument("--older-than", metavar="DURATION", required=True, help=DURATION_FORM)
        purge.add_argument(
            "--status", choices=[*STATUSES, "all"], help="Default: every closed row."
        )
        purge.add_argument(
            "--include-pending", action="store_true", help="Allow deleting pending rows too."
        )
        purge.add_argument(
            "--batch-size", type=int, default=1000, metavar="N", help="Ids per DELETE."
        )
        purge.add_argument(
            "--dry-run", action="store_true", help="Print the count; delete nothing."
        )
        sweep = sub.add_parser("sweep", help="Dead-letter started runs that never finished.")
        sweep.add_argument(
            "--older-than",
            metavar="DURATION",
            help="Default: TASKS_STALE_AFTER, else CELERY_TASK_TIME_LIMIT + 60 s.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    # --- reading ---------------------------------------------------------------------------
    def _rows(self) -> DeadLetterQuerySet:
        return DeadLetter.objects.using(DLQ_DATABASE.value).all()

    def _matching(self, options: dict[str, Any], status: str) -> DeadLetterQuerySet:
        rows = self._rows() if status == "all" else self._rows().with_status(status)
        if options["task"]:
            rows = rows.for_task(options["task"])
        if options["exception"]:
            rows = rows.with_exception(options["exception"])
        now = timezone.now()
        if options["older_than"]:
            rows = rows.older_than(now - parse_duration("--older-than", options["older_than"]))
        if options["newer_than"]:
            rows = rows.newer_than(now - parse_duration("--newer-than", options["newer_than"]))
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError(f"--limit {limit} must be 1 or more.", returncode=EXIT_USAGE)
        return rows

    def _list(self, options: dict[str, Any]) -> None:
        limit = options["limit"]
        found = list(self._matching(options, options["status"])[: limit + 1])
        if not found:
            raise CommandError("no dead letters matched.", returncode=EXIT_NO_MATCH)
        shown = found[:limit]
        if options["json"]:
            for row in shown:
                self.stdout.write(json.dumps(as_json(row)))
        else:
            self._table(shown)
        if len(found) > limit:
            self.stderr.write(f"showing the first {limit}; more rows match (raise --limit).")

    def _table(self, rows: list[DeadLetter]) -> None:
        lines = [("id", "task", "status", "attempts", "exception", "request_id", "last failed")]
        lines += [
            (
                str(r.pk),
                r.task_name,
                r.status,
                str(r.attempts),
                r.exception_class,
                r.request_id or "-",
                r.last_failed_at.isoformat(timespec="seconds"),
            )
            for r in rows
        ]
        widths = [max(len(line[i]) for line in lines) for i in range(6)]
        for line in lines:
            cells = [line[i].ljust(widths[i]) for i in range(6)]
            self.stdout.write("  ".join([*cells, line[6]]))

    def _show(self, options: dict[str, Any]) -> None:
        row = self._rows().filter(pk=options["id"]).first()
        if row is None:
            raise CommandError(f"no dead letter {options['id']}.", returncode=EXIT_NO_MATCH)
        data = as_json(row, full=True)
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        for name in ("id", *SUMMARY_FIELDS):
            self.stdout.write(f"{name + ':':<19} {data[name]}")
        for name in ("args", "kwargs"):
            self.stdout.write(f"{name}:\n{json.dumps(data[name], indent=2)}")
        self.stdout.write(f"traceback:\n{row.traceback or '-'}")

    # --- acting ----------------------------------------------------------------------------
    def _replay(self, options: dict[str, Any]) -> None:
        if not options["dry_run"]:
            try:
                import celery  # noqa: F401
            except ImportError as exc:
                raise CommandError(
                    "replay needs Celery, which is not installed: pip install infra_core[celery]",
                    returncode=EXIT_USAGE,
                ) from exc
        if options["delay"] is not None and options["delay"] < 0:
            raise CommandError("--delay must be 0 or more seconds.", returncode=EXIT_USAGE)
        self._act(options, operations.REPLAY, "replayed")

    def _discard(self, options: dict[str, Any]) -> None:
        self._act(options, operations.DISCARD, "discarded")

    def _resolve(self, options: dict[str, Any]) -> None:
        self._act(options, operations.RESOLVE, "resolved")

    def _targets(self, options: dict[str, Any]) -> list[int]:
        if bool(options["ids"]) == options["all_matching"]:
            raise CommandError(
                "give either dead letter IDs or --all-matching.", returncode=EXIT_USAGE
            )
        if options["ids"]:
            return list(dict.fromkeys(options["ids"]))
        rows = self._matching(options, PENDING).order_by("pk").values_list("pk", flat=True)
        ids = list(rows if options["limit"] is None else rows[: options["limit"]])
        if not ids:
            raise CommandError("no pending dead letters matched.", returncode=EXIT_NO_MATCH)
        return ids

    def _act(self, options: dict[str, Any], action: str, verb: str) -> None:
        dry = options["dry_run"]
        outcomes = operations.act(
            self._targets(options),
            action,
            actor=actor(),
            note=options.get("note", ""),
            countdown=options.get("delay"),
            dry_run=dry,
        )
        for o in outcomes:
            if not o.done:
                self.stderr.write(f"{o.pk}: {'would be refused: ' if dry else ''}{o.refused}")
                continue
            assert o.row is not None
            suffix = f" as {o.new_task_id}" if o.new_task_id else ""
            prefix = f"would be {verb}" if dry else verb
            self.stdout.write(f"{o.pk}: {prefix} {o.row.task_name}[{o.row.task_id}]{suffix}")
        failed = sum(not o.done for o in outcomes)
        done = len(outcomes) - failed
        summary = f"{'would be ' if dry else ''}{verb}: {done}, refused or failed: {failed}"
        if failed:
            raise CommandError(summary, returncode=EXIT_REFUSED)
        self.stdout.write(summary)

    def _purge(self, options: dict[str, Any]) -> None:
        status, include_pending = options["status"], options["include_pending"]
        if status in (PENDING, "all") and not include_pending:
            raise CommandError(
                f"--status {status} deletes pending rows: add --include-pending to mean it.",
                returncode=EXIT_USAGE,
            )
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.", returncode=EXIT_USAGE)
        older_than = parse_duration("--older-than", options["older_than"])
        if status not in (None, "all"):
            lookups: dict[str, Any] = {"status": status}
        elif status is None and not include_pending:
            lookups = {"status__in": [s for s in STATUSES if s != PENDING]}
        else:
            lookups = {}
        policy = Policy(
            DeadLetter, "last_failed_at", older_than, lookups, database=DLQ_DATABASE.value
        )
        try:
            outcome = delete_expired(
                policy, batch_size=options["batch_size"], dry_run=options["dry_run"], sleep_ms=0
            )
        except RetentionError as exc:
            raise CommandError(str(exc), returncode=EXIT_REFUSED) from exc
        if options["dry_run"]:
            self.stdout.write(f"would delete {outcome.rows} dead letter(s).")
            return
        self.stdout.write(f"deleted {outcome.rows} dead letter(s).")

    def _sweep(self, options: dict[str, Any]) -> None:
        age = options["older_than"]
        seconds = parse_duration("--older-than", age).total_seconds() if age else None
        rows = runs.sweep(older_than=seconds)
        for row in rows:
            self.stdout.write(f"{row.pk}: dead-lettered lost run {row.task_name}[{row.task_id}]")
        self.stdout.write(f"swept {len(rows)} run(s).")
