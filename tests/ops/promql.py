"""A small PromQL tokenizer: the metric names, label matchers and label names an expression uses.

Enough for the shipped rules and dashboard (selectors, functions, aggregations with ``by`` /
``without``, binary operators, ``on`` / ``ignoring``, Grafana's ``$variables``); not a parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")
KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
     "and", "or", "unless", "atan2", "inf", "nan"}
)  # fmt: skip
GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<range>\[[^\]]*\])
  | (?P<variable>\$\{?\w+\}?)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])?)
  | (?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<matchop>=~|!~|!=|==|=)
  | (?P<punct>[{}(),]|>=|<=|[-+*/%^<>@])
    """,
    re.X,
)


@dataclass(frozen=True)
class Matcher:
    """``label op "value"`` inside a selector of ``metric``."""

    metric: str
    label: str
    op: str
    value: str


@dataclass
class Usage:
    """What one expression reads: metric names, their matchers, grouping label names."""

    metrics: set[str] = field(default_factory=set)
    matchers: list[Matcher] = field(default_factory=list)
    grouping: set[str] = field(default_factory=set)


def base_name(metric: str) -> str:
    """Return the metric family name: a histogram's ``_bucket``/``_count``/``_sum`` dropped."""
    for suffix in HISTOGRAM_SUFFIXES:
        if metric.endswith(suffix):
            return metric[: -len(suffix)]
    return metric


def tokens(expr: str) -> list[tuple[str, str]]:
    """Return (kind, text) tokens of ``expr``, spaces left out; raise ValueError on junk."""
    found: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expr):
        match = TOKEN.match(expr, pos)
        if match is None:
            raise ValueError(f"cannot tokenize {expr[pos : pos + 20]!r} in {expr!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append((kind, match.group()))
        pos = match.end()
    return found


def _unquote(text: str) -> str:
    return text[1:-1].encode().decode("unicode_escape") if text[0] != "`" else text[1:-1]


def usage(expr: str) -> Usage:
    """Return the metric names, label matchers and grouping labels ``expr`` uses."""
    toks = tokens(expr)
    used = Usage()
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        following = toks[i + 1][1] if i + 1 < len(toks) else ""
        if kind == "ident" and text in GROUPING and following == "(":
            i += 2
            while i < len(toks) and toks[i][1] != ")":
                if toks[i][0] == "ident":
                    used.grouping.add(toks[i][1])
                i += 1
        elif kind == "ident" and text not in KEYWORDS and following not in {"(", *GROUPING}:
            used.metrics.add(text)
            if following == "{":
                i = _selector(toks, i + 2, text, used)
                continue
        elif text == "{":  # a bare selector: {__name__="..."}
            i = _selector(toks, i + 1, "", used)
            continue
        i += 1
    return used


def _selector(toks: list[tuple[str, str]], i: int, metric: str, used: Usage) -> int:
    while i < len(toks) and toks[i][1] != "}":
        if toks[i][0] == "ident" and i + 2 < len(toks) and toks[i + 1][0] == "matchop":
            label, op, value = toks[i][1], toks[i + 1][1], toks[i + 2][1]
            if label == "__name__" and op == "=":
                used.metrics.add(_unquote(value))
            else:
                used.matchers.append(Matcher(metric, label, op, _unquote(value)))
            i += 3
        else:
            i += 1
    return i + 1
