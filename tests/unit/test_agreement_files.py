"""CSV front-ends: matrix and long formats, and the errors they raise on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.core.agreement import AgreementInputError
from workbench.core.agreement import long_report
from workbench.core.agreement import matrix_report
from workbench.core.agreement import read_matrix

# Krippendorff (2011) reliability data (see test_agreement_published), one row per unit.
KRIPPENDORFF_CSV = """A,B,C,D
1,1,,1
2,2,3,2
3,3,3,3
3,3,3,3
2,2,2,2
1,2,3,4
4,4,4,4
1,1,2,1
2,2,2,2
,5,5,5
,,1,1
,3,,
"""


def _keys(level: str) -> set[str]:
    return {
        "percent_agreement",
        "cohen_kappa",
        "cohen_kappa_pairwise",
        "scott_pi",
        "fleiss_kappa",
        "gwet_ac1",
        "cohen_kappa_mean",
        "light_kappa",
        "weighted_kappa_linear",
        "weighted_kappa_quadratic",
        "gwet_ac2_linear",
        "gwet_ac2_quadratic",
        f"krippendorff_alpha_{level}",
        f"krippendorff_alpha_{level}_ci95",
    }


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_matrix_report_on_the_published_example(
    tmp_path: Path, level: str, published: float
) -> None:
    path = tmp_path / "reliability.csv"
    path.write_text(KRIPPENDORFF_CSV, encoding="utf-8")
    result = matrix_report(path, level, None, bootstrap=200, seed=3)
    assert set(result) == _keys(level)
    assert round(result[f"krippendorff_alpha_{level}"], 3) == published
    low, high = result[f"krippendorff_alpha_{level}_ci95"]
    assert low <= result[f"krippendorff_alpha_{level}"] <= high
    assert result["cohen_kappa"] is None  # four coders
    assert set(result["cohen_kappa_pairwise"]) == {"A|B", "A|C", "A|D", "B|C", "B|D", "C|D"}


def test_matrix_report_accepts_a_file_name_string(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(KRIPPENDORFF_CSV, encoding="utf-8-sig")  # with a BOM, as Excel writes it
    assert matrix_report(str(path), "nominal", bootstrap=0) == matrix_report(
        KRIPPENDORFF_CSV, "nominal", bootstrap=0
    )


def test_ordinal_categories_give_the_order() -> None:
    text = "A,B\nlow,low\nmid,high\nhigh,high\nlow,mid\n"
    ordered = matrix_report(text, "ordinal", ["low", "mid", "high"], bootstrap=0)
    reversed_mid = matrix_report(text, "ordinal", ["mid", "low", "high"], bootstrap=0)
    assert ordered["krippendorff_alpha_ordinal"] != reversed_mid["krippendorff_alpha_ordinal"]
    assert ordered["cohen_kappa"] is not None  # exactly two coders


def _error(text: str, level: str = "nominal", categories: list[str] | None = None) -> str:
    with pytest.raises(AgreementInputError) as info:
        matrix_report(text, level, categories, bootstrap=0)
    return str(info.value)


def test_ragged_row_names_the_row() -> None:
    message = _error("A,B\n1,2\n1,2,3\n")
    assert "<text>" in message and "row 3" in message and "3 cells, expected 2" in message


def test_ragged_row_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("A,B\n1,2\n\n1\n", encoding="utf-8")
    with pytest.raises(AgreementInputError, match=r"bad\.csv: row 4"):
        read_matrix(path, "nominal")


def test_unknown_category_names_row_and_coder() -> None:
    message = _error("A,B\na,b\nb,z\n", categories=["a", "b"])
    assert "row 3" in message and "'B'" in message and "'z'" in message


def test_non_numeric_interval_value_names_the_row() -> None:
    message = _error("A,B\n1,2\n3,three\n", level="interval")
    assert "row 3" in message and "not a number" in message


def test_negative_ratio_value_is_refused() -> None:
    assert "negative" in _error("A,B\n1,2\n-3,1\n", level="ratio")


def test_ordinal_labels_without_categories_are_refused() -> None:
    assert "not a number" in _error("A,B\nlow,high\n", level="ordinal")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "missing header"),
        ("\n\n", "missing header"),
        ("1,2\n2,2\n", "missing header"),
        ("A,\n1,2\n", "no coder name"),
        ("A,A\n1,2\n", "repeat"),
    ],
)
def test_header_problems(text: str, fragment: str) -> None:
    with pytest.raises(AgreementInputError, match=fragment):
        read_matrix(text if "\n" in text else text + "\n", "nominal")


def test_missing_file() -> None:
    with pytest.raises(AgreementInputError, match="no such file"):
        matrix_report("does-not-exist.csv", "nominal")


def test_single_coder_and_no_pairable_unit_give_defined_nulls() -> None:
    for text in ("A\n1\n2\n", "A,B\n1,\n,2\n"):
        result = matrix_report(text, "nominal", bootstrap=100)
        assert result["krippendorff_alpha_nominal"] is None
        assert result["krippendorff_alpha_nominal_ci95"] is None
        assert result["percent_agreement"] is None and result["fleiss_kappa"] is None


LONG_CSV = """passage_id,coder,code,stance
p1,A,x,2
p1,B,x,1
p1,C,,
p2,A,x,-1
p2,A,y,
p2,B,x,-1
p3,A,,
p3,B,y,0
p3,C,y,0
p4,A,x,2
"""


def test_long_report_matches_the_hand_computed_values() -> None:
    # Same codings as test_agreement_reports.RECORDS: presence α of x is 0.5625 by hand.
    result = long_report(LONG_CSV, bootstrap=0)
    x = result["per_code"]["x"]
    assert x["presence"]["alpha"] == 0.5625
    assert x["stance"]["alpha_ordinal"] == pytest.approx(5 / 6, abs=1e-15)
    assert set(result["per_code"]) == {"x", "y"}
    assert result["coders"] == ["A", "B", "C"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("passage_id,coder\np1,A\n", "missing required column(s): code"),
        ("passage_id,code,stance\np1,x,1\n", "missing required column(s): coder"),
        ("passage_id,coder,code,stance\np1,A,x,strong\n", "row 2: stance 'strong' is not a number"),
        ("passage_id,coder,code,stance\np1,A,,1\n", "row 2: stance '1' given without a code"),
        ("passage_id,coder,code,stance\np1,A,x,1\np1,B,x,5\n", "row 3: stance '5' is not on"),
        ("passage_id,coder,code\np1,A,x\n,B,x\n", "row 3: passage_id and coder"),
        ("passage_id,coder,code\np1,A,x,9\n", "row 2: 4 cells, expected 3"),
    ],
)
def test_long_format_errors(text: str, fragment: str) -> None:
    with pytest.raises(AgreementInputError) as info:
        long_report(text, bootstrap=0)
    assert fragment in str(info.value)
