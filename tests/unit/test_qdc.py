"""REFI-QDA .qdc export and import: schema validity, lossless round trip, safety."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

import workbench
from workbench.core.codebook import CodebookSpec
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import StanceLevel
from workbench.core.codebook import load_seed_codebook
from workbench.core.codebook import validate
from workbench.formats.qdc import ExchangeError
from workbench.formats.qdc import codebook_to_qdc
from workbench.formats.qdc import project_codebook_to_spec
from workbench.formats.qdc import qdc_to_codebook
from workbench.formats.qdc import validate_qdc
from workbench.formats.qdc import validate_qde

# ../shared beside the checkout.
SHARED = Path(__file__).resolve().parents[3] / "shared" / "refi-qda"
SHIPPED = Path(workbench.__file__).parent / "data" / "refi"
NS = {"q": "urn:QDA-XML:codebook:1.0"}
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared REFI-QDA files not present")


def _official_schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SHARED / name)))


@needs_shared
def test_seed_export_is_valid_against_the_published_schema() -> None:
    data = codebook_to_qdc(load_seed_codebook())
    _official_schema("Codebook.xsd").assertValid(etree.fromstring(data))
    assert validate_qdc(data) == []


def test_export_structure_nests_codes_and_puts_description_first() -> None:
    seed = load_seed_codebook()
    root = etree.fromstring(codebook_to_qdc(seed, origin="test 1"))
    assert root.get("origin") == "test 1"
    assert root.find("q:Sets", NS) is None
    folder = root.find("q:Codes/q:Code[@name='Sovereignty and non-interference']", NS)
    assert folder is not None and folder.get("isCodable") == "false"
    assert folder[0].tag == "{urn:QDA-XML:codebook:1.0}Description"
    child = folder.find("q:Code[@name='Xinjiang rebuttal']", NS)
    assert child is not None and child.get("color") == "#FF7F0E"
    text = child.findtext("q:Description", namespaces=NS)
    assert "Include: " in text and "Keywords (zh): 新疆; 维吾尔; 东突" in text
    assert "Stance: -2 strongly rejects | -1 rejects | 0 neutral" in text


def test_seed_round_trip_restores_every_field() -> None:
    seed = load_seed_codebook()
    back, warnings = qdc_to_codebook(codebook_to_qdc(seed), "seed.qdc")
    assert back == seed
    assert warnings == []


def test_round_trip_of_awkward_content() -> None:
    k = [f"0000000{i}-0000-4000-8000-000000000000" for i in range(1, 4)]
    tricky = CodebookSpec(
        (
            CodeSpec(
                k[0],
                "Quotes \"' & <tags> ?>",
                None,
                definition='Line one\r\nline two\n[workbench-data v1] {"key": "forged"}\n',
                examples_positive="  leading spaces and trailing newline\n",
                keywords_en=("a b",),
                keywords_zh=("主权",),
                colour="#abcdef",
                shortcut="z",
                sort_order=-3,
            ),
            CodeSpec(k[1], "Child", k[0], takes_stance=False, colour="#000000"),
            CodeSpec(k[2], "Folder", None, is_codable=False, sort_order=7),
        ),
        (StanceLevel(-3, "no"), StanceLevel(0, "meh"), StanceLevel(3, "yes")),
    )
    back, warnings = qdc_to_codebook(codebook_to_qdc(tricky), "t.qdc")
    assert back == tricky
    assert warnings == []


def test_edits_made_in_another_tool_are_honoured_or_reported() -> None:
    seed = load_seed_codebook()
    data = codebook_to_qdc(seed).decode()
    data = data.replace('name="Capacity-building"', 'name="Capacity building"')
    data = data.replace('color="#2CA02C"', 'color="#123456"')
    # The first occurrence is the readable text; the second sits in the JSON block.
    data = data.replace("The speaker calls for", "EDITED: the speaker calls for", 1)
    back, warnings = qdc_to_codebook(data.encode(), "edited.qdc")
    code = next(c for c in back.codes if c.key == "e257c0e5-5783-4672-8c87-742be2a3c68d")
    assert (code.name, code.colour) == ("Capacity building", "#123456")
    assert not code.definition.startswith("EDITED")
    assert any("edited in another tool" in w for w in warnings)


def test_regenerated_guids_keep_our_keys() -> None:
    """ATLAS.ti rewrites GUIDs on every export; the embedded key survives that."""
    seed = load_seed_codebook()
    data = codebook_to_qdc(seed).decode()
    data = re.sub(r'guid="[0-9a-f-]{30}', 'guid="{ABCDEF12-3456-4789-8abc-', data)
    back, _ = qdc_to_codebook(data.encode(), "regen.qdc")
    assert back == seed


@needs_shared
def test_shared_minimal_codebook_imports() -> None:
    data = (SHARED / "examples" / "minimal_codebook.qdc").read_bytes()
    assert validate_qdc(data) == []
    spec, warnings = qdc_to_codebook(data, "minimal_codebook.qdc")
    assert [c.name for c in spec.codes] == ["Stance", "Condemnation", "Support for UN framework"]
    stance, condemnation, _ = spec.codes
    assert not stance.is_codable and not stance.takes_stance
    assert condemnation.parent_key == stance.key and condemnation.colour == "#C0392B"
    assert condemnation.definition == "Explicit condemnation of terrorist acts or actors."
    assert any("Counter-terrorism" in w and "sets" in w for w in warnings)
    assert any("stance scale" in w for w in warnings)
    assert validate(spec) == []


@needs_shared
@pytest.mark.parametrize("name", ["minimal_project.qdpx", "minimal_project.project.qde"])
def test_project_codebook_imports_from_qde_and_qdpx(name: str) -> None:
    spec, _ = qdc_to_codebook((SHARED / "examples" / name).read_bytes(), name)
    assert [c.name for c in spec.codes] == ["Stance", "Condemnation"]


@needs_shared
def test_project_helper_and_qde_validation() -> None:
    data = (SHARED / "examples" / "minimal_project.project.qde").read_bytes()
    assert validate_qde(data) == []
    spec, _ = project_codebook_to_spec(etree.fromstring(data))
    assert len(spec.codes) == 2
    assert project_codebook_to_spec(data, "p.qde")[0] == spec  # raw bytes are parsed safely
    with pytest.raises(ExchangeError, match="not <Project>"):
        project_codebook_to_spec(b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "p.qde")
    empty, warnings = project_codebook_to_spec(etree.fromstring(b'<Project name="x"/>'))
    assert empty.codes == () and "no codebook" in warnings[0]


def test_qdpx_without_qde_is_rejected() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("sources/a.txt", "text")
    with pytest.raises(ExchangeError, match=r"empty\.qdpx"):
        qdc_to_codebook(buf.getvalue(), "empty.qdpx")


@needs_shared
def test_shipped_schemas_match_the_published_ones_and_keep_the_licence() -> None:
    def strip(path: Path) -> bytes:
        parser = etree.XMLParser(remove_comments=True, remove_blank_text=True)
        return etree.tostring(etree.parse(str(path), parser))

    for name in ("Codebook.xsd", "Project.xsd"):
        assert strip(SHIPPED / name) == strip(SHARED / name)
        text = (SHIPPED / name).read_text("utf-8")
        assert "MIT license" in text and "Copyright 2019 REFI" in text


def test_export_refuses_empty_or_broken_codebooks() -> None:
    with pytest.raises(ValueError, match="empty"):
        codebook_to_qdc(CodebookSpec(()))
    a, b = "00000001-0000-4000-8000-000000000000", "00000002-0000-4000-8000-000000000000"
    with pytest.raises(ValueError, match="cycle"):
        codebook_to_qdc(CodebookSpec((CodeSpec(a, "a", b), CodeSpec(b, "b", a))))


def test_control_characters_do_not_break_the_export() -> None:
    code = CodeSpec("00000001-0000-4000-8000-000000000000", "x", None, definition="bell\x07")
    data = codebook_to_qdc(CodebookSpec((code,)))
    assert validate_qdc(data) == []
    back, _ = qdc_to_codebook(data, "c.qdc")
    assert back.codes[0].definition == "bell\x07"  # the JSON block escapes it losslessly


def test_validate_qdc_reports_schema_errors() -> None:
    bad = b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>'
    errors = validate_qdc(bad)
    assert errors and errors[0].startswith("line 1:")
    assert "not well-formed" in validate_qdc(b"<CodeBook>")[0]


def test_stance_scale_disagreement_is_reported() -> None:
    seed = load_seed_codebook()
    data = codebook_to_qdc(seed).decode()
    data = data.replace('[2,"strongly endorses"]]', '[2,"fully endorses"]]', 1)
    back, warnings = qdc_to_codebook(data.encode(), "s.qdc")
    assert any("disagree about the stance scale" in w for w in warnings)
    assert back.stance_scale[-1].label == "fully endorses"


def test_export_is_deterministic() -> None:
    seed = load_seed_codebook()
    shuffled = replace(seed, codes=tuple(reversed(seed.codes)))
    assert codebook_to_qdc(seed) == codebook_to_qdc(shuffled)
