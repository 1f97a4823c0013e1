"""Chart geometry: plain numbers in, coordinates and colours out (workbench.core.charts)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

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


def test_text_px_counts_wide_scripts_as_a_full_em() -> None:
    assert charts.text_px("") == 0
    assert charts.text_px("ab") == 2 * 12 * 0.62
    assert charts.text_px("中国") == 24
    assert charts.text_px("中", size=10) == 10


def test_the_alpha_chart_makes_room_left_for_long_code_paths() -> None:
    short = charts.alpha_chart([CodeAlpha("A", 0.9, None, "ok")])
    assert short.label_room == 0
    long_path = "Sovereignty and non-interference > Xinjiang rebuttal and more"
    wide = charts.alpha_chart([CodeAlpha(long_path, 0.9, None, "ok")])
    assert wide.label_room == math.ceil(charts.text_px(long_path) + 12 - charts.CHART_LEFT)


def test_bar_chart_scales_to_the_largest_value_and_fits_its_labels() -> None:
    chart = charts.bar_chart([("A", 2, "#111"), ("B", 4, "#222")], 4)
    assert chart.label_width == 96  # at least 80 px of label, plus 16
    assert chart.width == 96 + 360 + 60 and chart.height == 2 * 28 + 10
    first, second = chart.bars
    assert (first.y, first.w) == (5, 180.0) and (second.y, second.w) == (33, 360.0)
    assert first.text_y == 5 + 22 * 0.7
    assert charts.bar_chart([("A", 0, "#111")], 0).bars[0].w == 0


def test_stacked_bar_lays_non_empty_parts_end_to_end() -> None:
    parts = charts.stacked_bar([("A", 1, "#1"), ("B", 0, "#2"), ("C", 3, "#3")], 8)
    assert [(p.name, p.x, p.w) for p in parts] == [("A", 0, 27.5), ("C", 27.5, 82.5)]
    assert [p.w for p in charts.stacked_bar([("A", 1, "#1")], 0)] == [0]


def test_cooccurrence_grid_shades_by_the_largest_off_diagonal_count() -> None:
    codes = [(1, "A", "P > A"), (2, "B", "P > B")]
    grid = charts.cooccurrence_grid(codes, {(1, 1): 5, (1, 2): 2, (2, 1): 2, (2, 2): 3})
    assert grid.margin == 76 and grid.size == 76 + 2 * 30 + 10
    assert grid.wide == grid.size + 39
    diagonal, pair = grid.cells[0], grid.cells[1]
    assert diagonal.fill == "#d9dde1" and not diagonal.light
    assert pair.fill == "rgb(31,95,168)" and pair.light
    assert (pair.x, pair.y, pair.text_x) == (106, 76, 121.0)
    assert grid.labels[1].row_y == 76 + 30 + 30 * 0.65
    empty = charts.cooccurrence_grid(codes, {})
    assert {c.fill for c in empty.cells if c.row != c.col} == {"rgb(255,255,255)"}


def test_chart_geometry_imports_only_the_standard_library() -> None:
    # A bare parent package: importing workbench itself would build the Flask app.
    probe = (
        "import json, sys, types\n"
        "parent = types.ModuleType('workbench'); parent.__path__ = [sys.argv[1]]\n"
        "sys.modules['workbench'] = parent\n"
        "core = types.ModuleType('workbench.core'); core.__path__ = [sys.argv[1] + '/core']\n"
        "sys.modules['workbench.core'] = core\n"
        "before = set(sys.modules)\n"
        "import workbench.core.charts\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    root = Path(charts.__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", probe, str(root)], capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.startswith("workbench")] == ["workbench.core.charts"]
    assert not [m for m in loaded if m.split(".")[0] in ("flask", "sqlalchemy", "jinja2")]
