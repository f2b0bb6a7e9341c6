from __future__ import annotations

import logging
from typing import Any

from infra_core import context
from infra_core.management.base import InfraCommand

logger = logging.getLogger("tests.command")


class Command(InfraCommand):
    help = "Print and log the request id bound for this command run (test helper)."

    def handle(self, *args: Any, **options: Any) -> None:
        logger.info("command ran")
        self.stdout.write(str(context.get_request_id()))
