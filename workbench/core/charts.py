"""Geometry of the inline SVG charts: plain numbers in, coordinates and colours out.

Templates only draw what these functions place, so the arithmetic is tested here once. Nothing
in this module knows about Flask, the database or the agreement package's report classes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

CHART_W, CHART_LEFT, CHART_RIGHT, ROW_H, CHART_TOP = 720, 260, 24, 24, 28
TICK = 0.2
THRESHOLDS = (0.667, 0.8)
LABEL_CHARS = 38
EMPTY_CELL = "#eeeeee"
DIAGONAL_CELL = "#ffffff"


@dataclass(frozen=True)
class CodeAlpha:
    """One code's presence α, its 95% interval (if bootstrapped) and its quality flag."""

    code: str
    alpha: float | None
    ci: tuple[float, float] | None
    flag: str


@dataclass(frozen=True)
class AlphaRow(CodeAlpha):
    """One code's row in the α chart: its point and whiskers (None when undefined)."""

    label: str
    y: float
    x: float | None
    lo: float | None
    hi: float | None


@dataclass(frozen=True)
class AlphaChart:
    """The α-per-code chart: its size, plot edges, rows, axis ticks and threshold lines."""

    width: int
    height: int
    top: int
    bottom: int
    left: int
    rows: list[AlphaRow]
    ticks: list[tuple[float, str]]
    thresholds: list[tuple[float, str]]
    label_room: int  # how far the drawing extends left of the plot so whole code paths fit


def _label(code: str) -> str:
    return code if len(code) <= LABEL_CHARS else "…" + code[-(LABEL_CHARS - 1) :]


def alpha_chart(codes: Sequence[CodeAlpha]) -> AlphaChart:
    """Place every code's α and interval on an axis from a multiple of 0.2 (at most 0) to 1."""
    values: list[float] = [v for c in codes for v in (c.alpha, *(c.ci or ())) if v is not None]
    low = math.floor(min([0.0, *values]) * 5) / 5  # down to a multiple of 0.2
    span = 1.0 - low
    plot = CHART_W - CHART_LEFT - CHART_RIGHT

    def x(v: float) -> float:
        return round(CHART_LEFT + (max(low, min(1.0, v)) - low) / span * plot, 1)

    rows = [
        AlphaRow(
            code=c.code,
            label=_label(c.code),
            y=CHART_TOP + i * ROW_H + ROW_H / 2,
            alpha=c.alpha,
            x=x(c.alpha) if c.alpha is not None else None,
            lo=x(c.ci[0]) if c.ci else None,
            hi=x(c.ci[1]) if c.ci else None,
            ci=c.ci,
            flag=c.flag,
        )
        for i, c in enumerate(codes)
    ]
    steps = round(span / TICK)
    height = max(1, len(rows)) * ROW_H
    return AlphaChart(
        width=CHART_W,
        height=CHART_TOP + height + 8,
        top=CHART_TOP - 6,
        bottom=CHART_TOP + height,
        left=CHART_LEFT,
        rows=rows,
        ticks=[(x(low + k * TICK), f"{low + k * TICK:.1f}") for k in range(steps + 1)],
        thresholds=[(x(t), f"{t:.3f}") for t in THRESHOLDS],
        label_room=max(0, math.ceil(_widest([c.code for c in codes], 0) + 12 - CHART_LEFT)),
    )


def heat_colour(value: float | None) -> str:
    """Background of a heatmap cell: red (κ <= 0) through yellow to green (κ = 1)."""
    if value is None:
        return EMPTY_CELL
    hue = round(120 * max(0.0, min(1.0, value)))
    return f"hsl({hue} 65% 78%)"


@dataclass(frozen=True)
class HeatCell:
    """One cell of the coder-pair heatmap; a diagonal cell compares a coder with themselves."""

    diagonal: bool
    value: float | None
    shared: int | None
    colour: str
    title: str


@dataclass(frozen=True)
class HeatRow:
    """One coder's row of the heatmap."""

    coder: str
    cells: list[HeatCell]


def heatmap(
    coders: Sequence[str],
    names: Mapping[str, str],
    pairs: Mapping[tuple[str, str], tuple[float | None, int]],
) -> list[HeatRow]:
    """Rows of the coder-pair heatmap from each pair's (pooled κ, shared passages), either way."""
    rows = []
    for a in coders:
        cells = []
        for b in coders:
            pair = pairs.get((a, b)) or pairs.get((b, a))
            value = pair[0] if pair and a != b else None
            cells.append(
                HeatCell(
                    diagonal=a == b,
                    value=value,
                    shared=pair[1] if pair else None,
                    colour=heat_colour(value) if a != b else DIAGONAL_CELL,
                    title=f"{names.get(a, a)} × {names.get(b, b)}",
                )
            )
        rows.append(HeatRow(coder=names.get(a, a), cells=cells))
    return rows


# ---- label widths ----------------------------------------------------------------------------

WIDE_FROM = "⺀"  # CJK and later scripts: a character is about as wide as the font size


