"""Translations (leads): link documents, review and correct alignments, trace quotations,
compare codes across versions."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.models import Project
from workbench.translations import aligned
from workbench.translations import alignments
from workbench.translations import links
from workbench.translations import pages
from workbench.translations import tracing
from workbench.web.access import current_project
from workbench.web.access import me
from workbench.web.parsers import arg_int
from workbench.web.parsers import choice
from workbench.web.parsers import flag
from workbench.web.parsers import req_int
from workbench.web.routes import lead_action
from workbench.web.routes import lead_route
from workbench.web.routes import route
from workbench.web.unit import db

bp = Blueprint("translations", __name__)


@route(bp, "/p/<slug>/passages/<int:passage_id>/aligned")
def aligned_passages(slug: str, passage_id: int) -> str:
    """The other versions' passages aligned with a passage, opened in the coding view."""
    project, _role = current_project(slug)
    versions = aligned.aligned_with(db(), project, me(), passage_id)
    return render_template("translations/_aligned.html", versions=versions)


@lead_route(bp, "/p/<slug>/translations")
def index(project: Project) -> str:
    """Every link of the project and the form that makes one."""
    page = pages.links_page(db(), project)
    return render_template("translations/index.html", project=project, role="lead", page=page)


@lead_action(bp, "/p/<slug>/translations/link")
def link(project: Project) -> Response:
    """Link two documents as versions of one statement, or a report and its statement."""
    session = db()
    source = links.find_document(session, project, str(req_int("source")))
    target = links.find_document(session, project, str(req_int("target")))
    kind = choice(request.form.get("kind"), "kind", ("translation", "report"), "translation")
    made = links.link_documents(session, project, source, target, kind, me())
    if kind == "translation":
        flash(
            _(
                "Linked “%(a)s” and “%(b)s” as versions of one statement.",
                a=source.title,
                b=target.title,
            )
        )
    else:
        flash(
            _("Linked the report “%(a)s” to the statement “%(b)s”.", a=source.title, b=target.title)
        )
    return redirect(url_for("translations.show", slug=project.slug, link_id=made.id))


@lead_route(bp, "/p/<slug>/translations/<int:link_id>")
def show(project: Project, link_id: int) -> str:
    """A link's page: the versions side by side, or the report's quotations."""
    page = pages.link_page(db(), project, link_id)
    return render_template("translations/link.html", project=project, role="lead", page=page)


@lead_action(bp, "/p/<slug>/translations/<int:link_id>/unlink")
def unlink(project: Project, link_id: int) -> Response:
    """Remove a link and its alignment."""
    links.unlink(db(), project, link_id, me())
    flash(_("The link was removed."))
    return redirect(url_for("translations.index", slug=project.slug))


@lead_action(bp, "/p/<slug>/translations/<int:link_id>/correct")
def correct(project: Project, link_id: int) -> Response:
    """Join, split or re-pair one pair of the alignment, or align afresh."""
    session = db()
    found = links.get_link(session, project, link_id)
    what = choice(request.form.get("do"), "do", ("join", "split", "move", "realign"), "join")
    position = (arg_int("pair", minimum=1) or 1) - 1
    if what == "join":
        alignments.join(session, found, position, me())
    elif what == "split":
        keep_source = arg_int("keep_source", minimum=0) or 0
        keep_target = arg_int("keep_target", minimum=0) or 0
        alignments.split(session, found, position, keep_source, keep_target, me())
    elif what == "move":
        side = choice(request.form.get("side"), "side", alignments.SIDES, "target")
        alignments.move(session, found, position, side, flag(request.form.get("down")), me())
    else:
        alignments.realign(session, found, me())
    return redirect(
        url_for("translations.show", slug=project.slug, link_id=link_id) + f"#pair-{position + 1}"
    )


@lead_action(bp, "/p/<slug>/translations/<int:link_id>/trace")
def trace(project: Project, link_id: int) -> Response:
    """Trace the report's quotations of its statement (or of every statement) again."""
    session = db()
    found = links.get_link(session, project, link_id)
    report = links.find_document(session, project, str(found.source_id))
    quotes = tracing.trace(
        session, project, report, everywhere=flag(request.form.get("everywhere"))
    )
    flash(ngettext("%(num)s quotation found.", "%(num)s quotations found.", len(quotes)))
    return redirect(url_for("translations.show", slug=project.slug, link_id=link_id))


@lead_route(bp, "/p/<slug>/translations/<int:link_id>/compare")
def compare(project: Project, link_id: int) -> str:
    """Codes and stances of one coder, or of the consensus, across the two versions."""
    coder = arg_int("coder", minimum=1)
    page = pages.compare_page(db(), project, link_id, coder)
    return render_template("translations/compare.html", project=project, role="lead", page=page)
