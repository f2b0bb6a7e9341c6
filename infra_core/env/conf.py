"""Settings of the env concern: where ``infra_env`` and the checks find the project's schema."""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from infra_core.conf import Setting, SettingError
from infra_core.env.schema import EnvSchema


def schema_path(value: Any) -> EnvSchema | None:
    """None, or the dotted path of an EnvSchema object, returned imported."""
    if value is None:
        return None
    if not isinstance(value, str) or "." not in value:
        raise SettingError("is not a dotted path such as 'myproject.settings.ENV'")
    try:
        found = import_string(value)
    except ImportError as exc:
        raise SettingError(f"does not import ({exc})") from None
    if not isinstance(found, EnvSchema):
        raise SettingError(f"is a {type(found).__name__}, not an infra_core.env.EnvSchema")
    return found


ENV_SCHEMA: Setting[EnvSchema | None] = Setting(
    "ENV_SCHEMA",
    None,
    schema_path,
    "Dotted path of the project's EnvSchema (used by infra_env and the env checks). None: none.",
    "infra_core.E700",
    "Point it at the schema object your settings module loads, e.g. 'mysite.settings.ENV'.",
)