def text_px(text: str, size: int = 12) -> float:
    """A generous estimate of a label's width in px in a sans-serif face (CJK glyphs a full em)."""
    width: float = 0
    for ch in text:
        width = width + (size if ch >= WIDE_FROM else size * 0.62)
    return width


def _widest(labels: Sequence[str], least: float) -> float:
    widest = least
    for label in labels:
        w = text_px(label)
        if w > widest:
            widest = w
    return widest


# ---- frequencies: bar chart and stacked bars -------------------------------------------------

BAR_H, BAR_GAP = 22, 6


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, value and colour, its top and length."""

    label: str
    value: float
    colour: str
    y: float
    w: float
    text_y: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart whose label margin fits its longest label."""

    width: int
    height: int
    label_width: int
    bar_h: int
    bars: list[Bar]


def bar_chart(
    rows: Sequence[tuple[str, float, str]], max_value: float, plot: int = 360
) -> BarChart:
    """Bars for (label, value, colour) rows, scaled so that max_value spans the plot."""
    label_width = math.ceil(_widest([label for label, _, _ in rows], 80) + 16)
    bars = []
    for i, (label, value, colour) in enumerate(rows):
        y = i * (BAR_H + BAR_GAP) + 5
        w = (plot * value / max_value) if max_value else 0
        bars.append(Bar(label, value, colour, y, w, y + BAR_H * 0.7))
    return BarChart(
        width=label_width + plot + 60,
        height=len(rows) * (BAR_H + BAR_GAP) + 10,
        label_width=label_width,
        bar_h=BAR_H,
        bars=bars,
    )


@dataclass(frozen=True)
class Stack:
    """One part of a stacked bar: where it starts and how long it is."""

    name: str
    value: float
    colour: str
    x: float
    w: float


def stacked_bar(
    parts: Sequence[tuple[str, float, str]], max_value: float, width: int = 220
) -> list[Stack]:
    """The non-empty (name, value, colour) parts laid end to end, max_value spanning width."""
    out = []
    x: float = 0
    for name, value, colour in parts:
        if value:
            w = (width * value / max_value) if max_value else 0
            out.append(Stack(name, value, colour, x, w))
            x = x + w
    return out


# ---- co-occurrence heatmap -------------------------------------------------------------------

GRID_CELL = 30
GRID_DIAGONAL = "#d9dde1"
GRID_DARK = (31, 95, 168)


@dataclass(frozen=True)
class GridLabel:
    """A code's name, written left of its row and slanted above its column."""

    name: str
    row_y: float
    column_x: float


@dataclass(frozen=True)
class GridCell:
    """One cell of the co-occurrence grid."""

    row: int
    col: int
    row_path: str
    col_path: str
    count: int
    x: int
    y: int
    fill: str
    text_x: float
    text_y: float
    light: bool


@dataclass(frozen=True)
class Grid:
    """A code-by-code grid, shaded by each off-diagonal cell's share of the largest one."""

    wide: int
    size: int
    margin: int
    cell: int
    labels: list[GridLabel]
    cells: list[GridCell]


def _shade(share: float) -> str:
    r, g, b = (255 - (255 - dark) * share for dark in GRID_DARK)
    return "rgb(%d,%d,%d)" % (r, g, b)  # noqa: UP031 - %d truncates, as the drawing always did


def cooccurrence_grid(
    codes: Sequence[tuple[int, str, str]], matrix: Mapping[tuple[int, int], int]
) -> Grid:
    """Geometry of the co-occurrence heatmap of (id, name, path) codes."""
    cell = GRID_CELL
    widest = _widest([name for _, name, _ in codes], 60)
    margin = math.ceil(widest + 16)
    top = 0
    for a, _, _ in codes:
        for b, _, _ in codes:
            if a != b and matrix.get((a, b), 0) > top:
                top = matrix.get((a, b), 0)
    size = margin + len(codes) * cell + 10
    labels = [
        GridLabel(name, margin + i * cell + cell * 0.65, margin + i * cell + cell * 0.65)
        for i, (_, name, _) in enumerate(codes)
    ]
    cells = []
    for i, (a, _, a_path) in enumerate(codes):
        for j, (b, _, b_path) in enumerate(codes):
            v = matrix.get((a, b), 0)
            fill = GRID_DIAGONAL if a == b else _shade((v / top) if top else 0)
            cells.append(
                GridCell(
                    row=a,
                    col=b,
                    row_path=a_path,
                    col_path=b_path,
                    count=v,
                    x=margin + j * cell,
                    y=margin + i * cell,
                    fill=fill,
                    text_x=margin + j * cell + cell / 2,
                    text_y=margin + i * cell + cell * 0.62,
                    light=bool(a != b and top and v / top > 0.55),
                )
            )
    return Grid(
        wide=size + math.ceil(widest * 0.65),
        size=size,
        margin=margin,
        cell=cell,
        labels=labels,
        cells=cells,
    )
