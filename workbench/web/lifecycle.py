"""A document's lifecycle, for leads: delete, re-segment, split, merge, and undo from history.

Every change is shown first (what goes, what moves, what cannot move) on a page of its own; a
plain form confirms it. Coders get 403 on every route here, previews included: a preview lists
every coder's codings.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from workbench.core.errors import Conflict
from workbench.documents import catalog as documents
from workbench.documents import deletion as document_delete
from workbench.documents import (
    layout_preview,
    lifecycle_history,
    passage_edits,
    passage_layout,
    resegment,
)
from workbench.models import Document, Passage, Project
from workbench.web.access import current_project, lead_only, me
from workbench.web.parsers import req_int
from workbench.web.unit import db, discard, writes

bp = Blueprint("lifecycle", __name__)


def _lead(slug: str) -> Project:
    project, role = current_project(slug)
    lead_only(role)
    return project


def _passage(project: Project, passage_id: int) -> tuple[Passage, Document]:
    passage = documents.get_passage(db(), project, passage_id)
    return passage, documents.get_document(db(), project, passage.document_id)


@bp.route("/p/<slug>/d/<int:doc_id>/delete")
@login_required
def confirm_delete(slug: str, doc_id: int) -> str:
    """The confirmation: what deleting this document takes with it."""
    project = _lead(slug)
    doc = documents.get_document(db(), project, doc_id)
    impact = document_delete.deletion_impact(db(), doc)
    return render_template("documents/delete.html", project=project, role="lead", impact=impact)


@bp.route("/p/<slug>/d/<int:doc_id>/delete", methods=["POST"])
@login_required
@writes
def delete(slug: str, doc_id: int) -> Response:
    """Delete the document and everything coded on it; the history keeps a copy for undo."""
    project = _lead(slug)
    doc = documents.get_document(db(), project, doc_id)
    title = doc.title
    document_delete.delete_document(db(), project, me(), doc)
    flash(f"“{title}” was deleted with its codings. Undo it here if that was a mistake.")
    return redirect(url_for("lifecycle.history", slug=slug))


def _preview_page(
    project: Project, doc: Document, layout: passage_layout.Layout, **extra: object
) -> str:
    preview = layout_preview.preview(db(), doc, layout)
    return render_template(
        "documents/change.html", project=project, role="lead", doc=doc, preview=preview, **extra
    )


def _confirm(
    project: Project, doc: Document, layout: passage_layout.Layout, done: str
) -> str | Response:
    """Apply a previewed layout, or show the fresh preview if things changed meanwhile."""
    try:
        passage_layout.apply(db(), project, me(), doc, layout, request.form.get("fingerprint", ""))
    except Conflict as exc:
        discard()
        page = _preview_page(project, doc, layout, stale=str(exc), **_extra(layout))
        return Response(page, status=409, mimetype="text/html")
    flash(done)
    return redirect(url_for("documents.read", slug=project.slug, doc_id=doc.id))


def _extra(layout: passage_layout.Layout) -> dict[str, object]:
    return {"modes": resegment.available_modes(), "labels": resegment.MODE_LABELS} | (
        {"mode": layout.details.get("mode"), "spread": layout.copy_crossing}
        if layout.action == "resegment"
        else {}
    )


@bp.route("/p/<slug>/d/<int:doc_id>/resegment")
@login_required
def resegment_preview(slug: str, doc_id: int) -> str:
    """Choose a segmentation and see, before anything changes, where every coding goes."""
    project = _lead(slug)
    doc = documents.get_document(db(), project, doc_id)
    mode = request.args.get("mode", "")
    modes = {"modes": resegment.available_modes(), "labels": resegment.MODE_LABELS}
    if not mode:
        return render_template(
            "documents/change.html", project=project, role="lead", doc=doc, preview=None, **modes
        )
    spread = request.args.get("spread") == "1"
    layout = resegment.layout_for(doc, mode, spread=spread)
    return _preview_page(project, doc, layout, mode=mode, spread=spread, **modes)


@bp.route("/p/<slug>/d/<int:doc_id>/resegment", methods=["POST"])
@login_required
@writes
def resegment_apply(slug: str, doc_id: int) -> str | Response:
    """Re-segment as previewed."""
    project = _lead(slug)
    doc = documents.get_document(db(), project, doc_id)
    spread = request.form.get("spread") == "1"
    layout = resegment.layout_for(doc, request.form.get("mode", ""), spread=spread)
    label = resegment.MODE_LABELS[layout.details["mode"]].split(" (")[0]
    return _confirm(project, doc, layout, f"The document is now cut into {label}.")


@bp.route("/p/<slug>/passages/<int:passage_id>/split")
@login_required
def split_preview(slug: str, passage_id: int) -> str:
    """Choose where to cut a passage, then see what happens to its codings."""
    project = _lead(slug)
    passage, doc = _passage(project, passage_id)
    if not request.args.get("at"):
        return render_template(
            "documents/split.html", project=project, role="lead", doc=doc, passage=passage
        )
    layout = passage_edits.split_layout(db(), doc, passage, req_int("at", minimum=0))
    return _preview_page(project, doc, layout, passage=passage)


@bp.route("/p/<slug>/passages/<int:passage_id>/split", methods=["POST"])
@login_required
@writes
def split_apply(slug: str, passage_id: int) -> str | Response:
    """Split as previewed."""
    project = _lead(slug)
    passage, doc = _passage(project, passage_id)
    layout = passage_edits.split_layout(db(), doc, passage, req_int("at", minimum=0))
    return _confirm(project, doc, layout, f"Passage {passage.ordinal + 1} was split in two.")


@bp.route("/p/<slug>/passages/<int:passage_id>/merge")
@login_required
def merge_preview(slug: str, passage_id: int) -> str:
    """See what merging a passage with the next one does to their codings."""
    project = _lead(slug)
    passage, doc = _passage(project, passage_id)
    layout = passage_edits.merge_layout(db(), doc, passage)
    return _preview_page(project, doc, layout, passage=passage)


@bp.route("/p/<slug>/passages/<int:passage_id>/merge", methods=["POST"])
@login_required
@writes
def merge_apply(slug: str, passage_id: int) -> str | Response:
    """Merge as previewed."""
    project = _lead(slug)
    passage, doc = _passage(project, passage_id)
    layout = passage_edits.merge_layout(db(), doc, passage)
    n = passage.ordinal + 1
    return _confirm(project, doc, layout, f"Passages {n} and {n + 1} were merged.")


@bp.route("/p/<slug>/history")
@login_required
def history(slug: str) -> str:
    """Documents deleted, re-segmented, split and merged, newest first, with undo."""
    project = _lead(slug)
    entries = lifecycle_history.entries(db(), project)
    return render_template("documents/history.html", project=project, role="lead", entries=entries)


@bp.route("/p/<slug>/history/<int:event_id>/undo", methods=["POST"])
@login_required
@writes
def undo(slug: str, event_id: int) -> Response:
    """Undo a deletion or a change of passages, exactly."""
    project = _lead(slug)
    doc_id, left_out = lifecycle_history.undo(db(), project, me(), event_id)
    flash("Undone: the document has its passages and codings back as they were.")
    if left_out:
        flash("Not restored: " + "; ".join(left_out) + ".")
    return redirect(url_for("documents.read", slug=slug, doc_id=doc_id))
