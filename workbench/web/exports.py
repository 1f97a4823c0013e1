"""The Export page (leads), background export jobs and imports.

The download form posts (a GET link downloads small exports too): the export itself reads in a
session of its own, so a long export never holds SQLite's writer lock. An export above
EXPORT_INLINE_ROWS rows becomes a background job (see services.export_jobs), started by POST
only, capped per person and per project, and a repeated request returns the running job; its
page polls its progress every second.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from workbench.analysis import layers as analysis
from workbench.core.errors import Conflict, ValidationError
from workbench.formats.scope import ExportScope
from workbench.interchange import (
    coding_import,
    exports,
    pending_imports,
    project_exchange,
    workbook_import,
)
from workbench.interchange.exchange_report import ExchangeReport
from workbench.jobs import export_jobs
from workbench.models import Document, Project, User
from workbench.web.access import current_project, lead_only, me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import arg_int, choice, flag
from workbench.web.unit import database, db, discard, writes, writing

bp = Blueprint("exports", __name__)
INLINE_ROWS = 50_000


def _upload() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("Choose a file to upload.")
    data = upload.read()
    if not data:
        raise ValidationError(f"{upload.filename}: the file is empty.")
    return upload.filename, data


def _flag(name: str) -> bool:
    return flag(request.values.get(name))


# --------------------------------------------------------------------------- export page


@bp.route("/p/<slug>/export")
@login_required
def index(slug: str) -> str:
    """The Export page: download forms, background jobs, coding sheets, imports."""
    project, role = current_project(slug)
    lead_only(role)
    session = db()
    jobs = export_jobs.recent_jobs(session, project)
    return render_template(
        "exports/index.html",
        project=project,
        role=role,
        documents=session.execute(
            select(Document.id, Document.title)
            .where(Document.project_id == project.id)
            .order_by(Document.title)
        ).all(),
        coders=analysis.coders_in_project(session, project),
        codes=analysis.codable_codes(session, project),
        layers=analysis.visible_layers(session, project, me(), role),
        jobs=jobs,
        stale={j.id for j in jobs if export_jobs.is_stale(j)},
        tables=[
            "passages", "annotations", "coded", "documents", "codebook", "stance_scale",
            "agreement", "methods", "disagreements", "frequencies", "cooccurrence", "about",
            "columns",
        ],
    )  # fmt: skip


@bp.route("/p/<slug>/export/download", methods=["GET", "POST"])
@login_required
def download(slug: str) -> WerkzeugResponse:
    """Download an export now; a large one becomes a background job, started by POST only."""
    project, role = current_project(slug)
    lead_only(role)
    values = request.values
    fmt = choice(values.get("format"), "format", exports.FORMATS, "xlsx")
    table = values.get("table") or None
    if table and fmt != "csv":
        table = None
    scope = exports.scope_from_form(values)
    limit = int(current_app.config.get("EXPORT_INLINE_ROWS", INLINE_ROWS))
    if exports.estimate(db(), project, scope) > limit:
        if request.method != "POST":
            # A GET never starts work: links and prefetchers must not launch exports.
            raise Conflict(
                "This export is large and runs in the background: start it with the form on "
                "the Export page."
            )
        return _start_job(project, fmt, scope, table)
    # send_file closes the buffer once the response has been sent.
    buffer = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    # A session of its own, in one snapshot: a long export never holds the writer turn.
    with database().reading() as session:
        exports.snapshot(session)
        here = session.get(Project, project.id)
        assert here is not None
        result = exports.write_export(session, here, scope, fmt, buffer, table=table)
    buffer.seek(0)
    return send_file(
        buffer, mimetype=result.mimetype, as_attachment=True, download_name=result.filename
    )


def _start_job(
    project: Project, fmt: str, scope: ExportScope, table: str | None
) -> WerkzeugResponse:
    config = current_app.config
    with writing() as session:
        job, created = export_jobs.start_or_reuse(
            session,
            project,
            me(),
            fmt,
            scope,
            table=table,
            per_user=int(config["EXPORT_JOBS_PER_USER"]),
            per_project=int(config["EXPORT_JOBS_PER_PROJECT"]),
        )
        job_id = job.id
    if created:
        export_jobs.start(
            job_id,
            database_url=config["DATABASE_URL"],
            export_dir=config["EXPORT_DIR"],
            runner=config.get("EXPORT_RUNNER", "subprocess"),
        )
    return redirect(url_for("exports.job", slug=project.slug, job_id=job_id), code=303)


@bp.route("/p/<slug>/export/jobs/<int:job_id>")
@login_required
def job(slug: str, job_id: int) -> str:
    """A background job's progress (the fragment polls itself until the job ends)."""
    project, role = current_project(slug)
    lead_only(role)
    found = export_jobs.get_job(db(), project, job_id)
    stale = export_jobs.is_stale(found)
    template = "exports/_job.html" if is_htmx() else "exports/job.html"
    return render_template(template, project=project, role=role, job=found, stale=stale)


