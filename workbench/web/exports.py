"""The Export page (leads), background export jobs and imports of coded data and projects.

The download form posts (a GET link downloads small exports too): the export itself reads in a
session of its own, so a long export never holds SQLite's writer lock. An export above
EXPORT_INLINE_ROWS rows becomes a background job (see jobs.export_jobs and jobs.queue),
started by POST only, capped per person and per project, and a repeated request returns the
running job; its page polls its progress every second. The job runs on a queue worker, which
may be on another machine, and its file is sent from where every server can read it (the
database or a shared folder, jobs.files), so any server can show and send any job.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import quote

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request
from flask import send_file
from werkzeug.wrappers import Response as WerkzeugResponse

from workbench.core.corpus.types import SEGMENT_MODES
from workbench.core.errors import Conflict
from workbench.core.i18n import _
from workbench.interchange import coding_import
from workbench.interchange import downloads
from workbench.interchange import exports
from workbench.interchange import pages as interchange_pages
from workbench.interchange import pending_imports
from workbench.interchange import workbook_import
from workbench.interchange.downloads import ExportRequest
from workbench.interchange.exchange_report import ExchangeReport
from workbench.interchange.import_report import ImportReport
from workbench.jobs import export_jobs
from workbench.jobs import files as job_files
from workbench.jobs import import_jobs
from workbench.jobs import pages as job_pages
from workbench.models import ExportJob
from workbench.models import Project
from workbench.web import jobs
from workbench.web.access import current_project
from workbench.web.access import lead_only
from workbench.web.access import me
from workbench.web.htmx import is_htmx
from workbench.web.locale import current_language
from workbench.web.parsers import arg_int
from workbench.web.parsers import choice
from workbench.web.parsers import flag
from workbench.web.parsers import upload
from workbench.web.routes import action
from workbench.web.routes import lead_action
from workbench.web.routes import lead_route
from workbench.web.routes import route
from workbench.web.unit import database
from workbench.web.unit import db
from workbench.web.unit import discard

bp = Blueprint("exports", __name__)
INLINE_ROWS = 50_000


def _flag(name: str) -> bool:
    return flag(request.values.get(name))


# --------------------------------------------------------------------------- export page


@route(bp, "/p/<slug>/export")
def index(slug: str) -> str:
    """The Export page: download forms, background jobs, coding sheets, imports."""
    project, role = current_project(slug)
    lead_only(role)
    page = job_pages.export_page(db(), project, me(), role)
    return render_template("exports/index.html", project=project, role=role, page=page)


@lead_route(bp, "/p/<slug>/export/download", methods=["GET", "POST"])
def download(project: Project) -> WerkzeugResponse:
    """Download an export now; a large one becomes a background job, started by POST only."""
    values = request.values
    fmt = choice(values.get("format"), "format", exports.FORMATS, "xlsx")
    wanted = ExportRequest.of(
        fmt, exports.scope_from_form(values), values.get("table"), current_language()
    )
    limit = int(current_app.config.get("EXPORT_INLINE_ROWS", INLINE_ROWS))
    if downloads.in_background(db(), project, wanted, limit):
        if request.method != "POST":
            # A GET never starts work: links and prefetchers must not launch exports.
            raise Conflict(
                _(
                    "This export is large and runs in the background: start it with the "
                    "form on the Export page."
                )
            )
        return _start_job(project, wanted)
    # send_file closes the buffer once the response has been sent.
    buffer = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    result = downloads.write_now(database(), project.id, wanted, buffer)
    buffer.seek(0)
    return send_file(
        buffer, mimetype=result.mimetype, as_attachment=True, download_name=result.filename
    )


def _start_job(project: Project, wanted: ExportRequest) -> WerkzeugResponse:
    return jobs.start(
        project,
        lambda session, per_user, per_project: export_jobs.start_or_reuse(
            session, project, me(), wanted, per_user=per_user, per_project=per_project
        ),
    )


@route(bp, "/p/<slug>/export/jobs/<int:job_id>")
def job(slug: str, job_id: int) -> str:
    """A background job's progress (the fragment polls itself until the job ends)."""
    project, role = current_project(slug)
    lead_only(role)
    page = job_pages.job_page(db(), project, job_id)
    template = "exports/_job.html" if is_htmx() else "exports/job.html"
    return render_template(
        template, project=project, role=role, job=page.job, stale=page.stale, report=page.report
    )


@lead_route(bp, "/p/<slug>/export/jobs/<int:job_id>/file")
def job_file(project: Project, job_id: int) -> WerkzeugResponse:
    """The finished job's file."""
    found = job_pages.job_file(db(), jobs.file_store(), project, job_id)
    stored = found.stored
    if stored.path is not None:
        return send_file(
            stored.path, mimetype=found.mimetype, as_attachment=True, download_name=found.filename
        )
    # Kept in the database: sent piece by piece, never whole in this worker's memory.
    ascii_name = found.filename.encode("ascii", "replace").decode().replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.filename)}"
    return Response(
        job_files.stream(database(), stored),
        mimetype=found.mimetype,
        headers={"Content-Disposition": disposition, "Content-Length": str(stored.size)},
    )


