"""Bar charts drawn on the server as SVG (`figure`), pure: no Django.

A chart is a list of bars with their geometry, and where their labels and values are written,
in a fixed viewBox; CSS scales it to the screen and colours it (light and dark). Weeks are
columns; categories (time of day, muscle) are rows, so their names stay readable on a phone.
Each chart also carries its numbers for a table that screen readers get instead of the picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from html import escape

#: The drawing's width in its own units (it scales to the width of the screen).
WIDTH = 320
#: Columns: the plot's height, room above for values and below for labels, side padding.
HEIGHT, TOP, BOTTOM, SIDE, GAP = 170, 18, 24, 16, 4
#: Rows: each row's height, the room for the names on the left and the values on the right.
ROW, ROW_GAP, NAMES, VALUES = 30, 8, 138, 32


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    #: Whether this bar's label is drawn (weekly labels are thinned out to fit).
    labelled: bool = True


def _number(value: float) -> str:
    """A coordinate as the template engine prints it (floats are rounded to 2 places)."""
    return str(value)


@dataclass(frozen=True)
class BarChart:
    title: str
    unit: str
    bars: tuple[Bar, ...]
    horizontal: bool
    width: int
    height: int
    #: The axis line: from (x1, y1) to (x2, y2).
    axis: tuple[float, float, float, float]

    @property
    def label_anchor(self) -> str:
        return "start" if self.horizontal else "middle"

    @property
    def value_anchor(self) -> str:
        return "start" if self.horizontal else "middle"

    @property
    def empty(self) -> bool:
        return all(bar.value == 0 for bar in self.bars)

    @property
    def total(self) -> float:
        return sum(bar.value for bar in self.bars)

    @cached_property
    def svg_body(self) -> str:
        """The drawing's elements (bars, values, labels, axis) as SVG markup, text escaped:
        made once here rather than by template nodes for each number."""
        value_anchor, label_anchor = self.value_anchor, self.label_anchor
        parts = []
        for bar in self.bars:
            parts.append(
                f'<rect class="chart-bar" x="{_number(bar.x)}" y="{_number(bar.y)}" '
                f'width="{_number(bar.width)}" height="{_number(bar.height)}" rx="3"></rect>'
            )
            if bar.value:
                parts.append(
                    f'<text class="chart-value" x="{_number(bar.value_x)}" '
                    f'y="{_number(bar.value_y)}" text-anchor="{value_anchor}">'
                    f"{escape(bar.shown)}</text>"
                )
            if bar.labelled:
                parts.append(
                    f'<text class="chart-label" x="{_number(bar.label_x)}" '
                    f'y="{_number(bar.label_y)}" text-anchor="{label_anchor}">'
                    f"{escape(bar.label)}</text>"
                )
        x1, y1, x2, y2 = (_number(n) for n in self.axis)
        parts.append(f'<line class="chart-axis" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"></line>')
        return "\n".join(parts)


def _shown(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def column_chart(
    title: str, unit: str, points: Sequence[tuple[str, float]], *, max_labels: int = 6
) -> BarChart:
    """Columns for `points` (label, value) in order, the tallest filling the plot; only every
    n-th label is drawn so that at most `max_labels` show."""
    count = max(1, len(points))
    slot = (WIDTH - 2 * SIDE) / count
    tallest = max((value for _, value in points), default=0) or 1
    room = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    every = max(1, math.ceil(count / max_labels))
    bars = []
    for index, (label, value) in enumerate(points):
        height = room * value / tallest
        x = SIDE + index * slot + GAP / 2
        centre = round(x + (slot - GAP) / 2, 2)
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=_shown(value),
                x=round(x, 2),
                y=round(baseline - height, 2),
                width=round(max(1.0, slot - GAP), 2),
                height=round(height, 2),
                label_x=centre,
                label_y=HEIGHT - 7,
                value_x=centre,
                value_y=round(baseline - height - 5, 2),
                labelled=(count - 1 - index) % every == 0,  # the latest week always
            )
        )
    return BarChart(title, unit, tuple(bars), False, WIDTH, HEIGHT, (0, baseline, WIDTH, baseline))


def row_chart(title: str, unit: str, points: Sequence[tuple[str, float]]) -> BarChart:
    """One row per point (label, value): the name on the left, the bar, the value after it."""
    largest = max((value for _, value in points), default=0) or 1
    room = WIDTH - NAMES - VALUES
    bars = []
    for index, (label, value) in enumerate(points):
        top = index * (ROW + ROW_GAP)
        length = room * value / largest
        middle = top + ROW / 2 + 5
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=_shown(value),
                x=NAMES,
                y=top,
                width=round(length, 2),
                height=ROW,
                label_x=0,
                label_y=middle,
                value_x=round(NAMES + length + 6, 2),
                value_y=middle,
            )
        )
    height = max(ROW, len(points) * (ROW + ROW_GAP) - ROW_GAP)
    return BarChart(title, unit, tuple(bars), True, WIDTH, height, (NAMES, 0, NAMES, height))


#: A chart's figure: the drawing (hidden from screen readers) and the same numbers as a table.
FIGURE = (
    '<figure class="chart" aria-labelledby="{id}-title">\n'
    '  <figcaption id="{id}-title" class="chart-title">{title}</figcaption>\n'
    "  {body}\n"
    "</figure>"
)
DRAWING = (
    '<svg class="bar-chart{rows}" viewBox="0 0 {width} {height}" aria-hidden="true" '
    'focusable="false">\n'
    "    {svg}\n"
    "  </svg>\n"
    '  <table class="visually-hidden">\n'
    "    <caption>{title}</caption>\n"
    '    <thead><tr><th scope="col">{which}</th><th scope="col">{unit}</th></tr></thead>\n'
    "    <tbody>{lines}</tbody>\n"
    "  </table>"
)


def figure(chart: BarChart, id: str) -> str:
    """The chart's whole figure as HTML, every text escaped: its drawing (`svg_body`) and a
    table of its numbers for screen readers, or a line saying there is nothing yet. `id`
    names the figure's caption."""
    title = escape(chart.title)
    if chart.empty:
        body = '<p class="muted">Nothing logged in this time yet.</p>'
    else:
        body = DRAWING.format(
            rows=" bar-chart-rows" if chart.horizontal else "",
            width=chart.width,
            height=chart.height,
            svg=chart.svg_body,
            title=title,
            which="Which" if chart.horizontal else "Week of",
            unit=escape(chart.unit[:1].upper() + chart.unit[1:]),
            lines="".join(
                f'<tr><th scope="row">{escape(bar.label)}</th><td>{escape(bar.shown)}</td></tr>'
                for bar in chart.bars
            ),
        )
    return FIGURE.format(id=escape(id), title=title, body=body)
