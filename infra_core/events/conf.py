"""Settings of the event bus (E420-E429)."""

from __future__ import annotations

from typing import Any

from infra_core.conf import Setting, SettingError
from infra_core.events.event import validate_source
from infra_core.parsers import anything


def source(value: Any) -> str:
    """A valid event source (the rule of ``validate_source``)."""
    try:
        return validate_source(value)
    except ValueError as exc:
        raise SettingError(f"is not a valid source ({exc})") from None


EVENTS_HANDLERS: Setting[Any] = Setting(
    "EVENTS_HANDLERS",
    {},
    anything,  # parsed by infra_core.events.registry.parse_handlers (the E420-E422 check too)
    'Event name -> handlers (dotted paths or {"handler", "retry_policy", "queue"} dicts), '
    "merged with @subscribe registrations.",
)
EVENTS_SOURCE: Setting[str] = Setting(
    "EVENTS_SOURCE",
    "app",
    source,
    "``source`` stamped on published events when publish() is given none.",
    "infra_core.E423",
    'Name the publishing service, e.g. "billing".',
)

SETTINGS = (EVENTS_HANDLERS, EVENTS_SOURCE)
