"""An export as the Export page asks for it: now, in a read of its own, or as a background job.

The request decides nothing by itself: ``in_background`` says whether the export is too large
to write while the browser waits (the caller then queues a job), and ``write_now`` writes it
from one snapshot in a session of its own, so a long export never holds SQLite's writer turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session

from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.models import Project
from workbench.unit_of_work import Database


@dataclass(frozen=True)
class ExportRequest:
    """What to export: the format, the scope and, for CSV only, one table."""

    fmt: str
    scope: ExportScope
    table: str | None = None
    # The interface language of whoever asks: the About sheet and the column dictionary are
    # written in it (a background job runs without a request to ask).
    language: str = "en"

    @classmethod
    def of(
        cls, fmt: str, scope: ExportScope, table: str | None, language: str = "en"
    ) -> ExportRequest:
        """The request as the form gives it: a table choice counts for CSV only."""
        return cls(fmt, scope, (table or None) if fmt == "csv" else None, language)


def in_background(
    session: Session, project: Project, wanted: ExportRequest, inline_rows: int
) -> bool:
    """Tell whether the export writes more rows than a request may wait for.

    A job is only started for a request that can succeed: an unknown CSV table is refused here,
    as it is when the export is written at once."""
    if exports.estimate(session, project, wanted.scope) <= inline_rows:
        return False
    if wanted.table:
        exports.check_table(session, project, wanted.scope, wanted.table)
    return True


def write_now(
    database: Database, project_id: int, wanted: ExportRequest, out: IO[bytes]
) -> exports.ExportResult:
    """Write the export to out, read from one snapshot in a session of its own."""
    with database.reading() as session:
        exports.snapshot(session)
        project = session.get(Project, project_id)
        assert project is not None
        return exports.write_export(
            session, project, wanted.scope, wanted.fmt, out, table=wanted.table
        )
