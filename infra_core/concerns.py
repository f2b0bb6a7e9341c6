"""The one hook through which a concern joins infra_core.

A concern (``infra_core/<name>/``, or a project's own package) describes itself once in a
``CONCERN = Concern(...)`` object: its settings table, its system checks, the functions that
connect its signal receivers, the modules defining its metrics and the caches to forget when
settings change. ``InfraCoreConfig.ready()`` registers infra_core's own concerns; anything else may
call :func:`register` from its own ``AppConfig.ready()``. Nothing connects at import time.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core import checks as django_checks
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from infra_core import conf

CheckFunction = Callable[..., list[django_checks.CheckMessage]]
Reset = Callable[..., None]


@dataclass(frozen=True)
class Concern:
    """What one concern brings: settings, checks, receivers, metrics, resets."""

    name: str
    settings: Sequence[conf.Setting[Any]] = ()
    checks: Sequence[CheckFunction] = ()
    # Checks that only ``manage.py check --deploy`` runs (tags infra_core and deploy).
    deploy_checks: Sequence[CheckFunction] = ()
    # Zero-argument callables that connect the concern's signal receivers (Celery hooks too).
    receivers: Sequence[Callable[[], None]] = ()
    # Modules that define the concern's metrics on the one registry (imported at registration).
    metrics: Sequence[str] = ()
    # ``setting_changed`` receivers that forget the concern's module-level caches.
    resets: Sequence[Reset] = ()
    # Dotted paths of prometheus collectors that read the database: exposed on every scrape,
    # never merged across gunicorn workers (they are the same in every process).
    collectors: Sequence[str] = ()
    # Modules defining Celery (shared) tasks: imported at registration when Celery is installed,
    # so every Celery app of the process, worker or publisher, knows them by name.
    tasks: Sequence[str] = ()

    def run_checks(self) -> list[django_checks.CheckMessage]:
        """Return the messages of this concern alone: its settings table, then its checks."""
        messages = settings_messages(self.settings)
        for function in self.checks:
            messages.extend(function(None))
        return messages


_registered: dict[str, Concern] = {}


def register(concern: Concern) -> None:
    """Declare ``concern``'s settings, register its checks, connect its receivers; idempotent."""
    if concern.name in _registered:
        return
    _registered[concern.name] = concern
    conf.declare(*concern.settings)
    for function in concern.checks:
        django_checks.register(function, "infra_core")
    for function in concern.deploy_checks:
        django_checks.register(function, "infra_core", "deploy", deploy=True)
    for module in concern.metrics:
        importlib.import_module(module)
    if concern.collectors:
        from infra_core.metrics.exposition import add_database_collector

        for path in concern.collectors:
            add_database_collector(import_string(path))
    if concern.tasks and importlib.util.find_spec("celery") is not None:
        for module in concern.tasks:
            importlib.import_module(module)
    for reset in concern.resets:
        uid = f"infra_core.reset.{concern.name}.{reset.__module__}.{reset.__qualname__}"
        setting_changed.connect(reset, dispatch_uid=uid)
    for connect in concern.receivers:
        connect()


def registered() -> tuple[Concern, ...]:
    """Return the registered concerns in registration order."""
    return tuple(_registered.values())



def settings_messages(table: Iterable[conf.Setting[Any]]) -> list[django_checks.CheckMessage]:
    """Return one error per setting of ``table`` that its own parser rejects."""
    messages: list[django_checks.CheckMessage] = []
    for setting in table:
        if setting.check_id is None:
            continue
        problem = setting.problem()
        if problem is not None:
            hint = setting.hint or f"e.g. {setting.default!r} (the default)."
            messages.append(django_checks.Error(problem, hint=hint, id=setting.check_id))
    return messages


def check_declared_settings(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """Every declared setting with a check ID parses with the parser the runtime uses."""
    return settings_messages(conf.DECLARED.values())
