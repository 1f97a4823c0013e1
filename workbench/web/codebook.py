"""The codebook: structured codes, versions with change notes, import and export."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file
from flask_login import login_required
from werkzeug.wrappers import Response

from workbench.codebooks import codes as codebooks
from workbench.codebooks.files import CodebookImportReport, codebook_import_report, export_codebook
from workbench.coding import view as coding_view
from workbench.core.errors import ValidationError
from workbench.interchange import pending_imports
from workbench.web.access import current_project, lead_only, me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import arg_int, flag
from workbench.web.unit import db, discard, writes

bp = Blueprint("codebook", __name__)


def _page(
    slug: str,
    message: str | None = None,
    status: int = 200,
    *,
    report: CodebookImportReport | None = None,
    token: str | None = None,
) -> tuple[str, int]:
    project, role = current_project(slug)
    codes = codebooks.live_codes(db(), project)
    # A coder in a blind project sees how often they applied each code, never the team's count.
    mine = None if coding_view.sees_others(project, role) else me().id
    usage = codebooks.usage_counts(db(), project, coder_id=mine)
    html = render_template(
        "codebook/_codebook.html" if is_htmx() else "codebook/show.html",
        project=project,
        role=role,
        codes=codes,
        tree=codebooks.tree_order(codes),
        paths=codebooks.code_paths(codes),
        usage=usage,
        usage_mine=mine is not None,
        scale=codebooks.stance_scale(project),
        versions=codebooks.versions(db(), project)[:50],
        deleted=codebooks.deleted_codes(db(), project),
        version=codebooks.current_version(db(), project),
        message=message,
        report=report,
        token=token,
    )
    return html, status


@bp.route("/p/<slug>/codebook")
@login_required
def show(slug: str) -> tuple[str, int]:
    """The codebook with every field, its history, and (for leads) the editing forms."""
    return _page(slug)


def _fields() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k in codebooks.EDITABLE}


def _checkboxes(values: dict[str, str]) -> dict[str, str]:
    # Unticked checkboxes are absent from a form: the edit form says which ones it carries.
    for name in ("takes_stance", "is_codable"):
        if request.form.get(f"has_{name}"):
            values[name] = "on" if request.form.get(name) else ""
    return values


@bp.route("/p/<slug>/codebook/codes", methods=["POST"])
@login_required
@writes
def add(slug: str) -> tuple[str, int]:
    """Add a code."""
    project, role = current_project(slug)
    lead_only(role)
    code = codebooks.add_code(
        db(),
        project,
        _checkboxes(_fields()),
        parent_id=arg_int("parent_id"),
        user=me(),
        note=request.form.get("note", ""),
    )
    return _page(slug, f"Added '{code.name}'.")


@bp.route("/p/<slug>/codebook/codes/<int:code_id>", methods=["POST"])
@login_required
@writes
def edit(slug: str, code_id: int) -> tuple[str, int]:
    """Edit a code's fields; a change of meaning flags older annotations."""
    project, role = current_project(slug)
    lead_only(role)
    version = codebooks.current_version(db(), project)
    code = codebooks.edit_code(
        db(),
        project,
        code_id,
        _checkboxes(_fields()),
        user=me(),
        note=request.form.get("note", ""),
    )
    changed = codebooks.current_version(db(), project) != version
    return _page(slug, f"Saved '{code.name}'." if changed else f"No change to '{code.name}'.")


@bp.route("/p/<slug>/codebook/codes/<int:code_id>/move", methods=["POST"])
@login_required
@writes
def move(slug: str, code_id: int) -> tuple[str, int]:
    """Move a code under another parent."""
    project, role = current_project(slug)
    lead_only(role)
    code = codebooks.move_code(
        db(), project, code_id, arg_int("parent_id"), user=me(), note=request.form.get("note", "")
    )
    return _page(slug, f"Moved '{code.name}'.")


@bp.route("/p/<slug>/codebook/codes/<int:code_id>/delete", methods=["POST"])
@login_required
@writes
def delete(slug: str, code_id: int) -> tuple[str, int]:
    """Delete a code; with annotations it asks for confirmation first."""
    project, role = current_project(slug)
    lead_only(role)
    used = codebooks.delete_code(
        db(),
        project,
        code_id,
        user=me(),
        confirmed=request.form.get("confirm") == "yes",
        note=request.form.get("note", ""),
    )
    return _page(slug, f"Deleted; {used} annotations are kept and come back if you restore it.")


