"""The declarative schema: ``EnvSchema(prefix=..., NAME=Var("int", ...), ...)`` and ``load()``.

Safe to use from a settings module: nothing here reads Django settings.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import environ
from django.core.exceptions import ImproperlyConfigured

from infra_core.env import dotenv
from infra_core.env.report import EnvValues, Problem, format_report, show, undeclared
from infra_core.env.types import FORMS, HINTS, PARSERS, Invalid, render

REQUIRED: Any = type("Required", (), {"__repr__": lambda self: "REQUIRED"})()
_ALIASES: dict[Any, str] = {str: "str", int: "int", float: "float", bool: "bool", list: "list"}
_ALIASES[Path] = "path"
_ALIASES[timedelta] = "duration"
Unknown = Literal["error", "warn", "ignore"]
_SIZED = ("str", "url", "list")
_ORDERED = ("int", "float", "duration")


class EnvWarning(UserWarning):
    """An undeclared or misspelt variable, reported as a warning (``unknown="warn"``)."""


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


@dataclass
class Report:
    """The result of validating an environment: values (when clean), problems, warnings."""

    values: EnvValues
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    shown: dict[str, str | None] = field(default_factory=dict)  # name -> displayable value

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


class EnvSchema:
    """Declared environment variables; ``load()`` returns their typed values or fails once."""

    def __init__(
        self,
        *,
        prefix: str = "",
        unknown: Unknown = "error",
        allow: Sequence[str] = (),
        title: str = "infra_core.env",
        **variables: Var,
    ) -> None:
        self.prefix = prefix
        self.unknown: Unknown = unknown
        self.allow = tuple(allow)
        self.title = title
        self.variables: dict[str, Var] = dict(variables)
        self.last_report: Report | None = None  # set by every validate()/load()
        self._check_declarations()

    def _check_declarations(self) -> None:
        for name, var in self.variables.items():
            for other in var.required_when or {}:
                target = self.variables.get(other)
                if target is None or target.required_when:
                    raise ValueError(f"{name}: required_when names {other!r}, not a plain var")
            typed = var.default not in (REQUIRED, None) and not isinstance(var.default, str)
            if typed and var.kind in ("db_url", "cache_url"):
                raise ValueError(f"{name}: a {var.kind} default must be a URL string")
            try:
                default = var.default_value()
                if default not in (REQUIRED, None):
                    var.validate(default)
            except Invalid as exc:
                raise ValueError(f"{name}: the default {exc}") from None
            except TypeError:
                raise ValueError(f"{name}: the default is not a {var.kind}") from None

    def load(
        self,
        environ: Mapping[str, str] | None = None,
        env_file: str | os.PathLike[str] | None = None,
        override: bool = False,
    ) -> EnvValues:
        """Return the typed values; raise one ImproperlyConfigured listing every problem."""
        report = self.validate(environ, env_file, override)
        if report.problems:
            raise ImproperlyConfigured(format_report(report.problems, self.title))
        if report.warnings:
            import warnings

            for problem in report.warnings:
                warnings.warn(f"{problem.name} {problem.problem}", EnvWarning, stacklevel=2)
        return report.values

    def validate(
        self,
        environ: Mapping[str, str] | None = None,
        env_file: str | os.PathLike[str] | None = None,
        override: bool = False,
    ) -> Report:
        """Return a Report of the environment (``os.environ`` by default); never raises."""
        base = dict(os.environ if environ is None else environ)
        problems: list[Problem] = []
        sources = dict.fromkeys(base, "environ")
        if env_file is not None:
            from_file, file_problems = dotenv.read(env_file)
            problems += file_problems
            for name, value in from_file.items():
                if override or name not in base:
                    base[name] = value
                    sources[name] = "env file"
        report = Report(EnvValues({}, secrets=self._secrets()))
        self._parse_all(base, sources, report, problems)
        extra = list(undeclared(base, self.variables, prefix=self.prefix, allowed=self.allow))
        if self.unknown == "error":
            problems += extra
        elif self.unknown == "warn":
            report.warnings = extra
        report.problems = problems
        self.last_report = report
        return report

    def _secrets(self) -> frozenset[str]:
        return frozenset(name for name, var in self.variables.items() if var.secret)

    def _parse_all(
        self, base: dict[str, str], sources: dict[str, str], report: Report, out: list[Problem]
    ) -> None:
        values, where = report.values.data, report.values.sources
        conditional = [n for n, v in self.variables.items() if v.required_when]
        plain = [n for n in self.variables if n not in conditional]
        for name in [*plain, *conditional]:
            var = self.variables[name]
            raw = base.get(name, "")
            if raw:  # an empty value counts as unset
                report.shown[name] = show(raw, secret=var.secret, kind=str(var.kind))
                where[name] = sources[name]
                try:
                    values[name] = var.parse(raw)
                except Invalid as exc:
                    out.append(self._invalid(name, var, raw, exc))
                except Exception as exc:  # a parser bug must not crash startup or show the value
                    out.append(self._invalid(name, var, raw, Invalid(_unparsed(exc))))
                continue
            report.shown[name] = None
            needed = self._required_now(var, values)
            if needed is None:
                continue  # decided by a variable that is itself broken (already reported)
            if needed:
                out.append(self._missing(name, var, raw, base))
            else:
                values[name] = None if var.default is REQUIRED else var.default_value()
                where[name] = "unset" if var.default is REQUIRED else "default"

    @staticmethod
    def _required_now(var: Var, values: Mapping[str, Any]) -> bool | None:
        if not var.required_when:
            return var.default is REQUIRED
        if any(name not in values for name in var.required_when):
            return None
        return all(values[k] == v for k, v in var.required_when.items())

    def _invalid(self, name: str, var: Var, raw: str, exc: Invalid) -> Problem:
        shown = show(raw, secret=var.secret, kind=str(var.kind))
        return Problem(name, str(exc), shown, var.expected(), var.type_hint())

    def _missing(self, name: str, var: Var, raw: str, base: Mapping[str, str]) -> Problem:
        what = "is set but empty" if name in base else "is not set"
        if var.required_when:
            when = ", ".join(
                f"{k}={render(str(self.variables[k].kind), v)}"
                for k, v in var.required_when.items()
            )
            what += f" (required when {when})"
        else:
            what += " (required)"
        return Problem(name, what, None, var.expected(), var.help or var.type_hint())
