"""Safe reading of .zip uploads and zip-based documents (.docx): no path traversal, no zip bombs.

A zip bomb is refused before anything is inflated, from the sizes the archive declares (per
member, in total, and the compression ratio), and again while inflating, since a header can lie.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator

from workbench.core.corpus.types import CorpusError
from workbench.core.i18n import _

_CHUNK = 1 << 16
# Text and office XML compress 5-30 times; only bombs reach hundreds to one. A small member may
# compress further (a run of spaces), so the ratio applies from MIN_RATIO_BYTES unpacked.
MAX_RATIO = 200
MIN_RATIO_BYTES = 1_000_000
MAX_MEMBERS = 10_000
_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
# What zipfile raises on damaged input: its own error, decompression and struct errors, and
# NotImplementedError (a RuntimeError) when a mangled header claims "zip file version 6.8".
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,
    ValueError,
    struct.error,
)


def iter_archive(
    filename: str, data: bytes, *, max_member_bytes: int, max_total_bytes: int
) -> Iterator[tuple[str, bytes]]:
    """Yield (member path, bytes) for each file in a zip, rejecting unsafe or oversized entries."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _DAMAGED as exc:
        raise CorpusError(
            _("%(filename)s: not a readable zip archive (%(exc)s)", filename=filename, exc=exc)
        ) from exc
    total = 0
    with archive:
        members = archive.infolist()
        for info in members:
            _check_name(filename, info.filename)
        check_declared_sizes(
            filename,
            [i for i in members if not (i.is_dir() or _is_junk(i.filename))],
            max_member_bytes=max_member_bytes,
            max_total_bytes=max_total_bytes,
        )
        for info in members:
            if info.is_dir() or _is_junk(info.filename):
                continue
            content = _read_member(filename, archive, info, max_member_bytes)
            total += len(content)
            if total > max_total_bytes:
                raise CorpusError(
                    _(
                        "%(filename)s: unpacks to more than the %(max_total_bytes)s-byte limit "
                        "(at entry %(filename2)s)",
                        filename=filename,
                        max_total_bytes=format(max_total_bytes, ","),
                        filename2=info.filename,
                    )
                )
            yield info.filename.replace("\\", "/"), content


def check_declared_sizes(
    filename: str,
    members: list[zipfile.ZipInfo],
    *,
    max_member_bytes: int,
    max_total_bytes: int,
    kind: str = "archive",
) -> None:
    """Refuse a zip whose declared sizes or compression ratio mark a bomb, inflating nothing."""
    if len(members) > MAX_MEMBERS:
        raise CorpusError(
            _(
                "%(filename)s: the %(kind)s holds %(n_members)s files; too many",
                filename=filename,
                kind=kind,
                n_members=format(len(members), ","),
            )
        )
    declared = 0
    for info in members:
        if info.file_size > max_member_bytes:
            raise CorpusError(
                _(
                    "%(filename)s: entry %(filename2)s is %(file_size)s bytes unpacked, "
                    "over the %(max_member_bytes)s-byte limit per file",
                    filename=filename,
                    filename2=info.filename,
                    file_size=format(info.file_size, ","),
                    max_member_bytes=format(max_member_bytes, ","),
                )
            )
        declared += info.file_size
        if declared > max_total_bytes:
            raise CorpusError(
                _(
                    "%(filename)s: unpacks to more than the %(max_total_bytes)s-byte limit "
                    "(at entry %(filename2)s)",
                    filename=filename,
                    max_total_bytes=format(max_total_bytes, ","),
                    filename2=info.filename,
                )
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= MIN_RATIO_BYTES and ratio > MAX_RATIO:
            raise CorpusError(
                _(
                    "%(filename)s: entry %(filename2)s is compressed %(ratio)s to 1 "
                    "(%(compress_size)s bytes unpacking to %(file_size)s), as only zip "
                    "bombs are; the %(kind)s was refused",
                    filename=filename,
                    filename2=info.filename,
                    ratio=format(ratio, ",.0f"),
                    compress_size=format(info.compress_size, ","),
                    file_size=format(info.file_size, ","),
                    kind=kind,
                )
            )


def open_zip_document(
    filename: str, data: bytes, *, kind: str, max_member_bytes: int, max_total_bytes: int
) -> zipfile.ZipFile:
    """Open a zip-based document (.docx) after the bomb checks; members inflate within limits.

    zipfile stops every member at its declared size (and checks its CRC), so once the declared
    sizes pass, reading the parts cannot inflate past them.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _DAMAGED as exc:
        raise CorpusError(
            _(
                "%(filename)s: not a readable %(kind)s (%(exc)s)",
                filename=filename,
                kind=kind,
                exc=exc,
            )
        ) from exc
    check_declared_sizes(
        filename,
        members,
        max_member_bytes=max_member_bytes,
        max_total_bytes=max_total_bytes,
        kind=kind,
    )
    return archive


def _check_name(filename: str, name: str) -> None:
    path = name.replace("\\", "/")
    parts = path.split("/")
    if (
        path.startswith("/")
        or (len(path) > 1 and path[1] == ":")
        or ".." in parts
        or "\x00" in path
    ):
        raise CorpusError(
            _(
                "%(filename)s: entry %(name)s points outside the archive (absolute "
                "path or '..'); the archive was rejected",
                filename=filename,
                name=name,
            )
        )


def _is_junk(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    if "__MACOSX" in parts:
        return True
    base = parts[-1]
    # Hidden files (".DS_Store", "._report.txt" AppleDouble forks, ".gitkeep") are never documents.
    return base.lower() in _JUNK_NAMES or base.startswith(".")


def _read_member(
    filename: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int
) -> bytes:
    # Sizes in the header can lie; count what actually comes out and stop at the limit.
    if info.flag_bits & 0x1:
        raise CorpusError(
            _(
                "%(filename)s: entry %(filename2)s is password-protected",
                filename=filename,
                filename2=info.filename,
            )
        )
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise CorpusError(
                        _(
                            "%(filename)s: entry %(filename2)s unpacks to more than the "
                            "%(limit)s-byte limit per file",
                            filename=filename,
                            filename2=info.filename,
                            limit=format(limit, ","),
                        )
                    )
                chunks.append(chunk)
    except CorpusError:
        raise
    except _DAMAGED as exc:
        raise CorpusError(
            _(
                "%(filename)s: entry %(filename2)s is damaged (%(exc)s)",
                filename=filename,
                filename2=info.filename,
                exc=exc,
            )
        ) from exc
    return b"".join(chunks)
