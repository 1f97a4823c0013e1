"""The import's parsing process: batches in order, parsing ahead of a slow store, failures told."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workbench.core.errors import ValidationError
from workbench.documents import importing
from workbench.documents.background_parse import AHEAD
from workbench.documents.background_parse import BackgroundParse


def _files(count: int, size: int) -> list[tuple[str, bytes]]:
    # Each document is larger than a pipe holds (64 KB), so only a reader can let the parser
    # run ahead.
    return [
        (f"d{n:02d}.txt", (f"Document {n} says " + "words and more words. " * size).encode())
        for n in range(count)
    ]


def test_the_parser_runs_ahead_of_a_store_that_is_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "SPOOL_DOCUMENTS", 1)  # a batch (and a message) per file
    parsed = tmp_path / "parsed"

    def note(_files: int) -> None:
        with parsed.open("a") as out:  # in the parsing process: told through a file
            out.write("x")

    files = _files(AHEAD + 4, 5_000)
    with BackgroundParse(files, mode="paragraph", max_file_bytes=1 << 24, progress=note) as parse:
        batches = parse.batches()
        first = next(batches)
        # The store holds the first batch and takes no more: the parser goes on regardless,
        # until AHEAD batches wait for the store (and one more is on its way).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = len(parsed.read_text()) if parsed.exists() else 0
            if done >= AHEAD + 1:
                break
            time.sleep(0.05)
        assert done >= AHEAD + 1
        rest = list(batches)
        parse.finish()
    names = [doc.filename for batch in [first, *rest] for doc in batch]
    assert names == [name for name, _data in files]
    assert parse.documents == len(files)
    assert [name for _hash, name in parse.names] == names


def test_every_problem_is_raised_after_the_last_batch() -> None:
    files = [*_files(2, 10), ("empty.txt", b""), ("blank.txt", b"   \n")]
    with BackgroundParse(files, mode="paragraph", max_file_bytes=1 << 24) as parse:
        list(parse.batches())
        with pytest.raises(ValidationError) as raised:
            parse.finish()
    details = "\n".join(raised.value.details)
    assert "empty.txt" in details and "blank.txt" in details


def test_closing_early_stops_the_parser() -> None:
    parse = BackgroundParse(_files(AHEAD + 6, 5_000), mode="paragraph", max_file_bytes=1 << 24)
    next(parse.batches())
    parse.close()  # the store failed: the parser is stopped, its thread and pipe let go
    assert not parse._process.is_alive()
    assert not parse._pump.is_alive()
