"""Geometry of the inline SVG charts: plain numbers in, coordinates and colours out.

Templates only draw what these functions place, so the arithmetic is tested here once. Nothing
in this module knows about Flask, the database or the agreement package's report classes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
