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


# post_delete is connected per declared model, never for every model: Django's fast delete
# (one DELETE per batch instead of collecting every row) is off for any model with a listener.
_delete_senders: set[type[models.Model]] = set()
_synced: list[bool] = [False]


def sync_delete_receivers(**kwargs: Any) -> None:
    """Connect post_delete exactly for the models that declare invalidation rules."""
    from django.apps import apps

    try:
        wanted = {model for model in apps.get_models() if rules_for(model)}
    except Exception as exc:  # a bad setting: the system check reports it
        observer_failed("cache_invalidation", exc)
        return
    for model in _delete_senders - wanted:
        post_delete.disconnect(sender=model, dispatch_uid=_uid(model))
    for model in wanted - _delete_senders:
        post_delete.connect(on_save_or_delete, sender=model, dispatch_uid=_uid(model))
    _delete_senders.clear()
    _delete_senders.update(wanted)
    _synced[0] = True


def _uid(model: type[models.Model]) -> str:
    return f"infra_core.cache.post_delete.{model._meta.label_lower}"


def on_connection_created(**kwargs: Any) -> None:
    """Sync the delete receivers before the first query (settings are read here, not in ready)."""
    if not _synced[0]:
        sync_delete_receivers()


def resync(*, setting: str | None = None, **kwargs: Any) -> None:
    """Re-sync the delete receivers when INFRA_CORE changes (a ``setting_changed`` receiver)."""
    if setting is None or setting == "INFRA_CORE":
        from django.apps import apps

        from infra_core.cache.rules import reset

        reset()
        if apps.ready:
            sync_delete_receivers()


def connect() -> None:
    """Connect the receivers once (a model without rules costs one dict lookup per save)."""
    from django.db.backends.signals import connection_created

    post_save.connect(on_save_or_delete, dispatch_uid="infra_core.cache.post_save")
    m2m_changed.connect(on_m2m_changed, dispatch_uid="infra_core.cache.m2m_changed")
    connection_created.connect(on_connection_created, dispatch_uid="infra_core.cache.connection")
