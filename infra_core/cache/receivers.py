"""post_save / post_delete / m2m_changed receivers (connected by ``connect`` in ``ready()``)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save

from infra_core.cache.invalidation import schedule
from infra_core.cache.rules import rules_for
from infra_core.observe import observer_failed

M2M_ACTIONS = frozenset({"post_add", "post_remove", "post_clear"})


def on_save_or_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Schedule the invalidation of ``instance``'s declared entries for after commit."""
    if kwargs.get("raw"):  # loaddata: fixtures are not changes the cache has seen
        return
    schedule(sender, [instance], using=kwargs.get("using"), source="model", instance=instance)


def on_m2m_changed(sender: Any, instance: models.Model, action: str, **kwargs: Any) -> None:
    """Invalidate both sides of a changed many-to-many relation (after commit)."""
    if action not in M2M_ACTIONS:
        return
    using = kwargs.get("using")
    schedule(type(instance), [instance], using=using, source="model", instance=instance)
    other: type[models.Model] | None = kwargs.get("model")
    pk_set = kwargs.get("pk_set")
    try:
        if other is not None and pk_set and rules_for(other):
            related = list(other._default_manager.using(using).filter(pk__in=pk_set))
            schedule(other, related, using=using, source="model")
    except Exception as exc:  # never raised into the caller's add()/remove()
        observer_failed("cache_invalidation", exc)


def connect() -> None:
    """Connect the receivers once (every model; a model without rules costs one dict lookup)."""
    post_save.connect(on_save_or_delete, dispatch_uid="infra_core.cache.post_save")
    post_delete.connect(on_save_or_delete, dispatch_uid="infra_core.cache.post_delete")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="infra_core.cache.m2m_changed")
