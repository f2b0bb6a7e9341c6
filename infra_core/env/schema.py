"""The declarative schema: ``EnvSchema(prefix=..., NAME=Var("int", ...), ...)`` and ``load()``.

Safe to use from a settings module: nothing here reads Django settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.core.exceptions import ImproperlyConfigured

from infra_core.env import dotenv
from infra_core.env.report import EnvValues, Problem, format_report, show, undeclared
from infra_core.env.types import Invalid, render
from infra_core.env.var import REQUIRED, Var, _unparsed

Unknown = Literal["error", "warn", "ignore"]


class EnvWarning(UserWarning):
    """An undeclared or misspelt variable, reported as a warning (``unknown="warn"``)."""


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
