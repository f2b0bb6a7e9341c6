"""Base class for infra_core's management commands: each run gets its own request id."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from infra_core import context

#: Exit code of a usage error (bad option value): nothing was done.
EXIT_USAGE = 2
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION_RE = re.compile(r"^(\d+)([smhdw])$")
DURATION_FORM = "<number><s|m|h|d|w>, e.g. 90s, 30m, 2h, 7d"


def parse_duration(flag: str, value: str) -> timedelta:
    """Return the timedelta of ``value`` ("30m", "2h", "7d"); a usage error names a bad one."""
    match = _DURATION_RE.match(value.strip())
    if match is None:
        raise CommandError(
            f"{flag} {value!r} is not a duration; use {DURATION_FORM}.", returncode=EXIT_USAGE
        )
    return timedelta(seconds=int(match[1]) * _UNITS[match[2]])


class InfraCommand(BaseCommand):
    """A BaseCommand whose ``handle`` runs with a fresh request id bound (logs carry it)."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        with context.bind():
            return super().execute(*args, **options)
