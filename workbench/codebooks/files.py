"""Codebook files: Excel and REFI-QDA exchange, in and out, through the pure converters."""

from __future__ import annotations

import io
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.core.codebook import CodeChange
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.formats import codebook_csv
from workbench.formats import codebook_xlsx
from workbench.formats import qdc
from workbench.models import CodebookVersion
from workbench.models import Project
from workbench.models import User

FORMATS = ("xlsx", "qdc", "taguette-csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_codebook(session: Session, project: Project, fmt: str) -> tuple[bytes, str, str]:
    """Return the codebook file's bytes, MIME type and download name."""
    spec = codebooks.to_spec(session, project)
    version = codebooks.current_version(session, project)
    if fmt == "xlsx":
        buf = io.BytesIO()
        codebook_xlsx.codebook_to_xlsx(spec, buf, version_label=f"v{version}")
        return buf.getvalue(), XLSX, f"{project.slug}-codebook-v{version}.xlsx"
    if fmt == "qdc":
        if not spec.codes:
            raise ValidationError(
                _(
                    "The codebook has no codes yet, and a REFI-QDA .qdc file must hold at least "
                    "one (Codebook.xsd); add codes first, or export it as xlsx."
                )
            )
        return (
            qdc.codebook_to_qdc(spec),
            "application/xml",
            f"{project.slug}-codebook-v{version}.qdc",
        )
    if fmt == "taguette-csv":
        return (
            codebook_csv.codebook_to_taguette_csv(spec),
            "text/csv; charset=utf-8",
            f"{project.slug}-codebook-v{version}-taguette.csv",
        )
    raise ValidationError(
        _(
            "Unknown codebook format '%(fmt)s': use %(formats)s.",
            fmt=fmt,
            formats=", ".join(FORMATS),
        )
    )


def import_codebook_file(
    session: Session, project: Project, filename: str, data: bytes, *, user: User | None
) -> tuple[CodebookVersion, list[str]]:
    """Import a codebook from .xlsx, .qdc or a .qdpx project; merged in by code key."""
    lower = filename.lower()
    warnings: list[str] = []
    try:
        if lower.endswith(".xlsx"):
            spec = codebook_xlsx.xlsx_to_codebook(data, filename)
        elif lower.endswith((".qdc", ".qde", ".qdpx")):
            spec, warnings = qdc.qdc_to_codebook(data, filename)
        else:
            raise ValidationError(_("%(file)s: use an .xlsx, .qdc or .qdpx file.", file=filename))
    except (codebook_xlsx.CodebookImportError, qdc.ExchangeError) as exc:
        details = [str(p) for p in getattr(exc, "problems", [])]
        raise ValidationError(
            _("%(file)s: the codebook was not imported. %(why)s", file=filename, why=exc), details
        ) from exc
    # Keep the project's stance scale unless the file brings one of its own.
    if not lower.endswith(".xlsx"):
        spec = type(spec)(codes=spec.codes, stance_scale=codebooks.stance_scale(project))
    version = codebooks.install_spec(
        session, project, spec, user=user, note=_("Imported from %(file)s", file=filename)
    )
    return version, warnings


class LeavesOut:
    """An import's report that lists, in ``dropped``, each item of the file not brought in."""

    dropped: list[str]

    @property
    def complete(self) -> bool:
        """True when nothing in the file was left out."""
        return not self.dropped


@dataclass
class CodebookImportReport(LeavesOut):
    """What a codebook import does: the version it makes, each change, note and item left out."""

    filename: str
    version: int
    changes: list[str]
    added: int
    changed: int
    warnings: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    applied: bool = False

    def summary(self) -> str:
        """One sentence: what the import made (or would make)."""
        counts = {
            "file": self.filename,
            "version": self.version,
            "added": ngettext("%(num)s code added", "%(num)s codes added", self.added),
            "changed": ngettext("%(num)s changed", "%(num)s changed", self.changed),
            "left": ngettext(
                "%(num)s item not brought in", "%(num)s items not brought in", len(self.dropped)
            ),
        }
        if self.applied:
            if self.dropped:
                return _(
                    "Imported %(file)s as codebook version %(version)s: %(added)s, "
                    "%(changed)s; %(left)s.",
                    **counts,
                )
            return _(
                "Imported %(file)s as codebook version %(version)s: %(added)s, %(changed)s.",
                **counts,
            )
        if self.dropped:
            return _(
                "Would import %(file)s as codebook version %(version)s: %(added)s, "
                "%(changed)s; %(left)s.",
                **counts,
            )
        return _(
            "Would import %(file)s as codebook version %(version)s: %(added)s, %(changed)s.",
            **counts,
        )


def codebook_import_report(
    session: Session, project: Project, filename: str, data: bytes, *, user: User | None
) -> CodebookImportReport:
    """Run a codebook import in the session and report it; the caller commits or rolls back."""
    version, warnings = import_codebook_file(session, project, filename, data, user=user)
    changes = [CodeChange(**{**c, "fields": tuple(c.get("fields", ()))}) for c in version.changes]
    changed = {c.key for c in changes if c.kind in ("renamed", "moved", "edited")}
    dropped = [str(w) for w in warnings if isinstance(w, qdc.Dropped)]
    if filename.lower().endswith((".qde", ".qdpx")):
        # A project file carries documents and codings too; this import takes only its codebook.
        dropped.append(
            _(
                "%(file)s is a whole project: its documents, codings and memos are not imported "
                "here, only its codebook (import the whole project on the Exports page)",
                file=filename,
            )
        )
    return CodebookImportReport(
        filename=filename,
        version=version.number,
        changes=[c.describe() for c in changes],
        added=sum(c.kind == "added" for c in changes),
        changed=len(changed),
        warnings=[w for w in warnings if not isinstance(w, qdc.Dropped)],
        dropped=dropped,
    )


def apply_codebook_import(
    session: Session,
    project: Project,
    filename: str,
    data: bytes,
    *,
    user: User | None,
    allow_partial: bool,
) -> CodebookImportReport:
    """Run a checked codebook import; it counts as applied when complete or partial is allowed.

    The caller keeps the session's writes only for an applied report."""
    report = codebook_import_report(session, project, filename, data, user=user)
    report.applied = report.complete or allow_partial
    return report
