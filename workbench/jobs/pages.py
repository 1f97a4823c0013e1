"""What the Export page and a background job's page show, each read in one call."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.analysis import layers as analysis
from workbench.coding import assignments
from workbench.interchange import exports
from workbench.interchange.exchange_report import ExchangeReport
from workbench.jobs import export_jobs
from workbench.jobs import import_jobs
from workbench.jobs.files import FileStore
from workbench.jobs.files import StoredFile
from workbench.models import ExportJob
from workbench.models import Project
from workbench.models import User

# The tables a CSV export can hold alone, in the order the form offers them.
CSV_TABLES = (
    "passages", "annotations", "coded", "documents", "codebook", "stance_scale", "agreement",
    "methods", "disagreements", "frequencies", "cooccurrence", "about", "columns",
)  # fmt: skip


@dataclass(frozen=True)
class ExportPage:
    """The Export page: what the download form offers, the recent background jobs."""

    documents: list[tuple[int, str]]
    coders: list[User]
    codes: list[analysis.CodableCode]
    layers: list[tuple[str, str]]
    jobs: list[ExportJob]
    stale: set[int]
    tables: tuple[str, ...] = CSV_TABLES


def export_page(session: Session, project: Project, user: User, role: str) -> ExportPage:
    """Read the Export page for this user."""
    jobs = export_jobs.recent_jobs(session, project)
    return ExportPage(
        documents=assignments.document_choices(session, project, limit=None),
        coders=analysis.coders_in_project(session, project),
        codes=analysis.codable_codes(session, project),
        layers=analysis.visible_layers(session, project, user, role),
        jobs=jobs,
        stale={j.id for j in jobs if export_jobs.is_stale(j)},
    )


@dataclass(frozen=True)
class JobPage:
    """A background job, whether its runner stopped answering, and a project import's report."""

    job: ExportJob
    stale: bool
    report: ExchangeReport | None = None


def job_page(session: Session, project: Project, job_id: int) -> JobPage:
    """Read a job of the project for its page (or the fragment that polls it)."""
    job = export_jobs.get_job(session, project, job_id)
    return JobPage(job, export_jobs.is_stale(job), import_jobs.project_report(job))


@dataclass(frozen=True)
class JobFile:
    """A finished job's file (where it is kept), the name the browser saves it under, its type."""

    stored: StoredFile
    filename: str
    mimetype: str


def job_file(session: Session, store: FileStore, project: Project, job_id: int) -> JobFile:
    """The finished job's file (NotFound while it has none)."""
    job = export_jobs.get_job(session, project, job_id)
    stored = export_jobs.job_file(session, store, job)
    name = export_jobs.download_name(job, project)
    kind = name.rsplit(".", 1)[-1] if "." in name else "zip"
    return JobFile(stored, name, exports.MIME.get(kind, exports.MIME["zip"]))
