"""Documents: upload, the reader, metadata corrections, non-codable passages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents import corrections
from workbench.documents import importing
from workbench.documents import pages
from workbench.documents.importing import ImportResult
from workbench.jobs import import_jobs
from workbench.models import ExportJob
from workbench.models import Project
from workbench.translations import pages as translation_pages
from workbench.web import jobs
from workbench.web.access import current_project
from workbench.web.access import lead_only
from workbench.web.access import me
from workbench.web.htmx import is_htmx
from workbench.web.locale import current_language
from workbench.web.routes import action
from workbench.web.routes import route
from workbench.web.unit import db

bp = Blueprint("documents", __name__)


def _lead(slug: str) -> tuple[Project, str]:
    project, role = current_project(slug)
    lead_only(role)
    return project, role


def _segmentation() -> str:
    return request.form.get("segmentation", "paragraph")


@dataclass(frozen=True)
class _Large:
    """An upload too large to parse while the request waits: it goes to the job queue."""

    files: list[tuple[str, bytes]]


def _parse_uploads() -> importing.Spool | _Large:
    # Parsed before the unit of work: coders' writes must not wait behind a large upload.
    # Only a lead's upload is parsed at all. The documents wait in a spool (a temporary file),
    # so a large table is never held whole in memory.
    _lead(str(request.view_args["slug"]))  # type: ignore[index]
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        raise ValidationError(_("Choose at least one file to upload."))
    files = [(f.filename or "upload", f.read()) for f in uploads]
    if sum(len(data) for _, data in files) > int(current_app.config["IMPORT_INLINE_BYTES"]):
        return _Large(files)
    return importing.spool_uploads(
        iter(files), mode=_segmentation(), max_file_bytes=current_app.config["MAX_FILE_BYTES"]
    )


@dataclass(frozen=True)
class _Stored:
    project: Project
    uploaded: list[tuple[str, str]]  # (content hash, file name) of every uploaded document
    result: ImportResult | None = None
    job: ExportJob | None = None
    created: bool = False


def _import_result(stored: _Stored) -> str | Response:
    if stored.job is not None:  # committed: the worker may read the job now
        return jobs.queued(stored.project, stored.job, stored.created)
    assert stored.result is not None
    if not is_htmx():
        return redirect(url_for("projects.show", slug=stored.project.slug))
    fragment = pages.import_fragment(
        db(), stored.project, stored.uploaded, _segmentation(), stored.result
    )
    return render_template("documents/_import_result.html", **vars(fragment))


@action(bp, "/p/<slug>/upload", prepare=_parse_uploads, then=_import_result)
def upload(slug: str, prepared: importing.Spool | _Large) -> _Stored:
    """Import one or many uploaded files (documents, archives, CSV/JSONL tables)."""
    project, _role = _lead(slug)
    if isinstance(prepared, _Large):
        config = current_app.config
        job, created = import_jobs.start_import(
            db(),
            project,
            me(),
            prepared.files,
            mode=_segmentation(),
            max_file_bytes=int(config["MAX_FILE_BYTES"]),
            language=current_language(),
            **jobs.caps(),
        )
        return _Stored(project, [], job=job, created=created)
    with prepared:
        result = importing.store_spool(db(), project, prepared, user=me())
    return _Stored(project, prepared.names, result)


@route(bp, "/p/<slug>/d/<int:doc_id>")
def read(slug: str, doc_id: int) -> str:
    """The reader: a document's passages with speaker and delegation labels."""
    project, role = current_project(slug)
    page = pages.reader_page(db(), project, role, doc_id)
    return render_template(
        "documents/reader.html", **vars(page), linked=translation_pages.linked(db(), page.doc)
    )


@action(bp, "/p/<slug>/d/<int:doc_id>/metadata")
def edit_metadata(slug: str, doc_id: int) -> str | Response:
    """Save the lead's corrections to a document's metadata."""
    project, role = _lead(slug)
    values = request.form.to_dict()
    doc = corrections.correct_metadata(db(), project, me(), doc_id, values)
    if is_htmx():
        return render_template(
            "documents/_metadata.html", project=project, doc=doc, role=role, saved=True
        )
    return redirect(url_for("documents.read", slug=slug, doc_id=doc.id))


@action(bp, "/p/<slug>/passages/<int:passage_id>/codable")
def set_codable(slug: str, passage_id: int) -> str | Response:
    """Mark a passage codable or not (leads only)."""
    project, role = _lead(slug)
    codable = request.form.get("codable") == "1"
    passage = corrections.set_codable(db(), project, me(), passage_id, codable)
    if is_htmx():
        return render_template("documents/_passage.html", project=project, p=passage, role=role)
    return redirect(url_for("documents.read", slug=slug, doc_id=passage.document_id))
