"""Reading .qdpx from other tools: container quirks, BOMs, CRLF, UTF-16 offsets, bad files."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import SHARED
from workbench.formats.qdpx_read import read_project
from workbench.formats.xmlsafe import ExchangeError

USER_A = "9e9e9e9e-0000-4000-8000-000000000001"
USER_B = "9e9e9e9e-0000-4000-8000-000000000002"
CODE = "6f3c2a10-8d1b-4c55-9a0e-0b1d2c3e4f51"
SOURCE = "1a2b3c4d-0000-4000-8000-00000000a001"


def qde(
    selections: str, *, ns: str = ' xmlns="urn:QDA-XML:project:1.0"', path: str | None = None
) -> str:
    where = f'plainTextPath="{path or f"internal://{SOURCE}.txt"}"'
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project{ns} name="Vendor project">
  <Users>
    <User guid="{USER_A}" name="Coder A" id="CA"/><User guid="{USER_B}" name="Coder B"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="6f3c2a10-8d1b-4c55-9a0e-0b1d2c3e4f50" name="Stance" isCodable="false">
      <Code guid="{CODE}" name="Condemnation" isCodable="true" color="#C0392B"/>
    </Code>
  </Codes></CodeBook>
  <Sources><TextSource guid="{SOURCE}" name="speech" {where}>{selections}</TextSource></Sources>
</Project>"""


def selection(start: int, end: int, name: str | None, user: str = USER_A, code: str = CODE) -> str:
    named = f' name="{name}"' if name is not None else ""
    return (
        f'<PlainTextSelection guid="5c5c5c5c-0000-4000-8000-{start:012d}"{named} '
        f'startPosition="{start}" endPosition="{end}" creatingUser="{user}">'
        f'<Coding guid="7d7d7d7d-0000-4000-8000-{end:012d}" '
        f'creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


def archive(files: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def selected(project: object) -> list[str]:
    source = project.sources[0]  # type: ignore[attr-defined]
    return [source.text[s.start : s.end] for s in source.selections]


def test_the_shared_example_reads_with_users_codes_and_selections() -> None:
    data = (SHARED / "refi-qda" / "examples" / "minimal_project.qdpx").read_bytes()
    project = read_project(data, "minimal_project.qdpx")
    assert [c.name for c in project.codebook.codes] == ["Stance", "Condemnation"]
    assert project.users[USER_A] == ("Coder A", "CA")
    assert selected(project) == [
        "China condemns terrorism in all its forms.",
        "中方谴责一切形式的恐怖主义",
    ]
    assert [s.codings[0].user for s in project.sources[0].selections] == [USER_A, USER_B]
    assert not [w for w in project.warnings if "Project.xsd" in w]


def test_nvivo_capital_sources_named_qde_bom_crlf_and_utf16_offsets() -> None:
    # NVivo counts UTF-16 units (an emoji is 2) and CRLF as 2; its .txt starts with a BOM.
    text = "First 😀 line.\r\nThe 𠀀 State condemns terrorism.\r\n"
    start = len("First 😀 line.\r\nThe 𠀀 ".encode("utf-16-le")) // 2
    end = start + len("State condemns")
    data = archive({
        "Trial.qde": qde(selection(start, end, "State condemns")),
        f"Sources/{SOURCE}.txt": "\ufeff".encode() + text.encode("utf-8"),
    })  # fmt: skip
    project = read_project(data, "nvivo.qdpx")
    assert selected(project) == ["State condemns"]
    assert project.sources[0].scheme == "UTF-16 code units, CRLF counted as two, BOM not counted"
    assert project.sources[0].text == "First 😀 line.\nThe 𠀀 State condemns terrorism.\n"
    assert any("Sources/" in w for w in project.warnings)
    assert any("Trial.qde" in w for w in project.warnings)


def test_maxqda_counts_crlf_as_two_and_atlas_as_one() -> None:
    text = "Intro paragraph.\r\n\r\nChina condemns terrorism.\r\n"
    raw_start = text.index("China")
    for start, label in (
        (raw_start, "code points, CRLF counted as two"),
        (raw_start - 2, "code points, CRLF counted as one"),
    ):
        data = archive({
            "project.qde": qde(selection(start, start + 14, "China condemns")),
            f"sources/{SOURCE}.txt": text,
        })  # fmt: skip
        project = read_project(data, "x.qdpx")
        assert selected(project) == ["China condemns"], label
        assert project.sources[0].scheme == label
        assert "\r" not in project.sources[0].text


def test_selections_without_names_are_code_points_and_the_text_is_kept_verbatim() -> None:
    text = "One line.\nSecond line here.\nThird."
    start = text.index("Second")
    data = archive({
        "project.qde": qde(selection(start, start + 6, None)),
        f"sources/{SOURCE}.txt": text,
    })  # fmt: skip
    project = read_project(data, "x.qdpx")
    assert project.sources[0].text == text
    assert selected(project) == ["Second"]


def test_inline_text_no_namespace_and_a_bare_qde_are_accepted() -> None:
    body = (
        qde(selection(0, 5, "Hello"), ns="", path="")
        .replace('plainTextPath=""', "")
        .replace("</TextSource>", "<PlainTextContent>Hello world</PlainTextContent></TextSource>")
    )
    # PlainTextContent must come first; tolerant readers accept it anywhere.
    project = read_project(body.encode(), "bare.qde")
    assert selected(project) == ["Hello"]
    assert any("Namespace" in w for w in project.warnings)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"project.qde": qde(selection(0, 5, "x"))}, "is missing from the archive"),
        ({"a.qde": qde(""), "b.qde": qde("")}, "expected one .qde file"),
        ({"readme.txt": "hello"}, "expected one .qde file"),
    ],
)
def test_broken_archives_name_the_element(files: dict[str, str], message: str) -> None:
    with pytest.raises(ExchangeError) as caught:
        read_project(archive(files), "broken.qdpx")
    assert message in str(caught.value)
    if "missing" in message:
        assert "TextSource 'speech'" in str(caught.value) and "line " in str(caught.value)


