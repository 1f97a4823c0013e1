"""The Excel export, reopened with openpyxl: sheets, cells, layers, scope, formatting, chart."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.db.test_export_data import DASH_MEMO
from tests.db.test_export_data import PAYLOAD_MEMO
from tests.db.test_export_data import build_study
from tests.db.test_export_data import export_workbook
from tests.db.test_export_data import rows_of
from workbench.codebooks import codes as codebooks
from workbench.formats import codebook_xlsx
from workbench.formats.cells import unguard_csv
from workbench.formats.jsonl_export_read import cell_text
from workbench.formats.jsonl_export_read import read_jsonl_export
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.formats.varnames import is_safe_name
from workbench.interchange import exports

SHEETS = [
    "About", "Codebook", "Stance scale", "Passages", "Annotations", "Coded", "Documents",
    "Agreement", "Methods", "Disagreements", "Drift", "Frequencies", "Cooccurrence", "Keywords",
]  # fmt: skip


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def test_workbook_has_every_sheet_with_safe_unique_column_names(
    session: Session, study: Any
) -> None:
    wb = export_workbook(session, study.project)
    assert wb.sheetnames == SHEETS
    for name in SHEETS[1:]:
        header = [c.value for c in wb[name][1]]
        assert len(set(h.lower() for h in header)) == len(header), name
        if name not in ("Codebook", "Stance scale"):
            assert all(is_safe_name(h) for h in header), (
                name,
                [h for h in header if not is_safe_name(h)],
            )


def test_passage_matrix_tells_applied_absent_and_not_coded_apart(
    session: Session, study: Any
) -> None:
    rows = rows_of(export_workbook(session, study.project)["Passages"])
    assert len(rows) == 5
    en0, en1, en2, zh0, zh1 = rows
    assert en0["text"] == study.english[0].text and en0["speaker"] == "Mr. Zhang Jun"
    assert (en0["coder1_capacity_building_p"], en0["coder1_capacity_building_s"]) == (1, 1)
    assert (en0["coder2_capacity_building_p"], en0["coder2_capacity_building_s"]) == (1, 2)
    assert en0["coder1_sovereignty_p"] == 0  # coded by coder1, code not applied
    assert en0["coder1_sovereignty_s"] is None  # ... so it has no stance
    # coder1 marked en1 coded with nothing applied: zeros, not blanks.
    assert en1["coder1_coded"] == 1 and en1["coder1_sovereignty_p"] == 0
    assert (en1["coder2_sovereignty_p"], en1["coder2_sovereignty_s"]) == (1, -1)
    # coder1 never coded zh0: missing, not absent.
    assert zh0["coder1_coded"] == 0 and zh0["coder1_capacity_building_p"] is None
    assert zh0["coder2_capacity_building_s"] == 0
    assert "procedural_s" not in " ".join(en0)  # a code without stance has no stance column
    assert en2["coder1_procedural_p"] == 1
    assert zh1["text"] == study.chinese[1].text and "𠀀" in zh1["text"]
    assert en0["document_date"] == "2020-07-10" and zh0["document_date"] == "2018-02-13"


def test_annotations_sheet_is_long_with_span_memo_and_consensus(
    session: Session, study: Any
) -> None:
    wb = export_workbook(session, study.project)
    rows = rows_of(wb["Annotations"])
    coders = [r for r in rows if r["layer"] == "coder"]
    assert len(coders) == 7
    first = coders[0]
    assert (first["coder"], first["code_path"], first["stance"], first["stance_label"]) == (
        "coder1",
        "Cooperation > Capacity-building",
        1,
        "endorses",
    )
    assert first["memo"] == DASH_MEMO
    span = next(r for r in coders if r["span_start"] == 2)
    assert span["span_end"] == 20 and span["span_text"] == study.english[2].text[2:20]
    zh_span = next(r for r in coders if r["span_start"] == 0)
    assert zh_span["span_text"] == study.chinese[1].text[0:6]
    payload = next(r for r in coders if r["memo"] == PAYLOAD_MEMO)
    assert payload["coder"] == "coder2"
    consensus = [r for r in rows if r["layer"] == "consensus"]
    assert [(r["code_path"], r["stance"]) for r in consensus] == [
        ("Cooperation > Capacity-building", 2)
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", first["created_at"])
    ws = wb["Annotations"]
    memo_cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == PAYLOAD_MEMO)
    assert memo_cell.data_type == "s"


def test_coded_documents_agreement_and_disagreements(session: Session, study: Any) -> None:
    wb = export_workbook(session, study.project)
    coded = rows_of(wb["Coded"])
    assert {
        (r["coder"], r["passage_ordinal"], r["coded"]) for r in coded if r["layer"] == "coder"
    } >= {("coder1", 2, 1), ("coder2", 1, 1)}  # numbered as shown: 1 = first
    memo = next(r for r in coded if r["passage_memo"])
    assert memo["passage_memo"] == "+ note"
    docs = rows_of(wb["Documents"])
    assert [d["passages"] for d in docs] == [3, 2]
    assert docs[0]["coder1_coded"] == 3 and docs[0]["adjudicated_passages"] == 1
    agreement = rows_of(wb["Agreement"])
    assert {r["code"] for r in agreement} >= {"Cooperation > Capacity-building"}
    methods = rows_of(wb["Methods"])
    assert "Krippendorff" in methods[0]["text"]
    # The same paragraph in Chinese, for a journal that publishes in Chinese.
    chinese = next(r["text"] for r in methods if r["item"] == "methods_paragraph_zh_Hans")
    assert chinese.startswith("编码员间信度") and "克里彭多夫 α" in chinese
    disagreements = rows_of(wb["Disagreements"])
    kinds = {(r["passage_ordinal"], r["code_path"], r["kind"]) for r in disagreements}
    assert (1, "Cooperation > Capacity-building", "stance") in kinds
    assert (2, "Sovereignty and non-interference > Sovereignty", "presence") in kinds
    row = next(r for r in disagreements if r["kind"] == "presence")
    assert (row["coder1_p"], row["coder2_p"], row["coder2_s"]) == (0, 1, -1)


def test_formatting_frozen_filters_widths_colours_and_chart(session: Session, study: Any) -> None:
    buf = io.BytesIO()
    exports.write_export(session, study.project, ExportScope(bootstrap=0), "xlsx", buf)
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(buf.getvalue()))
    ws = wb["Passages"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}6"
    assert ws.column_dimensions["Q"].width == 80  # the text column
    text_cell = ws["Q2"]
    assert text_cell.alignment.wrap_text
    header = {c.value: c for c in ws[1]}
    colour = study.codes["Capacity-building"].colour
    fill = header["coder1_capacity_building_p"].fill.fgColor.rgb
    assert fill != "00D9D9D9" and fill[-6:] != "D9D9D9"  # tinted from the code's colour
    assert header["text"].font.bold
    names = zipfile.ZipFile(io.BytesIO(buf.getvalue())).namelist()
    assert "xl/charts/chart1.xml" in names
    chart = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("xl/charts/chart1.xml").decode()
    codable = [c for c in codebooks.live_codes(session, study.project) if c.is_codable]
    assert f"'Frequencies'!$E$2:$E${len(codable) + 1}" in chart
    assert colour.lstrip("#").upper() in chart  # bars take the codebook's colours


def test_codebook_sheet_reads_back_as_the_same_codebook(session: Session, study: Any) -> None:
    buf = io.BytesIO()
    exports.write_export(session, study.project, ExportScope(bootstrap=0), "xlsx", buf)
    spec = codebook_xlsx.xlsx_to_codebook(buf.getvalue(), "export.xlsx")
    original = codebooks.to_spec(session, study.project)
    assert {c.key: c for c in spec.codes} == {c.key: c for c in original.codes}
    assert spec.stance_scale == original.stance_scale


def test_about_sheet_describes_scope_and_every_column(session: Session, study: Any) -> None:
    wb = export_workbook(session, study.project)
    about = list(wb["About"].values)
    fields = {r[0]: r[1] for r in about[1:] if r and r[0] and r[2] is None}
    assert fields["project"] == "CT study" and fields["layer"] == "coders"
    assert fields["rows_passages"] == 5 and fields["rows_annotations"] == 8
    dictionary = {(r[0], r[1]) for r in about if r and r[2]}
    for name in SHEETS[1:]:
        for cell in wb[name][1]:
            assert (name, cell.value) in dictionary, (name, cell.value)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ("consensus", ("adjudicated", "capacity_building_p")),
        ("coder:coder1", ("coded", "capacity_building_p")),
    ],
)
def test_single_layer_matrices(
    session: Session, study: Any, layer: str, expected: tuple[str, str]
) -> None:
    wb = export_workbook(session, study.project, ExportScope(layer=Layer.parse(layer), bootstrap=0))
    rows = rows_of(wb["Passages"])
    done, presence = expected
    assert rows[0][done] == 1 and rows[0][presence] == 1
    if layer == "consensus":
        assert rows[0]["capacity_building_s"] == 2 and rows[1][done] == 0
        assert rows[1][presence] is None
    else:
        assert rows[1]["coded"] == 1 and rows[1]["sovereignty_p"] == 0
        assert not any(k.startswith("coder2") for k in rows[0])
        assert {r["coder"] for r in rows_of(wb["Annotations"])} == {"coder1"}


def test_scope_filters_documents_coders_codes_and_dates(session: Session, study: Any) -> None:
    cb_ = study.codes["Capacity-building"]
    scope = ExportScope(document_ids=(study.chinese[0].document_id,), bootstrap=0)
    assert len(rows_of(export_workbook(session, study.project, scope)["Passages"])) == 2
    scope = ExportScope(coder_ids=(study.coder2.id,), code_ids=(cb_.id,), bootstrap=0)
    wb = export_workbook(session, study.project, scope)
    header = [c.value for c in wb["Passages"][1]]
    assert [h for h in header if h.endswith("_p")] == ["coder2_capacity_building_p"]
    annotations = rows_of(wb["Annotations"])
    assert {r["coder"] for r in annotations if r["layer"] == "coder"} == {"coder2"}
    assert {r["code_path"] for r in annotations} == {"Cooperation > Capacity-building"}
    scope = ExportScope(date_from="2019", date_to="2020-12", bootstrap=0)
    rows = rows_of(export_workbook(session, study.project, scope)["Passages"])
    assert {r["document_date"] for r in rows} == {"2020-07-10"}
    about = {
        r[0]: r[1] for r in export_workbook(session, study.project, scope)["About"].values if r
    }
    assert about["scope_date_from"] == "2019"


def test_csv_zip_and_jsonl_hold_the_same_tables(session: Session, study: Any) -> None:
    buf = io.BytesIO()
    result = exports.write_export(session, study.project, ExportScope(bootstrap=0), "csv", buf)
    assert result.filename.endswith(".zip")
    archive = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    assert {"passages.csv", "annotations.csv", "about.csv", "columns.csv"} <= set(
        archive.namelist()
    )
    raw = archive.read("passages.csv")
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens Chinese correctly
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[4]["text"] == study.chinese[1].text
    assert rows[2]["text"].startswith("'- The private sector")  # guarded
    one = io.BytesIO()
    exports.write_export(
        session, study.project, ExportScope(bootstrap=0), "csv", one, table="annotations"
    )
    assert one.getvalue().startswith(b"\xef\xbb\xbf") and b"code_path" in one.getvalue()
    out = io.BytesIO()
    result = exports.write_export(session, study.project, ExportScope(bootstrap=0), "json", out)
    assert result.filename.endswith("-export.jsonl")
    tables = read_jsonl_export(out.getvalue(), "x.jsonl")
    assert len(tables["passages"].rows) == 5
    annotations = tables["annotations"]
    memo = annotations.rows[0][annotations.columns.index("memo")]
    assert memo == DASH_MEMO  # JSON Lines keeps the real text
    assert "coder1_coded" in tables["passages"].columns
    # The same tables, the same rows as the CSV files, cell by cell.
    for name in ("passages", "annotations", "coded", "documents"):
        csv_rows = list(csv.reader(io.StringIO(archive.read(f"{name}.csv").decode("utf-8-sig"))))
        json_rows = [tables[name].columns] + [
            [unguard_csv(cell_text(v)) for v in row] for row in tables[name].rows
        ]
        assert [[unguard_csv(v) for v in row] for row in csv_rows] == json_rows, name
    header = json.loads(out.getvalue().split(b"\n", 1)[0])
    described = {t["table"]: t["columns"] for t in header["tables"]}
    assert any(c["name"] == "coder1_coded" and c["description"] for c in described["passages"])


def test_unknown_things_in_scope_are_refused(session: Session, study: Any) -> None:
    from workbench.core.errors import NotFound
    from workbench.core.errors import ValidationError

    with pytest.raises(NotFound):
        exports.write_export(
            session, study.project, ExportScope(document_ids=(99999,)), "xlsx", io.BytesIO()
        )
    with pytest.raises(NotFound):
        exports.write_export(
            session,
            study.project,
            ExportScope(layer=Layer("coder", "nobody")),
            "xlsx",
            io.BytesIO(),
        )
    with pytest.raises(ValidationError):
        exports.write_export(session, study.project, ExportScope(), "pdf", io.BytesIO())
    with pytest.raises(NotFound):
        exports.scope_from_names(session, study.project, codes=["No such code"])
    scope = exports.scope_from_names(
        session,
        study.project,
        coders=["CODER1"],
        codes=["Cooperation>Capacity-building"],
        layer="consensus",
    )
    assert scope.coder_ids == (study.coder1.id,) and scope.code_ids == (
        study.codes["Capacity-building"].id,
    )
