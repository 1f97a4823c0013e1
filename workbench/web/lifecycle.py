"""A document's lifecycle, for leads: delete, re-segment, split, merge, and undo from history.

Every change is shown first (what goes, what moves, what cannot move) on a page of its own; a
plain form confirms it. Coders get 403 on every route here, previews included: a preview lists
every coder's codings.
"""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from workbench.core.errors import Conflict
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.documents import changes
from workbench.documents import lifecycle_history
from workbench.documents import pages
from workbench.models import Project
from workbench.translations import alignments
from workbench.web.access import me
from workbench.web.parsers import req_int
from workbench.web.routes import lead_action
from workbench.web.routes import lead_route
from workbench.web.unit import db
from workbench.web.unit import discard

bp = Blueprint("lifecycle", __name__)


def _change(page: pages.ChangePage) -> str:
    # A linked version's alignment that the change makes stale is shown with the preview.
    realigned = (
        alignments.stale_alignments(db(), page.doc.id, page.preview.gone) if page.preview else []
    )
    return render_template("documents/change.html", **vars(page), realigned=realigned)


def _spread(values: dict[str, str]) -> bool:
    return values.get("spread") == "1"


@lead_route(bp, "/p/<slug>/d/<int:doc_id>/delete")
def confirm_delete(project: Project, doc_id: int) -> str:
    """The confirmation: what deleting this document takes with it."""
    page = pages.delete_page(db(), project, doc_id)
    return render_template("documents/delete.html", **vars(page))


@lead_action(bp, "/p/<slug>/d/<int:doc_id>/delete")
def delete(project: Project, doc_id: int) -> Response:
    """Delete the document and everything coded on it; the history keeps a copy for undo."""
    title = changes.delete(db(), project, me(), doc_id)
    flash(
        _(
            "“%(title)s” was deleted with its codings. Undo it here if that was a mistake.",
            title=title,
        )
    )
    return redirect(url_for("lifecycle.history", slug=project.slug))


def _confirm(project: Project, change: changes.LayoutChange) -> str | Response:
    """Apply a previewed change, or show the fresh preview if things changed meanwhile."""
    try:
        changes.apply_change(db(), project, me(), change, request.form.get("fingerprint", ""))
        realigned = alignments.realign_after_change(db(), change.doc.id, me())
    except Conflict as exc:
        discard()
        page = pages.change_page(db(), project, change, stale=str(exc))
        return Response(_change(page), status=409, mimetype="text/html")
    flash(change.done)
    if realigned:
        flash(_realigned_message(len(realigned)))
    return redirect(url_for("documents.read", slug=project.slug, doc_id=change.doc.id))


def _realigned_message(n: int) -> str:
    return ngettext(
        "The alignment with %(num)s linked version was made afresh; the link's history keeps "
        "the pairs it replaced.",
        "The alignments with %(num)s linked versions were made afresh; each link's history "
        "keeps the pairs it replaced.",
        n,
    )


@lead_route(bp, "/p/<slug>/d/<int:doc_id>/resegment")
def resegment_preview(project: Project, doc_id: int) -> str:
    """Choose a segmentation and see, before anything changes, where every coding goes."""
    mode, spread = request.args.get("mode", ""), _spread(request.args)
    return _change(pages.resegment_page(db(), project, doc_id, mode, spread=spread))


@lead_action(bp, "/p/<slug>/d/<int:doc_id>/resegment")
def resegment_apply(project: Project, doc_id: int) -> str | Response:
    """Re-segment as previewed."""
    mode, spread = request.form.get("mode", ""), _spread(request.form)
    return _confirm(project, changes.resegment_change(db(), project, doc_id, mode, spread=spread))


@lead_route(bp, "/p/<slug>/passages/<int:passage_id>/split")
def split_preview(project: Project, passage_id: int) -> str:
    """Choose where to cut a passage, then see what happens to its codings."""
    if not request.args.get("at"):
        form = pages.split_form(db(), project, passage_id)
        return render_template("documents/split.html", **vars(form))
    change = changes.split_change(db(), project, passage_id, req_int("at", minimum=0))
    return _change(pages.change_page(db(), project, change))


@lead_action(bp, "/p/<slug>/passages/<int:passage_id>/split")
def split_apply(project: Project, passage_id: int) -> str | Response:
    """Split as previewed."""
    at = req_int("at", minimum=0)
    return _confirm(project, changes.split_change(db(), project, passage_id, at))


@lead_route(bp, "/p/<slug>/passages/<int:passage_id>/merge")
def merge_preview(project: Project, passage_id: int) -> str:
    """See what merging a passage with the next one does to their codings."""
    change = changes.merge_change(db(), project, passage_id)
    return _change(pages.change_page(db(), project, change))


@lead_action(bp, "/p/<slug>/passages/<int:passage_id>/merge")
def merge_apply(project: Project, passage_id: int) -> str | Response:
    """Merge as previewed."""
    return _confirm(project, changes.merge_change(db(), project, passage_id))


@lead_route(bp, "/p/<slug>/history")
def history(project: Project) -> str:
    """Documents deleted, re-segmented, split and merged, newest first, with undo."""
    page = pages.history_page(db(), project)
    return render_template("documents/history.html", **vars(page))


@lead_action(bp, "/p/<slug>/history/<int:event_id>/undo")
def undo(project: Project, event_id: int) -> Response:
    """Undo a deletion or a change of passages, exactly."""
    doc_id, left_out, merged = lifecycle_history.undo(db(), project, me(), event_id)
    realigned = alignments.realign_after_change(db(), doc_id, me())
    flash(_("Undone: the document has its passages and codings back as they were."))
    if realigned:
        flash(_realigned_message(len(realigned)))
    if left_out:
        flash(_("Not restored: %(items)s.", items="; ".join(left_out)))
    if merged:
        flash(_("Codes merged since: %(items)s.", items="; ".join(merged)))
    return redirect(url_for("documents.read", slug=project.slug, doc_id=doc_id))
