"""The codebook as Excel: full round trip, layout, and row-level import errors."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl import load_workbook

from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import load_seed_codebook
from workbench.core.codebook import path
from workbench.formats.codebook_xlsx import COLUMNS
from workbench.formats.codebook_xlsx import CodebookImportError
from workbench.formats.codebook_xlsx import codebook_to_xlsx
from workbench.formats.codebook_xlsx import xlsx_to_codebook

HEADER = ["name", "parent_path", "definition", "keywords_zh", "colour", "shortcut", "takes_stance"]


def export(spec: CodebookSpec, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    codebook_to_xlsx(spec, buf, **kwargs)
    return buf.getvalue()


def sheet_bytes(rows: list[list[Any]], scale: list[list[Any]] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Codebook"
    for row in rows:
        ws.append(row)
    if scale is not None:
        sheet = wb.create_sheet("Stance scale")
        for row in [["value", "label"], *scale]:
            sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def problems_of(data: bytes) -> list[tuple[str | None, int | None, str | None]]:
    with pytest.raises(CodebookImportError) as caught:
        xlsx_to_codebook(data, "team.xlsx")
    assert str(caught.value).startswith("team.xlsx: ")
    return [(p.sheet, p.row, p.column) for p in caught.value.problems]


def test_seed_round_trip_is_exact() -> None:
    seed = load_seed_codebook()
    assert xlsx_to_codebook(export(seed), "seed.xlsx") == seed


def test_awkward_values_round_trip() -> None:
    k = [f"0000000{i}-0000-4000-8000-000000000000" for i in range(1, 4)]
    spec = CodebookSpec(
        (
            CodeSpec(
                k[0],
                '=HYPERLINK("http://x","y")',
                None,
                definition="- first point\n- second point",
                inclusion="@mention",
                exclusion="+1 more",
                examples_positive="中方坚决反对在反恐问题上搞“双重标准”。",
                keywords_en=("=cmd|' /C calc'!A0", "plain"),
                keywords_zh=("双重标准", "政治化"),
                colour="#abcdef",
                shortcut="0",
                sort_order=-1,
                name_zh="=双重标准",
                definition_zh="- 第一点\n- 第二点",
                inclusion_zh="@提及",
                exclusion_zh="+1 其他",
            ),
            CodeSpec(k[1], "Child", k[0], takes_stance=False, sort_order=5),
            CodeSpec(k[2], "Folder", None, is_codable=False, sort_order=3),
        ),
        (StanceLevel(-1, "against"), StanceLevel(1, "for")),
    )
    assert xlsx_to_codebook(export(spec), "a.xlsx") == spec


def test_layout_of_the_exported_workbook() -> None:
    seed = load_seed_codebook()
    data = export(seed, version_label="v3 (after reliability round 2)")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Codebook", "Stance scale", "About"]
    ws = wb["Codebook"]
    assert [c.value for c in ws[1]] == [name for name, _ in COLUMNS]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:T{len(seed.codes) + 1}"
    assert ws.max_row == len(seed.codes) + 1
    assert ws.column_dimensions["E"].width == 60
    row = {c.value: v.value for c, v in zip(ws[1], ws[3], strict=True)}
    code = seed.codes[1]
    assert row["key"] == code.key and row["path"] == path(seed, code.key)
    assert row["keywords_zh"] == "; ".join(code.keywords_zh)
    assert row["takes_stance"] is True
    assert ws["E3"].alignment.wrap_text
    assert ws["A3"].fill.fgColor.rgb == "FFD7E7F2"  # light tint of #1F77B4
    assert [[c.value for c in r] for r in wb["Stance scale"].iter_rows(max_row=3)] == [
        ["value", "label"],
        [-2, "strongly rejects"],
        [-1, "rejects"],
    ]
    assert wb["About"]["B1"].value == "v3 (after reliability round 2)"


def test_export_writes_no_formulas() -> None:
    code = CodeSpec("00000001-0000-4000-8000-000000000000", "=1+1", None, definition="@SUM(A1)")
    data = export(CodebookSpec((code,)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<f[ >]", xml)
    ws = load_workbook(io.BytesIO(data))["Codebook"]
    assert (ws["C2"].value, ws["C2"].data_type) == ("=1+1", "s")


def test_file_without_keys_gets_stable_keys_and_lenient_values() -> None:
    rows: list[list[Any]] = [
        HEADER,
        ["Cooperation", "", "folder", "", "", "", "no"],
        ["Capacity-building", "Cooperation", "help", "能力建设；技术援助", "2CA02C", 2, "是"],
        ["Training", "Capacity-building", "", "", "#0f0", "", ""],
    ]
    data = sheet_bytes(rows)
    spec = xlsx_to_codebook(data, "nokeys.xlsx")
    assert xlsx_to_codebook(data, "again.xlsx") == spec
    by_name = {c.name: c for c in spec.codes}
    training = by_name["Training"]
    assert path(spec, training.key) == "Cooperation > Capacity-building > Training"
    cb = by_name["Capacity-building"]
    assert cb.keywords_zh == ("能力建设", "技术援助")
    assert (cb.colour, cb.shortcut, cb.takes_stance) == ("#2CA02C", "2", True)
    assert training.colour == "#00ff00"
    assert by_name["Cooperation"].takes_stance is False
    assert spec.stance_scale[0] == StanceLevel(-2, "strongly rejects")


def test_each_error_is_reported_with_its_row() -> None:
    rows = [
        HEADER,
        ["Sovereignty", "", "", "", "#D62728", "3", "TRUE"],  # 2 fine
        ["Sovereignty ", "", "", "", "", "", ""],  # 3 duplicate sibling name
        ["Lost", "Nowhere > Missing", "", "", "", "", ""],  # 4 unknown parent
        ["X", "Y", "", "", "", "", ""],  # 5 cycle (bare parent names)
        ["Y", "X", "", "", "", "", ""],  # 6 cycle
        ["Bad colour", "", "", "", "crimson", "", ""],  # 7
        ["Reserved key", "", "", "", "", "j", ""],  # 8
        ["Long key", "", "", "", "", "ab", ""],  # 9
        ["Unsure", "", "", "", "", "", "maybe"],  # 10
        ["Dup key", "", "", "", "", "3", ""],  # 11 shortcut already used on row 2
    ]
    found = problems_of(sheet_bytes(rows, scale=[[-1, "against"], ["high", "for"], [2, ""]]))
    expected = [
        ("Codebook", 2, "name"),
        ("Codebook", 3, "name"),
        ("Codebook", 4, "parent_path"),
        ("Codebook", 5, "parent_path"),
        ("Codebook", 6, "parent_path"),
        ("Codebook", 7, "colour"),
        ("Codebook", 8, "shortcut"),
        ("Codebook", 9, "shortcut"),
        ("Codebook", 10, "takes_stance"),
        ("Codebook", 2, "shortcut"),
        ("Codebook", 11, "shortcut"),
        ("Stance scale", 3, "value"),
        ("Stance scale", 4, "label"),
    ]
    for item in expected:
        assert item in found, item


def test_missing_name_column_and_bad_scale_order() -> None:
    assert problems_of(sheet_bytes([["code_name"], ["x"]])) == [("Codebook", 1, "name")]
    found = problems_of(sheet_bytes([["name"], ["x"]], scale=[[1, "up"], [0, "down"]]))
    assert found == [("Stance scale", None, None)]


def test_sort_order_must_be_a_whole_number() -> None:
    data = sheet_bytes([["name", "sort_order"], ["a", "first"], ["b", 2.0]])
    assert problems_of(data) == [("Codebook", 2, "sort_order")]


@pytest.mark.parametrize("number", ["99999999999999999999999", "9" * 5000, "²", "--3"])
def test_a_number_outside_the_schema_is_a_problem_not_an_error(number: str) -> None:
    # Written as text, as a spreadsheet keeps a number too long for a float.
    data = sheet_bytes([["name", "sort_order"], ["a", number]], scale=[[0, "none"], [number, "up"]])
    found = problems_of(data)
    assert ("Codebook", 2, "sort_order") in found and ("Stance scale", 3, "value") in found


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "not an .xlsx"),
        (b"name,parent\nx,\n", "not an .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "password-protected"),
    ],
)
def test_unreadable_files_are_named_in_the_error(data: bytes, expected: str) -> None:
    with pytest.raises(CodebookImportError, match=rf"^secret\.xlsx: .*{expected}"):
        xlsx_to_codebook(data, "secret.xlsx")


def test_zip_that_is_not_a_workbook() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(CodebookImportError, match=r"^odd\.xlsx: .*cannot be read"):
        xlsx_to_codebook(buf.getvalue(), "odd.xlsx")
