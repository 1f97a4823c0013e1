"""Property: any memo survives CSV export -> import -> export unchanged (formula guards included).

The export writes memos through the same writer as every table (``flat.write_csv``, which puts
an apostrophe before text a spreadsheet could run); the import reads the whole file with
``xlsx_read.read_csv`` and the codings reader (``legacy.read_legacy``), which take the apostrophe
off again, so it does not grow with each round trip."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from workbench.formats.flat import write_csv
from workbench.formats.legacy import read_legacy
from workbench.formats.tables import Column
from workbench.formats.tables import Table
from workbench.formats.xlsx_read import read_csv

# Every character a memo can hold in the workbench: the export replaces controls that XML
# and CSV readers cannot carry (NUL etc.), so those are outside the property's alphabet.
MEMO_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
    + "\ufffe\uffff",
)
TRICKY = st.sampled_from(
    ["=", "+", "-", "@", "'", "\t", "\r", "\r\n", "\n", '"', '""', ",", ";", " ", "王伟", "😀"]
)
MEMOS = st.lists(st.one_of(TRICKY, st.text(MEMO_CHARS, max_size=6)), max_size=8).map("".join)

HEADER = ["document", "passage", "coder", "code", "memo"]


def export(memos: list[str]) -> bytes:
    """A codings table with these memos, written as the CSV export writes it."""
    rows = [["statement-2020.txt", i, "coder1", "Sovereignty", m] for i, m in enumerate(memos)]
    table = Table("annotations", "Annotations", "", [Column(n, "") for n in HEADER], lambda: rows)
    buf = io.BytesIO()
    write_csv(table, buf)
    return buf.getvalue()


def imported(data: bytes) -> list[str]:
    """The memos as the codings import reads them."""
    _, rows = read_legacy(data, "annotations.csv")
    return [r.memo for r in rows]


@settings(max_examples=400, deadline=None)
@given(st.lists(MEMOS, min_size=1, max_size=4))
def test_any_memo_survives_export_import_export(memos: list[str]) -> None:
    first = export(memos)
    back = imported(first)
    # Rows whose every cell is empty are not rows; ours always name a document.
    assert back == memos
    assert export(back) == first


@settings(max_examples=200, deadline=None)
@given(MEMOS)
def test_the_whole_file_is_parsed_after_4_kb_of_plain_rows(memo: str) -> None:
    plain = ["a plain memo without quotes or commas " * 3] * 60
    data = export([*plain, memo])
    assert len(data) > 4096
    sheet = read_csv(data, "annotations.csv")
    assert [len(values) for _, values in sheet.rows] == [5] * 61
    assert imported(data)[-1] == memo


def test_known_hard_memos() -> None:
    hard = [
        'He said ""no"", twice',
        'He said "no", twice',
        "=1+1",
        "'=1+1",
        "''=1+1",
        "-5",
        "'-5",
        "- first point",
        "@sum",
        "+86 10 1234",
        "\tindented",
        "\r\nstarts with CRLF",
        "王伟：这是备注，带逗号",
        "emoji 😀 outside the BMP",
        "",
        " ",
    ]
    assert imported(export(hard)) == hard
