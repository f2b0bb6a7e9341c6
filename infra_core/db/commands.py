"""Management commands that declare who is acting, for the audit fields they write."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from infra_core import context
from infra_core.db.audit import acting_as
from infra_core.management.base import InfraCommand


class ActorCommand(InfraCommand):
    """An InfraCommand whose run is audited as ``--actor`` (default: the ``actor`` attribute).

    ``created_by`` / ``updated_by`` of rows it saves record that actor; subclasses that define
    ``add_arguments`` call ``super().add_arguments(parser)``.
    """

    #: The actor when ``--actor`` is not given; None: ``cmd:<command name>``.
    actor: str | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--actor", help="Who runs this command (recorded as created_by/updated_by)."
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        name = type(self).__module__.rsplit(".", 1)[-1]
        actor = options.get("actor") or self.actor or f"cmd:{name}"
        with context.bind(), acting_as(actor):  # fresh request id, then the declared actor
            return super(InfraCommand, self).execute(*args, **options)
