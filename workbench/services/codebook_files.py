"""Codebook files: Excel and REFI-QDA exchange, in and out, through the pure converters."""

from __future__ import annotations

import io

from sqlalchemy.orm import Session

from workbench.exporting import codebook_csv, codebook_xlsx, qdc
from workbench.models import CodebookVersion, Project, User
from workbench.services import codebooks
from workbench.services.errors import ValidationError

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
                "The codebook has no codes yet, and a REFI-QDA .qdc file must hold at least "
                "one (Codebook.xsd); add codes first, or export it as xlsx."
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
    raise ValidationError(f"Unknown codebook format '{fmt}': use {', '.join(FORMATS)}.")


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
            raise ValidationError(f"{filename}: use an .xlsx, .qdc or .qdpx file.")
    except (codebook_xlsx.CodebookImportError, qdc.ExchangeError) as exc:
        details = [str(p) for p in getattr(exc, "problems", [])]
        raise ValidationError(f"{filename}: the codebook was not imported. {exc}", details) from exc
    # Keep the project's stance scale unless the file brings one of its own.
    if not lower.endswith(".xlsx"):
        spec = type(spec)(codes=spec.codes, stance_scale=codebooks.stance_scale(project))
    version = codebooks.install_spec(
        session, project, spec, user=user, note=f"Imported from {filename}"
    )
    return version, warnings
