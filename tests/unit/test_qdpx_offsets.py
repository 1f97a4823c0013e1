"""Offset units detected from the text: every vendor shape lands on the intended characters."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.refi_fixtures import comment_lines
from tests.refi_fixtures import furniture_selections
from tests.refi_fixtures import nvivo_file
from tests.refi_fixtures import plan_selections
from tests.refi_fixtures import project_qde
from tests.refi_fixtures import qdpx
from tests.refi_fixtures import utf8_offset
from tests.refi_fixtures import utf16_offset
from workbench.formats.qdpx_offsets import Reading
from workbench.formats.qdpx_offsets import detect
from workbench.formats.qdpx_offsets import score_reading
from workbench.formats.qdpx_read import read_project


def _code_points(raw: str, position: int) -> int:
    return position


def test_the_nvivo_shape_is_read_as_utf16_units_over_crlf_without_the_bom() -> None:
    data, raw, wanted = nvivo_file()
    assert raw.count("\r\n") >= 3000 and len(wanted) >= 300
    assert any(ord(ch) > 0xFFFF for ch in raw)
    project = read_project(data, "nvivo.qdpx")
    source = project.sources[0]
    assert source.scheme == "UTF-16 code units, CRLF counted as two, BOM not counted"
    assert f"{len(wanted)} of {len(wanted)} selections inside the text" in source.evidence
    assert [source.text[s.start : s.end] for s in source.selections] == [
        w.text(raw) for w in wanted
    ]
    assert not project.dropped


@pytest.mark.parametrize(
    ("eol", "bom", "convert", "expected"),
    [
        ("\n", False, _code_points, "code points"),
        ("\n", True, _code_points, "code points, BOM not counted"),
        ("\r\n", False, _code_points, "code points, CRLF counted as two"),
        ("\r\n", False, utf8_offset, "UTF-8 bytes, CRLF counted as two"),
        ("\n", False, utf8_offset, "UTF-8 bytes"),
        ("\n", True, utf16_offset, "UTF-16 code units, BOM not counted"),
    ],
)
def test_each_counting_is_told_apart_without_selection_names(
    eol: str, bom: bool, convert: Callable[[str, int], int], expected: str
) -> None:
    lines = comment_lines(600, seed=len(expected))
    raw, wanted = plan_selections(lines, eol, seed=len(expected))
    wanted += furniture_selections(lines, eol)
    offsets = [(convert(raw, w.start), convert(raw, w.end), w) for w in wanted]
    body = (b"\xef\xbb\xbf" if bom else b"") + raw.encode("utf-8")
    project = read_project(qdpx(project_qde(offsets), body, folder="sources"), "x.qdpx")
    source = project.sources[0]
    assert source.scheme == expected
    assert [source.text[s.start : s.end] for s in source.selections] == [
        w.text(raw) for w in wanted
    ]


def test_crlf_counted_as_one_over_a_crlf_text() -> None:
    lines = comment_lines(300, seed=3)
    raw, wanted = plan_selections(lines, "\r\n", seed=3)
    lf = raw.replace("\r\n", "\n")

    def over_lf(position: int) -> int:
        return len(raw[:position].replace("\r\n", "\n"))

    offsets = [(over_lf(w.start), over_lf(w.end), w) for w in wanted]
    project = read_project(qdpx(project_qde(offsets), raw.encode()), "x.qdpx")
    source = project.sources[0]
    assert source.scheme == "code points, CRLF counted as one"
    assert source.text == lf
    assert [source.text[s.start : s.end] for s in source.selections] == [
        w.text(raw) for w in wanted
    ]


def test_a_boundary_inside_a_character_rules_a_reading_out() -> None:
    text = "a😀b\r\nc"
    # UTF-16: the emoji is two units, so 2 falls inside it; code points: 2 is after the emoji.
    utf16 = Reading("UTF-16 code units", True, False)
    score, positions = score_reading(text, utf16, False, [(0, 2, "")])
    assert positions == [None] and score.inside == 0
    # Between the CR and the LF is no boundary when CRLF counts as two.
    crlf = Reading("code points", True, False)
    _, positions = score_reading(text, crlf, False, [(0, 4, "")])
    assert positions == [None]


def test_names_outweigh_line_evidence_and_ties_go_to_the_standard() -> None:
    text = "alpha beta\ngamma delta\n"
    found = detect(text, False, [(6, 10, "beta")])
    assert found.label == "code points" and found.positions == [(6, 10)]
    assert "1 names equal" in found.evidence


def test_a_reading_other_than_the_standard_is_a_warning() -> None:
    data, _raw, _wanted = nvivo_file(200)
    project = read_project(data, "nvivo.qdpx")
    assert [w for w in project.warnings if "offsets counted as UTF-16 code units" in w]
    lines = comment_lines(100)
    raw, wanted = plan_selections(lines, "\r\n")
    offsets = [(w.start, w.end, w) for w in wanted]  # every code point of the file: standard
    standard = read_project(qdpx(project_qde(offsets), raw.encode()), "x.qdpx")
    assert standard.sources[0].scheme == "code points, CRLF counted as two"
    assert not [w for w in standard.warnings if "offsets counted" in w]
