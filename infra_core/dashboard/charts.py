"""Small server-rendered SVG charts: bars, stacked bars, sparklines, status strips.

No JavaScript and no external assets. Every label and link goes through ``format_html`` (escaped);
colours come from the fixed palette below, never from data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

PALETTE = {
    "ok": "#2e7d32",
    "pending": "#c62828",
    "fail": "#c62828",
    "timeout": "#6a1b9a",
    "warn": "#ef6c00",
    "replayed": "#1565c0",
    "discarded": "#757575",
    "resolved": "#2e7d32",
    "blocked": "#ef6c00",
    "hit": "#2e7d32",
    "unknown": "#bdbdbd",
}
_DEFAULT = "#607d8b"
_ROW = 22
_LABEL_W = 260
_VALUE_W = 90


@dataclass(frozen=True)
class Bar:
    """One bar: ``label`` (escaped), ``value``, an optional link and a palette key."""

    label: str
    value: float
    href: str = ""
    tone: str = ""
    text: str = ""  # the value as shown; defaults to the number


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar or status strip."""

    value: float
    tone: str
    href: str = ""
    title: str = ""


def colour(tone: str) -> str:
    """Return the palette colour of ``tone``."""
    return PALETTE.get(tone, _DEFAULT)


def _link(href: str, inner: SafeString) -> SafeString:
    return format_html('<a href="{}">{}</a>', href, inner) if href else inner


def _join(parts: Sequence[SafeString]) -> SafeString:
    # The parts are SafeStrings built by format_html, so "{}" does not escape them twice.
    return format_html_join("", "{}", ((part,) for part in parts))


def _svg(width: int, height: int, label: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="infra-chart" width="{}" height="{}" '
        'viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>{}</svg>',
        width,
        height,
        width,
        height,
        label,
        label,
        body,
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def bars(rows: Sequence[Bar], *, title: str, width: int = 640) -> SafeString:
    """Return horizontal bars, one row each, scaled to the largest value."""
    if not rows:
        return format_html('<p class="infra-empty">{}: no data</p>', title)
    top = max((r.value for r in rows), default=0) or 1.0
    span = width - _LABEL_W - _VALUE_W
    parts = []
    for i, row in enumerate(rows):
        y = i * _ROW
        length = round(max(1.0, span * row.value / top), 1) if row.value else 0.0
        parts.append(
            format_html(
                '<g><text x="0" y="{}" class="infra-label">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title>'
                '</rect><text x="{}" y="{}" class="infra-value">{}</text></g>',
                y + 15,
                row.label[:40],
                _LABEL_W,
                y + 3,
                length,
                _ROW - 6,
                colour(row.tone),
                row.label,
                row.text or _number(row.value),
                round(_LABEL_W + length + 6, 1),
                y + 15,
                row.text or _number(row.value),
            )
        )
        parts[-1] = _link(row.href, parts[-1])
    return _svg(width, len(rows) * _ROW, title, _join(parts))


def stacked(
    segments: Sequence[Segment], *, title: str, width: int = 300, height: int = 14
) -> SafeString:
    """Return one bar split into ``segments`` proportionally (links per segment)."""
    total = sum(s.value for s in segments)
    if total <= 0:
        return _svg(
            width,
            height,
            title,
            format_html(
                '<rect width="{}" height="{}" fill="{}"/>', width, height, colour("unknown")
            ),
        )
    parts, x = [], 0.0
    for seg in segments:
        w = width * seg.value / total
        if w <= 0:
            continue
        rect = format_html(
            '<rect x="{}" y="0" width="{}" height="{}" fill="{}"><title>{}</title></rect>',
            round(x, 2),
            round(w, 2),
            height,
            colour(seg.tone),
            seg.title,
        )
        parts.append(_link(seg.href, rect))
        x += w
    return _svg(width, height, title, _join(parts))


def sparkline(
    values: Sequence[float], *, title: str, width: int = 160, height: int = 28
) -> SafeString:
    """Return a line through ``values`` (oldest first) with the last point marked."""
    if len(values) < 2:
        values = [*values, *values] if values else [0.0, 0.0]
    top = max(values) or 1.0
    step = (width - 4) / (len(values) - 1)
    points = [
        (round(2 + i * step, 1), round(height - 2 - (height - 4) * v / top, 1))
        for i, v in enumerate(values)
    ]
    line = format_html_join(" ", "{},{}", points)
    last_x, last_y = points[-1]
    body = format_html(
        '<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>'
        '<circle cx="{}" cy="{}" r="2" fill="{}"/>',
        colour("blocked"),
        line,
        last_x,
        last_y,
        colour("blocked"),
    )
    return _svg(width, height, title, body)


def strip(
    segments: Sequence[Segment], *, title: str, width: int = 300, height: int = 12
) -> SafeString:
    """Return a status strip over time: ``segments`` are durations, oldest first."""
    return stacked(segments, title=title, width=width, height=height)
