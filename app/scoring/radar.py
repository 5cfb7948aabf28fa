"""A radar (spider) chart as a standalone SVG: competency scores against role profiles.

Pure and deterministic: the same input gives the same bytes, so pages can be cached and
the chart tested. Axis i of n starts at the top and runs clockwise at the angle

    theta_i = -pi/2 + 2*pi*i/n

and a value v (0-100, clipped) lies at radius R*v/100 on it: x = cx + r*cos(theta),
y = cy + r*sin(theta) (SVG's y grows downwards). Rings mark 25, 50, 75 and 100. A missing
value is drawn at the centre and marked with a small hollow circle on its axis, so the
outline never pretends to know it. Each series has its own colour *and* stroke dash, so the
chart reads without colour (black-and-white print); a legend inside the SVG names them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

RINGS = (25, 50, 75, 100)
FONT_SIZE = 12.5
CHAR_WIDTH = 0.56 * FONT_SIZE  # a rough average for a sans-serif face
LABEL_CHARS = 14  # wrap axis labels at about this many characters per line
LABEL_LINES = 3
LEGEND_ROW = 18.0

# (colour, dash) per series in order; colours differ in lightness too, for grey printers.
STYLES: tuple[tuple[str, str], ...] = (
    ("#9a4a00", "7 4"),
    ("#2f6b34", "2 3"),
    ("#6a3d9a", "10 3 2 3"),
    ("#7a7a7a", "4 2"),
)
EMPHASIS = ("#0b3d91", "")  # the person: solid, darker and thicker, lightly filled


@dataclass(frozen=True)
class Series:
    """One outline: a value (0-100, or None when missing) per axis, in axis order."""

    name: str
    values: Sequence[float | None]
    emphasis: bool = False  # drawn solid, thicker and filled (the person, not a profile)


@dataclass(frozen=True)
class Layout:
    """Where the chart sits in its viewBox."""

    width: float
    height: float
    cx: float
    cy: float
    radius: float


def layout(size: float, series_count: int = 0) -> Layout:
    """The geometry for a chart `size` units tall (before the legend); labels get room
    on every side."""
    radius = size * 0.3
    label_room = LABEL_CHARS * CHAR_WIDTH + 20
    width = 2 * (radius + label_room)
    top = radius + LABEL_LINES * FONT_SIZE * 1.15 + 16
    height = top + radius + 2 * FONT_SIZE * 1.15 + 20 + series_count * LEGEND_ROW
    return Layout(round(width, 2), round(height, 2), round(width / 2, 2), round(top, 2), radius)


def angle(index: int, count: int) -> float:
    """The angle of axis `index` of `count`, in radians, clockwise from the top."""
    return -math.pi / 2 + 2 * math.pi * index / count


def clip(value: float) -> float:
    return min(100.0, max(0.0, value))


def point(geometry: Layout, index: int, count: int, value: float | None) -> tuple[float, float]:
    """The (x, y) of `value` on axis `index`; the centre for a missing value."""
    r = 0.0 if value is None or not math.isfinite(value) else geometry.radius * clip(value) / 100
    theta = angle(index, count)
    return geometry.cx + r * math.cos(theta), geometry.cy + r * math.sin(theta)


def _n(value: float) -> str:
    """A coordinate with at most two decimals, never "-0"."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in pairs)


def wrap(text: str, width: int = LABEL_CHARS, lines: int = LABEL_LINES) -> list[str]:
    """Words into at most `lines` lines of about `width` characters; the last is shortened
    with an ellipsis when the text does not fit."""
    out: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        last = " ".join(out[lines - 1 :])
        out = [*out[: lines - 1], last[: width - 1].rstrip() + "…"]
    return out


def _label(geometry: Layout, index: int, count: int, text: str) -> str:
    theta = angle(index, count)
    distance = geometry.radius + 12
    x = geometry.cx + distance * math.cos(theta)
    y = geometry.cy + distance * math.sin(theta)
    cos, sin = math.cos(theta), math.sin(theta)
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    lines = wrap(text)
    step = FONT_SIZE * 1.15
    if sin < -0.5:  # above the chart: the block grows upwards
        first = y - (len(lines) - 1) * step
    elif sin > 0.5:  # below: it starts under the tip
        first = y + FONT_SIZE * 0.8
    else:  # beside: centred on the axis
        first = y - (len(lines) - 1) * step / 2 + FONT_SIZE * 0.35
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(first + k * step)}">{escape(line)}</tspan>'
        for k, line in enumerate(lines)
    )
    return (
        f'<text class="axis-label" data-axis="{index}" text-anchor="{anchor}">'
        f"<title>{escape(text)}</title>{spans}</text>"
    )


