"""Problems found while loading a schema, how a value is shown, and the one error message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HIDDEN = "<hidden>"
MAX_SHOWN = 80
# Closeness (difflib ratio) above which an undeclared name is reported as a misspelling.
MISSPELLING_CUTOFF = 0.8


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the environment: which variable, what, shown value, form, hint."""

    name: str
    problem: str
    shown: str | None = None  # the value as it may be displayed (masked for secrets)
    expected: str = ""
    hint: str = ""

    def line(self) -> str:
        """Return the problem as report lines (no secret value ever: ``shown`` is masked)."""
        value = f" = {self.shown}" if self.shown is not None else ""
        lines = [f"  - {self.name}{value} {self.problem}."]
        if self.expected:
            lines.append(f"      expected: {self.expected}")
        if self.hint:
            lines.append(f"      hint: {self.hint}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, str | None]:
        """Return the problem as JSON-ready data (``infra_env --json``)."""
        return {
            "name": self.name,
            "problem": self.problem,
            "value": self.shown,
            "expected": self.expected,
            "hint": self.hint,
        }


def mask_url_password(raw: str) -> str:
    """Return ``raw`` with the password of a URL replaced by ``***`` (non-URLs unchanged)."""
    try:
        parts = urlsplit(raw)
        password = parts.password
    except ValueError:
        return raw
    if not password:
        return raw
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def show(raw: str, *, secret: bool, kind: str = "str") -> str:
    """Return how ``raw`` may appear in a report or table: hidden when secret, else truncated."""
    if secret:
        return HIDDEN
    if kind in ("url", "db_url", "cache_url"):
        raw = mask_url_password(raw)
    if len(raw) > MAX_SHOWN:
        return repr(raw[:MAX_SHOWN]) + f"... ({len(raw)} characters)"
    return repr(raw)


def format_report(problems: Iterable[Problem], title: str) -> str:
    """Return the ImproperlyConfigured message listing every problem."""
    found = list(problems)
    noun = "problem" if len(found) == 1 else "problems"
    body = "\n".join(p.line() for p in found)
    return f"{title}: {len(found)} {noun} in the environment\n{body}"


def undeclared(
    present: Mapping[str, str],
    declared: Iterable[str],
    *,
    prefix: str,
    allowed: Iterable[str] = (),
) -> Iterator[Problem]:
    """Yield prefixed names not in the schema, and names close to an unset declared one."""
    known = set(declared)
    skip = known | set(allowed)
    unset = {name.upper(): name for name in known if not present.get(name)}
    for name in sorted(present):
        if name in skip:
            continue
        guess = _closest(name, unset)
        if prefix and name.startswith(prefix):
            hint = f"Did you mean {guess}?" if guess else "Declare it in the schema or remove it."
            yield Problem(name, f"carries the prefix {prefix!r} but is not declared", hint=hint)
        elif guess is not None:
            yield Problem(
                name,
                f"is not declared; it looks like a misspelling of {guess}, which is not set",
                hint=f"Did you mean {guess}? Rename the variable (or allow it in the schema).",
            )


def _closest(name: str, unset: Mapping[str, str]) -> str | None:
    matches = difflib.get_close_matches(name.upper(), unset, n=1, cutoff=MISSPELLING_CUTOFF)
    return unset[matches[0]] if matches else None


@dataclass
class EnvValues(Mapping[str, Any]):
    """The typed values of a loaded schema: ``values["DEBUG"]`` or ``values.DEBUG``.

    ``sources`` says where each came from ("environ", "env file", "default", "unset");
    ``secrets`` names the secret variables, whose values ``repr()`` never shows.
    """

    data: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["data"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        shown = {k: HIDDEN if k in self.secrets else _masked(v) for k, v in self.data.items()}
        return f"EnvValues({shown!r})"

    __str__ = __repr__


def _masked(value: Any) -> Any:
    # A database or cache URL parses to a dict holding the password.
    if isinstance(value, dict) and value.get("PASSWORD"):
        return {**value, "PASSWORD": HIDDEN}
    return value
