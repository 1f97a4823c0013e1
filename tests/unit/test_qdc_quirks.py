"""Importing .qdc files from other tools: vendor quirks, hostile and broken input."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.core.codebook import DEFAULT_COLOUR
from workbench.core.codebook import CodeSpec
from workbench.core.codebook import path
from workbench.core.codebook import validate
from workbench.formats.qdc import ExchangeError
from workbench.formats.qdc import qdc_to_codebook
from workbench.formats.qdc import validate_qdc

ATLAS9 = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti 9">
  <Codes>
    <Code guid="{A1B2C3D4-0000-4000-8000-000000000001}" name="Coke" isCodable="true" color="#F00"/>
    <Code guid="{A1B2C3D4-0000-4000-8000-000000000002}" name="Coke::diet Coke" isCodable="true"
          color="#0f0"><Description>Any mention of the diet variant.</Description></Code>
    <Code guid="{A1B2C3D4-0000-4000-8000-000000000003}" name="Pepsi::max::cherry"
          isCodable="true"/>
  </Codes>
</CodeBook>
"""

TAGUETTE = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.5.2"><Codes>\
<Code guid="3F2B8E4C-5B0A-5D2C-9F6E-7A1B2C3D4E5F" name="interesting" isCodable="true"></Code>\
<Code guid="8C1D2E3F-4A5B-5C6D-8E7F-9A0B1C2D3E4F" name="interesting\\places" isCodable="true">\
</Code><Code guid="1A2B3C4D-5E6F-5A7B-8C9D-0E1F2A3B4C5D" name="people\\officials\\chinese" \
isCodable="true"></Code></Codes><Sets></Sets></CodeBook>"""


def by_path(data: bytes) -> tuple[dict[str, CodeSpec], list[str]]:
    spec, warnings = qdc_to_codebook(data, "vendor.qdc")
    return {path(spec, c.key): c for c in spec.codes}, warnings


def test_atlas9_namespace_flattened_names_braces_and_short_colours() -> None:
    assert validate_qdc(ATLAS9) == []  # valid once 0:4 is mapped to 1.0
    codes, warnings = by_path(ATLAS9)
    assert set(codes) == {
        "Coke",
        "Coke > diet Coke",
        "Pepsi",
        "Pepsi > max",
        "Pepsi > max > cherry",
    }
    diet = codes["Coke > diet Coke"]
    assert diet.key == "a1b2c3d4-0000-4000-8000-000000000002"  # braces gone, lower case
    assert diet.colour == "#00FF00" and codes["Coke"].colour == "#FF0000"
    assert diet.definition == "Any mention of the diet variant."
    assert not codes["Pepsi"].is_codable and not codes["Pepsi > max"].is_codable
    assert codes["Pepsi > max > cherry"].colour == DEFAULT_COLOUR
    assert any("flattened names" in w and "Pepsi, max" in w for w in warnings)
    assert any("grey" in w and "cherry" in w for w in warnings)


def test_taguette_backslash_paths_and_empty_sets() -> None:
    assert any("Sets" in e for e in validate_qdc(TAGUETTE))  # Taguette's own file is invalid
    codes, warnings = by_path(TAGUETTE)
    assert set(codes) == {
        "interesting",
        "interesting > places",
        "people",
        "people > officials",
        "people > officials > chinese",
    }
    assert codes["interesting > places"].key == "8c1d2e3f-4a5b-5c6d-8e7f-9a0b1c2d3e4f"
    # Accepted, but the departure from the standard is said, once.
    assert [w for w in warnings if "Sets" in w] == [
        "vendor.qdc: line 2: an empty <Sets/> (the standard wants at least one <Set> in it) "
        "was ignored"
    ]


def test_flat_import_is_stable_across_repeated_imports() -> None:
    first, _ = qdc_to_codebook(TAGUETTE, "a.qdc")
    second, _ = qdc_to_codebook(TAGUETTE, "b.qdc")
    assert first == second


