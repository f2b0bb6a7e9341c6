"""System checks of RETENTION_POLICIES (E601-E608), through the parser the runtime uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks

from infra_core.retention.conf import RETENTION_POLICIES
from infra_core.retention.policies import parse_policies


def check_policies(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Every retention policy names a model, a date field, a positive age and valid lookups."""
    try:
        _, problems = parse_policies(RETENTION_POLICIES.raw())
    except Exception as exc:  # a check never raises
        return [checks.Error(f"RETENTION_POLICIES could not be read: {exc}", id="infra_core.E601")]
    return [checks.Error(p.message, hint=p.hint, id=p.id) for p in problems]
