"""Documents: upload, the reader, metadata corrections, non-codable passages."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from workbench.accounts import audit
from workbench.core.corpus import ParsedDocument
from workbench.core.errors import ValidationError
from workbench.documents import catalog as documents
from workbench.documents import importing, resegment
from workbench.web.access import current_project, lead_only, me
from workbench.web.htmx import is_htmx
from workbench.web.unit import db, writes

bp = Blueprint("documents", __name__)


def _parse_uploads() -> list[ParsedDocument]:
    # Parsed before the unit of work: coders' writes must not wait behind a large upload.
    # Only a lead's upload is parsed at all.
    lead_only(current_project(str(request.view_args["slug"]))[1])  # type: ignore[index]
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        raise ValidationError("Choose at least one file to upload.")
    return importing.parse_uploads(
        ((f.filename or "upload", f.read()) for f in uploads),
        mode=request.form.get("segmentation", "paragraph"),
        max_file_bytes=current_app.config["MAX_FILE_BYTES"],
    )


@bp.route("/p/<slug>/upload", methods=["POST"])
@login_required
@writes(prepare=_parse_uploads)
def upload(slug: str, prepared: list[ParsedDocument]) -> str | Response:
    """Import one or many uploaded files (documents, archives, CSV/JSONL tables)."""
    project, role = current_project(slug)
    lead_only(role)
    mode = request.form.get("segmentation", "paragraph")
    result = importing.store_documents(db(), project, prepared, user=me(), mode=mode)
    offers = resegment.segmented_otherwise(db(), project, prepared, mode)
    if is_htmx():
        return render_template(
            "documents/_import_result.html", project=project, result=result, offers=offers
        )
    return redirect(url_for("projects.show", slug=project.slug))


@bp.route("/p/<slug>/d/<int:doc_id>")
@login_required
def read(slug: str, doc_id: int) -> str:
    """The reader: a document's passages with speaker and delegation labels."""
    project, role = current_project(slug)
    doc = documents.get_document(db(), project, doc_id)
    return render_template(
        "documents/reader.html",
        project=project,
        role=role,
        doc=doc,
        passages=documents.passages_of(db(), doc),
    )


@bp.route("/p/<slug>/d/<int:doc_id>/metadata", methods=["POST"])
@login_required
@writes
def edit_metadata(slug: str, doc_id: int) -> str | Response:
    """Save the lead's corrections to a document's metadata."""
    project, role = current_project(slug)
    lead_only(role)
    doc = documents.get_document(db(), project, doc_id)
    changed = documents.update_metadata(doc, request.form.to_dict())
    if changed:
        audit.record(
            db(),
            project_id=project.id,
            actor=me(),
            entity="document",
            entity_id=doc.id,
            action="metadata",
            before={k: v[0] for k, v in changed.items()},
            after={k: v[1] for k, v in changed.items()},
        )
    if is_htmx():
        return render_template(
            "documents/_metadata.html", project=project, doc=doc, role=role, saved=True
        )
    return redirect(url_for("documents.read", slug=slug, doc_id=doc.id))


@bp.route("/p/<slug>/passages/<int:passage_id>/codable", methods=["POST"])
@login_required
@writes
def set_codable(slug: str, passage_id: int) -> str | Response:
    """Mark a passage codable or not (leads only)."""
    project, role = current_project(slug)
    lead_only(role)
    passage = documents.get_passage(db(), project, passage_id)
    value = request.form.get("codable") == "1"
    if passage.codable != value:
        audit.record(
            db(),
            project_id=project.id,
            actor=me(),
            entity="passage",
            entity_id=passage.id,
            passage_id=passage.id,
            action="codable",
            before={"codable": passage.codable},
            after={"codable": value},
        )
        passage.codable = value
    if is_htmx():
        return render_template("documents/_passage.html", project=project, p=passage, role=role)
    return redirect(url_for("documents.read", slug=slug, doc_id=passage.document_id))
