"""The Event value and the validation of names, payloads and sources."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra_core import context

NAME_RE = re.compile(r"[a-z0-9_.-]{1,100}")
SOURCE_RE = re.compile(r"[A-Za-z0-9_.:/-]{1,100}")
# A payload nested deeper than this is a bug (or a cycle), not an event.
MAX_DEPTH = 32


def _matching(what: str, value: object, pattern: re.Pattern[str], rule: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"event {what} {value!r} is invalid: use {rule}")
    return value


def validate_name(name: object) -> str:
    """Return ``name`` if it is a valid event name, else raise ValueError naming it."""
    rule = "1-100 characters of a-z, 0-9, '_', '.', '-' (e.g. \"order.paid\")"
    return _matching("name", name, NAME_RE, rule)


def validate_source(source: object) -> str:
    """Return ``source`` if it is a valid event source, else raise ValueError naming it."""
    rule = "1-100 characters of letters, digits and '_.:/-' (e.g. \"billing\")"
    return _matching("source", source, SOURCE_RE, rule)


def validate_payload(payload: object) -> dict[str, Any]:
    """Return ``payload`` if it is a JSON-safe dict, else raise ValueError naming the bad value."""
    if not isinstance(payload, dict):
        raise ValueError(
            f"event payload {_short(payload)} is a {type(payload).__name__}, not a dict"
        )
    problem = _unsafe(payload, "payload", 0)
    if problem:
        raise ValueError(f"event {problem}")
    return payload


def _unsafe(value: object, where: str, depth: int) -> str | None:
    """Describe the first value under ``where`` that does not survive a JSON round trip."""
    if depth > MAX_DEPTH:
        return f"{where} is nested deeper than {MAX_DEPTH} levels"
    if value is None or isinstance(value, bool | int | str):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} = {value!r} is not a finite number"
    if isinstance(value, list):
        for index, item in enumerate(value):
            problem = _unsafe(item, f"{where}[{index}]", depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where} has key {_short(key)} ({type(key).__name__}): keys must be str"
            problem = _unsafe(item, f"{where}[{key!r}]", depth + 1)
            if problem:
                return problem
        return None
    hint = " (use a list)" if isinstance(value, tuple | set | frozenset) else ""
    return f"{where} = {_short(value)} is a {type(value).__name__}, not JSON-serialisable{hint}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Event:
    """One published event as a handler receives it."""

    name: str
    payload: dict[str, Any]
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str = field(default_factory=lambda: context.get_request_id() or "")
    occurred_at: str = field(default_factory=_now)
    source: str = "app"
    #: The handler task's retry number + 1 (set in the worker; 0 on the publisher's copy).
    attempt: int = 0

    @classmethod
    def create(cls, name: str, payload: dict[str, Any], *, source: str) -> Event:
        """Validate and return a new event stamped with an id, the request id and the time."""
        return cls(
            name=validate_name(name),
            payload=validate_payload(payload),
            request_id=context.get_request_id() or context.new_request_id(),
            source=validate_source(source),
        )

    def to_message(self) -> dict[str, Any]:
        """Return the JSON form sent to handlers (everything but ``attempt``)."""
        data = asdict(self)
        del data["attempt"]
        return data

    @classmethod
    def from_message(cls, data: dict[str, Any], *, attempt: int) -> Event:
        """Rebuild an event from ``to_message()`` output for delivery attempt ``attempt``."""
        return cls(
            name=str(data["name"]),
            payload=dict(data["payload"]),
            event_id=str(data["event_id"]),
            request_id=str(data.get("request_id") or ""),
            occurred_at=str(data["occurred_at"]),
            source=str(data.get("source") or "app"),
            attempt=attempt,
        )
