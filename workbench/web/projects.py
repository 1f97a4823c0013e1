"""Projects: the list, the project page with its documents, members."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from workbench.accounts import users as accounts
from workbench.coding import progress
from workbench.core import limits
from workbench.core.errors import Forbidden, ValidationError
from workbench.documents import catalog as documents
from workbench.web.access import current_project, lead_only, me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import arg_int, text
from workbench.web.unit import db, writes

bp = Blueprint("projects", __name__)


@bp.route("/")
@login_required
def index() -> str:
    """List the projects the user belongs to."""
    return render_template("projects/index.html", projects=accounts.projects_for(db(), me()))


@bp.route("/projects", methods=["POST"])
@login_required
@writes
def create() -> Response:
    """Create a project (instance admins only); the creator leads it."""
    if not me().is_admin:
        raise Forbidden("Only an instance admin can create projects.")
    project = accounts.create_project(
        db(),
        request.form.get("name", ""),
        lead=me(),
        description=request.form.get("description", ""),
    )
    return redirect(url_for("projects.show", slug=project.slug))


@bp.route("/p/<slug>")
@login_required
def show(slug: str) -> str:
    """The project page: filterable, paginated documents with the user's progress."""
    project, role = current_project(slug)
    f = documents.DocumentFilters(
        q=text(request.args.get("q"), "The search", max_chars=limits.SEARCH),
        language=request.args.get("language", ""),
        doc_type=request.args.get("doc_type", ""),
        delegation=request.args.get("delegation", ""),
        date_from=request.args.get("date_from", "").strip(),
        date_to=request.args.get("date_to", "").strip(),
        page=arg_int("page", minimum=1) or 1,
    )
    try:
        page = documents.list_documents(db(), project, f, page_size=current_app.config["PAGE_SIZE"])
        error = None
    except ValidationError as exc:
        page, error = documents.DocumentPage([], 0, 1, 1), str(exc)
    doc_progress = progress.documents_progress(db(), project, me(), [d.id for d in page.documents])
    template = "projects/_documents.html" if is_htmx() else "projects/show.html"
    return render_template(
        template,
        project=project,
        role=role,
        page=page,
        filters=f,
        error=error,
        doc_progress=doc_progress,
        members=accounts.members(db(), project) if not is_htmx() else [],
    )


@bp.route("/p/<slug>/members", methods=["POST"])
@login_required
@writes
def add_member(slug: str) -> Response:
    """Add an existing user to the project, or change their role (leads only)."""
    project, role = current_project(slug)
    lead_only(role)
    user = accounts.user_by_name(db(), request.form.get("username", ""))
    accounts.add_member(db(), project, user, request.form.get("role", "coder"))
    return redirect(url_for("projects.show", slug=project.slug) + "#members")


@bp.route("/p/<slug>/settings", methods=["POST"])
@login_required
@writes
def settings(slug: str) -> Response:
    """Change project settings such as blind coding (leads only)."""
    project, role = current_project(slug)
    lead_only(role)
    project.blind = request.form.get("blind") == "on"
    return redirect(url_for("projects.show", slug=project.slug) + "#members")
