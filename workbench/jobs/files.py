"""Where a finished job's file is kept: in the database (the default) or in a shared directory.

Workers and app servers may sit on different machines, so a file is never left on the disk of
the worker that wrote it. By default it goes into ``export_file_chunk`` in pieces of CHUNK
bytes, written and read one piece at a time. When the deployment names an export directory that
every server mounts (WORKBENCH_EXPORT_DIR), the file goes there instead and the job row keeps
its path relative to that directory, so each server may mount it where it likes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.models import ExportFileChunk
from workbench.models import ExportJob
from workbench.unit_of_work import Database

CHUNK = 1024 * 1024
IN_DATABASE = "db:"  # the job's ``path`` when its file is kept in export_file_chunk
STORES = ("database", "directory")


@dataclass(frozen=True)
class FileStore:
    """Where finished files go: ``database`` or ``directory`` (then ``export_dir``)."""

    kind: str
    export_dir: str

    def __post_init__(self) -> None:
        if self.kind not in STORES:
            raise ValueError(
                _(
                    "JOB_FILES must be one of %(value)s, not %(kind)s.",
                    value=", ".join(STORES),
                    kind=repr(self.kind),
                )
            )


def keep(session: Session, store: FileStore, job: ExportJob, source: Path, relative: str) -> None:
    """Keep ``source`` as the job's file (moved into the directory or copied into the database)."""
    if store.kind == "directory":
        target = Path(store.export_dir) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(source, partial)  # the directory may be another file system
        partial.replace(target)  # a download never sees half a file
        job.path = relative
        return
    session.execute(delete(ExportFileChunk).where(ExportFileChunk.job_id == job.id))
    with open(source, "rb") as handle:
        seq = 0
        while piece := handle.read(CHUNK):
            chunk = ExportFileChunk(job_id=job.id, seq=seq, data=piece)
            session.add(chunk)
            session.flush()
            session.expunge(chunk)  # one piece in memory at a time
            seq += 1
    job.path = IN_DATABASE


@dataclass(frozen=True)
class StoredFile:
    """A finished file: on disk (``path``) or in the database (``job_id``), and its size."""

    job_id: int
    path: Path | None
    size: int


def locate(session: Session, store: FileStore, job: ExportJob) -> StoredFile:
    """The finished job's file, or NotFound while it has none."""
    missing = NotFound(_("This export has no file (not finished, failed, or deleted)."))
    if job.status != "done" or not job.path:
        raise missing
    if job.path == IN_DATABASE:
        size = session.scalar(
            select(func.sum(func.length(ExportFileChunk.data))).where(
                ExportFileChunk.job_id == job.id
            )
        )
        if size is None:
            raise missing
        return StoredFile(job.id, None, int(size))
    path = _on_disk(store, job.path)
    if not path.is_file():
        raise missing
    return StoredFile(job.id, path, path.stat().st_size)


def _on_disk(store: FileStore, stored: str) -> Path:
    path = Path(stored)
    # Rows written before files moved to a shared place hold absolute paths.
    return path if path.is_absolute() else Path(store.export_dir) / path


class FileGone(RuntimeError):
    """A file kept in the database lost its pieces while it was being sent (pruned meanwhile)."""


def stream(database: Database, found: StoredFile) -> Iterator[bytes]:
    """The file's bytes, piece by piece, each read in a short transaction of its own.

    A file kept in the database may be pruned between two pieces (newer jobs finished): the
    stream then raises FileGone rather than end early as if the file were whole, so the server
    drops the connection and the download is seen to fail."""
    if found.path is not None:
        with open(found.path, "rb") as handle:
            while piece := handle.read(CHUNK):
                yield piece
        return
    seq, sent = 0, 0
    while sent < found.size:
        with database.reading() as session:
            stored = session.scalar(
                select(ExportFileChunk.data).where(
                    ExportFileChunk.job_id == found.job_id, ExportFileChunk.seq == seq
                )
            )
        if stored is None:
            raise FileGone(
                f"job {found.job_id}: piece {seq} is gone after {sent} of {found.size} bytes"
            )
        sent += len(stored)
        yield bytes(stored)
        seq += 1


def discard(session: Session, store: FileStore, job: ExportJob) -> None:
    """Delete the job's file wherever it is kept."""
    if job.path == IN_DATABASE:
        session.execute(delete(ExportFileChunk).where(ExportFileChunk.job_id == job.id))
    elif job.path:
        path = _on_disk(store, job.path)
        root = Path(store.export_dir).resolve()
        if path.is_file() and root in path.resolve().parents:
            path.unlink()
    job.path = None


def keep_inputs(session: Session, job: ExportJob, uploads: list[tuple[str, bytes]]) -> None:
    """Keep a job's input files in the database, in pieces, for a worker on any machine."""
    listed: list[dict[str, object]] = []
    seq = 0
    for name, data in uploads:
        first = seq
        for start in range(0, len(data), CHUNK):
            chunk = ExportFileChunk(job_id=job.id, seq=seq, data=data[start : start + CHUNK])
            session.add(chunk)
            session.flush()
            session.expunge(chunk)
            seq += 1
        listed.append({"name": name, "first": first, "count": seq - first, "size": len(data)})
    job.options = {**(job.options or {}), "inputs": listed}


def read_inputs(session: Session, job: ExportJob) -> list[tuple[str, bytes]]:
    """The job's input files, as ``keep_inputs`` kept them."""
    found: list[tuple[str, bytes]] = []
    for item in (job.options or {}).get("inputs") or []:
        first, count = int(item["first"]), int(item["count"])
        pieces = session.scalars(
            select(ExportFileChunk.data)
            .where(
                ExportFileChunk.job_id == job.id,
                ExportFileChunk.seq >= first,
                ExportFileChunk.seq < first + count,
            )
            .order_by(ExportFileChunk.seq)
        ).all()
        found.append((str(item["name"]), b"".join(bytes(p) for p in pieces)))
    return found


def drop_inputs(session: Session, job: ExportJob) -> None:
    """Delete the job's input files once they have been used (or the job has failed)."""
    session.execute(delete(ExportFileChunk).where(ExportFileChunk.job_id == job.id))
