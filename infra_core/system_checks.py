"""General system checks (0xx): the INFRA_CORE dict itself.

Each concern registers its own checks through its ``Concern`` (see docs/architecture.md); IDs
follow DESIGN.md section 5 and are listed in docs/checks.md. A check never raises.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core import checks

from infra_core.conf import DEFAULTS, REMOVED, suggest


def check_settings_dict(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """INFRA_CORE is a dict; unknown keys warn with a suggestion; removed keys error."""
    raw = getattr(settings, "INFRA_CORE", {})
    if not isinstance(raw, dict):
        return [
            checks.Error(
                f"INFRA_CORE = {raw!r} is a {type(raw).__name__}, not a dict.",
                hint='Set INFRA_CORE = {"KEY": value, ...} in your settings.',
                id="infra_core.E003",
            )
        ]
    messages: list[Any] = []
    for key in raw:
        if key in DEFAULTS:
            continue
        if key in REMOVED:
            messages.append(
                checks.Error(
                    f"INFRA_CORE[{key!r}] was removed.",
                    hint=REMOVED[key],
                    id="infra_core.E002",
                )
            )
            continue
        guess = suggest(str(key))
        messages.append(
            checks.Warning(
                f"INFRA_CORE[{key!r}] is not an infra_core setting and is ignored.",
                hint=f"Did you mean {guess!r}?" if guess else "See docs/settings.md for all keys.",
                id="infra_core.W001",
            )
        )
    return messages
