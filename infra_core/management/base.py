"""Base class for infra_core's management commands: each run gets its own request id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from infra_core import context
from infra_core.conf import SettingError
from infra_core.parsers import DURATION_FORM as DURATION_FORM
from infra_core.parsers import age

#: Exit code of a usage error (bad option value): nothing was done.
EXIT_USAGE = 2


def parse_duration(flag: str, value: str) -> timedelta:
    """Return the timedelta of ``value`` ("30m", "2h", "7d"); a usage error names a bad one."""
    try:
        return age(value)  # the parser RETENTION_POLICIES and the other settings use
    except SettingError:
        raise CommandError(
            f"{flag} {value!r} is not a duration; use {DURATION_FORM}.", returncode=EXIT_USAGE
        ) from None


class InfraCommand(BaseCommand):
    """A BaseCommand whose ``handle`` runs with a fresh request id bound (logs carry it)."""

    def execute(self, *args: Any, **options: Any) -> str | None:
        with context.bind():
            return super().execute(*args, **options)
