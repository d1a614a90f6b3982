"""Server-side SVG charts: the one chart module, used by web pages and the PDF alike.

Pure functions from plain values to SVG markup. Every text that reaches the markup is
escaped, so the result is safe to inline into a page. Series differ by colour *and* by dash
pattern and marker shape, so a chart stays readable in greyscale print and for people who do
not tell the colours apart; each chart carries a title and a text description for screen
readers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
TEXT_COLOUR = "#212529"
GRID_COLOUR = "#6c757d"


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: colour, dash pattern, marker and fill."""

    stroke: str
    dash: str | None
    marker: str  # "circle" | "square" | "diamond" | "none"
    width: float
    fill_opacity: float


# Colours keep at least 4.5:1 contrast against white; dashes tell the series apart in grey.
STYLES: dict[str, SeriesStyle] = {
    "target": SeriesStyle("#111111", "3 4", "diamond", 2.0, 0.0),
    "self": SeriesStyle("#1f5fa8", None, "circle", 2.5, 0.12),
    "evaluated": SeriesStyle("#a8430c", "10 5", "square", 2.5, 0.0),
}


@dataclass(frozen=True)
class Series:
    """A named row of levels, one per axis; None where there is no value."""

    name: str
    values: Sequence[int | None]
    style: str = "self"


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _wrap(label: str, width: int = 18, max_lines: int = 3) -> list[str]:
    """Break a label into short lines at spaces; an over-long last line ends with an ellipsis."""
    words, lines, line = label.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + [" ".join(lines[max_lines - 1 :])]
    return [ln if len(ln) <= width + 6 else ln[: width + 5] + "…" for ln in lines]


def _marker(kind: str, x: float, y: float, style: SeriesStyle) -> str:
    common = f'fill="{style.stroke}" stroke="#ffffff" stroke-width="1"'
    if kind == "circle":
        return f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="4.5" {common}/>'
    if kind == "square":
        return f'<rect x="{_fmt(x - 4)}" y="{_fmt(y - 4)}" width="8" height="8" {common}/>'
    if kind == "diamond":
        corners = ((x, y - 5.5), (x + 5.5, y), (x, y + 5.5), (x - 5.5, y))
        points = " ".join(f"{_fmt(px)},{_fmt(py)}" for px, py in corners)
        return f'<polygon points="{points}" {common}/>'
    return ""


def _dash(style: SeriesStyle) -> str:
    return f' stroke-dasharray="{style.dash}"' if style.dash else ""


def describe_series(axes: Sequence[str], series: Sequence[Series]) -> str:
    """A plain-text account of every value, for the chart's description."""
    parts = []
    for s in series:
        values = ", ".join(
            f"{axis} {'no value' if v is None else v}"
            for axis, v in zip(axes, s.values, strict=True)
        )
        parts.append(f"{s.name}: {values}.")
    return " ".join(parts)


