"""Charts as inline SVG, drawn in Python: horizontal bars, lines, heatmaps.

No JavaScript and no fonts from the network, so the report opens offline in any browser. Every
chart has a visible title, axis labels with units and an accessible ``<title>``/``<desc>``. Every
data mark carries ``data-series``/``data-label``/``data-value`` with the exact number it draws,
so tests can check a chart against the query result it came from.

Colours: the Okabe–Ito palette for categories and viridis for magnitudes, both readable with
the common forms of colour blindness.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from fleetlake.report.units import Unit

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))
MISSING_FILL = "#e6e6e6"
WIDTH = 900
LABEL_CHARS = 32  # longer category labels are shortened (the full label is in the tooltip)
CHAR_PX = 7.2  # generous width of a 12 px sans-serif character (DejaVu Sans), for layout
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif"


@dataclass(frozen=True)
class Series:
    """One named sequence of values, aligned with the chart's categories."""

    name: str
    values: Sequence[float | None]


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round tick values (1, 2, 5 × 10^k steps) covering [low, high]; ``whole``: steps >= 1."""
    if high <= low:
        high = low + 1.0
    raw = max((high - low) / count, 1.0 if whole else 0.0)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def viridis(t: float) -> str:
    """The viridis colour at ``t`` in [0, 1] (linear between five stops)."""
    t = min(max(t, 0.0), 1.0) * (len(_VIRIDIS) - 1)
    i = min(int(t), len(_VIRIDIS) - 2)
    f = t - i
    rgb = (round(a + (b - a) * f) for a, b in zip(_VIRIDIS[i], _VIRIDIS[i + 1], strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def svg_text(
    x: float, y: float, content: str, cls: str = "", anchor: str = "start", **attrs
) -> str:
    """A ``<text>`` element; ``attrs`` become attributes (``font_size`` -> ``font-size``)."""
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}{extra}>'
        f"{escape(content)}</text>"
    )


def _shorten(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1] + "…"


def mark_attrs(series: str, label: str, value: float | None) -> str:
    """The attributes of a data mark: the exact number it draws, for readers and tests."""
    shown = "" if value is None else repr(float(value))
    return (
        f' class="mark" data-series="{escape(series)}" data-label="{escape(label)}"'
        f' data-value="{shown}"'
    )


def svg_document(
    chart_id: str, title: str, description: str, height: float, body: list[str]
) -> str:
    """One chart: an accessible ``<svg>`` with its title drawn and in ``<title>``/``<desc>``."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" role="img" class="chart" '
        f'data-chart="{escape(chart_id)}" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'style="{FONT};font-size:12px;max-width:100%;height:auto">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        + svg_text(0, 18, title, "chart-title", font_size=15, font_weight=600)
        + "".join(body)
        + "</svg>"
    )


def _legend(names: Sequence[str], x: float, y: float) -> list[str]:
    parts = []
    for i, name in enumerate(names):
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="12" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(svg_text(x + 16, y + 1, name))
        x += 16 + CHAR_PX * len(name) + 18
    return parts


def bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: Unit,
    value_label: str,
    stacked: bool = False,
) -> str:
    """Horizontal bars, one band per category; several series are grouped or stacked.

    Horizontal, because category labels here are long (routes, drivers, Spanish vehicle types).
    """
    label_chars = min(max((len(c) for c in categories), default=4), LABEL_CHARS)
    left = 12 + CHAR_PX * label_chars
    top = 34 + (22 if len(series) > 1 else 0)
    right = 90
    plot_w = WIDTH - left - right
    per_band = 1 if stacked else len(series)
    bar_h = 16 if per_band == 1 else 12 if per_band == 2 else 9
    band = bar_h * per_band + 8
    plot_h = band * max(len(categories), 1)

    totals = [
        sum(v or 0 for v in values) if stacked else max((v or 0 for v in values), default=0)
        for values in zip(*(s.values for s in series), strict=True)
    ]
    lows = [min((v or 0 for v in s.values), default=0) for s in series]
    ticks = nice_ticks(min([0.0, *lows]), max([0.0, *totals]) or 1.0, whole=unit.decimals == 0)
    lo, hi = ticks[0], ticks[-1]

    def x_of(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    body: list[str] = []
    if len(series) > 1:
        body += _legend([s.name for s in series], left, 40)
    for t in ticks:
        body.append(
            f'<line x1="{x_of(t):.1f}" x2="{x_of(t):.1f}" y1="{top}" y2="{top + plot_h}" '
            f'stroke="#d9d9d9"/>'
        )
        body.append(
            svg_text(x_of(t), top + plot_h + 15, unit.tick(t, ticks[1] - ticks[0]), anchor="middle")
        )
    for ci, category in enumerate(categories):
        y0 = top + ci * band + 4
        body.append(
            f"<g>{svg_text(left - 6, y0 + band / 2, _shorten(category, LABEL_CHARS), anchor='end')}"
            f"<title>{escape(category)}</title></g>"
        )
        offset = 0.0
        for si, s in enumerate(series):
            value = s.values[ci]
            v = float(value or 0)
            start = offset if stacked else 0.0
            x_a, x_b = sorted((x_of(start), x_of(start + v)))
            y = y0 if stacked else y0 + si * bar_h
            body.append(
                f'<rect x="{x_a:.1f}" y="{y:.1f}" width="{max(x_b - x_a, 0.5):.1f}" '
                f'height="{bar_h - 1}" fill="{PALETTE[si % len(PALETTE)]}"'
                f"{mark_attrs(s.name, category, value)}>"
                f"<title>{escape(f'{category} · {s.name}: {unit.format(value)}')}</title></rect>"
            )
            if not stacked and per_band <= 2:  # thinner bars have no room for a label
                body.append(svg_text(x_b + 4, y + bar_h - 4, unit.format(value), font_size=11))
            offset += v if stacked else 0.0
        if stacked:
            body.append(
                svg_text(x_of(offset) + 4, y0 + bar_h - 4, unit.format(offset), font_size=11)
            )
    body.append(
        f'<line x1="{x_of(0):.1f}" x2="{x_of(0):.1f}" y1="{top}" y2="{top + plot_h}" '
        f'stroke="#333"/>'
    )
    body.append(svg_text(left + plot_w / 2, top + plot_h + 34, value_label, "axis-label", "middle"))
    description = f"Bar chart: {value_label} for {len(categories)} categories."
    return svg_document(chart_id, title, description, top + plot_h + 44, body)


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    unit: Unit,
    y_label: str,
    x_label: str,
) -> str:
    """Lines over an ordered category axis (months, days); points carry the exact values."""
    left, right, top, height = 70, 20, 56, 300
    plot_w, plot_h = WIDTH - left - right, height - top - 58
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]) or 1.0, whole=unit.decimals == 0)
    lo, hi = ticks[0], ticks[-1]
    n = len(x_labels)

    def x_of(i: int) -> float:
        return left + (i + 0.5) * plot_w / max(n, 1)

    def y_of(v: float) -> float:
        return top + plot_h - (v - lo) / (hi - lo) * plot_h

    body = _legend([s.name for s in series], left, 40)
    for t in ticks:
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y_of(t):.1f}" y2="{y_of(t):.1f}" '
            f'stroke="#d9d9d9"/>'
        )
        body.append(
            svg_text(left - 6, y_of(t) + 4, unit.tick(t, ticks[1] - ticks[0]), anchor="end")
        )
    every = max(1, math.ceil(n / 12))
    for i, label in enumerate(x_labels):
        if i % every == 0:
            body.append(svg_text(x_of(i), top + plot_h + 16, label, anchor="middle", font_size=11))
    show_points = n <= 60
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        dash = ' stroke-dasharray="6 4"' if si % 2 else ""
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x_of(i):.1f},{y_of(float(v)):.1f}")
        for run in runs:
            if run:
                body.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash}/>'
                )
        for i, v in enumerate(s.values):
            if v is None:
                continue
            radius = 3 if show_points else 0
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(float(v)):.1f}" r="{radius}" '
                f'fill="{colour}"{mark_attrs(s.name, x_labels[i], v)}>'
                f"<title>{escape(f'{x_labels[i]} · {s.name}: {unit.format(v)}')}</title></circle>"
            )
    body.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="#333"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y_of(lo):.1f}" y2="{y_of(lo):.1f}" '
        f'stroke="#333"/>'
    )
    body.append(svg_text(left + plot_w / 2, height - 10, x_label, "axis-label", "middle"))
    body.append(
        svg_text(
            14,
            top + plot_h / 2,
            y_label,
            "axis-label",
            "middle",
            transform=f"rotate(-90 14 {top + plot_h / 2:.1f})",
        )
    )
    description = f"Line chart: {y_label} by {x_label}, {len(series)} series."
    return svg_document(chart_id, title, description, height, body)