def radar_svg(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    size: float = 360,
    title: str = "Radar chart",
    description: str | None = None,
    missing_label: str = "no score",
) -> str:
    """A standalone, accessible SVG radar chart of `series` over `axes` (at least 3).

    `title` becomes the <title> and the aria-label; `description` (optional) the <desc>,
    e.g. the values in words for a screen reader. When a value is missing, the legend gets
    a row `missing_label` for its marker. Every text is escaped.
    """
    count = len(axes)
    if count < 3:
        raise ValueError("a radar chart needs at least 3 axes")
    for s in series:
        if len(s.values) != count:
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for {count} axes")
    any_missing = any(v is None or not math.isfinite(v) for s in series for v in s.values)
    geometry = layout(size, len(series) + (1 if any_missing else 0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" '
        f'viewBox="0 0 {_n(geometry.width)} {_n(geometry.height)}" '
        f'width="{_n(geometry.width)}" height="{_n(geometry.height)}" '
        f'role="img" aria-label="{escape(title)}" '
        f'font-family="sans-serif" font-size="{_n(FONT_SIZE)}">',
        f"<title>{escape(title)}</title>",
    ]
    if description:
        parts.append(f"<desc>{escape(description)}</desc>")

    grid = ['<g class="grid" fill="none" stroke="#b9bfc9" stroke-width="0.8">']
    for ring in RINGS:
        ring_points = [point(geometry, i, count, ring) for i in range(count)]
        grid.append(f'<polygon class="ring" data-ring="{ring}" points="{_points(ring_points)}"/>')
    for i in range(count):
        x, y = point(geometry, i, count, 100)
        grid.append(
            f'<line class="axis" data-axis="{i}" x1="{_n(geometry.cx)}" y1="{_n(geometry.cy)}" '
            f'x2="{_n(x)}" y2="{_n(y)}"/>'
        )
    grid.append("</g>")
    parts.extend(grid)

    ticks = ['<g class="ticks" fill="#5b6575" font-size="10" text-anchor="start">']
    for ring in (0, *RINGS):
        y = geometry.cy - geometry.radius * ring / 100
        ticks.append(f'<text x="{_n(geometry.cx + 3)}" y="{_n(y - 2)}">{ring}</text>')
    ticks.append("</g>")
    parts.extend(ticks)

    parts.append('<g class="labels" fill="#1d2430">')
    parts.extend(_label(geometry, i, count, axis) for i, axis in enumerate(axes))
    parts.append("</g>")

    rows = len(series) + (1 if any_missing else 0)
    legend_top = geometry.height - rows * LEGEND_ROW - 4
    x0 = geometry.cx - 110
    plain = 0
    for number, s in enumerate(series):
        if s.emphasis:
            colour, dash = EMPHASIS
            width, fill, opacity = 2.5, colour, 0.12
        else:
            colour, dash = STYLES[plain % len(STYLES)]
            plain += 1
            width, fill, opacity = 1.8, "none", 0.0
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        fill_attr = f'fill="{fill}"' + (f' fill-opacity="{opacity}"' if opacity else "")
        vertices = [point(geometry, i, count, v) for i, v in enumerate(s.values)]
        parts.append(
            f'<g class="series" data-series="{number}">'
            f'<polygon class="outline" points="{_points(vertices)}" {fill_attr} '
            f'stroke="{colour}" stroke-width="{_n(width)}"{dash_attr} stroke-linejoin="round">'
            f"<title>{escape(s.name)}</title></polygon>"
        )
        for i, v in enumerate(s.values):
            if v is None or not math.isfinite(v):
                mx, my = point(geometry, i, count, 8)
                parts.append(
                    f'<circle class="missing" data-axis="{i}" cx="{_n(mx)}" cy="{_n(my)}" r="3" '
                    f'fill="#fff" stroke="{colour}" stroke-width="1.2"/>'
                )
        parts.append("</g>")
        y = legend_top + number * LEGEND_ROW + LEGEND_ROW / 2
        parts.append(
            f'<g class="legend-item" data-series="{number}">'
            f'<line x1="{_n(x0)}" y1="{_n(y)}" x2="{_n(x0 + 30)}" y2="{_n(y)}" '
            f'stroke="{colour}" stroke-width="{_n(width)}"{dash_attr}/>'
            f'<text x="{_n(x0 + 38)}" y="{_n(y + 4)}" fill="#1d2430">{escape(s.name)}</text></g>'
        )
    if any_missing:
        y = legend_top + len(series) * LEGEND_ROW + LEGEND_ROW / 2
        parts.append(
            f'<g class="legend-item legend-missing"><circle cx="{_n(x0 + 15)}" cy="{_n(y)}" r="3" '
            f'fill="#fff" stroke="#1d2430" stroke-width="1.2"/>'
            f'<text x="{_n(x0 + 38)}" y="{_n(y + 4)}" fill="#1d2430">{escape(missing_label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
