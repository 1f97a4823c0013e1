"""The .qdpx writer: GUIDs as uuid5 makes them, escaping of any text, valid against Project.xsd."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from lxml import etree

from workbench.core import codebook as cb
from workbench.formats import qdpx
from workbench.formats.xmlsafe import load_schema
from workbench.formats.xmlsafe import schema_errors

P = "{urn:QDA-XML:project:1.0}"
HARD = [
    'He said "no" & left <now>',
    "line one\r\nline two\ttabbed\rcarriage",
    "  leading and trailing spaces  ",
    "王伟：备注 😀 ]]> --> &amp;",
    "control \x01 and \x0b characters",
]


@pytest.mark.parametrize("parts", [("annotation", "slug", 1), ("user", "王伟"), ("coding", "x")])
def test_guids_are_the_uuid5_of_the_joined_parts(parts: tuple[object, ...]) -> None:
    expected = uuid.uuid5(qdpx.GUID_NAMESPACE, "/".join(str(p) for p in parts))
    assert qdpx.guid(*parts) == str(expected)


def test_any_text_and_memo_come_back_as_written_and_the_file_is_valid() -> None:
    code = cb.CodeSpec(cb.derived_key("c"), "Code & <more>", None)
    text = "".join(HARD)
    selections = []
    start = 0
    for n, piece in enumerate(HARD):
        selections.append(
            qdpx.QSelection(
                guid=qdpx.guid("annotation", "t", n),
                start=start,
                end=start + len(piece),
                text=piece,
                user_guid=qdpx.guid("user", "a"),
                code_guid=code.key,
                created="2026-01-15T10:00:00Z",
                modified="2026-01-16T10:00:00Z" if n % 2 else "",
                description=HARD[-1 - n],
            )
        )
        start += len(piece)
    source = qdpx.QSource(qdpx.guid("document", 1), 'Title "quoted" & <b>', "", None, "")
    source.selections = selections
    buf = io.BytesIO()
    qdpx.write_qdpx(
        buf,
        qdpx.QHeader('Project "A" & B', "workbench test", "2026-01-15T10:00:00Z"),
        [qdpx.QUser(qdpx.guid("user", "a"), "Ana <A>", "ana")],
        cb.CodebookSpec((code,)),
        lambda: [(source.guid, text)],
        lambda: [source],
        lambda: {"annotations": {s.guid: {"memo": s.description} for s in selections}},
    )
    with zipfile.ZipFile(buf) as zf:
        root = etree.fromstring(zf.read("project.qde"))
        extra = json.loads(zf.read(qdpx.EXTRA_MEMBER))
    assert schema_errors(load_schema("Project.xsd"), root) == []
    assert root.get("name") == 'Project "A" & B'
    read = root.findall(f".//{P}PlainTextSelection")
    clean = [piece.replace("\x01", "\ufffd").replace("\x0b", "\ufffd") for piece in HARD]
    assert [s.get("name") for s in read] == clean
    assert [s.findtext(f"{P}Description") for s in read] == clean[::-1]
    assert [s.get("modifiedDateTime") for s in read] == [None, "2026-01-16T10:00:00Z"] * 2 + [None]
    coding = read[0].find(f"{P}Coding")
    assert coding is not None and coding.get("guid") == qdpx.guid("coding", selections[0].guid)
    assert [m["memo"] for m in extra["annotations"].values()] == HARD[::-1]  # JSON: exact


@pytest.mark.parametrize("micro", [0, 5, 123456])
def test_stored_times_read_as_text_give_what_the_datetimes_give(micro: int) -> None:
    import datetime as dt

    from workbench.interchange.qdpx_export import _times
    from workbench.interchange.qdpx_layers import iso_time

    when = dt.datetime(2026, 1, 15, 10, 0, 7, micro, tzinfo=dt.UTC)
    expected = (iso_time(when.replace(microsecond=0)), iso_time(when))
    assert _times(when.strftime("%Y-%m-%d %H:%M:%S.%f")) == expected  # SQLite's text
    assert _times(when) == expected  # PostgreSQL's datetime
    assert _times(when.isoformat()) == expected  # any other spelling
    assert _times(None) == ("", "")