def test_duplicate_and_missing_guids_and_sibling_names() -> None:
    data = b"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="6f3c2a10-8d1b-4c55-9a0e-0b1d2c3e4f50" name="Same" isCodable="true"/>
      <Code guid="6F3C2A10-8D1B-4C55-9A0E-0B1D2C3E4F50" name="same " isCodable="maybe"/>
      <Code guid="not-a-guid" name="" isCodable="false" color="red"/>
      <Code name="No guid" isCodable="true"/>
    </Codes></CodeBook>"""
    spec, warnings = qdc_to_codebook(data, "dups.qdc")
    assert validate(spec) == []
    assert [c.name for c in spec.codes] == ["Same", "same (2)", "Unnamed code 3", "No guid"]
    assert len({c.key for c in spec.codes}) == 4
    text = "\n".join(warnings)
    for expected in ("repeated GUID", "renamed", "without a name", "isCodable", "red"):
        assert expected in text
    again, _ = qdc_to_codebook(data, "dups.qdc")
    assert again == spec


def test_bom_and_utf16_are_accepted() -> None:
    spec, _ = qdc_to_codebook(codecs.BOM_UTF8 + ATLAS9, "bom.qdc")
    assert len(spec.codes) == 5
    utf16 = ATLAS9.decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16")
    assert len(qdc_to_codebook(utf16, "utf16.qdc")[0].codes) == 5


def test_unknown_namespace_is_read_with_a_warning() -> None:
    data = b'<CodeBook><Codes><Code guid="x" name="A" isCodable="true"/></Codes></CodeBook>'
    spec, warnings = qdc_to_codebook(data, "nons.qdc")
    assert [c.name for c in spec.codes] == ["A"]
    assert any("namespace" in w for w in warnings)


def test_codebook_without_codes_gives_empty_spec_and_warning() -> None:
    spec, warnings = qdc_to_codebook(b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', "e.qdc")
    assert spec.codes == () and any("no codes" in w for w in warnings)
    assert any("Codebook.xsd" in w and "Codes" in w for w in warnings)  # the deviation, too


def test_clashing_shortcuts_from_a_hand_edited_file_are_dropped() -> None:
    block = '[workbench-data v1] {"shortcut":"%s"}'
    body = "".join(
        f'<Code guid="0000000{i}-0000-4000-8000-000000000000" name="C{i}" isCodable="true">'
        f"<Description>{block % key}</Description></Code>"
        for i, key in enumerate(["1", "1", "j"], start=1)
    )
    data = f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{body}</Codes></CodeBook>'
    spec, warnings = qdc_to_codebook(data.encode(), "keys.qdc")
    assert [c.shortcut for c in spec.codes] == ["1", None, None]
    assert sum("Shortcut" in w for w in warnings) == 2


def test_damaged_block_falls_back_to_plain_description() -> None:
    data = b"""<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
      <Code guid="00000001-0000-4000-8000-000000000000" name="A" isCodable="true">
      <Description>Text\n[workbench-data v1] {"sort_order": "first"}</Description></Code>
    </Codes></CodeBook>"""
    spec, warnings = qdc_to_codebook(data, "dmg.qdc")
    assert spec.codes[0].definition == "Text"
    assert any("damaged" in w for w in warnings)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE CodeBook [<!ENTITY leak SYSTEM "file:///etc/hostname">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>
<Code guid="00000001-0000-4000-8000-000000000000" name="&leak;" isCodable="true">
<Description>&leak;</Description></Code></Codes></CodeBook>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="00000001-0000-4000-8000-000000000000"
 name="&lol3;" isCodable="true"/></Codes></CodeBook>"""


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS])
def test_doctype_and_entities_are_rejected(payload: bytes) -> None:
    with pytest.raises(ExchangeError) as caught:
        qdc_to_codebook(payload, "evil.qdc")
    message = str(caught.value)
    assert "evil.qdc" in message and "DOCTYPE" in message
    hostname_file = Path("/etc/hostname")
    hostname = hostname_file.read_text("utf-8").strip() if hostname_file.exists() else ""
    if hostname:
        assert hostname not in message
    assert any("DOCTYPE" in e for e in validate_qdc(payload))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\xff\xfegarbage", "not well-formed"),
        (b"", "empty"),
        (b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'>\n<Codes>\n</CodeBook>", "line 3"),
        (b"<html><body>hi</body></html>", "<html>"),
        (b"<CodeBook xmlns='urn:example:other'/>", "not a REFI-QDA codebook"),
        (b"PK\x03\x04broken zip", "damaged"),
    ],
)
def test_broken_input_raises_exchange_error_naming_the_file(data: bytes, expected: str) -> None:
    with pytest.raises(ExchangeError) as caught:
        qdc_to_codebook(data, "upload.qdc")
    assert "upload.qdc" in str(caught.value) and expected in str(caught.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_external_entities_and_dtds_are_never_opened(tmp_path: Path) -> None:
    """A parser that opened the named pipe would block; the child process must finish at once."""
    fifo = tmp_path / "trap"
    os.mkfifo(fifo)
    script = f"""
from workbench.formats.qdc import ExchangeError, qdc_to_codebook
payloads = [
    b'<!DOCTYPE CodeBook [<!ENTITY e SYSTEM "file://{fifo}">]><CodeBook><Codes>'
    b'<Code guid="x" name="y" isCodable="true"><Description>&e;</Description></Code>'
    b'</Codes></CodeBook>',
    b'<!DOCTYPE CodeBook SYSTEM "file://{fifo}"><CodeBook/>',
]
for payload in payloads:
    try:
        qdc_to_codebook(payload, "trap.qdc")
    except ExchangeError:
        print("rejected")
"""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, timeout=60
    )
    assert done.stdout.decode().split() == ["rejected", "rejected"], done.stderr.decode()
