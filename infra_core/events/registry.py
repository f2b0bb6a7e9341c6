"""Who handles which event: ``@subscribe`` registrations merged with ``EVENTS_HANDLERS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from infra_core.events.conf import EVENTS_HANDLERS
from infra_core.events.event import Event, validate_name
from infra_core.tasks.policy import RetryPolicy

Handler = Callable[[Event], None]
H = TypeVar("H", bound=Handler)

ENTRY_KEYS = frozenset({"handler", "retry_policy", "queue"})


@dataclass(frozen=True)
class Subscription:
    """One handler of one event: its dotted path and delivery options."""

    event: str
    handler: str
    retry_policy: RetryPolicy | None = None
    queue: str | None = None


# event name -> handler path -> subscription, filled by @subscribe at import of handler modules.
_registry: dict[str, dict[str, Subscription]] = {}


def handler_path(func: Callable[..., Any]) -> str:
    """Return the dotted path the worker imports ``func`` by; raise ValueError if there is none."""
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module == "__main__":
        raise ValueError(
            f"handler {func!r} has no importable dotted path: define it at module level "
            "in an importable module"
        )
    return f"{module}.{qualname}"


def subscribe(
    event: str, *, retry_policy: RetryPolicy | None = None, queue: str | None = None
) -> Callable[[H], H]:
    """Register the decorated ``handler(event: Event) -> None`` for the event named ``event``."""
    validate_name(event)
    if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
        raise ValueError(f"retry_policy={retry_policy!r} is not a RetryPolicy")
    _check_queue(queue)

    def register(func: H) -> H:
        path = handler_path(func)
        _registry.setdefault(event, {})[path] = Subscription(event, path, retry_policy, queue)
        return func

    return register


def _check_queue(queue: object) -> None:
    if queue is not None and (not isinstance(queue, str) or not queue):
        raise ValueError(f"queue={queue!r} is not a non-empty string")


def parse_entry(event: str, entry: object) -> Subscription:
    """Parse one ``EVENTS_HANDLERS[event]`` entry: a dotted path or a dict; raise ValueError."""
    if isinstance(entry, str):
        entry = {"handler": entry}
    if not isinstance(entry, dict):
        raise ValueError(f"entry {entry!r} is a {type(entry).__name__}, not a path or a dict")
    unknown = sorted(set(entry) - ENTRY_KEYS)
    if unknown:
        raise ValueError(f"entry {entry!r} has unknown keys {unknown}")
    path = entry.get("handler")
    if not isinstance(path, str) or "." not in path:
        raise ValueError(f"entry {entry!r}: 'handler' must be a dotted path string")
    policy = entry.get("retry_policy")
    if policy is not None and not isinstance(policy, RetryPolicy):
        raise ValueError(f"entry {entry!r}: 'retry_policy' must be a RetryPolicy")
    queue = entry.get("queue")
    _check_queue(queue)
    return Subscription(event, path, policy, queue)


def parse_handlers(raw: object) -> dict[str, list[Subscription]]:
    """Parse ``EVENTS_HANDLERS`` (event name -> list of entries); raise ValueError on bad input."""
    if not isinstance(raw, dict):
        raise ValueError(f"EVENTS_HANDLERS = {raw!r} is not a dict of event name -> handlers")
    parsed: dict[str, list[Subscription]] = {}
    for event, entries in raw.items():
        validate_name(event)
        if not isinstance(entries, list | tuple):
            raise ValueError(f"EVENTS_HANDLERS[{event!r}] = {entries!r} is not a list")
        parsed[event] = [parse_entry(event, entry) for entry in entries]
    return parsed


def subscriptions(event: str) -> list[Subscription]:
    """Return the handlers of ``event``: decorated ones, then configured ones, one per path.

    A path registered both ways is delivered once; options given in the setting win.
    """
    merged = dict(_registry.get(event, {}))
    for sub in parse_handlers(EVENTS_HANDLERS.value).get(event, []):
        known = merged.get(sub.handler)
        if known is not None:
            sub = replace(
                known,
                retry_policy=sub.retry_policy or known.retry_policy,
                queue=sub.queue or known.queue,
            )
        merged[sub.handler] = sub
    return list(merged.values())


def find(event: str, handler: str) -> Subscription | None:
    """Return the subscription of ``handler`` to ``event``, if any."""
    for sub in subscriptions(event):
        if sub.handler == handler:
            return sub
    return None
