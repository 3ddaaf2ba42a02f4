"""Geometry for the server-rendered SVG bar charts on the staff dashboard.

The template (templates/staff/_charts.html) only draws what is computed here, so the
charts need no JavaScript and no inline CSS (strict CSP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 800
LABEL_WIDTH = 320
VALUE_SPACE = 50
ROW_HEIGHT = 26
BAR_HEIGHT = 18
COLUMN_CHART_HEIGHT = 220
AXIS_SPACE = 24
TOP_SPACE = 16


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template needs: size, bars, axis labels and a text summary."""

    width: int
    height: int
    bars: list[Bar]
    axis_labels: list[tuple[float, str]]
    description: str
    label_x: float = LABEL_WIDTH - 8


def _describe(rows: list[tuple[str, int]]) -> str:
    if not rows or not any(value for _, value in rows):
        return "Geen gegevens."
    label, value = max(rows, key=lambda row: row[1])
    total = sum(v for _, v in rows)
    return f"Staafdiagram met {len(rows)} staven, samen {total}. Hoogste: {label} ({value})."


def horizontal_bars(rows: list[tuple[str, int]]) -> Chart:
    """One horizontal bar per row (label, value), longest = largest value."""
    biggest = max((value for _, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_SPACE
    bars = []
    for index, (label, value) in enumerate(rows):
        width = round(span * value / biggest, 1)
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        bars.append(Bar(label, value, LABEL_WIDTH, y, width, BAR_HEIGHT,
                        LABEL_WIDTH + width + 6, y + BAR_HEIGHT - 4))
    return Chart(WIDTH, max(len(rows), 1) * ROW_HEIGHT, bars, [], _describe(rows))


def _day_label(day: date) -> str:
    return f"{day.day}-{day.month}"


def day_columns(days: list[tuple[date, int]]) -> Chart:
    """One column per day; axis labels at the first, middle and last day."""
    biggest = max((value for _, value in days), default=0) or 1
    plot_height = COLUMN_CHART_HEIGHT - AXIS_SPACE - TOP_SPACE
    step = WIDTH / max(len(days), 1)
    gap = min(step * 0.2, 4)
    bars = []
    for index, (day, value) in enumerate(days):
        height = round(plot_height * value / biggest, 1)
        x = round(index * step + gap / 2, 1)
        y = TOP_SPACE + plot_height - height
        bars.append(Bar(day.isoformat(), value, x, y, round(step - gap, 1), height,
                        x + (step - gap) / 2, y - 3))
    marks = sorted({0, len(days) // 2, len(days) - 1}) if days else []
    axis = [(round(i * step + step / 2, 1), _day_label(days[i][0])) for i in marks]
    rows = [(_day_label(day), value) for day, value in days]
    return Chart(WIDTH, COLUMN_CHART_HEIGHT, bars, axis, _describe(rows))