@bp.route("/p/<slug>/codebook/codes/<int:code_id>/restore", methods=["POST"])
@login_required
@writes
def restore(slug: str, code_id: int) -> tuple[str, int]:
    """Restore a deleted code with its annotations."""
    project, role = current_project(slug)
    lead_only(role)
    code = codebooks.restore_code(db(), project, code_id, user=me())
    return _page(slug, f"Restored '{code.name}'.")


@bp.route("/p/<slug>/codebook/merge", methods=["POST"])
@login_required
@writes
def merge(slug: str) -> tuple[str, int]:
    """Merge one code into another; annotations move."""
    project, role = current_project(slug)
    lead_only(role)
    source, target = arg_int("source_id"), arg_int("target_id")
    if source is None or target is None:
        raise ValidationError("Choose the code to merge and the code to merge it into.")
    moved = codebooks.merge_codes(
        db(), project, source, target, user=me(), note=request.form.get("note", "")
    )
    return _page(slug, f"Merged: {moved} annotations moved.")


@bp.route("/p/<slug>/codebook/codes/<int:code_id>/split", methods=["POST"])
@login_required
@writes
def split(slug: str, code_id: int) -> tuple[str, int]:
    """Split a code into sub-codes."""
    project, role = current_project(slug)
    lead_only(role)
    names = request.form.get("names", "").replace("；", ";").split(";")
    created = codebooks.split_code(
        db(), project, code_id, names, user=me(), note=request.form.get("note", "")
    )
    return _page(slug, f"Split into {len(created)} codes.")


@bp.route("/p/<slug>/codebook/scale", methods=["POST"])
@login_required
@writes
def scale(slug: str) -> tuple[str, int]:
    """Replace the stance scale (a new codebook version)."""
    project, role = current_project(slug)
    lead_only(role)
    levels = codebooks.parse_scale(request.form.get("scale", ""))
    version = codebooks.set_stance_scale(
        db(), project, levels, user=me(), note=request.form.get("note", "")
    )
    return _page(slug, f"Saved the stance scale as version {version.number}.")


@bp.route("/p/<slug>/codebook/export.<fmt>")
@login_required
def export(slug: str, fmt: str) -> Response:
    """Download the codebook as Excel or REFI-QDA .qdc."""
    project, _role = current_project(slug)
    data, mimetype, name = export_codebook(db(), project, fmt)
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/p/<slug>/codebook/import", methods=["POST"])
@login_required
@writes
def import_file(slug: str) -> tuple[str, int]:
    """Check a codebook file (Excel or REFI-QDA): show what importing would do, keep nothing."""
    project, role = current_project(slug)
    lead_only(role)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("Choose a codebook file (.xlsx, .qdc or .qdpx).")
    data = upload.read()
    if not data:
        raise ValidationError(f"{upload.filename}: the file is empty.")
    report = codebook_import_report(db(), project, upload.filename, data, user=me())
    discard()  # a check: the report says what applying would do
    token = pending_imports.stash(_pending_dir(), project.id, me().id, upload.filename, data)
    html = render_template(
        "codebook/_import_report.html", report=report, project=project, token=token
    )
    return html, 200


@bp.route("/p/<slug>/codebook/import/apply", methods=["POST"])
@login_required
@writes
def apply_import(slug: str) -> tuple[str, int]:
    """Apply a checked codebook import; with items left out only when the lead ticks so."""
    project, role = current_project(slug)
    lead_only(role)
    token = request.form.get("token", "")
    filename, data = pending_imports.load(_pending_dir(), project.id, me().id, token)
    report = codebook_import_report(db(), project, filename, data, user=me())
    report.applied = report.complete or flag(request.form.get("allow_partial"))
    if not report.applied:
        discard()
        return _page(slug, status=422, report=report, token=token)
    pending_imports.discard(_pending_dir(), token)
    return _page(slug, f"Imported {filename} as version {report.version}.", report=report)


def _pending_dir() -> str:
    # Apart from the project imports' stash, so a token only ever applies as a codebook.
    return str(Path(current_app.config["EXPORT_DIR"]) / "pending-codebooks")
