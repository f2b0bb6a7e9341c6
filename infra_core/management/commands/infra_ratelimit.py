"""``manage.py infra_ratelimit status | reset <scope> <identity> | purge-violations``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from infra_core.management.base import DURATION_FORM, InfraCommand, parse_duration
from infra_core.ratelimit.operations import purge_violations, reset_identity, status
from infra_core.redis import RedisUnavailable


class Command(InfraCommand):
    help = "Show rate-limit status, or reset the buckets of one identity in one scope."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Backend, breaker state, Redis round trip, configured rates.")
        reset = sub.add_parser("reset", help="Delete the buckets of <identity> in <scope>.")
        reset.add_argument("scope", help='e.g. "api"')
        reset.add_argument("identity", help='as keyed, e.g. "ip:203.0.113.7" or "user:42"')
        purge = sub.add_parser(
            "purge-violations", help="Delete RateLimitViolation rows older than a duration."
        )
        purge.add_argument("--older-than", required=True, metavar="DURATION", help=DURATION_FORM)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            self.stdout.write(json.dumps(status(), indent=2, default=str))
            return
        if options["action"] == "purge-violations":
            removed = purge_violations(parse_duration("--older-than", options["older_than"]))
            self.stdout.write(f"purged {removed} rate-limit violation row(s)")
            return
        try:
            removed = reset_identity(options["scope"], options["identity"])
        except RedisUnavailable as exc:
            raise CommandError(f"Redis is unavailable, nothing was reset: {exc}") from exc
        self.stdout.write(
            f"reset {options['identity']!r} in scope {options['scope']!r}: {removed} bucket(s)"
        )
