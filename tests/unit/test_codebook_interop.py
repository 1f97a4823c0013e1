"""Codebook files other tools read and write: Taguette's CSV, .qdc deviations as warnings."""

from __future__ import annotations

import csv
import io

from workbench.core.codebook import DEFAULT_STANCE_SCALE
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import load_seed_codebook
from workbench.formats.codebook_csv import codebook_to_taguette_csv
from workbench.formats.qdc import codebook_to_qdc
from workbench.formats.qdc import qdc_to_codebook

ATLAS_EMPTY_SETS = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti 9">
  <Codes>
    <Code guid="a1b2c3d4-0000-4000-8000-000000000001" name="Coke" isCodable="true"/>
  </Codes>
  <Sets/>
</CodeBook>
"""


def taguette_rows(data: bytes) -> list[dict[str, str]]:
    """Read a codebook CSV as Taguette's importer does: UTF-8, a header naming the columns,
    the tag taken from 'tag' (else 'name', else 'path') and its 'description'."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    header = reader.fieldnames or []
    assert "tag" in header and "description" in header, header
    # Exactly one of the columns such an importer may take the tag from.
    assert [h for h in header if h in ("tag", "name", "path")] == ["tag"]
    return [{"tag": row["tag"], "description": row["description"]} for row in reader]


def test_taguette_csv_has_one_row_per_code_with_tag_and_description() -> None:
    spec = load_seed_codebook()
    rows = taguette_rows(codebook_to_taguette_csv(spec))
    assert len(rows) == len(spec.codes)
    tags = [r["tag"] for r in rows]
    assert len(set(tags)) == len(tags)  # one row per tag, none merged
    assert "Cooperation > Public-private partnership" in tags
    described = {r["tag"]: r["description"] for r in rows}
    partnership = next(c for c in spec.codes if c.name == "Public-private partnership")
    assert (
        partnership.definition.splitlines()[0]
        in described["Cooperation > Public-private partnership"]
    )
    assert not codebook_to_taguette_csv(spec).startswith(b"\xef\xbb\xbf")  # no BOM in 'tag'


def test_taguette_csv_keeps_commas_quotes_newlines_and_guards_formulas() -> None:
    code = CodeSpec(
        key="a1b2c3d4-0000-4000-8000-00000000000a",
        name='He said "no", twice',
        parent_key=None,
        definition="=HYPERLINK(x)\nsecond line, with a comma",
    )
    rows = taguette_rows(codebook_to_taguette_csv(CodebookSpec((code,), DEFAULT_STANCE_SCALE)))
    assert rows[0]["tag"] == 'He said "no", twice'
    assert rows[0]["description"].startswith("'=HYPERLINK(x)")
    assert "second line, with a comma" in rows[0]["description"]


def test_qdc_deviations_are_accepted_and_each_listed() -> None:
    spec, warnings = qdc_to_codebook(ATLAS_EMPTY_SETS, "atlas.qdc")
    assert [c.name for c in spec.codes] == ["Coke"]
    assert any("urn:QDA-XML:codebook:0:4" in w and "older draft" in w for w in warnings)
    assert any("line 6: an empty <Sets/>" in w for w in warnings)


def test_our_own_qdc_reads_back_without_a_warning_about_the_standard() -> None:
    _, warnings = qdc_to_codebook(codebook_to_qdc(load_seed_codebook()), "ours.qdc")
    assert not [w for w in warnings if "Codebook.xsd" in w or "namespace" in w or "Sets" in w]