def heatmap(
    chart_id: str,
    title: str,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    unit: Unit,
    x_label: str,
    y_label: str,
    cell_labels: Sequence[Sequence[str]] | None = None,
) -> str:
    """A grid of cells coloured by value (viridis); ``None`` cells are drawn grey as missing.

    ``cell_labels`` names each cell (default ``row · column``); a cell labelled ``""`` is not
    drawn (a calendar's days outside its window).
    """
    left = 30 + CHAR_PX * max((len(r) for r in row_labels), default=3)
    top, right = 40, 20
    n_cols = max(len(col_labels), 1)
    cell_w = (WIDTH - left - right) / n_cols
    cell_h = min(26.0, max(12.0, cell_w))
    plot_h = cell_h * len(row_labels)
    present = [v for row in values for v in row if v is not None]
    lo, hi = (min(present), max(present)) if present else (0.0, 1.0)
    span = (hi - lo) or 1.0
    body: list[str] = []
    for r, (row_label, row) in enumerate(zip(row_labels, values, strict=True)):
        y = top + r * cell_h
        body.append(svg_text(left - 6, y + cell_h / 2 + 4, row_label, anchor="end"))
        for c, v in enumerate(row):
            label = cell_labels[r][c] if cell_labels else f"{row_label} · {col_labels[c]}"
            if not label:
                continue
            fill = MISSING_FILL if v is None else viridis((float(v) - lo) / span)
            shown = "missing" if v is None else unit.format(v)
            body.append(
                f'<rect x="{left + c * cell_w:.2f}" y="{y:.2f}" width="{cell_w - 1:.2f}" '
                f'height="{cell_h - 1:.2f}" fill="{fill}"{mark_attrs(title, label, v)}>'
                f"<title>{escape(f'{label}: {shown}')}</title></rect>"
            )
    for c, col_label in enumerate(col_labels):
        if col_label:  # "" leaves a column unlabelled (a calendar labels quarters only)
            body.append(
                svg_text(
                    left + (c + 0.5) * cell_w,
                    top + plot_h + 14,
                    col_label,
                    anchor="middle",
                    font_size=11,
                )
            )
    body.append(
        svg_text(
            left + (WIDTH - left - right) / 2, top + plot_h + 32, x_label, "axis-label", "middle"
        )
    )
    body.append(
        svg_text(
            12,
            top + plot_h / 2,
            y_label,
            "axis-label",
            "middle",
            transform=f"rotate(-90 12 {top + plot_h / 2:.1f})",
        )
    )
    # Colour scale: a gradient from the smallest to the largest value.
    legend_y = top + plot_h + 46
    stops = "".join(
        f'<stop offset="{i / 10:.1f}" stop-color="{viridis(i / 10)}"/>' for i in range(11)
    )
    body.append(
        f'<defs><linearGradient id="{chart_id}-scale">{stops}</linearGradient></defs>'
        f'<rect x="{left}" y="{legend_y}" width="200" height="10" fill="url(#{chart_id}-scale)"/>'
    )
    body.append(svg_text(left, legend_y + 24, unit.format(lo)))
    body.append(svg_text(left + 200, legend_y + 24, unit.format(hi), anchor="end"))
    if any(v is None for row in values for v in row):
        body.append(
            f'<rect x="{left + 240}" y="{legend_y}" width="10" height="10" fill="{MISSING_FILL}"/>'
            + svg_text(left + 254, legend_y + 9, "missing")
        )
    description = f"Heatmap: {unit.symbol} by {y_label} and {x_label}."
    return svg_document(chart_id, title, description, legend_y + 34, body)


def empty_chart(chart_id: str, title: str, message: str) -> str:
    """A chart frame that says why there is nothing to draw (e.g. no licence expires soon)."""
    body = [
        f'<rect x="0" y="30" width="{WIDTH}" height="60" fill="#f4f4f4"/>',
        svg_text(WIDTH / 2, 65, message, "empty", "middle"),
    ]
    return svg_document(chart_id, title, message, 96, body)
