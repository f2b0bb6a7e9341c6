"""``infra_core.retention.cleanup``: the Celery task (an InfraTask) running the retention policies.

Found by ``app.autodiscover_tasks(["infra_core.retention"])``; schedule it with beat (see
docs/retention.md). A failed policy raises, so the InfraTask retry policy and the DLQ apply.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from infra_core.retention import services
from infra_core.tasks.base import InfraTask

TASK_NAME = "infra_core.retention.cleanup"


@shared_task(name=TASK_NAME, base=InfraTask)
def cleanup(
    only: list[str] | None = None,
    dry_run: bool = False,
    max_seconds: float | None = None,
) -> list[dict[str, Any]]:
    """Run the configured policies once; return their outcomes; raise if one failed."""
    outcomes = services.run(only=only or (), dry_run=dry_run, max_seconds=max_seconds)
    failed = [o for o in outcomes if o.failed]
    if failed:
        detail = "; ".join(f"{o.model}: {o.error}" for o in failed)
        raise services.RetentionError(f"{len(failed)} retention policy(ies) failed: {detail}")
    return [o.as_dict() for o in outcomes]
