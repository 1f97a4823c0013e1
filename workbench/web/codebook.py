"""The codebook: structured codes, versions with change notes, import and export."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint
from flask import render_template
from flask import request
from flask import send_file
from markupsafe import Markup
from werkzeug.wrappers import Response

from workbench.codebooks import codes as codebooks
from workbench.codebooks import labels
from workbench.codebooks.files import CodebookImportReport
from workbench.codebooks.files import apply_codebook_import
from workbench.codebooks.files import codebook_import_report
from workbench.codebooks.files import export_codebook
from workbench.codebooks.pages import codebook_page
from workbench.core import codebook_labels
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.interchange import pending_imports
from workbench.models import Project
from workbench.web.access import current_project
from workbench.web.access import me
from workbench.web.coding import data as named
from workbench.web.htmx import page_or_fragment
from workbench.web.locale import current_language
from workbench.web.parsers import arg_int
from workbench.web.parsers import flag
from workbench.web.parsers import upload
from workbench.web.routes import lead_action
from workbench.web.routes import route
from workbench.web.unit import db
from workbench.web.unit import discard
from workbench.web.unit import undone

bp = Blueprint("codebook", __name__)


@bp.app_template_filter("code_text")
def code_text(code: object, field: str = "name") -> str:
    """A code's name (or definition, rules, path) in the interface language, else the other's."""
    return labels.code_text(code, field, current_language())


@bp.app_template_filter("change_label")
def change_label(kind: str) -> str:
    """A kind of codebook change (as versions store it) in the interface language."""
    return codebook_labels.change_label(kind)


@bp.app_template_filter("field_list")
def field_list(fields: list[str]) -> str:
    """Code fields (as versions store them) named in the interface language."""
    return codebook_labels.field_list(fields)


@dataclass(frozen=True)
class _Done:
    """What a codebook action did, for the page shown after its commit.

    A message naming a code or a file is markup: the name is marked as data, not interface text
    (the translated message around it is the catalog's, and the name is escaped)."""

    message: str | None = None
    status: int = 200
    report: CodebookImportReport | None = None
    token: str | None = None


def _page(done: _Done = _Done()) -> Response:
    # Read after the commit (``@writes(then=...)``): rendering never holds the writer turn.
    project, role = current_project(str((request.view_args or {})["slug"]))
    page = codebook_page(
        db(), project, role, me(), message=done.message, report=done.report, token=done.token
    )
    response = page_or_fragment("codebook/show.html", "codebook/_codebook.html", **vars(page))
    response.status_code = done.status
    return response


@route(bp, "/p/<slug>/codebook")
def show(slug: str) -> Response:
    """The codebook with every field, its history, and (for leads) the editing forms."""
    return _page()


def _fields() -> dict[str, str]:
    values = {k: v for k, v in request.form.items() if k in codebooks.EDITABLE}
    # Unticked checkboxes are absent from a form: the edit form says which ones it carries.
    for name in ("takes_stance", "is_codable"):
        if request.form.get(f"has_{name}"):
            values[name] = "on" if request.form.get(name) else ""
    return values


def _note() -> str:
    return request.form.get("note", "")


@lead_action(bp, "/p/<slug>/codebook/codes", then=_page)
def add(project: Project) -> _Done:
    """Add a code."""
    code = codebooks.add_code(
        db(), project, _fields(), parent_id=arg_int("parent_id"), user=me(), note=_note()
    )
    return _Done(Markup(_("Added '%(name)s'.", name=named(code.name))))


@lead_action(bp, "/p/<slug>/codebook/codes/<int:code_id>", then=_page)
def edit(project: Project, code_id: int) -> _Done:
    """Edit a code's fields; a change of meaning flags older annotations."""
    code, changed = codebooks.edit_code(db(), project, code_id, _fields(), user=me(), note=_note())
    if not changed:
        return _Done(Markup(_("No change to '%(name)s'.", name=named(code.name))))
    return _Done(Markup(_("Saved '%(name)s'.", name=named(code.name))))


@lead_action(bp, "/p/<slug>/codebook/codes/<int:code_id>/move", then=_page)
def move(project: Project, code_id: int) -> _Done:
    """Move a code under another parent."""
    code = codebooks.move_code(
        db(), project, code_id, arg_int("parent_id"), user=me(), note=_note()
    )
    return _Done(Markup(_("Moved '%(name)s'.", name=named(code.name))))


@lead_action(bp, "/p/<slug>/codebook/codes/<int:code_id>/delete", then=_page)
def delete(project: Project, code_id: int) -> _Done:
    """Delete a code; with annotations it asks for confirmation first."""
    confirmed = request.form.get("confirm") == "yes"
    used = codebooks.delete_code(
        db(), project, code_id, user=me(), confirmed=confirmed, note=_note()
    )
    return _Done(
        ngettext(
            "Deleted; %(num)s annotation is kept and comes back if you restore it.",
            "Deleted; %(num)s annotations are kept and come back if you restore it.",
            used,
        )
    )


@lead_action(bp, "/p/<slug>/codebook/codes/<int:code_id>/restore", then=_page)
def restore(project: Project, code_id: int) -> _Done:
    """Restore a deleted code with its annotations."""
    code = codebooks.restore_code(db(), project, code_id, user=me())
    return _Done(Markup(_("Restored '%(name)s'.", name=named(code.name))))


@lead_action(bp, "/p/<slug>/codebook/merge", then=_page)
def merge(project: Project) -> _Done:
    """Merge one code into another; annotations move."""
    source, target = arg_int("source_id"), arg_int("target_id")
    if source is None or target is None:
        raise ValidationError(_("Choose the code to merge and the code to merge it into."))
    moved = codebooks.merge_codes(db(), project, source, target, user=me(), note=_note())
    return _Done(
        ngettext("Merged: %(num)s annotation moved.", "Merged: %(num)s annotations moved.", moved)
    )


@lead_action(bp, "/p/<slug>/codebook/codes/<int:code_id>/split", then=_page)
def split(project: Project, code_id: int) -> _Done:
    """Split a code into sub-codes."""
    names = request.form.get("names", "").replace("；", ";").split(";")
    created = codebooks.split_code(db(), project, code_id, names, user=me(), note=_note())
    return _Done(ngettext("Split into %(num)s code.", "Split into %(num)s codes.", len(created)))


@lead_action(bp, "/p/<slug>/codebook/scale", then=_page)
def scale(project: Project) -> _Done:
    """Replace the stance scale (a new codebook version)."""
    levels = codebooks.parse_scale(request.form.get("scale", ""))
    version = codebooks.set_stance_scale(db(), project, levels, user=me(), note=_note())
    return _Done(_("Saved the stance scale as version %(n)s.", n=version.number))


@route(bp, "/p/<slug>/codebook/export.<fmt>")
def export(slug: str, fmt: str) -> Response:
    """Download the codebook as Excel or REFI-QDA .qdc."""
    project, _role = current_project(slug)
    data, mimetype, name = export_codebook(db(), project, fmt)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@lead_action(bp, "/p/<slug>/codebook/import")
def import_file(project: Project) -> tuple[str, int]:
    """Check a codebook file (Excel or REFI-QDA): show what importing would do; keep the file."""
    filename, data = upload(_("Choose a codebook file (.xlsx, .qdc or .qdpx)."))
    # Kept for the apply and committed with the request; the check itself is undone.
    token = pending_imports.stash(db(), "codebook", project.id, me().id, filename, data)
    with undone():
        report = codebook_import_report(db(), project, filename, data, user=me())
    html = render_template(
        "codebook/_import_report.html", report=report, project=project, token=token
    )
    return html, 200


@lead_action(bp, "/p/<slug>/codebook/import/apply", then=_page)
def apply_import(project: Project) -> _Done:
    """Apply a checked codebook import; with items left out only when the lead ticks so."""
    token = request.form.get("token", "")
    filename, data = pending_imports.load(db(), "codebook", project.id, me().id, token)
    allow_partial = flag(request.form.get("allow_partial"))
    report = apply_codebook_import(
        db(), project, filename, data, user=me(), allow_partial=allow_partial
    )
    if not report.applied:
        discard()
        return _Done(status=422, report=report, token=token)
    pending_imports.claim(db(), token)
    return _Done(
        Markup(_("Imported %(file)s as version %(n)s.", file=named(filename), n=report.version)),
        report=report,
    )
