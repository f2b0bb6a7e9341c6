"""One declared variable: ``Var("int", default=..., minimum=..., secret=..., help=...)``.

Safe to use from a settings module: nothing here reads Django settings.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

from infra_core.env.types import FORMS, HINTS, PARSERS, Invalid, render

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
_ALIASES: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool", list: "list"}
_ALIASES[Path] = "path"
_ALIASES[timedelta] = "duration"
_SIZED = ("str", "url", "list")
_ORDERED = ("int", "float", "duration")


@dataclass(frozen=True)
class Var:
    """One environment variable: its type, default (or REQUIRED) and constraints."""

    kind: str | type
    default: Any = REQUIRED
    help: str = ""
    secret: bool = False
    choices: Sequence[Any] | None = None
    min: float | timedelta | None = None
    max: float | timedelta | None = None
    min_length: int | None = None
    # Required (despite a default) while every named variable has the given value.
    required_when: Mapping[str, Any] | None = None
    item: str | type = "str"  # the type of each item of a "list"
    hint: str = ""
    example: str = ""  # a sample value for the .env.example comment

    def __post_init__(self) -> None:
        for attr in ("kind", "item"):
            value = getattr(self, attr)
            object.__setattr__(self, attr, _ALIASES.get(value, value))
        if self.kind not in PARSERS:
            raise ValueError(f"unknown variable type {self.kind!r}; use one of {sorted(PARSERS)}")
        if self.item not in PARSERS or self.item in ("list", "json"):
            raise ValueError(f"unknown list item type {self.item!r}")
        if self.min_length is not None and self.kind not in _SIZED:
            raise ValueError(f"min_length applies to {', '.join(_SIZED)}, not {self.kind}")
        if (self.min is not None or self.max is not None) and self.kind not in _ORDERED:
            raise ValueError(f"min/max apply to {', '.join(_ORDERED)}, not {self.kind}")

    @property
    def required(self) -> bool:
        """True when the variable must always be set."""
        return self.default is REQUIRED and not self.required_when

    def expected(self) -> str:
        """Return the form a value must have, constraints included."""
        kind = str(self.kind)
        form = FORMS[kind] if kind != "list" else f"{FORMS['list']} ({self.item} items)"
        extra = []
        if self.choices is not None:
            extra.append("one of " + ", ".join(render(kind, c) for c in self.choices))
        if self.min is not None:
            extra.append(f">= {_bound(self.min)}")
        if self.max is not None:
            extra.append(f"<= {_bound(self.max)}")
        if self.min_length is not None:
            unit = "items" if self.kind == "list" else "characters"
            extra.append(f"at least {self.min_length} {unit}")
        return form + (f" ({'; '.join(extra)})" if extra else "")

    def parse(self, raw: str) -> Any:
        """Return the typed value of ``raw`` or raise Invalid (constraints checked)."""
        if self.kind == "list":
            items = [i.strip() for i in environ.Env.parse_value(raw, list) if i.strip()]
            parser = PARSERS[str(self.item)]
            value: Any = []
            for index, item in enumerate(items):
                try:
                    value.append(parser(item))
                except Invalid as exc:
                    raise Invalid(f"has an item {index + 1} that {exc}") from None
        else:
            value = PARSERS[str(self.kind)](raw)
        self.validate(value)
        return value

    def validate(self, value: Any) -> None:
        """Raise Invalid when a typed value breaks choices, bounds or length."""
        items = value if self.kind == "list" else [value]
        if self.choices is not None and any(i not in self.choices for i in items):
            raise Invalid("is not one of the allowed choices")
        number = value.total_seconds() if isinstance(value, timedelta) else value
        if self.min is not None and number < _seconds(self.min):
            raise Invalid(f"is below the minimum {_bound(self.min)}")
        if self.max is not None and number > _seconds(self.max):
            raise Invalid(f"is above the maximum {_bound(self.max)}")
        if self.min_length is not None and len(value) < self.min_length:
            unit = "items" if self.kind == "list" else "characters"
            raise Invalid(f"is shorter than {self.min_length} {unit}")

    def default_value(self) -> Any:
        """Return the typed default (a string default is parsed like an environment value)."""
        if isinstance(self.default, str):
            return self.parse(self.default)
        if self.default is REQUIRED:
            return REQUIRED
        # A copy: code that appends to env.ALLOWED_HOSTS must not change the declaration.
        return copy.deepcopy(self.default)

    def default_text(self) -> str:
        """Return the default as it would be written in a .env file."""
        if self.default is REQUIRED:
            return ""
        if isinstance(self.default, str):
            return self.default
        return render(str(self.kind), self.default)

    def type_hint(self) -> str:
        """Return the hint shown with a problem of this variable."""
        return self.hint or HINTS.get(str(self.kind), "") or self.help


def _unparsed(exc: Exception) -> str:
    return f"could not be parsed ({type(exc).__name__})"


def _seconds(bound: float | timedelta) -> float:
    return bound.total_seconds() if isinstance(bound, timedelta) else bound


def _bound(bound: float | timedelta) -> str:
    return f"{bound.total_seconds():g}s" if isinstance(bound, timedelta) else f"{bound:g}"
