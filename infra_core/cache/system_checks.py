"""System checks of the cache concern: infra_core.E506-E508, W509 (E501-E505: conf.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import checks

from infra_core.cache.conf import CACHE_INVALIDATION
from infra_core.cache.decorators import DECORATED_ALIASES
from infra_core.cache.rules import (
    HINT,
    Rule,
    model_fields,
    parse_rules,
    registered,
    template_fields,
)
from infra_core.conf import SettingError

# Backends whose entries and locks live in one process: single flight and invalidation stop at
# the process boundary.
PER_PROCESS = ("django.core.cache.backends.locmem.", "django.core.cache.backends.dummy.")


def _rules() -> tuple[list[tuple[str, str, Rule]], list[checks.CheckMessage]]:
    raw = CACHE_INVALIDATION.raw()
    try:
        parsed = parse_rules(raw)
    except SettingError as exc:
        return [], [
            checks.Error(
                f"INFRA_CORE['CACHE_INVALIDATION'] {exc}.", hint=HINT, id="infra_core.E506"
            )
        ]
    labels = {str(label).lower(): str(label) for label in raw}
    found = [("CACHE_INVALIDATION", labels[key], rule) for key, rule in parsed.items()]
    for key, rules in registered().items():
        found.extend(("invalidates()", key, rule) for rule in rules)
    return found, []


def _model_problems(where: str, label: str, rule: Rule) -> list[checks.CheckMessage]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return [
            checks.Error(
                f"{where}[{label!r}] names no installed model.",
                hint="Use 'app_label.ModelName' of a model in INSTALLED_APPS.",
                id="infra_core.E507",
            )
        ]
    known = model_fields(model)
    messages: list[checks.CheckMessage] = []
    for template in rule.keys:
        missing = sorted(template_fields(template) - known)
        if missing:
            messages.append(
                checks.Error(
                    f"{where}[{label!r}] key {template!r} formats {missing}, which "
                    f"{model._meta.label} does not have.",
                    hint=f"Use its fields: {', '.join(sorted(known))}.",
                    id="infra_core.E508",
                )
            )
    if rule.alias not in settings.CACHES:
        messages.append(
            checks.Error(
                f"{where}[{label!r}] alias {rule.alias!r} is not in CACHES.",
                hint=f"Use one of {sorted(settings.CACHES)}.",
                id="infra_core.E506",
            )
        )
    return messages


def _per_process(aliases: set[str]) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for alias in sorted(aliases):
        config = settings.CACHES.get(alias)
        backend = str(config.get("BACKEND", "")) if isinstance(config, dict) else ""
        if backend.startswith(PER_PROCESS):
            messages.append(
                checks.Warning(
                    f"CACHES[{alias!r}] uses {backend}: cache-aside single flight and "
                    "invalidation reach only the process that made them.",
                    hint="Use django_redis.cache.RedisCache (or memcached) for a shared cache.",
                    id="infra_core.W509",
                )
            )
    return messages


def check_cache(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """CACHE_INVALIDATION and the invalidates() registry name real models and fields."""
    found, messages = _rules()
    for where, label, rule in found:
        messages.extend(_model_problems(where, label, rule))
    # Only aliases something is known to use: a fresh project (LocMem default) passes clean.
    aliases = {rule.alias for _, _, rule in found} | set(DECORATED_ALIASES)
    messages.extend(_per_process(aliases))
    return messages
