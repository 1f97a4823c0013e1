"""CSV and JSONL tables: one document per row, row-level errors, the real UN speeches corpus."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import pytest

from workbench.core.corpus import CorpusError
from workbench.core.corpus import parse_file
from workbench.core.corpus import read_table

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.jsonl")) if CORPUS.is_dir() else []


def test_csv_rows_become_documents_with_metadata():
    data = (
        b"id,title,country,Body,year\n"
        b'a1,Opening,China,"China opposes terrorism, firmly.",2020\n'
        b"a2,,France,La France condamne le terrorisme.,\n"
    )
    rows = read_table("speeches.csv", data)
    assert [(r.row_number, r.title, r.text) for r in rows] == [
        (2, "Opening", "China opposes terrorism, firmly."),
        (3, "France", "La France condamne le terrorisme."),
    ]
    assert rows[0].metadata == {"id": "a1", "title": "Opening", "country": "China", "year": "2020"}
    assert rows[1].metadata["year"] is None


def test_csv_with_semicolons_and_a_content_column():
    rows = read_table("s.csv", "speaker;content\nMr. Zhang;中国反对恐怖主义。\n".encode("gb18030"))
    assert rows[0].text == "中国反对恐怖主义。"
    assert rows[0].title == "Mr. Zhang"


def test_missing_text_column_lists_the_columns():
    with pytest.raises(CorpusError) as caught:
        read_table("meta.csv", b"id,speaker,country\n1,Mr. Zhang,China\n")
    message = str(caught.value)
    assert message.startswith("meta.csv: no text column")
    assert "text, content, body" in message and "id, speaker, country" in message


def test_row_errors_are_collected_with_row_numbers():
    data = (
        b"id,text,country\n"
        b"1,Fine speech.,China\n"
        b"2,,France\n"
        b"3,Too,many,fields,here\n"
        b"4,   ,Peru\n"
        b"5,Also fine.,Chile\n"
    )
    with pytest.raises(CorpusError) as caught:
        read_table("rows.csv", data)
    message = str(caught.value)
    assert message.startswith("rows.csv: 3 row(s) could not be imported")
    assert "row 3: no text" in message
    assert "row 4: has 5 fields but the header has 3" in message
    assert "row 5: the text is blank" in message
    assert "row 2" not in message and "row 6" not in message


def test_jsonl_errors_name_the_line():
    lines = [
        json.dumps({"id": "a", "text": "Fine."}),
        '{"id": "b", "text": "broken"',
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "c", "body": None}),
        json.dumps({"id": "d", "text": 42}),
        "",
        json.dumps({"id": "e", "text": "Fine too."}),
    ]
    with pytest.raises(CorpusError) as caught:
        read_table("speeches.jsonl", "\n".join(lines).encode())
    message = str(caught.value)
    assert message.startswith("speeches.jsonl: 4 row(s) could not be imported")
    assert "row 2: not valid JSON" in message
    assert "row 3: expected a JSON object, found a list" in message
    assert "row 4: no text" in message
    assert "row 5: column 'text' is not text" in message


def test_a_nul_character_written_as_a_json_escape_refuses_its_row_by_name():
    # No byte check sees "\u0000" in JSON; PostgreSQL cannot store the character and SQLite's
    # search index stops reading at it, so the row is refused on both databases alike.
    lines = [
        json.dumps({"id": "a", "text": "Alpha beta\u0000 terrorism gamma"}),
        json.dumps({"id": "b", "text": "Fine.", "speaker": "Mr.\u0000Zhang"}),
        json.dumps({"id": "c", "text": "Fine.", "bad\u0000key": 1, "nested": ["\u0000"]}),
        json.dumps({"id": "d", "text": "Fine too."}),
    ]
    with pytest.raises(CorpusError) as caught:
        read_table("speeches.jsonl", "\n".join(lines).encode())
    message = str(caught.value)
    assert message.startswith("speeches.jsonl: 3 row(s) could not be imported")
    assert "row 1: a NUL character (\\u0000) in column 'text'" in message
    assert "row 2: a NUL character (\\u0000) in column 'speaker'" in message
    assert "row 3: a NUL character (\\u0000) in column 'bad\\u0000key'" in message
    assert "\x00" not in message
    # Nested values are kept as JSON text, where the character is written as an escape.
    (row,) = read_table("s.jsonl", json.dumps({"text": "Fine.", "nested": ["\u0000"]}).encode())
    assert row.metadata["nested"] == '["\\u0000"]'


def test_half_a_surrogate_pair_written_as_a_json_escape_refuses_its_row_by_name():
    # "\ud800" alone is valid JSON but no UTF-8 text: the database insert and the JSON Lines
    # export would fail on it. A whole pair ("\ud83d\ude00") is one character and comes in.
    lines = [
        '{"id": "a", "text": "bad \\ud800 text"}',
        '{"id": "b", "text": "Fine.", "title": "\\udc00"}',
        '{"id": "c", "text": "Fine.", "\\udfff": "x"}',
        '{"id": "d", "text": "Fine.", "nested": ["\\ud800"]}',
        '{"id": "e", "text": "A smile \\ud83d\\ude00."}',
    ]
    with pytest.raises(CorpusError) as caught:
        read_table("speeches.jsonl", "\n".join(lines).encode())
    message = str(caught.value)
    assert message.startswith("speeches.jsonl: 4 row(s) could not be imported")
    assert (
        "row 1: half of a UTF-16 surrogate pair (\\ud800-\\udfff) alone in column 'text'" in message
    )
    assert "row 2: half of a UTF-16 surrogate pair" in message and "column 'title'" in message
    assert "row 3: half of a UTF-16 surrogate pair" in message and "column '\\udfff'" in message
    assert "row 4: half of a UTF-16 surrogate pair" in message and "column 'nested'" in message
    message.encode("utf-8")  # the message itself can be shown
    (row,) = read_table("s.jsonl", lines[4].encode())
    assert row.text == "A smile \U0001f600."


def test_many_errors_are_summarised():
    data = "\n".join(json.dumps({"text": ""}) for _ in range(30)).encode()
    with pytest.raises(CorpusError) as caught:
        read_table("blank.jsonl", data)
    message = str(caught.value)
    assert message.count("\nrow ") == 20
    assert message.endswith("... and 10 more")


def test_jsonl_with_only_garbage():
    with pytest.raises(CorpusError, match=r"junk\.jsonl: no readable rows:\nrow 1"):
        read_table("junk.jsonl", b"this is not json\n")


def test_text_column_preferred_over_body():
    row = {"id": "x", "body": "UN Security Council", "text": "The speech itself."}
    (parsed,) = read_table("x.jsonl", json.dumps(row).encode())
    assert parsed.text == "The speech itself."
    assert parsed.metadata["body"] == "UN Security Council"


def test_parse_file_names_documents_by_id_or_row():
    data = b'{"id": "UNSC_1", "text": "A."}\n{"text": "B."}\n'
    documents = parse_file("speeches.jsonl", data)
    assert [d.filename for d in documents] == ["speeches.jsonl#UNSC_1", "speeches.jsonl#row2"]
    assert documents[0].extra == {"id": "UNSC_1"}
    assert documents[0].meta.title == "UNSC_1"


def test_english_record_row_speaker_delegation_and_language():
    row = {
        "id": "UNSC_2020_SPV.8716_spch014",
        "body": "UN Security Council",
        "original_language": "zh",
        "date": "2020-02-07",
        "record_symbol": "S/PV.8716",
        "record_type": "verbatim_record",
        "country": "China",
        "speaker": "Mr. Wu Haitao",
        "text": "Mr. Wu Haitao (China) (spoke in Chinese): I thank Under-Secretary-General "
        "Voronkov for his briefing. Terrorism is the common enemy of mankind.",
    }
    (document,) = parse_file("unsc.jsonl", json.dumps(row).encode())
    (passage,) = document.passages
    assert (passage.speaker, passage.delegation, passage.original_language) == (
        "Mr. Wu Haitao",
        "China",
        "zh",
    )
    assert passage.codable and passage.turn == 0 and passage.language == "en"
    assert document.meta.meeting_symbol == "S/PV.8716"
    assert document.meta.doc_type == "un_record"
    assert document.meta.date == "2020-02-07"
    assert document.meta.source == "UN Security Council"
    assert document.meta.title == "Mr. Wu Haitao (China), S/PV.8716, 2020-02-07"


def test_president_row_takes_the_country_column_as_delegation():
    row = {"speaker": "Mr. Dang", "country": "Viet Nam", "original_language": None}
    row["text"] = "The President: I now give the floor to the representative of Norway."
    (document,) = parse_file("unsc.jsonl", json.dumps(row).encode())
    (passage,) = document.passages
    assert (passage.speaker, passage.delegation) == ("The President", "Viet Nam")


def test_row_without_marker_uses_the_columns():
    row = {"speaker": "Mr. Sven Jürgenson", "country": "Estonia", "original_language": None}
    row["text"] = "I have the honour to refer to Security Council resolution 2519 (2020)."
    (document,) = parse_file("vtc.jsonl", json.dumps(row).encode())
    (passage,) = document.passages
    assert (passage.speaker, passage.delegation, passage.turn) == (
        "Mr. Sven Jürgenson",
        "Estonia",
        0,
    )


def test_switch_of_language_inside_a_single_paragraph_speech():
    row = {"speaker": "Mr. Arbeiter", "country": "Canada", "original_language": None}
    row["text"] = (
        "Mr. Arbeiter (Canada): I thank the President. (spoke in French) Nous remercions "
        "le Conseil. (spoke in English) In conclusion, Canada stands ready."
    )
    (document,) = parse_file("unsc.jsonl", json.dumps(row).encode())
    spans = [(p.text, p.original_language, p.codable) for p in document.passages]
    assert spans == [
        ("Mr. Arbeiter (Canada): I thank the President.", None, True),
        ("(spoke in French)", "fr", False),
        ("Nous remercions le Conseil.", "fr", True),
        ("(spoke in English)", "en", False),
        ("In conclusion, Canada stands ready.", "en", True),
    ]


@pytest.mark.skipif(not CORPUS_FILES, reason="the shared UN speeches corpus is not available")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda path: path.name)
def test_first_rows_of_every_corpus_file_import(path: Path):
    with path.open("rb") as handle:
        lines = list(islice(handle, 200))
    rows = [json.loads(line) for line in lines]
    documents = parse_file(path.name, b"".join(lines))
    assert len(documents) == len(rows)
    for row, document in zip(rows, documents, strict=True):
        assert document.filename == f"{path.name}#{row['id']}"
        assert document.extra["id"] == row["id"]
        codable = [p for p in document.passages if p.codable]
        assert codable, row["id"]
        for passage in document.passages:
            assert passage.text == document.text[passage.start : passage.end]
        first = codable[0]
        if row["country"]:
            assert first.delegation == row["country"], row["id"]
        assert first.original_language == row["original_language"], row["id"]
        assert document.meta.language == row["language"]
        if row["corpus"] != "xi_speeches_2020_zh":
            assert document.meta.doc_type == "un_record"


@pytest.mark.skipif(not CORPUS_FILES, reason="the shared UN speeches corpus is not available")
def test_corpus_chinese_paragraphs_and_newspaper_lines():
    path = CORPUS / "speeches_zh_xi_2020.jsonl"
    with path.open("rb") as handle:
        lines = list(islice(handle, 20))
    for line in lines:
        (document,) = parse_file(path.name, line)
        row = json.loads(line)
        # U+3000 runs mark paragraphs; each one becomes a passage of its own.
        assert document.text.count("\n\n") >= row["text"].count("\u3000\u3000")
        for passage in document.passages:
            if "人民日报" in passage.text and "版）" in passage.text:
                assert not passage.codable
            assert "\u3000\u3000" not in passage.text


def test_jsonl_read_a_line_at_a_time_reads_as_the_decoded_text_does():
    rows = [
        {"id": 1, "text": "中国反对一切形式的恐怖主义。", "speaker": "张军"},
        {"id": 2, "body": "ignored", "text": "Line one\nline two “quoted”"},
        {"id": 3, "content": "no text here", "extra": [1, 2]},
    ]
    plain = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8")
    # A byte-order mark, CRLF line ends and GB18030 all go through decode_bytes instead.
    for other in (
        b"\xef\xbb\xbf" + plain,
        plain.replace(b"\n", b"\r\n"),
        plain.decode("utf-8").encode("gb18030"),
    ):
        with pytest.raises(CorpusError) as first:
            read_table("t.jsonl", plain)
        with pytest.raises(CorpusError) as second:
            read_table("t.jsonl", other)
        assert "row 3: no text" in str(first.value)
        assert str(first.value) == str(second.value)
    good = plain.rsplit(b"\n", 1)[0]
    expected = read_table("t.jsonl", good)
    assert [r.text for r in expected] == [rows[0]["text"], rows[1]["text"]]
    assert expected[0].metadata == {"id": 1, "speaker": "张军"}
    for other in (good.replace(b"\n", b"\r\n"), good.decode("utf-8").encode("gb18030")):
        assert read_table("t.jsonl", other) == expected


def test_parse_file_yields_the_same_documents_as_a_list_and_an_iterator():
    from workbench.core.corpus.document import iter_file

    data = "\n".join(json.dumps({"text": f"Statement {n}. It ends here."}) for n in range(5))
    listed = parse_file("s.jsonl", data.encode("utf-8"))
    streamed = iter_file("s.jsonl", data.encode("utf-8"))
    assert next(streamed) == listed[0]  # the first document before the rest is parsed
    assert [listed[0], *streamed] == listed