@bp.route("/p/<slug>/export/jobs/<int:job_id>/file")
@login_required
def job_file(slug: str, job_id: int) -> WerkzeugResponse:
    """The finished job's file."""
    project, role = current_project(slug)
    lead_only(role)
    found = export_jobs.get_job(db(), project, job_id)
    path = export_jobs.job_file(found)
    name = export_jobs.download_name(found, project)
    mimetype = exports.MIME["zip" if name.endswith(".zip") else path.suffix.lstrip(".") or "zip"]
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)


# --------------------------------------------------------------------------- coding sheets


@bp.route("/p/<slug>/export/coding-sheet")
@login_required
def coding_sheet(slug: str) -> WerkzeugResponse:
    """A coder's offline coding sheet (leads: any coder's; coders: their own)."""
    project, role = current_project(slug)
    coder_id = arg_int("coder")
    user = me()
    if coder_id is None or coder_id == user.id:
        coder = user
    else:
        lead_only(role)
        found = db().get(User, coder_id)
        if found is None:
            raise ValidationError(f"No user {coder_id}.")
        coder = found
    buffer = io.BytesIO()
    rows = coding_import.write_sheet_for(db(), project, coder, buffer)
    if rows == 0:
        raise ValidationError(
            f"No passages are assigned to {coder.display_name}; assign some on the Team page first."
        )
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype=exports.MIME["xlsx"],
        as_attachment=True,
        download_name=f"{project.slug}-coding-{coder.username}.xlsx",
    )


def _report(report: Any, status: int) -> Response:
    html = render_template("exports/_import_report.html", report=report)
    return Response(html, status=status, mimetype="text/html")


@bp.route("/p/<slug>/import/coding-sheet", methods=["POST"])
@login_required
@writes
def import_coding_sheet(slug: str) -> Response:
    """Validate and (if valid, or asked to) apply an offline coding sheet."""
    project, role = current_project(slug)
    filename, data = _upload()
    report = coding_import.import_coding_sheet(
        db(),
        project,
        me(),
        role,
        filename,
        data,
        apply_valid=_flag("apply_valid"),
        memo_limit=current_app.config["MAX_MEMO_CHARS"],
    )
    if not report.applied:
        discard()  # nothing of a refused import is kept
    return _report(report, 200 if report.applied else 422)


@bp.route("/p/<slug>/import/codings", methods=["POST"])
@login_required
@writes
def import_codings(slug: str) -> Response:
    """Validate and (if valid, or asked to) apply a legacy table of codings."""
    project, role = current_project(slug)
    lead_only(role)
    filename, data = _upload()
    report = workbook_import.import_codings_file(
        db(),
        project,
        me(),
        filename,
        data,
        allow_partial=_flag("apply_valid"),
        create_coders=_flag("create_coders"),
        memo_limit=current_app.config["MAX_MEMO_CHARS"],
    )
    if not report.applied:
        discard()  # nothing of a refused import is kept
    return _report(report, 200 if report.applied else 422)


@bp.route("/p/<slug>/import/project", methods=["POST"])
@login_required
@writes
def import_project(slug: str) -> Response:
    """Preview a .qdpx/.qde project, .qdc codebook or workbook import: the report, nothing kept."""
    project, role = current_project(slug)
    lead_only(role)
    filename, data = _upload()
    token = pending_imports.stash(_pending_dir(), project.id, me().id, filename, data)
    report = _run_project_import(project, filename, data)
    report.applied = False
    discard()  # a preview: the report says what applying would do
    html = render_template(
        "exports/_exchange_report.html",
        report=report,
        project=project,
        token=token,
        create_coders=_flag("create_coders"),
        segmentation=_segmentation(),
    )
    return Response(html, status=200, mimetype="text/html")


@bp.route("/p/<slug>/import/project/apply", methods=["POST"])
@login_required
@writes
def apply_project_import(slug: str) -> Response:
    """Apply a previewed project import (partial only when asked to)."""
    project, role = current_project(slug)
    lead_only(role)
    filename, data = pending_imports.load(
        _pending_dir(), project.id, me().id, request.form.get("token", "")
    )
    report = _run_project_import(project, filename, data)
    report.applied = report.complete or _flag("allow_partial")
    if report.applied:
        pending_imports.discard(_pending_dir(), request.form.get("token", ""))
    else:
        discard()
    html = render_template(
        "exports/_exchange_report.html", report=report, project=project, token=None
    )
    return Response(html, status=200 if report.applied else 422, mimetype="text/html")


def _run_project_import(project: Project, filename: str, data: bytes) -> ExchangeReport:
    """The project import as the form asks for it; the caller keeps or rolls back its work."""
    return project_exchange.import_project_file(
        db(),
        project,
        me(),
        filename,
        data,
        create_coders=_flag("create_coders"),
        mode=_segmentation(),
    )


def _pending_dir() -> str:
    return str(Path(current_app.config["EXPORT_DIR"]) / "pending-imports")


def _segmentation() -> str:
    mode = request.values.get("segmentation") or "paragraph"
    if mode not in ("paragraph", "sentence", "lines"):
        raise ValidationError(f"segmentation: '{mode}' is not paragraph, sentence or lines.")
    return mode