def radar_chart_svg(
    axes: Sequence[str],
    series: Sequence[Series],
    *,
    max_level: int = 5,
    title: str = "Competency profile",
    description: str | None = None,
    id_prefix: str = "radar",
    font_family: str = FONT,
) -> str:
    """A radar (spider) chart of ``series`` over ``axes`` on a 0…``max_level`` scale.

    A value of None breaks the line at that axis instead of pretending it is 0; a series is
    filled only when it has a value on every axis.
    """
    if any(len(s.values) != len(axes) for s in series):
        raise ValueError("every series needs one value per axis")
    if max_level < 1:
        raise ValueError("max_level must be at least 1")
    width, radius = 860, 210
    cx, cy = width / 2, radius + 75
    legend_y = cy + radius + 65
    height = legend_y + 30
    n = max(len(axes), 1)
    ident = _e(id_prefix)

    def point(index: int, level: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / n
        r = radius * level / max_level
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    desc = description or describe_series(axes, series)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {_fmt(height)}" '
        f'class="chart chart-radar" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{_e(font_family)}" font-size="13" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{ident}-title">{_e(title)}</title>',
        f'<desc id="{ident}-desc">{_e(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{_fmt(height)}" fill="#ffffff"/>',
    ]
    # Grid: one ring per level, spokes per axis, level numbers up the first spoke.
    grid = []
    for level in range(1, max_level + 1):
        ring = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, level) for i in range(n)))
        grid.append(
            f'<polygon points="{ring}" fill="none" stroke="{GRID_COLOUR}" '
            f'stroke-opacity="{0.55 if level == max_level else 0.3}" stroke-width="1"/>'
        )
    for i in range(n):
        x, y = point(i, max_level)
        grid.append(
            f'<line x1="{_fmt(cx)}" y1="{_fmt(cy)}" x2="{_fmt(x)}" y2="{_fmt(y)}" '
            f'stroke="{GRID_COLOUR}" stroke-opacity="0.35" stroke-width="1"/>'
        )
    for level in range(0, max_level + 1):
        x, y = point(0, level)
        grid.append(
            f'<text x="{_fmt(x + 5)}" y="{_fmt(y + 4)}" font-size="11" fill="{GRID_COLOUR}">'
            f"{level}</text>"
        )
    out.append(f'<g class="chart-grid" aria-hidden="true">{"".join(grid)}</g>')

    # Axis labels around the outside, anchored away from the centre.
    labels = []
    for i, axis in enumerate(axes):
        x, y = point(i, max_level * 1.1)
        dx = x - cx
        anchor = "middle" if abs(dx) < 12 else ("start" if dx > 0 else "end")
        lines = _wrap(axis)
        top = y - (len(lines) - 1) * 7.5 + (8 if y > cy + 10 else 0) - (4 if y < cy - 10 else 0)
        tspans = "".join(
            f'<tspan x="{_fmt(x)}" y="{_fmt(top + k * 15)}">{_e(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        labels.append(f'<text text-anchor="{anchor}" fill="{TEXT_COLOUR}">{tspans}</text>')
    out.append(f'<g class="chart-labels">{"".join(labels)}</g>')

    # The target is drawn last: its dotted line stays visible where a level meets it.
    for s in sorted(series, key=lambda s: 1 if s.style == "target" else 0):
        style = STYLES.get(s.style, STYLES["self"])
        pts = [None if v is None else point(i, v) for i, v in enumerate(s.values)]
        shapes = []
        if pts and all(p is not None for p in pts) and style.fill_opacity:
            ring = " ".join(f"{_fmt(p[0])},{_fmt(p[1])}" for p in pts)  # type: ignore[index]
            shapes.append(
                f'<polygon points="{ring}" fill="{style.stroke}" '
                f'fill-opacity="{style.fill_opacity}" stroke="none"/>'
            )
        segments = []
        for i, p in enumerate(pts):
            q = pts[(i + 1) % len(pts)]
            if p is not None and q is not None and len(pts) > 1:
                segments.append(f"M{_fmt(p[0])},{_fmt(p[1])}L{_fmt(q[0])},{_fmt(q[1])}")
        if segments:
            shapes.append(
                f'<path d="{"".join(segments)}" fill="none" stroke="{style.stroke}" '
                f'stroke-width="{style.width}"{_dash(style)} stroke-linejoin="round"/>'
            )
        shapes.extend(_marker(style.marker, p[0], p[1], style) for p in pts if p is not None)
        out.append(
            f'<g class="series series-{_e(s.style)}" aria-hidden="true">{"".join(shapes)}</g>'
        )

    # Legend, centred: a line sample with the series' dash and marker, then its name.
    widths = [80 + 8 * len(s.name) for s in series]
    legend, x = [], max(10.0, (width - sum(widths)) / 2)
    for s in series:
        style = STYLES.get(s.style, STYLES["self"])
        legend.append(
            f'<line x1="{_fmt(x)}" y1="{_fmt(legend_y)}" x2="{_fmt(x + 44)}" y2="{_fmt(legend_y)}" '
            f'stroke="{style.stroke}" stroke-width="{style.width}"{_dash(style)}/>'
            + _marker(style.marker, x + 22, legend_y, style)
            + f'<text x="{_fmt(x + 52)}" y="{_fmt(legend_y + 5)}" fill="{TEXT_COLOUR}">'
            + f"{_e(s.name)}</text>"
        )
        x += 80 + 8 * len(s.name)
    out.append(f'<g class="chart-legend">{"".join(legend)}</g>')
    out.append("</svg>")
    return "".join(out)


def sparkline_svg(
    values: Sequence[int | None],
    *,
    max_level: int = 5,
    title: str = "Trend",
    width: int = 120,
    height: int = 32,
) -> str:
    """A small line of levels across rounds (oldest first); gaps where a round has no level."""
    ident_title = _e(title)
    pad = 5
    count = max(len(values), 1)
    step = (width - 2 * pad) / max(count - 1, 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        x = pad + i * step if count > 1 else width / 2
        return x, height - pad - (height - 2 * pad) * v / max_level

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" class="chart chart-sparkline" role="img" font-family="{_e(FONT)}">',
        f"<title>{ident_title}</title>",
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        f'stroke="{GRID_COLOUR}" stroke-opacity="0.4" stroke-width="1"/>',
    ]
    segments = []
    for i in range(len(values) - 1):
        a, b = values[i], values[i + 1]
        if a is not None and b is not None:
            (x1, y1), (x2, y2) = xy(i, a), xy(i + 1, b)
            segments.append(f"M{_fmt(x1)},{_fmt(y1)}L{_fmt(x2)},{_fmt(y2)}")
    if segments:
        out.append(
            f'<path d="{"".join(segments)}" fill="none" stroke="{STYLES["self"].stroke}" '
            'stroke-width="2"/>'
        )
    for i, v in enumerate(values):
        if v is not None:
            x, y = xy(i, v)
            out.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3" fill="{STYLES["self"].stroke}"/>'
            )
    out.append("</svg>")
    return "".join(out)
