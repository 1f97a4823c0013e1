"""Chart geometry: plain numbers in, coordinates and colours out (workbench.core.charts)."""

from __future__ import annotations

from workbench.core import charts
from workbench.core.charts import CodeAlpha


def test_alpha_axis_runs_from_zero_to_one_when_every_value_is_positive() -> None:
    chart = charts.alpha_chart([CodeAlpha("A", 0.5, (0.25, 0.75), "ok")])
    assert [label for _, label in chart.ticks] == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]
    assert chart.ticks[0][0] == charts.CHART_LEFT
    assert chart.ticks[-1][0] == charts.CHART_W - charts.CHART_RIGHT
    (row,) = chart.rows
    assert row.x == 478.0  # halfway along the 436-pixel plot
    assert (row.lo, row.hi) == (369.0, 587.0)
    assert row.y == charts.CHART_TOP + charts.ROW_H / 2


def test_alpha_axis_extends_down_to_a_multiple_of_point_two_below_the_lowest_value() -> None:
    chart = charts.alpha_chart([CodeAlpha("A", -0.3, (-0.45, 0.1), "poor")])
    assert chart.ticks[0][1] == "-0.6"
    assert chart.ticks[-1][1] == "1.0"
    assert len(chart.ticks) == 9


def test_undefined_alpha_has_no_point_and_no_whiskers() -> None:
    (row,) = charts.alpha_chart([CodeAlpha("A", None, None, "undefined")]).rows
    assert (row.x, row.lo, row.hi) == (None, None, None)


def test_chart_height_grows_with_the_codes_and_keeps_room_for_none() -> None:
    empty = charts.alpha_chart([])
    three = charts.alpha_chart([CodeAlpha(c, 0.9, None, "ok") for c in "ABC"])
    assert empty.height == charts.CHART_TOP + charts.ROW_H + 8
    assert three.height == charts.CHART_TOP + 3 * charts.ROW_H + 8
    assert three.bottom - three.top == 3 * charts.ROW_H + 6


def test_thresholds_are_placed_and_labelled_to_three_digits() -> None:
    chart = charts.alpha_chart([CodeAlpha("A", 0.9, None, "ok")])
    assert [label for _, label in chart.thresholds] == ["0.667", "0.800"]
    assert chart.thresholds[1][0] == round(charts.CHART_LEFT + 0.8 * 436, 1)


def test_long_code_labels_keep_their_end() -> None:
    code = "Cooperation > " + "x" * 40
    (row,) = charts.alpha_chart([CodeAlpha(code, 0.9, None, "ok")]).rows
    assert len(row.label) == charts.LABEL_CHARS
    assert row.label.startswith("…") and row.label.endswith(code[-37:])


def test_heat_colour_runs_red_to_green_and_clamps() -> None:
    assert charts.heat_colour(None) == "#eeeeee"
    assert charts.heat_colour(-0.5) == "hsl(0 65% 78%)"
    assert charts.heat_colour(0.5) == "hsl(60 65% 78%)"
    assert charts.heat_colour(1.0) == "hsl(120 65% 78%)"


def test_heatmap_finds_each_pair_either_way_round() -> None:
    rows = charts.heatmap(["a", "b"], {"a": "Ann"}, {("a", "b"): (0.5, 12)})
    assert [r.coder for r in rows] == ["Ann", "b"]
    diagonal, pair = rows[0].cells
    assert diagonal.diagonal and diagonal.colour == "#ffffff" and diagonal.value is None
    assert (pair.value, pair.shared, pair.title) == (0.5, 12, "Ann × b")
    assert rows[1].cells[0].value == 0.5
    assert rows[1].cells[0].colour == "hsl(60 65% 78%)"
