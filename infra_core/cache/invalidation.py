"""Invalidate on commit: signal receivers and the explicit helpers for bulk paths.

Keys are formatted when the change happens (the instance's values then), the deletes and bumps
run in ``transaction.on_commit``: a rolled-back change invalidates nothing, and no reader can
refill an entry from pre-commit data after the delete. Failures are logged, counted and never
raised into the save (DESIGN.md section 4).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models, router, transaction

from infra_core.cache import metrics
from infra_core.cache.rules import Rule, format_keys, rules_for
from infra_core.cache.signals import cache_invalidated
from infra_core.cache.store import store_for
from infra_core.observe import observer_failed
from infra_core.redis import RedisUnavailable

logger = logging.getLogger("infra_core.cache")
M = TypeVar("M", bound=models.Model)


def _plan(
    rules: list[Rule], instances: Iterable[models.Model]
) -> dict[str, tuple[set[str], set[str]]]:
    """Return {alias: (keys, namespaces)} for ``instances`` under ``rules``."""
    plan: dict[str, tuple[set[str], set[str]]] = {}
    for rule in rules:
        keys, namespaces = plan.setdefault(rule.alias, (set(), set()))
        namespaces.update(rule.namespaces)
        for instance in instances:
            keys.update(format_keys(rule, instance))
    return plan


def _apply(
    model: type[models.Model], instance: models.Model | None, plan: Any, source: str
) -> None:
    """Delete and bump what ``plan`` names (runs after commit); never raise."""
    from infra_core.cache.keys import bump

    ok = True
    all_keys: list[str] = []
    all_namespaces: list[str] = []
    for alias, (keys, namespaces) in plan.items():
        if keys:
            try:
                store_for(alias).delete(tuple(sorted(keys)))
            except RedisUnavailable as exc:
                ok = False
                metrics.count(metrics.ERRORS, "invalidation", "invalidate")
                logger.warning("cache invalidation of %s failed: %s", model._meta.label, exc)
        for namespace in sorted(namespaces):
            ok = bump(namespace, alias=alias) and ok
        all_keys.extend(sorted(keys))
        all_namespaces.extend(sorted(namespaces))
    metrics.count(metrics.INVALIDATIONS, source, "ok" if ok else "failed")
    try:
        cache_invalidated.send(
            sender=model,
            instance=instance,
            keys=tuple(all_keys),
            namespaces=tuple(all_namespaces),
            ok=ok,
        )
    except Exception as exc:  # a failing observer of the observer
        observer_failed("cache_invalidation", exc)


def schedule(
    model: type[models.Model],
    instances: Iterable[models.Model],
    *,
    using: str | None = None,
    source: str = "explicit",
    instance: models.Model | None = None,
) -> bool:
    """Invalidate ``model``'s declared entries for ``instances`` when ``using`` commits.

    Returns False when the model declares nothing. Outside a transaction it runs at once.
    """
    try:
        rules = rules_for(model)
        if not rules:
            return False
        plan = _plan(rules, list(instances))
        db = using or router.db_for_write(model)
        transaction.on_commit(lambda: _safe_apply(model, instance, plan, source), using=db)
    except Exception as exc:  # a bad template or setting: logged and counted, the save goes on
        metrics.count(metrics.INVALIDATIONS, source, "failed")
        observer_failed("cache_invalidation", exc)
        return False
    return True


def _safe_apply(
    model: type[models.Model], instance: models.Model | None, plan: Any, source: str
) -> None:
    try:
        _apply(model, instance, plan, source)
    except Exception as exc:
        metrics.count(metrics.INVALIDATIONS, source, "failed")
        observer_failed("cache_invalidation", exc)


def invalidate_for(objects: Iterable[models.Model], *, using: str | None = None) -> int:
    """Invalidate the entries declared for ``objects`` on commit (``bulk_update``, ``bulk_create``).

    Accepts instances or a QuerySet (evaluated now). Returns how many objects were planned.
    """
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), []).append(obj)
    db = using or getattr(objects, "db", None)
    for model, instances in by_model.items():
        schedule(model._meta.concrete_model or model, instances, using=db)
    return sum(len(v) for v in by_model.values())


def invalidating_update(queryset: models.QuerySet[M], **fields: Any) -> int:
    """Run ``queryset.update(**fields)`` and invalidate the rows' entries on commit.

    Keys are formatted from each row before and after the update, so a template whose field
    changes (``"product:{slug}"``) drops the old key and the new one. Returns the rows updated.
    """
    model = queryset.model
    if not rules_for(model):
        return queryset.update(**fields)
    with transaction.atomic(using=queryset.db):
        before = list(queryset)
        updated = queryset.update(**fields)
        after = list(
            model._default_manager.using(queryset.db).filter(pk__in=[o.pk for o in before])
        )
        schedule(model, [*before, *after], using=queryset.db)
    return updated
