"""Server-rendered SVG charts: line, grouped bar, stacked area and scatter.

No JavaScript and no CDN: each chart is SVG markup that prints as it shows. Every chart carries
what a screen reader and a reader of paper need: a <title> and a <desc> (role="img"), axis labels
with units, a native tooltip on every mark, and a table of the same numbers (`Chart.table`),
rendered beside it by templates/metrics/dashboard.html. Colour is never the only carrier of
meaning: series also differ by dash pattern or marker, and the legend and table name them.

Marks get CSS classes (`s0`…`s7` for series, `band`, `ref`, `axis`…); colours live in
static/css/metrics.css.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

HEIGHT = 300
NARROW, WIDE = 640, 1140
LEFT, RIGHT, TOP, BOTTOM = 60, 22, 18, 62
PLOT_H = HEIGHT - TOP - BOTTOM
PALETTE_SIZE = 8


@dataclass(frozen=True)
class _Frame:
    """The drawing's geometry: a narrow chart for a half-width card, a wide one for a full-width card."""

    width: int

    @property
    def plot_w(self) -> int:
        return self.width - LEFT - RIGHT

    @property
    def max_x_labels(self) -> int:
        return self.plot_w // 80


@dataclass(frozen=True)
class Series:
    """A named series of values (None: no value there); `style` picks its colour and pattern.

    `notes`, one per value (None or "" where there is nothing to say), mark values that are not
    final, e.g. "partial: 3 of 28 scored": such a point is drawn hollow at the end of a dashed
    segment (a bar: outlined and hatched), labelled in the plot, and the note follows the value
    into its tooltip and the table. A figure over partial data is never drawn as if final.
    """

    name: str
    values: Sequence[float | None]
    style: int = 0
    dashed: bool = False
    notes: Sequence[str | None] = ()

    def note(self, index: int) -> str:
        return (self.notes[index] or "") if index < len(self.notes) else ""


@dataclass(frozen=True)
class Point:
    """A scatter mark."""

    x: date
    y: float
    label: str
    style: int = 0


@dataclass(frozen=True)
class Line:
    """A horizontal reference line (a percentile, a target) across the plot."""

    name: str
    y: float
    style: int = 0
    show_value: bool = True

    def text(self, unit: str) -> str:
        """Its label, in the plot and in the legend."""
        return f"{self.name}: {fmt(self.y, unit)}" if self.show_value else self.name


@dataclass(frozen=True)
class Table:
    """The chart's numbers as a table: the first column labels the rows."""

    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: SafeString
    table: Table
    legend: list[tuple[str, str]] = field(default_factory=list)  # (name, css classes of its swatch)
    empty: bool = False
    wide: bool = False  # drawn for a full-width card


def day_label(day: date) -> str:
    """A day as an axis label: "5 Jan"."""
    return f"{day.day} {day:%b}"


def fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    """A number for people, with a fixed number of decimals (so a column lines up); "—" for no value."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return f"{text}{unit}" if unit in ("%", "") else f"{text} {unit}"


def _swatch(style: int) -> str:
    """The CSS class of a style: the palette repeats after PALETTE_SIZE styles."""
    return f"s{style % PALETTE_SIZE}"


def _tick(value: float, unit: str) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit}" if unit == "%" else text


# --- scales ------------------------------------------------------------------------------------


def nice_ticks(low: float, high: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 × 10ⁿ apart) covering [low, high]; `whole`: steps of 1 or more."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


class _Scale:
    def __init__(self, low: float, high: float, *, whole: bool = False):
        self.ticks = nice_ticks(low, high, whole=whole)
        self.low, self.high = self.ticks[0], self.ticks[-1]

    def y(self, value: float) -> float:
        return TOP + PLOT_H - (value - self.low) / (self.high - self.low) * PLOT_H


def _x_positions(frame: _Frame, count: int, *, slots: bool) -> list[float]:
    """Centres of equal slots (bars, a few categories), or edge to edge (a daily series)."""
    if count == 0:
        return []
    if slots or count == 1:
        step = frame.plot_w / count
        return [LEFT + step * (index + 0.5) for index in range(count)]
    return [LEFT + frame.plot_w * index / (count - 1) for index in range(count)]


# --- svg pieces ------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text))


def _n(value: float) -> str:
    return f"{value:.1f}"


def _open(frame: _Frame, chart_id: str, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart-svg" viewBox="0 0 {frame.width} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{_e(title)}</title>',
        f'<desc id="{chart_id}-desc">{_e(description)}</desc>',
    ]


def _y_axis(frame: _Frame, scale: _Scale, label: str, unit: str) -> list[str]:
    parts = []
    for tick in scale.ticks:
        y = scale.y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{LEFT + frame.plot_w}" y1="{_n(y)}" y2="{_n(y)}"/>')
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{_n(y + 4)}" text-anchor="end">{_e(_tick(tick, unit))}</text>'
        )
    parts.append(
        f'<text class="axis-label" transform="translate(14 {TOP + PLOT_H / 2:.1f}) rotate(-90)" '
        f'text-anchor="middle">{_e(label)}</text>'
    )
    parts.append(f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + PLOT_H}"/>')
    return parts


def _label_indices(frame: _Frame, count: int) -> list[int]:
    """Which x labels to print: evenly spaced, always the last, never two crowded together."""
    every = max(1, math.ceil(count / frame.max_x_labels))
    indices = list(range(0, count, every))
    if count and indices[-1] != count - 1:
        # The last label is right-aligned at the edge: it needs a whole step of room.
        if count - 1 - indices[-1] < every and len(indices) > 1:
            indices[-1] = count - 1
        else:
            indices.append(count - 1)
    return indices


def _x_axis(
    frame: _Frame, positions: list[float], labels: Sequence[str], label: str, *, every_label: bool = False
) -> list[str]:
    """Tick labels (a "\n" starts a second line); labels at the plot's edges are kept inside it.

    Categories (`every_label`) are all named; a long series of days is thinned out.
    """
    bottom = TOP + PLOT_H
    parts = [f'<line class="axis" x1="{LEFT}" x2="{LEFT + frame.plot_w}" y1="{bottom}" y2="{bottom}"/>']
    shown = range(len(labels)) if every_label else _label_indices(frame, len(labels))
    for index in shown:
        x = positions[index]
        anchor = "start" if x <= LEFT + 1 else "end" if x >= LEFT + frame.plot_w - 1 else "middle"
        lines = str(labels[index]).split("\n")
        spans = "".join(
            f'<tspan x="{_n(x)}" dy="{0 if n == 0 else 13}">{_e(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(f'<line class="axis" x1="{_n(x)}" x2="{_n(x)}" y1="{bottom}" y2="{bottom + 4}"/>')
        parts.append(
            f'<text class="tick" x="{_n(x)}" y="{bottom + 17}" text-anchor="{anchor}">{spans}</text>'
        )
    parts.append(
        f'<text class="axis-label" x="{LEFT + frame.plot_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{_e(label)}</text>'
    )
    return parts


def _band(
    frame: _Frame, scale: _Scale, band: tuple[float, float] | None, label: str, *, labelled: bool = True
) -> list[str]:
    if band is None:
        return []
    top, bottom = scale.y(min(band[1], scale.high)), scale.y(max(band[0], scale.low))
    parts = [
        f'<rect class="band" x="{LEFT}" y="{_n(top)}" width="{frame.plot_w}" height="{_n(bottom - top)}">'
        f"<title>{_e(label)}</title></rect>"
    ]
    if labelled:
        parts.append(
            f'<text class="band-label" x="{LEFT + frame.plot_w - 4}" y="{_n(top + 13)}" text-anchor="end">{_e(label)}</text>'
        )
    return parts


def _extras_legend(
    band: tuple[float, float] | None, band_label: str, lines: Sequence[Line], unit: str
) -> list:
    legend = [(band_label, "band")] if band is not None else []
    return legend + [(line.text(unit), f"{_swatch(line.style)} ref") for line in lines]


def _lines(
    frame: _Frame, scale: _Scale, lines: Sequence[Line], unit: str, *, labelled: bool = True
) -> list[str]:
    """Reference lines; labelled in the plot unless marks would hide the label (bars: the legend names them)."""
    parts = []
    for line in lines:
        y = scale.y(line.y)
        text = line.text(unit)
        parts.append(
            f'<line class="ref {_swatch(line.style)}" x1="{LEFT}" x2="{LEFT + frame.plot_w}" y1="{_n(y)}" y2="{_n(y)}">'
            f"<title>{_e(text)}</title></line>"
        )
        if labelled:
            parts.append(
                f'<text class="ref-label {_swatch(line.style)}" x="{LEFT + 4}" y="{_n(y - 4)}">{_e(text)}</text>'
            )
    return parts


def _empty(
    frame: _Frame, chart_id: str, title: str, description: str, message: str, columns: list[str]
) -> Chart:
    parts = _open(frame, chart_id, title, description)
    parts.append(
        f'<text class="empty-text" x="{frame.width / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle">{_e(message)}</text>'
    )
    return _chart(frame, chart_id, title, description, parts, Table(columns, []), [], empty=True)


def _values(series: Sequence[Series]) -> list[float]:
    return [value for s in series for value in s.values if value is not None]


def _css(s: Series) -> str:
    return f"{_swatch(s.style)}{' dashed' if s.dashed else ''}"


def _legend(series: Sequence[Series]) -> list[tuple[str, str]]:
    return [(s.name, _css(s)) for s in series]


def _value_text(s: Series, index: int, unit: str, digits: int) -> str:
    """A value as the table and the tooltips write it, with its note ("16.0% (partial: …)")."""
    text = fmt(s.values[index], unit, digits)
    note = s.note(index)
    return f"{text} ({note})" if note and s.values[index] is not None else text


def _series_table(
    x_title: str, x_labels: Sequence[str], series: Sequence[Series], unit: str, digits: int
) -> Table:
    rows = [
        [label, *(_value_text(s, index, unit, digits) for s in series)]
        for index, label in enumerate(x_labels)
    ]
    return Table([x_title, *(s.name for s in series)], rows)


PARTIAL_LEGEND = ("Hollow mark: partial figure, not final", "partial-mark")


def _partial_legend(series: Sequence[Series]) -> list[tuple[str, str]]:
    return [PARTIAL_LEGEND] if any(s.note(i) for s in series for i in range(len(s.values))) else []


def _chart(
    frame: _Frame,
    chart_id: str,
    title: str,
    description: str,
    parts: list[str],
    table: Table,
    legend: list[tuple[str, str]],
    *,
    empty: bool = False,
) -> Chart:
    parts.append("</svg>")
    svg = mark_safe("".join(parts))  # noqa: S308 - every text in it went through _e()
    return Chart(chart_id, title, description, svg, table, legend, empty=empty, wide=frame.width == WIDE)


# --- charts ------------------------------------------------------------------------------------


def line_chart(
    *,
    id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    unit: str = "",
    band: tuple[float, float] | None = None,
    band_label: str = "",
    lines: Sequence[Line] = (),
    y_max: float | None = None,
    digits: int = 1,
    markers: bool = True,
    empty_message: str = "No data yet",
    wide: bool = False,
) -> Chart:
    """Lines over categories or days; None values break the line. Optional band and reference lines.

    Up to a dozen categories sit in the middle of equal slots (like bars); longer series, such as
    days, run edge to edge.
    """
    frame = _Frame(WIDE if wide else NARROW)
    values = _values(series)
    if not values or not x_labels:
        return _empty(frame, id, title, description, empty_message, [x_label, *(s.name for s in series)])
    high = max([*values, *(line.y for line in lines), *(band or ()), y_max or 0])
    scale = _Scale(min(0.0, min(values)), high, whole=digits == 0)
    categories = len(x_labels) <= 12
    xs = _x_positions(frame, len(x_labels), slots=categories)
    parts = _open(frame, id, title, description)
    parts += _band(frame, scale, band, band_label)
    parts += _y_axis(frame, scale, y_label, unit)
    parts += _x_axis(frame, xs, x_labels, x_label, every_label=categories)
    parts += _lines(frame, scale, lines, unit)
    labelled: set[int] = set()
    for s in series:
        css = _css(s)
        segment: list[str] = []
        segments = []
        for index, (x, value) in enumerate(zip(xs, s.values, strict=True)):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
            elif s.note(index) and segment:
                # The way into a value that is not final is drawn dashed, whatever comes after it.
                previous = segment[-1]
                segments.append(segment)
                point = f"{_n(x)},{_n(scale.y(value))}"
                parts.append(
                    f'<polyline class="line {_swatch(s.style)} dashed partial" points="{previous} {point}"/>'
                )
                segment = [point]
            else:
                segment.append(f"{_n(x)},{_n(scale.y(value))}")
        if segment:
            segments.append(segment)
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline class="line {css}" points="{" ".join(points)}"/>')
        for index, (x, value, label) in enumerate(zip(xs, s.values, x_labels, strict=True)):
            if value is None:
                continue
            note = s.note(index)
            y = scale.y(value)
            tooltip = f"<title>{_e(f'{s.name}, {label}: {_value_text(s, index, unit, digits)}')}</title>"
            if note:
                parts.append(
                    f'<circle class="dot {_swatch(s.style)} partial" cx="{_n(x)}" cy="{_n(y)}" r="5">{tooltip}</circle>'
                )
                if index not in labelled:
                    labelled.add(index)
                    anchor = "start" if x <= LEFT + frame.plot_w / 2 else "end"
                    shift = 8 if anchor == "start" else -8
                    parts.append(
                        f'<text class="partial-label" x="{_n(x + shift)}" y="{_n(max(y - 9, TOP + 10))}" '
                        f'text-anchor="{anchor}">{_e(note)}</text>'
                    )
            elif markers or len(x_labels) == 1:
                parts.append(
                    f'<circle class="dot {css}" cx="{_n(x)}" cy="{_n(y)}" r="3.5">{tooltip}</circle>'
                )
    return _chart(
        frame,
        id,
        title,
        description,
        parts,
        _series_table(x_label, x_labels, series, unit, digits),
        _legend(series) + _partial_legend(series),
    )


def bar_chart(
    *,
    id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    unit: str = "",
    band: tuple[float, float] | None = None,
    band_label: str = "",
    lines: Sequence[Line] = (),
    digits: int = 1,
    empty_message: str = "No data yet",
    wide: bool = False,
) -> Chart:
    """Grouped bars per category; a None value draws no bar."""
    frame = _Frame(WIDE if wide else NARROW)
    values = _values(series)
    if not values or not categories:
        return _empty(frame, id, title, description, empty_message, [x_label, *(s.name for s in series)])
    high = max([*values, *(line.y for line in lines), *(band or ())])
    scale = _Scale(0.0, high, whole=digits == 0)
    xs = _x_positions(frame, len(categories), slots=True)
    slot = frame.plot_w / len(categories)
    group = slot * 0.72
    width = group / len(series)
    parts = _open(frame, id, title, description)
    parts += _band(frame, scale, band, band_label, labelled=False)
    parts += _y_axis(frame, scale, y_label, unit)
    parts += _x_axis(frame, xs, categories, x_label, every_label=True)
    for index, (x, category) in enumerate(zip(xs, categories, strict=True)):
        for position, s in enumerate(series):
            value = s.values[index]
            if value is None:
                continue
            left = x - group / 2 + position * width
            y_top, y_low = scale.y(value), scale.y(0.0)
            partial = " partial" if s.note(index) else ""
            parts.append(
                f'<rect class="bar {_swatch(s.style)}{partial}" x="{_n(left)}" y="{_n(y_top)}" width="{_n(max(width - 1, 1))}" '
                f'height="{_n(max(y_low - y_top, 0))}"><title>{_e(f"{s.name}, {category}: {_value_text(s, index, unit, digits)}")}</title></rect>'
            )
            if partial:
                parts.append(
                    f'<text class="partial-label" x="{_n(left + width / 2)}" y="{_n(max(y_top - 5, TOP + 10))}" '
                    f'text-anchor="middle">partial</text>'
                )
    parts += _lines(frame, scale, lines, unit, labelled=False)
    return _chart(
        frame,
        id,
        title,
        description,
        parts,
        _series_table(x_label, categories, series, unit, digits),
        _legend(series) + _partial_legend(series) + _extras_legend(band, band_label, lines, unit),
    )


def stacked_area_chart(
    *,
    id: str,
    title: str,
    description: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    unit: str = "",
    digits: int = 0,
    empty_message: str = "No data yet",
    wide: bool = False,
) -> Chart:
    """Areas stacked bottom-up in the order given (e.g. cumulative flow: done at the bottom)."""
    frame = _Frame(WIDE if wide else NARROW)
    if not x_labels or not _values(series):
        return _empty(frame, id, title, description, empty_message, [x_label, *(s.name for s in series)])
    totals = [sum(s.values[i] or 0 for s in series) for i in range(len(x_labels))]
    scale = _Scale(0.0, max(totals) or 1, whole=digits == 0)
    xs = _x_positions(frame, len(x_labels), slots=False)
    parts = _open(frame, id, title, description)
    parts += _y_axis(frame, scale, y_label, unit)
    base = [0.0] * len(x_labels)
    for s in series:
        top = [b + (v or 0) for b, v in zip(base, s.values, strict=True)]
        if any(v for v in s.values):
            upper = [f"{_n(x)},{_n(scale.y(t))}" for x, t in zip(xs, top, strict=True)]
            lower = [f"{_n(x)},{_n(scale.y(b))}" for x, b in zip(xs, base, strict=True)][::-1]
            parts.append(
                f'<polygon class="area {_swatch(s.style)}" points="{" ".join(upper + lower)}">'
                f"<title>{_e(f'{s.name}: {fmt(s.values[-1], unit, digits)} on {x_labels[-1]}')}</title></polygon>"
            )
        base = top
    parts += _x_axis(frame, xs, x_labels, x_label)
    return _chart(
        frame,
        id,
        title,
        description,
        parts,
        _series_table(x_label, x_labels, series, unit, digits),
        _legend(series),
    )


def scatter_chart(
    *,
    id: str,
    title: str,
    description: str,
    points: Sequence[Point],
    x_label: str,
    y_label: str,
    unit: str = "",
    lines: Sequence[Line] = (),
    legend: Sequence[tuple[str, int]] = (),
    digits: int = 1,
    empty_message: str = "No data yet",
    wide: bool = False,
) -> Chart:
    """Marks at (date, value) with horizontal reference lines (e.g. median and 85th percentile)."""
    frame = _Frame(WIDE if wide else NARROW)
    columns = ["Item", x_label, y_label]
    if not points:
        return _empty(frame, id, title, description, empty_message, columns)
    first, last = min(p.x for p in points), max(p.x for p in points)
    span = max((last - first).days, 1)
    scale = _Scale(0.0, max([p.y for p in points] + [line.y for line in lines]))

    def x_of(day: date) -> float:
        return LEFT + 10 + (frame.plot_w - 20) * (day - first).days / span

    parts = _open(frame, id, title, description)
    parts += _y_axis(frame, scale, y_label, unit)
    tick_days = sorted({first, last, *(first + (last - first) * n / 4 for n in range(1, 4))})
    parts += _x_axis(frame, [x_of(day) for day in tick_days], [day_label(day) for day in tick_days], x_label)
    parts += _lines(frame, scale, lines, unit)
    for point in points:
        parts.append(
            f'<circle class="dot {_swatch(point.style)}" cx="{_n(x_of(point.x))}" cy="{_n(scale.y(point.y))}" r="4">'
            f"<title>{_e(f'{point.label}: {fmt(point.y, unit, digits)}, {day_label(point.x)}')}</title></circle>"
        )
    rows = [[point.label, point.x.isoformat(), fmt(point.y, unit, digits)] for point in points]
    rows += [[line.name, "", fmt(line.y, unit, digits)] for line in lines]
    return _chart(
        frame,
        id,
        title,
        description,
        parts,
        Table(columns, rows),
        [(name, _swatch(style)) for name, style in legend]
        + [(line.name, f"{_swatch(line.style)} ref") for line in lines],
    )
