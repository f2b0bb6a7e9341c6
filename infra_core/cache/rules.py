"""What a model change invalidates: ``CACHE_INVALIDATION`` and the ``invalidates`` registry.

``parse_rules`` is the one parser: the runtime and system checks E506-E508 both call it.
"""

from __future__ import annotations

import string
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models

from infra_core.conf import SettingError

M = TypeVar("M", bound=type[models.Model])
ENTRY_KEYS = frozenset({"keys", "namespaces", "alias"})
HINT = (
    'e.g. {"shop.Product": {"keys": ["product:{pk}"], "namespaces": ["products"]}}; '
    'optional "alias" (a CACHES name).'
)


@dataclass(frozen=True)
class Rule:
    """Key templates (``str.format`` with the instance's fields) and namespaces to bump."""

    keys: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    alias: str = "default"


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise SettingError(f"has {what} {value!r}, which is not a list of non-empty strings")
    return tuple(value)


def parse_rule(label: Any, entry: Any) -> Rule:
    """Return the Rule of one ``CACHE_INVALIDATION`` entry; raise SettingError naming the fault."""
    if not isinstance(label, str) or label.count(".") != 1:
        raise SettingError(f"has {label!r}, which is not an 'app_label.ModelName' label")
    if not isinstance(entry, Mapping):
        raise SettingError(f"has {label!r}: {entry!r}, which is not a dict")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise SettingError(f"has {label!r} with unknown entries {sorted(unknown)}")
    for name in ("keys", "namespaces"):
        for template in _strings(entry.get(name, []), f"{label!r} {name}"):
            try:
                template_fields(template)
            except ValueError as exc:
                raise SettingError(f"has {label!r} template {template!r}: {exc}") from None
    alias = entry.get("alias", "default")
    if not isinstance(alias, str) or not alias:
        raise SettingError(f"has {label!r} alias {alias!r}, which is not a cache alias")
    return Rule(
        _strings(entry.get("keys", []), ""), _strings(entry.get("namespaces", []), ""), alias
    )


def parse_rules(raw: Any) -> dict[str, Rule]:
    """Return {lowercased 'app_label.model': Rule} from ``CACHE_INVALIDATION``."""
    if not isinstance(raw, Mapping):
        raise SettingError("is not a dict of 'app_label.Model' -> {keys, namespaces}")
    return {str(label).lower(): parse_rule(label, entry) for label, entry in raw.items()}


def template_fields(template: str) -> set[str]:
    """Return the field names a key template formats (``"p:{pk}:{slug}"`` -> {pk, slug})."""
    found = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            name = field.split(".", 1)[0].split("[", 1)[0]
            if not name:
                raise ValueError("positional fields ({}) cannot come from an instance")
            found.add(name)
    return found


def model_fields(model: type[models.Model]) -> set[str]:
    """Return the names a template may use for ``model``: concrete fields, attnames, ``pk``."""
    names = {"pk"}
    for field in model._meta.concrete_fields:
        names.update({field.name, field.attname})
    return names


class _Fields(Mapping[str, Any]):
    """The instance's attributes as a mapping for ``str.format_map``."""

    def __init__(self, instance: models.Model) -> None:
        self.instance = instance

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self.instance, name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0


def format_keys(rule: Rule, instance: models.Model) -> list[str]:
    """Return ``rule``'s keys for ``instance``; KeyError names a field the instance lacks."""
    fields = _Fields(instance)
    return [template.format_map(fields) for template in rule.keys]


_lock = threading.Lock()
_registered: dict[str, list[Rule]] = {}
_parsed: dict[str, Any] = {}


def invalidates(
    *, keys: Iterable[str] = (), namespaces: Iterable[str] = (), alias: str = "default"
) -> Any:
    """Class decorator for a model: declare what its changes invalidate (the setting, as code)."""

    def decorate(model: M) -> M:
        register(model._meta.label, keys=keys, namespaces=namespaces, alias=alias)
        return model

    return decorate


def register(
    label: str, *, keys: Iterable[str] = (), namespaces: Iterable[str] = (), alias: str = "default"
) -> Rule:
    """Add a rule for the model ``label`` ("app_label.Model"); checked like the setting."""
    rule = parse_rule(label, {"keys": list(keys), "namespaces": list(namespaces), "alias": alias})
    with _lock:
        _registered.setdefault(label.lower(), []).append(rule)
    return rule


def registered() -> dict[str, list[Rule]]:
    """Return the code-registered rules by lowercased label."""
    return {label: list(rules) for label, rules in _registered.items()}


def rules_for(model: type[models.Model]) -> list[Rule]:
    """Return every rule of ``model`` (setting first, then registry); [] for most models."""
    from infra_core.cache.conf import CACHE_INVALIDATION

    try:
        setting: dict[str, Rule] = _parsed["rules"]
    except KeyError:
        setting = _parsed["rules"] = parse_rules(CACHE_INVALIDATION.raw())
    label = model._meta.label_lower
    found = [setting[label]] if label in setting else []
    return found + _registered.get(label, [])


def reset(*, setting: str | None = None, **kwargs: Any) -> None:
    """Forget the parsed setting (a ``setting_changed`` receiver)."""
    if setting is None or setting == "INFRA_CORE":
        _parsed.clear()
