"""A radar (spider) chart as a standalone SVG: competency scores against role profiles.

Pure and deterministic: the same input gives the same bytes, so pages can be cached and
the chart tested. Axis i of n starts at the top and runs clockwise at the angle

    theta_i = -pi/2 + 2*pi*i/n

and a value v (0-100, clipped) lies at radius R*v/100 on it: x = cx + r*cos(theta),
y = cy + r*sin(theta) (SVG's y grows downwards). Rings mark 25, 50, 75 and 100. A missing
value is drawn at the centre and marked with a small hollow circle on its axis, so the
outline never pretends to know it. Each series has its own colour *and* stroke dash, so the
chart reads without colour (black-and-white print); a legend inside the SVG names them.

Labels are set at body-text size (the chart is meant to be shown about as wide as its
viewBox, and scales down on a phone), wrapped at word boundaries, and the viewBox is
computed from their extents (a generous width estimate per character), so no label is ever
clipped, whatever the language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

RINGS = (25, 50, 75, 100)
FONT_SIZE = 15.0  # axis labels and legend: body-text size when the chart is shown at 1:1
TICK_SIZE = 11.0
LINE_STEP = 1.2  # line height of a wrapped label, in font sizes
LABEL_CHARS = 16  # wrap axis labels at about this many characters per line (words stay whole)
LABEL_LINES = 3
LABEL_GAP = 10.0  # between the 100 ring and its label
LEGEND_ROW = 20.0
LEGEND_SWATCH = 38.0  # the sample line and the gap before its name
MARGIN = 6.0

# Advance widths in ems, rounded up from DejaVu Sans (the widest common sans-serif face, the
# default on Linux): the viewBox is computed from these, so a label is never clipped. The
# browser test measures the real boxes.
_NARROW = frozenset(" .,:;'!|()[]-ilIjtfr1")
_WIDE = frozenset("mwMWшщжюыфмШЩЖЮЫФМДд@%")


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    """A generous estimate of the rendered width of `text` at `font_size`."""
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += 0.4
        elif char in _WIDE:
            ems += 0.95
        elif char.isupper():
            ems += 0.75
        else:
            ems += 0.62
    return ems * font_size


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
class Box:
    """An axis-aligned rectangle: left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Label:
    """An axis label placed around a centre at (0, 0): its lines, anchor, the x of every
    line, the baseline of the first, and the box the text fills."""

    lines: tuple[str, ...]
    anchor: str
    x: float
    first: float
    box: Box


@dataclass(frozen=True)
class Layout:
    """Where the chart sits in its viewBox."""

    width: float
    height: float
    cx: float
    cy: float
    radius: float
    legend_top: float = 0.0
    legend_x: float = 0.0


def angle(index: int, count: int) -> float:
    """The angle of axis `index` of `count`, in radians, clockwise from the top."""
    return -math.pi / 2 + 2 * math.pi * index / count


def place_label(text: str, index: int, count: int, radius: float) -> Label:
    """Axis `index`'s label beyond the 100 ring, relative to the centre: wrapped, anchored
    away from the chart, with the box it covers (ascent 0.8, descent 0.25 of the font)."""
    theta = angle(index, count)
    cos, sin = math.cos(theta), math.sin(theta)
    distance = radius + LABEL_GAP
    x, y = distance * cos, distance * sin
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    lines = tuple(wrap(text))
    step = FONT_SIZE * LINE_STEP
    if sin < -0.5:  # above the chart: the block grows upwards
        first = y - (len(lines) - 1) * step - FONT_SIZE * 0.25
    elif sin > 0.5:  # below: it starts under the tip
        first = y + FONT_SIZE * 0.85
    else:  # beside: centred on the axis
        first = y - (len(lines) - 1) * step / 2 + FONT_SIZE * 0.35
    widest = max(text_width(line) for line in lines)
    left = {"start": x, "end": x - widest, "middle": x - widest / 2}[anchor]
    box = Box(
        left,
        first - FONT_SIZE * 0.8,
        left + widest,
        first + (len(lines) - 1) * step + FONT_SIZE * 0.25,
    )
    return Label(lines, anchor, x, first, box)


def layout(size: float = 360, axes: Sequence[str] = (), legend: Sequence[str] = ()) -> Layout:
    """The geometry of a chart of radius `size`/3: the viewBox holds the rings, every axis
    label (`axes`) and a legend row per name of `legend` under the chart, with a margin."""
    radius = size / 3
    boxes = [Box(-radius, -radius - TICK_SIZE, radius, radius)]
    boxes += [place_label(a, i, len(axes), radius).box for i, a in enumerate(axes)]
    left = min(b.left for b in boxes) - MARGIN
    top = min(b.top for b in boxes) - MARGIN
    right = max(b.right for b in boxes) + MARGIN
    bottom = max(b.bottom for b in boxes) + MARGIN
    legend_width = max((LEGEND_SWATCH + text_width(n) for n in legend), default=0.0)
    left = min(left, -legend_width / 2 - MARGIN)
    right = max(right, legend_width / 2 + MARGIN)
    legend_top = bottom + (6 if legend else 0)
    height = legend_top + len(legend) * LEGEND_ROW + (MARGIN if legend else 0) - top
    cx, cy = -left, -top
    return Layout(
        round(right - left, 2),
        round(height, 2),
        round(cx, 2),
        round(cy, 2),
        radius,
        round(legend_top + cy, 2),
        round(cx - legend_width / 2, 2),
    )


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
    """Words into at most `lines` lines of about `width` characters (a longer word keeps a
    line of its own, never cut); the last line is shortened with an ellipsis when the text
    does not fit."""
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
    placed = place_label(text, index, count, geometry.radius)
    x = geometry.cx + placed.x
    step = FONT_SIZE * LINE_STEP
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(geometry.cy + placed.first + k * step)}">{escape(line)}</tspan>'
        for k, line in enumerate(placed.lines)
    )
    return (
        f'<text class="axis-label" data-axis="{index}" text-anchor="{placed.anchor}">'
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
    legend = [s.name for s in series] + ([missing_label] if any_missing else [])
    geometry = layout(size, axes, legend)
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

    ticks = [f'<g class="ticks" fill="#5b6575" font-size="{_n(TICK_SIZE)}" text-anchor="start">']
    for ring in (0, *RINGS):
        y = geometry.cy - geometry.radius * ring / 100
        ticks.append(f'<text x="{_n(geometry.cx + 3)}" y="{_n(y - 2)}">{ring}</text>')
    ticks.append("</g>")
    parts.extend(ticks)

    parts.append('<g class="labels" fill="#1d2430">')
    parts.extend(_label(geometry, i, count, axis) for i, axis in enumerate(axes))
    parts.append("</g>")

    legend_top, x0 = geometry.legend_top, geometry.legend_x
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
            f'<text x="{_n(x0 + LEGEND_SWATCH)}" y="{_n(y + 5)}" fill="#1d2430">{escape(s.name)}</text></g>'
        )
    if any_missing:
        y = legend_top + len(series) * LEGEND_ROW + LEGEND_ROW / 2
        parts.append(
            f'<g class="legend-item legend-missing"><circle cx="{_n(x0 + 15)}" cy="{_n(y)}" r="3" '
            f'fill="#fff" stroke="#1d2430" stroke-width="1.2"/>'
            f'<text x="{_n(x0 + LEGEND_SWATCH)}" y="{_n(y + 5)}" fill="#1d2430">{escape(missing_label)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