# --------------------------------------------------------------------------- coding sheets


@route(bp, "/p/<slug>/export/coding-sheet")
def coding_sheet(slug: str) -> WerkzeugResponse:
    """A coder's offline coding sheet (leads: any coder's; coders: their own)."""
    project, role = current_project(slug)
    sheet = interchange_pages.coding_sheet_file(db(), project, me(), role, arg_int("coder"))
    return send_file(
        io.BytesIO(sheet.data),
        mimetype=sheet.mimetype,
        as_attachment=True,
        download_name=sheet.filename,
    )


def _report(report: ImportReport) -> Response:
    """The import's report; what was not applied is dropped from the unit of work."""
    if not report.applied:
        discard()  # nothing of a refused import is kept
    html = render_template("exports/_import_report.html", report=report)
    return Response(html, status=200 if report.applied else 422, mimetype="text/html")


@action(bp, "/p/<slug>/import/coding-sheet")
def import_coding_sheet(slug: str) -> Response:
    """Validate and (if valid, or asked to) apply an offline coding sheet."""
    project, role = current_project(slug)
    apply_valid, memo_limit = _flag("apply_valid"), _memo_limit()
    report = coding_import.import_coding_sheet(
        db(), project, me(), role, *upload(), apply_valid=apply_valid, memo_limit=memo_limit
    )
    return _report(report)


@lead_action(bp, "/p/<slug>/import/codings")
def import_codings(project: Project) -> Response:
    """Validate and (if valid, or asked to) apply a legacy table of codings."""
    filename, data = upload()
    allow_partial, create_coders = _flag("apply_valid"), _flag("create_coders")
    return _report(
        workbook_import.import_codings_file(
            db(),
            project,
            me(),
            filename,
            data,
            allow_partial=allow_partial,
            create_coders=create_coders,
            memo_limit=_memo_limit(),
        )
    )


def _exchange_report(
    report: ExchangeReport, project: Project, status: int, **form: object
) -> Response:
    html = render_template("exports/_exchange_report.html", report=report, project=project, **form)
    return Response(html, status=status, mimetype="text/html")


@dataclass(frozen=True)
class _ProjectStep:
    """What a project import's preview or apply did: a report, or a job queued to make one."""

    project: Project
    report: ExchangeReport | None = None
    form: Mapping[str, object] = field(default_factory=dict)
    job: ExportJob | None = None
    created: bool = False


def _project_step(step: _ProjectStep) -> str | Response | WerkzeugResponse:
    if step.job is not None:  # committed: the worker may read the job now
        return jobs.queued(step.project, step.job, step.created)
    assert step.report is not None
    status = 200 if step.report.applied or step.form.get("token") else 422
    return _exchange_report(step.report, step.project, status, **step.form)


def _large(size: int) -> bool:
    """Whether a project file is imported by a queue worker rather than in the request."""
    return size > int(current_app.config["IMPORT_INLINE_BYTES"])


@lead_action(bp, "/p/<slug>/import/project", then=_project_step)
def import_project(project: Project) -> _ProjectStep:
    """Preview a .qdpx/.qde project, .qdc codebook or workbook import: the report, nothing kept."""
    filename, data = upload()
    mode, create_coders = _segmentation(), _flag("create_coders")
    if _large(len(data)):
        job, created = import_jobs.start_project_preview(
            db(), project, me(), filename, data, create_coders=create_coders, mode=mode,
            language=current_language(), **jobs.caps(),
        )  # fmt: skip
        return _ProjectStep(project, job=job, created=created)
    # A preview: its trial import is undone; the upload kept for the apply is committed.
    found = interchange_pages.preview_project_import(
        db(), project, me(), filename, data, create_coders=create_coders, mode=mode
    )
    form = {"token": found.token, "create_coders": create_coders, "segmentation": mode}
    return _ProjectStep(project, found.report, form)


@lead_action(bp, "/p/<slug>/import/project/apply", then=_project_step)
def apply_project_import(project: Project) -> _ProjectStep:
    """Apply a previewed project import (partial only when asked to)."""
    token = request.form.get("token", "")
    create_coders, mode, allow_partial = (
        _flag("create_coders"),
        _segmentation(),
        _flag("allow_partial"),
    )
    _name, size = pending_imports.describe(db(), "project", project.id, me().id, token)
    if _large(size):
        job, created = import_jobs.start_project_apply(
            db(), project, me(), token, create_coders=create_coders, mode=mode,
            allow_partial=allow_partial, language=current_language(), **jobs.caps(),
        )  # fmt: skip
        return _ProjectStep(project, job=job, created=created)
    found = interchange_pages.apply_project_import(
        db(), project, me(), token, create_coders=create_coders, mode=mode,
        allow_partial=allow_partial,
    )  # fmt: skip
    if not found.applied:
        discard()
    return _ProjectStep(project, found.report, {"token": None})


def _memo_limit() -> int:
    return int(current_app.config["MAX_MEMO_CHARS"])


def _segmentation() -> str:
    return choice(request.values.get("segmentation"), "segmentation", SEGMENT_MODES, "paragraph")
