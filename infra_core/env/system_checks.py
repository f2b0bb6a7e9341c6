"""Checks of the env concern that run on every ``manage.py check``: infra_core.W701-W702.

E700 (ENV_SCHEMA does not import) is reported by the general declared-settings check.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks

from infra_core.env.conf import ENV_SCHEMA


def check_env(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The declared schema was loaded at startup; undeclared variables it tolerated are listed."""
    if ENV_SCHEMA.problem() is not None:
        return []  # infra_core.E700
    schema = ENV_SCHEMA.value
    if schema is None:
        return []
    path = ENV_SCHEMA.raw()
    report = schema.last_report
    if report is None:
        return [
            checks.Warning(
                f"INFRA_CORE['ENV_SCHEMA'] = {path!r} is never loaded in this process: its "
                "variables are not validated at startup.",
                hint=f"Call {path}.load() in your settings module and use the values it returns.",
                id="infra_core.W701",
            )
        ]
    return [
        checks.Warning(
            f"Environment variable {problem.name} {problem.problem}.",
            hint=problem.hint or "Declare it in the schema, or remove it from the environment.",
            id="infra_core.W702",
        )
        for problem in report.warnings
    ]