def test_external_entities_are_never_resolved(tmp_path: object) -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>'
    )
    with pytest.raises(ExchangeError) as caught:
        read_project(archive({"project.qde": evil}), "evil.qdpx")
    assert "DOCTYPE" in str(caught.value) and "root:" not in str(caught.value)


def test_zip_bombs_are_refused_before_inflating() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde(""))
        zf.writestr(f"sources/{SOURCE}.txt", b"0" * 30_000_000)
    with pytest.raises(ExchangeError) as caught:
        read_project(buf.getvalue(), "bomb.qdpx")
    assert "zip bomb" in str(caught.value) or "refused" in str(caught.value)


def test_a_selection_outside_the_text_is_listed_as_not_imported() -> None:
    data = archive({
        "project.qde": qde(selection(0, 500, "x") + selection(0, 5, "short")),
        f"sources/{SOURCE}.txt": "short",
    })  # fmt: skip
    project = read_project(data, "broken.qdpx")
    assert selected(project) == ["short"]
    assert [d for d in project.dropped if "selection 0-500" in d and "outside the text" in d]


def test_notes_on_selections_become_memos_and_the_rest_is_listed() -> None:
    note = "3c3c3c3c-0000-4000-8000-000000000001"
    stray = "3c3c3c3c-0000-4000-8000-000000000002"
    sel = selection(0, 5, "First").replace(
        "</PlainTextSelection>", f'<NoteRef targetGUID="{note}"/></PlainTextSelection>'
    )
    notes = (
        f'<Notes><Note guid="{note}" name="why"><PlainTextContent>Clear case 😀</PlainTextContent>'
        f'</Note><Note guid="{stray}" name="todo"><PlainTextContent>later</PlainTextContent>'
        "</Note></Notes>"
    )
    body = (
        qde(sel)
        .replace("</Sources>", f"</Sources>{notes}<Sets><Set guid='{stray}' name='s'/></Sets>")
        .replace('name="Vendor project"', 'name="Vendor project" basePath="/home/someone/x"')
    )
    data = archive({"project.qde": body, f"sources/{SOURCE}.txt": "First words."})
    project = read_project(data, "notes.qdpx")
    assert project.sources[0].selections[0].description == "Clear case 😀"
    assert [d for d in project.dropped if d.startswith("Note 'todo' not imported")]
    assert [d for d in project.dropped if d.startswith("<Sets> (1 item(s)) not imported")]
    assert not [d for d in project.dropped if "'why'" in d]
    assert [w for w in project.warnings if "basePath '/home/someone/x' ignored" in w]
