"""System checks for the event bus (E420-E429): the runtime's own parsers judge the settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.utils.module_loading import import_string

from infra_core.events.conf import EVENTS_HANDLERS
from infra_core.events.event import validate_name
from infra_core.events.registry import parse_entry

HANDLERS_HINT = (
    'Use {"order.paid": ["myapp.handlers.send_receipt", '
    '{"handler": "myapp.handlers.notify", "queue": "events"}]}.'
)


def check_events(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """EVENTS_HANDLERS parses and its handlers import (EVENTS_SOURCE: see conf.py)."""
    messages: list[Any] = []
    raw = EVENTS_HANDLERS.raw()
    if not isinstance(raw, dict):
        return [
            *messages,
            checks.Error(
                f"INFRA_CORE['EVENTS_HANDLERS'] = {raw!r} is not a dict of event name -> "
                "list of handlers.",
                hint=HANDLERS_HINT,
                id="infra_core.E420",
            ),
        ]
    for event, entries in raw.items():
        messages.extend(_check_event(event, entries))
    return messages


def _check_event(event: object, entries: object) -> list[Any]:
    try:
        name = validate_name(event)
    except ValueError as exc:
        return [
            checks.Error(
                f"INFRA_CORE['EVENTS_HANDLERS']: {exc}.",
                hint="publish() rejects this name, so these handlers would never run.",
                id="infra_core.E421",
            )
        ]
    if not isinstance(entries, list | tuple):
        return [
            checks.Error(
                f"INFRA_CORE['EVENTS_HANDLERS'][{name!r}] = {entries!r} is not a list.",
                hint=HANDLERS_HINT,
                id="infra_core.E420",
            )
        ]
    messages: list[Any] = []
    for entry in entries:
        try:
            sub = parse_entry(name, entry)
        except ValueError as exc:
            messages.append(
                checks.Error(
                    f"INFRA_CORE['EVENTS_HANDLERS'][{name!r}]: {exc}.",
                    hint=HANDLERS_HINT,
                    id="infra_core.E420",
                )
            )
            continue
        problem = _handler_problem(sub.handler)
        if problem:
            messages.append(
                checks.Error(
                    f"INFRA_CORE['EVENTS_HANDLERS'][{name!r}]: handler {sub.handler!r} {problem}.",
                    hint="Give the dotted path of a module-level function handler(event).",
                    id="infra_core.E422",
                )
            )
    return messages


def _handler_problem(path: str) -> str | None:
    try:
        handler = import_string(path)
    except ImportError as exc:
        return f"does not import ({exc})"
    except Exception as exc:  # a module that fails at import: report, never raise from a check
        return f"does not import ({type(exc).__name__}: {exc})"
    if not callable(handler):
        return f"is a {type(handler).__name__}, not callable"
    return None
