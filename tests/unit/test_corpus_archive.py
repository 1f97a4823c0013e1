"""Zip uploads: safe member names, size limits against zip bombs, damaged archives, nesting."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from workbench.core.corpus import CorpusError
from workbench.core.corpus import iter_archive
from workbench.core.corpus import parse_file

LIMITS = {"max_member_bytes": 1_000_000, "max_total_bytes": 3_000_000}


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def test_members_are_yielded_and_junk_is_skipped():
    data = _zip(
        {
            "speeches/": b"",
            "speeches/a.txt": b"China opposes terrorism.",
            "__MACOSX/speeches/._a.txt": b"\x00\x05\x16\x07",
            "speeches/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "speeches/b.txt": "中国反对恐怖主义。".encode(),
        }
    )
    members = list(iter_archive("batch.zip", data, **LIMITS))
    assert [name for name, _ in members] == ["speeches/a.txt", "speeches/b.txt"]


@pytest.mark.parametrize("name", ["../evil.txt", "docs/../../evil.txt", "/etc/passwd", "C:/x.txt"])
def test_paths_outside_the_archive_are_rejected(name: str):
    data = _zip({"fine.txt": b"ok", name: b"gotcha"})
    with pytest.raises(CorpusError, match=r"batch\.zip: entry .* points outside the archive"):
        list(iter_archive("batch.zip", data, **LIMITS))


def test_unsafe_archive_yields_nothing_at_all():
    data = _zip({"fine.txt": b"ok", "../evil.txt": b"gotcha"})
    members = iter_archive("batch.zip", data, **LIMITS)
    with pytest.raises(CorpusError, match=r"\.\./evil\.txt"):
        next(members)


def test_zip_bomb_over_the_member_limit_is_rejected():
    bomb = _zip({"bomb.txt": b"\x00" * 5_000_000})
    assert len(bomb) < 20_000  # highly compressible: tiny on disk, huge unpacked
    with pytest.raises(CorpusError, match=r"bomb\.zip: entry bomb\.txt is 5,000,000 bytes"):
        list(iter_archive("bomb.zip", bomb, **LIMITS))


def test_many_members_over_the_total_limit_are_rejected():
    members = {f"part{i}.txt": b"a" * 900_000 for i in range(5)}
    with pytest.raises(CorpusError, match=r"many\.zip: unpacks to more than the 3,000,000-byte"):
        list(iter_archive("many.zip", _zip(members), **LIMITS))


def _lie_about_size(data: bytes, size: int) -> bytes:
    # Rewrite the uncompressed size in the local header (offset 22) and the central directory
    # (offset 24), as a crafted zip bomb would.
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    struct.pack_into("<I", patched, local + 22, size)
    central = patched.find(b"PK\x01\x02")
    struct.pack_into("<I", patched, central + 24, size)
    return bytes(patched)


def test_member_lying_about_its_size_is_rejected():
    bomb = _lie_about_size(_zip({"small.txt": b"\x00" * 3_000_000}), 100)
    with pytest.raises(CorpusError, match=r"liar\.zip: entry small\.txt"):
        list(iter_archive("liar.zip", bomb, **LIMITS))


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04" + b"\x00" * 40, b"not a zip", b""], ids=["header", "text", "empty"]
)
def test_corrupt_archives_are_rejected(data: bytes):
    with pytest.raises(CorpusError, match=r"broken\.zip"):
        list(iter_archive("broken.zip", data, **LIMITS))


def test_truncated_member_is_rejected():
    data = _zip({"a.txt": b"China opposes terrorism. " * 2000})
    damaged = bytearray(data)
    damaged[60:200] = b"\xff" * 140  # corrupt the deflate stream, keep the directory
    with pytest.raises(CorpusError, match=r"broken\.zip: entry a\.txt is damaged"):
        list(iter_archive("broken.zip", bytes(damaged), **LIMITS))


def test_parse_file_reads_documents_tables_and_nested_archives():
    inner = _zip({"deep.txt": b"The Council must act."})
    table = b'{"id": "r1", "text": "First row speech."}\n{"id": "r2", "text": "Second."}\n'
    data = _zip({"a.txt": b"China opposes terrorism.", "rows.jsonl": table, "more.zip": inner})
    documents = parse_file("upload.zip", data)
    assert [d.filename for d in documents] == [
        "upload.zip/a.txt",
        "upload.zip/rows.jsonl#r1",
        "upload.zip/rows.jsonl#r2",
        "upload.zip/more.zip/deep.txt",
    ]


def test_parse_file_lists_every_bad_member():
    data = _zip({"good.txt": b"Fine.", "photo.png": b"\x89PNG....", "empty.txt": b""})
    with pytest.raises(CorpusError) as caught:
        parse_file("upload.zip", data)
    message = str(caught.value)
    assert message.startswith("upload.zip: 2 file(s) could not be imported")
    assert "upload.zip/photo.png" in message and "upload.zip/empty.txt" in message


def test_parse_file_applies_its_limits():
    data = _zip({"big.txt": b"word " * 300_000})
    with pytest.raises(CorpusError, match=r"over the 1,000-byte limit"):
        parse_file("upload.zip", data, max_member_bytes=1_000)


def test_empty_archive_is_an_error():
    with pytest.raises(CorpusError, match=r"upload\.zip: the archive contains no documents"):
        parse_file("upload.zip", _zip({"folder/": b"", "__MACOSX/x": b"y"}))
