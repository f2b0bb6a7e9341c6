"""System checks of the repository concern beyond what each setting's parser checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks

from infra_core.db.conf import RETRY_BACKOFF, RETRY_BACKOFF_MAX


def check_retry_backoff(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """DB_RETRY_BACKOFF above DB_RETRY_BACKOFF_MAX means every retry waits the maximum."""
    if RETRY_BACKOFF.problem() or RETRY_BACKOFF_MAX.problem():
        return []  # the settings' own checks (E904, E905) report it
    backoff, cap = RETRY_BACKOFF.value, RETRY_BACKOFF_MAX.value
    if backoff <= cap:
        return []
    return [
        checks.Warning(
            f"INFRA_CORE['DB_RETRY_BACKOFF'] = {backoff!r} is above "
            f"INFRA_CORE['DB_RETRY_BACKOFF_MAX'] = {cap!r}: every retry waits the maximum.",
            hint="Make DB_RETRY_BACKOFF the first delay and DB_RETRY_BACKOFF_MAX the largest.",
            id="infra_core.W901",
        )
    ]
