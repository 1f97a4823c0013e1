"""Project exchange: what comes in through ``import-project``, and the .qdpx export.

Dispatches by the kind ``formats.detect`` finds: a .qdpx/.qde project (``qdpx_import``), a
codebook alone, .qdc or a codebook workbook (``codebook_files``), or any other workbook, read
as one the workbench exported (merged here: codebook, documents, codings, coded states,
consensus). The .qdpx export is ``qdpx_export``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from workbench.codebooks import files as codebook_files
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats.detect import Kind
from workbench.formats.detect import detect
from workbench.formats.detect import suffix
from workbench.formats.qdpx_read import read_project
from workbench.formats.xmlsafe import ExchangeError
from workbench.interchange import qdpx_import
from workbench.interchange import workbook_import
from workbench.interchange.exchange_report import ExchangeReport
from workbench.interchange.import_report import ImportOptions
from workbench.interchange.import_report import ImportReport
from workbench.interchange.import_report import Upload
from workbench.interchange.qdpx_export import export_qdpx
from workbench.models import Project
from workbench.models import User

__all__ = ["ExchangeReport", "export_qdpx", "import_project_file"]


# --------------------------------------------------------------------------- import


def import_project_file(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    data: bytes,
    *,
    create_coders: bool = False,
    mode: str = "paragraph",
) -> ExchangeReport:
    """Import a .qdpx/.qde project, a codebook (.qdc or Excel), or a workbench export."""
    kind = detect(filename, data)
    if kind in (Kind.QDC, Kind.CODEBOOK):
        # A codebook alone, REFI-QDA or Excel: the codebook import, as on the Codebook page.
        version, warnings = codebook_files.import_codebook_file(
            session, project, filename, data, user=user
        )
        return ExchangeReport(filename, codebook_version=version.number, warnings=warnings)
    if suffix(filename) == ".xlsx":
        # Any other workbook is read as one the workbench exported; every row that can come in
        # is applied, each one that cannot is listed, and the caller keeps all or rolls back.
        options = ImportOptions(allow_partial=True, create_coders=create_coders)
        report = workbook_import.import_export(
            session, project, user, Upload(filename, data, options)
        )
        return _as_exchange(filename, report)
    if kind not in (Kind.QDPX, Kind.QDE):
        raise ValidationError(
            _(
                "%(filename)s: import a .qdpx or .qde project, a .qdc codebook or an .xlsx export.",
                filename=filename,
            )
        )
    try:
        found = read_project(data, filename)
    except ExchangeError as exc:
        raise ValidationError(_("Nothing was imported. %(exc)s", exc=exc)) from None
    return qdpx_import.import_refi(session, project, user, filename, found, create_coders, mode)


# --------------------------------------------------------------------------- our workbooks


def _as_exchange(filename: str, found: ImportReport) -> ExchangeReport:
    """A workbook import's report as the project import reports."""
    return ExchangeReport(
        filename,
        documents_added=found.documents_added,
        documents_known=found.documents_known,
        codebook_version=found.codebook_version,
        codings=found.codings_set,
        passages_done=found.passages_done,
        created_coders=list(found.created_coders),
        warnings=list(found.warnings),
        dropped=[str(p) for p in found.problems],
    )
