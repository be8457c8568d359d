"""Small inline-SVG charts for the scenario report: lines, horizontal bars, and a map.

The report must open offline on a planner's laptop, so it carries its charts as SVG text inside the
HTML, drawn here with nothing but string formatting: no plotting library, no script, no CDN. Every
label is escaped, since scenario names and descriptions are free text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#1f6f8b", "#d1495b", "#edae49", "#66a182", "#8d6a9f", "#00798c", "#30638e")
MUTED = "#9aa5b1"
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _number(value: float) -> str:
    """A compact label: 1234 -> 1,234; 0.4567 -> 0.457."""
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def line_chart(
    title: str,
    lines: Mapping[str, Sequence[float]],
    *,
    width: int = 300,
    height: int = 150,
    x_label: str = "day",
    number: Callable[[float], str] = _number,
) -> str:
    """Lines over a shared x axis (index = day), each labelled in a legend under the title;
    ``number`` writes the axis's numbers (the reader's notation)."""
    pad_left, pad_right, pad_top, pad_bottom = 34, 8, 30, 20
    longest = max((len(v) for v in lines.values()), default=0)
    top = max((max(v) for v in lines.values() if v), default=0.0) or 1.0
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" {FONT}>',
        f'<text x="4" y="12" font-weight="600">{escape(title)}</text>',
        f'<line x1="{pad_left}" y1="{height - pad_bottom}" x2="{width - pad_right}" '
        f'y2="{height - pad_bottom}" stroke="{MUTED}"/>',
        f'<text x="{pad_left - 4}" y="{pad_top + 4}" text-anchor="end">{number(top)}</text>',
        f'<text x="{pad_left - 4}" y="{height - pad_bottom}" text-anchor="end">0</text>',
        f'<text x="{width - pad_right}" y="{height - 6}" text-anchor="end">'
        f"{escape(x_label)} {max(longest - 1, 0)}</text>",
    ]
    for position, (name, values) in enumerate(lines.items()):
        colour = PALETTE[position % len(PALETTE)]
        step = inner_w / max(len(values) - 1, 1)
        points = " ".join(
            f"{pad_left + i * step:.1f},{pad_top + inner_h * (1 - v / top):.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'
        )
        parts.append(
            f'<text x="{4 + position * 90}" y="24" fill="{colour}">&#9632; {escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, value and (optionally) the 95 % interval around it."""

    label: str
    value: float
    low: float | None = None
    high: float | None = None


def bar_chart(
    title: str,
    bars: Sequence[Bar],
    *,
    width: int = 620,
    unit: str = "",
    number: Callable[[float], str] = _number,
    empty: str = "none",
) -> str:
    """Horizontal bars, largest first as given, with interval whiskers where known; ``number``
    writes the values (the reader's notation), ``empty`` says that there are none."""
    row, label_w, pad_top = 18, 190, 22
    height = pad_top + row * max(len(bars), 1) + 8
    top = max((max(b.value, b.high or 0.0) for b in bars), default=0.0) or 1.0
    scale = (width - label_w - 70) / top
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" {FONT}>',
        f'<text x="4" y="13" font-weight="600">{escape(title)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="4" y="{pad_top + 12}" fill="{MUTED}">{escape(empty)}</text>')
    for i, bar in enumerate(bars):
        y = pad_top + i * row
        length = max(bar.value, 0.0) * scale
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
        )
        if bar.low is not None and bar.high is not None:
            low, high = label_w + max(bar.low, 0.0) * scale, label_w + bar.high * scale
            parts.append(
                f'<line x1="{low:.1f}" y1="{y + row / 2}" x2="{high:.1f}" y2="{y + row / 2}" '
                f'stroke="#222"/>'
            )
        end = label_w + max(length, (bar.high or 0.0) * scale) + 4
        parts.append(f'<text x="{end:.1f}" y="{y + 12}">{number(bar.value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class MapPoint:
    """A dot on the map: where, how big (radius in px), its colour and its tooltip, and how it
    is outlined (a darker ring marks a dot of another kind)."""

    lat: float
    lon: float
    radius: float
    colour: str
    title: str
    opacity: float = 0.85
    stroke: str = "#fff"
    stroke_width: float = 0.5


# The Netherlands' bounding box, with a margin.
_LAT = (50.70, 53.60)
_LON = (3.30, 7.30)


def map_chart(
    title: str, background: Sequence[tuple[float, float]], points: Sequence[MapPoint]
) -> str:
    """A map of the Netherlands: grey municipality dots as the outline, then the points on top.

    An equirectangular projection scaled by cos(52 degrees) is accurate enough at this size.
    """
    width, height = 420, 480
    squash = math.cos(math.radians(52.0))
    x_span = (_LON[1] - _LON[0]) * squash
    y_span = _LAT[1] - _LAT[0]
    scale = min((width - 20) / x_span, (height - 40) / y_span)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return 10 + (lon - _LON[0]) * squash * scale, 30 + (_LAT[1] - lat) * scale

    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" {FONT}>',
        f'<text x="4" y="14" font-weight="600">{escape(title)}</text>',
    ]
    for lat, lon in background:
        x, y = xy(lat, lon)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#dde3e9"/>')
    for point in points:
        x, y = xy(point.lat, point.lon)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{point.radius:.1f}" fill="{point.colour}" '
            f'fill-opacity="{point.opacity}" stroke="{point.stroke}" '
            f'stroke-width="{point.stroke_width}">'
            f"<title>{escape(point.title)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
