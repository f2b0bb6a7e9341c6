"""A small event bus on Celery: ``publish(name, payload)`` runs every handler as an InfraTask.

The delivery task lives in ``infra_core.events.tasks``; the worker registers it through
``app.autodiscover_tasks(["infra_core.events"])`` (see docs/events.md).
"""

from __future__ import annotations

from infra_core.events.bus import publish
from infra_core.events.event import Event
from infra_core.events.registry import subscribe

__all__ = ["Event", "publish", "subscribe"]
