"""Projects: the list, the project page with its documents, members."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from workbench.accounts import project_settings
from workbench.accounts import users as accounts
from workbench.coding.project_page import project_page
from workbench.core import limits
from workbench.core.errors import Forbidden
from workbench.core.i18n import _
from workbench.documents.catalog import DocumentFilters
from workbench.models import Project
from workbench.web.access import current_project
from workbench.web.access import me
from workbench.web.htmx import is_htmx
from workbench.web.htmx import page_or_fragment
from workbench.web.parsers import arg_int
from workbench.web.parsers import text
from workbench.web.routes import action
from workbench.web.routes import lead_action
from workbench.web.routes import route
from workbench.web.unit import db

bp = Blueprint("projects", __name__)


@route(bp, "/")
def index() -> str:
    """List the projects the user belongs to."""
    return render_template("projects/index.html", projects=accounts.projects_for(db(), me()))


@action(bp, "/projects")
def create() -> Response:
    """Create a project (instance admins only); the creator leads it."""
    if not me().is_admin:
        raise Forbidden(_("Only an instance admin can create projects."))
    project = accounts.create_project(
        db(),
        request.form.get("name", ""),
        lead=me(),
        description=request.form.get("description", ""),
    )
    return redirect(url_for("projects.show", slug=project.slug))


def _filters() -> DocumentFilters:
    args = request.args
    return DocumentFilters(
        q=text(args.get("q"), "The search", max_chars=limits.SEARCH),
        language=args.get("language", ""),
        doc_type=args.get("doc_type", ""),
        delegation=args.get("delegation", ""),
        date_from=args.get("date_from", "").strip(),
        date_to=args.get("date_to", "").strip(),
        page=arg_int("page", minimum=1) or 1,
    )


@route(bp, "/p/<slug>")
def show(slug: str) -> Response:
    """The project page: filterable, paginated documents with the user's progress."""
    project, role = current_project(slug)
    page = project_page(
        db(),
        project,
        role,
        me(),
        _filters(),
        page_size=current_app.config["PAGE_SIZE"],
        with_members=not is_htmx(),
    )
    return page_or_fragment("projects/show.html", "projects/_documents.html", **vars(page))


@lead_action(bp, "/p/<slug>/members")
def add_member(project: Project) -> Response:
    """Add an existing user to the project, or change their role (leads only)."""
    form = request.form
    accounts.add_member_by_name(db(), project, form.get("username", ""), form.get("role", "coder"))
    return redirect(url_for("projects.show", slug=project.slug) + "#members")


@lead_action(bp, "/p/<slug>/settings")
def settings(project: Project) -> Response:
    """Change project settings such as blind coding (leads only); the change is kept in history."""
    project_settings.set_blind(db(), project, request.form.get("blind") == "on", actor=me())
    return redirect(url_for("projects.show", slug=project.slug) + "#members")
