"""The streaming xlsx writer, CSV and JSON writers, and the defensive readers (pure)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from workbench.formats import flat
from workbench.formats.jsonl_export_read import read_jsonl_export
from workbench.formats.tables import Bold
from workbench.formats.tables import Column
from workbench.formats.tables import Table
from workbench.formats.workbook import ChartSpec
from workbench.formats.workbook import write_workbook
from workbench.formats.xlsx_read import check_archive
from workbench.formats.xlsx_read import read_csv
from workbench.formats.xlsx_stream import MAX_CELL_CHARS
from workbench.formats.xmlsafe import ExchangeError


def _table(rows: list[list[object]], **kw: object) -> Table:
    columns = [
        Column("name", "a name", 20),
        Column("n", "a number"),
        Column("note", "text", 40, wrap=True),
    ]
    return Table("things", "Things", "test table", columns, lambda: rows, **kw)  # type: ignore[arg-type]


def test_cells_keep_types_gaps_and_exact_text() -> None:
    rows = [
        ["中文 𠀀 text", 1, "line\r\nbreak & <tag>"],
        [None, 2.5, "  padded  "],
        [True, None, "bad \x00\x07 control"],
        ["x" * (MAX_CELL_CHARS + 10), -3, ""],
    ]
    buf = io.BytesIO()
    counts = write_workbook([_table(rows)], buf)
    assert counts == {"things": 4, "things.truncated": 1}
    ws = load_workbook(io.BytesIO(buf.getvalue()))["Things"]
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert values[0] == ["中文 𠀀 text", 1, "line\r\nbreak & <tag>"]
    assert values[1] == [None, 2.5, "  padded  "]
    assert values[2] == [True, None, "bad \ufffd\ufffd control"]
    assert (
        len(values[3][0]) == MAX_CELL_CHARS
        and values[3][0].endswith("[…]")
        and values[3][1:] == [-3, None]
    )
    assert ws["C2"].alignment.wrap_text and not ws["A2"].alignment.wrap_text


def test_filters_widen_to_the_rows_written_and_deferred_tables_see_counts() -> None:
    columns = [Column("field", ""), Column("value", "")]
    about = Table(
        "about", "About", "", columns, lambda: [[Bold("rows"), about.counts["things"]]],
        deferred=True, autofilter=False,
    )  # fmt: skip
    buf = io.BytesIO()
    write_workbook([about, _table([["a", 1, "x"], ["b", 2, "y"]])], buf)
    wb = load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["About", "Things"]
    assert wb["Things"].auto_filter.ref == "A1:C3"
    assert (
        wb["About"]["A2"].value == "rows"
        and wb["About"]["A2"].font.bold
        and wb["About"]["B2"].value == 2
    )
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/workbook.xml").decode()
    assert "'Things'!$A$1:$C$3" in names


def test_chart_is_a_native_bar_chart_of_the_rows() -> None:
    buf = io.BytesIO()
    spec = ChartSpec(
        "things",
        "Counts",
        category_column=1,
        value_column=2,
        rows=2,
        colours=["#FF0000", "#00FF00"],
    )
    write_workbook([_table([["a", 1, ""], ["b", 2, ""]])], buf, chart=spec)
    chart = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/charts/chart1.xml").decode()
    assert "<barChart>" in chart and "'Things'!$B$2:$B$3" in chart and "FF0000" in chart


def test_csv_guards_formulas_and_json_keeps_values() -> None:
    rows = [["=1+1", 1, "- item"], ["中文", -2, None]]
    out = io.BytesIO()
    flat.write_csv(_table(rows), out)
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeffname,n,note\r\n'=1+1,1,'- item\r\n中文,-2,\r\n")
    out = io.BytesIO()
    flat.write_jsonl([_table(rows)], out)
    lines = out.getvalue().decode("utf-8").splitlines()
    header, table, *rest = (json.loads(line) for line in lines)
    assert header["format"] == "workbench-export" and header["version"] == 2
    assert header["tables"][0]["table"] == "things"
    assert header["tables"][0]["columns"][0] == {"name": "name", "description": "a name"}
    assert table == {"table": "things", "columns": ["name", "n", "note"]}
    assert rest == [["=1+1", 1, "- item"], ["中文", -2, None]]  # the real values, no guard
    assert lines[2] == '["=1+1",1,"- item"]'  # one compact line per row
    tables = read_jsonl_export(out.getvalue(), "x.jsonl")
    assert tables["things"].columns == ["name", "n", "note"]
    assert tables["things"].rows == rest


def test_jsonl_reader_names_the_bad_line() -> None:
    out = io.BytesIO()
    flat.write_jsonl([_table([["a", 1, ""]])], out)
    with pytest.raises(ExchangeError, match=r"x\.jsonl: line 4: not valid JSON"):
        read_jsonl_export(out.getvalue() + b'["b", 2,\n', "x.jsonl")
    with pytest.raises(ExchangeError, match="line 2: expected a table line"):
        read_jsonl_export(out.getvalue().replace(b'\n{"table"', b'\n{"tablex"', 1), "x.jsonl")
    with pytest.raises(ExchangeError, match="not a workbench JSON Lines export"):
        read_jsonl_export(b'{"tables": {}}\n', "x.jsonl")


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_archive_checks_refuse_encrypted_damaged_and_bombs() -> None:
    with pytest.raises(ExchangeError, match="password-protected"):
        check_archive(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.xlsx")
    with pytest.raises(ExchangeError, match="not a valid"):
        check_archive(b"PK\x03\x04garbage", "a.xlsx")
    with pytest.raises(ExchangeError, match="bomb"):
        check_archive(_zip({"big.xml": b"a" * 20_000_000}), "a.xlsx")
    # A header that lies about its size is caught while inflating.
    data = bytearray(_zip({"x.xml": b"<a>" + b"b" * 5000 + b"</a>"}))
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    with pytest.raises(ExchangeError):
        check_archive(bytes(data), "liar.xlsx")
    assert check_archive(_zip({"ok.xml": b"<a/>"}), "ok.xlsx").namelist() == ["ok.xml"]


def test_csv_reader_handles_bom_semicolons_utf16_and_our_guards() -> None:
    sheet = read_csv("\ufeffdocument;coder\r\n'=1+1;ana\r\n".encode(), "t.csv")
    assert sheet.header == ["document", "coder"] and sheet.rows == [(2, ["=1+1", "ana"])]
    sheet = read_csv("a,b\n中文,x\n".encode("utf-16"), "t.csv")
    assert sheet.rows[0][1] == ["中文", "x"]
