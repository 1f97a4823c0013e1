"""The coding view: keyboard-first coding of passages, one action per request."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from workbench.accounts import audit
from workbench.codebooks import codes as codebooks
from workbench.codebooks.code_index import code_index
from workbench.coding import actions as coding
from workbench.coding import assignments
from workbench.coding import view as coding_view
from workbench.core import limits
from workbench.core.codebook import STANCE_KEYS
from workbench.core.errors import ValidationError
from workbench.documents import catalog as documents
from workbench.models import Passage, Project
from workbench.web.access import current_project, lead_only, me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import ints, opt_int, req_int, text
from workbench.web.unit import db, writes

bp = Blueprint("coding", __name__)


def _filters() -> coding_view.ViewFilters:
    args = request.args
    return coding_view.ViewFilters(
        doc_id=opt_int(args.get("doc"), "doc"),
        round_id=opt_int(args.get("round"), "round"),
        status=args.get("status", "") if args.get("status") in ("todo", "done") else "",
        code_id=opt_int(args.get("code"), "code"),
        speaker=args.get("speaker", ""),
        delegation=args.get("delegation", ""),
        language=args.get("language", ""),
        q=text(args.get("q"), "The search", max_chars=limits.SEARCH),
        assigned=args.get("assigned") == "1",
    )


def _scope_text(f: coding_view.ViewFilters) -> str:
    """Encode the view's scope (document, round, assigned) for its coding actions to send back."""
    parts = [f"doc:{f.doc_id}"] if f.doc_id else []
    parts += [f"round:{f.round_id}"] if f.round_id else []
    parts += ["assigned:1"] if f.assigned else []
    return " ".join(parts) or "all:"


def _scope_filters() -> coding_view.ViewFilters:
    """The scope a coding action's progress bar covers, as the view sent it in 'scope'."""
    f = coding_view.ViewFilters()
    for part in request.values.get("scope", "").split():
        kind, _, value = part.partition(":")
        if kind == "doc":
            f.doc_id = opt_int(value, "scope")
        elif kind == "round":
            f.round_id = opt_int(value, "scope")
        elif kind == "assigned":
            f.assigned = True
    return f


@bp.route("/p/<slug>/code")
@login_required
def view(slug: str) -> str:
    """The coding view over a document, a round, or the coder's assigned passages."""
    return _render_view(slug, _filters())


@bp.route("/p/<slug>/d/<int:doc_id>/code")
@login_required
def code_document(slug: str, doc_id: int) -> str:
    """Shortcut URL for coding one document."""
    f = _filters()
    f.doc_id = doc_id
    return _render_view(slug, f)


def _urls(project: Project) -> dict[str, str]:
    """Action URLs, built once per response rather than once per button."""
    slug = project.slug
    urls = {
        name: url_for(f"coding.{name}", slug=slug)
        for name in ("toggle", "apply", "remove", "stance", "memo", "done")
    }
    # History URLs differ only by the passage id at the end: /p/<slug>/passages/<id>/history.
    urls["passages"] = url_for("coding.history", slug=slug, passage_id=0).removesuffix("0/history")
    return urls


def _render_view(slug: str, f: coding_view.ViewFilters) -> str:
    project, role = current_project(slug)
    user = me()
    doc = documents.get_document(db(), project, f.doc_id) if f.doc_id else None
    page = max(1, opt_int(request.args.get("page"), "page") or 1)
    index = code_index(db(), project.id)
    rows, total = coding_view.load_rows(db(), project, user, role, f, page=page)
    return render_template(
        "coding/_rows.html" if is_htmx() else "coding/view.html",
        project=project,
        role=role,
        doc=doc,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // coding_view.PAGE)),
        filters=f,
        scope=_scope_text(f),
        codes=index.live,
        scale=codebooks.stance_scale(project),
        progress=coding_view.scope_progress(db(), project, user, f),
        speakers=sorted({r.passage.speaker for r in rows if r.passage.speaker}),
        delegations=documents.delegations(db(), project),
        version=index.version,
        stance_keys="".join(STANCE_KEYS),
        urls=_urls(project),
    )


def _respond(project: Project, role: str, passage: Passage, *, selected: int | None = None) -> str:
    """The changed passage plus out-of-band progress for the view's scope."""
    user = me()
    scope = _scope_filters()
    row = coding_view.one_row(db(), project, user, role, passage, with_title=scope.doc_id is None)
    progress = coding_view.scope_progress(db(), project, user, scope)
    return render_template(
        "coding/_action.html",
        project=project,
        role=role,
        row=row,
        scale=codebooks.stance_scale(project),
        selected=selected,
        progress=progress,
        # A round's last passage coded: the coder is told, in place, that the round is done.
        round_finished=scope.round_id is not None and 0 < progress.total == progress.done,
        # In a one-document view the rows carry no document title.
        doc=scope.doc_id is not None,
        urls=_urls(project),
    )


def _span() -> coding.Span | None:
    start = opt_int(request.form.get("span_start"), "span_start")
    end = opt_int(request.form.get("span_end"), "span_end")
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValidationError("A selection needs both span_start and span_end.")
    return coding.Span(start, end)


def _apply(project: Project, passage_id: int, code_id: int, **changes: Any) -> None:
    """Apply a code with optional changes (stance, memo, span) under the current codebook."""
    coding.apply_code(
        db(),
        project,
        me(),
        passage_id,
        code_id,
        codebook_version=code_index(db(), project.id).version,
        memo_limit=current_app.config["MAX_MEMO_CHARS"],
        **changes,
    )


@bp.route("/p/<slug>/code/toggle", methods=["POST"])
@login_required
@writes
def toggle(slug: str) -> str:
    """Apply a code if it is off, remove it if it is on (a selection applies it to that span)."""
    project, role = current_project(slug)
    passage_id, code_id = req_int("passage_id"), req_int("code_id")
    # Loaded once: the service finds it in the identity map, the response reuses it.
    passage = coding.get_passage(db(), project, passage_id)
    span = _span()
    if span is not None:
        _apply(project, passage_id, code_id, span=span)
    else:
        version = code_index(db(), project.id).version
        coding.toggle_code(db(), project, me(), passage_id, code_id, codebook_version=version)
    return _respond(project, role, passage, selected=code_id)


@bp.route("/p/<slug>/code/apply", methods=["POST"])
@login_required
@writes
def apply(slug: str) -> str:
    """Apply a code (idempotent: applying twice is the same as once), with optional stance/memo."""
    project, role = current_project(slug)
    passage_id, code_id = req_int("passage_id"), req_int("code_id")
    # Loaded once: the service finds it in the identity map, the response reuses it.
    passage = coding.get_passage(db(), project, passage_id)
    kwargs: dict[str, object] = {}
    if "stance" in request.form:
        kwargs["stance"] = opt_int(request.form.get("stance"), "stance")
    if "memo" in request.form:
        kwargs["memo"] = request.form.get("memo", "")
    span = _span()
    if span is not None:
        kwargs["span"] = span
    _apply(project, passage_id, code_id, **kwargs)
    return _respond(project, role, passage, selected=code_id)


@bp.route("/p/<slug>/code/remove", methods=["POST"])
@login_required
@writes
def remove(slug: str) -> str:
    """Remove a code from a passage (idempotent)."""
    project, role = current_project(slug)
    passage_id, code_id = req_int("passage_id"), req_int("code_id")
    # Loaded once: the service finds it in the identity map, the response reuses it.
    passage = coding.get_passage(db(), project, passage_id)
    coding.remove_code(db(), project, me(), passage_id, code_id)
    return _respond(project, role, passage)


@bp.route("/p/<slug>/code/stance", methods=["POST"])
@login_required
@writes
def stance(slug: str) -> str:
    """Set the stance of an applied code."""
    project, role = current_project(slug)
    passage_id, code_id = req_int("passage_id"), req_int("code_id")
    # Loaded once: the service finds it in the identity map, the response reuses it.
    passage = coding.get_passage(db(), project, passage_id)
    _apply(project, passage_id, code_id, stance=opt_int(request.form.get("stance"), "stance"))
    return _respond(project, role, passage, selected=code_id)


@bp.route("/p/<slug>/code/memo", methods=["POST"])
@login_required
@writes
def memo(slug: str) -> str:
    """Save the memo of an applied code, or without a code the coder's memo on the passage."""
    project, role = current_project(slug)
    passage_id = req_int("passage_id")
    passage = coding.get_passage(db(), project, passage_id)
    code_id = opt_int(request.form.get("code_id"), "code_id")
    text = request.form.get("memo", "")
    if code_id is None:
        limit = current_app.config["MAX_MEMO_CHARS"]
        coding.set_passage_memo(db(), project, me(), passage_id, text, limit=limit)
    else:
        _apply(project, passage_id, code_id, memo=text)
    return _respond(project, role, passage, selected=code_id)


@bp.route("/p/<slug>/code/done", methods=["POST"])
@login_required
@writes
def done(slug: str) -> str:
    """Mark the passage coded by me ("nothing applies" is an answer), or reopen it."""
    project, role = current_project(slug)
    passage_id = req_int("passage_id")
    passage = coding.get_passage(db(), project, passage_id)
    coding.set_done(db(), project, me(), passage_id, request.form.get("coded", "1") == "1")
    return _respond(project, role, passage)


@bp.route("/p/<slug>/passages/<int:passage_id>/history")
@login_required
def history(slug: str, passage_id: int) -> str:
    """The passage's change history; in blind mode a coder sees only their own changes."""
    project, role = current_project(slug)
    documents.get_passage(db(), project, passage_id)
    only = None if coding_view.sees_others(project, role) else me().id
    events = audit.passage_history(db(), project.id, passage_id, coder_id=only)
    codes = {c.id: c.path for c in code_index(db(), project.id).by_id.values()}
    return render_template(
        "coding/_history.html", events=events, codes=codes, passage_id=passage_id
    )


@bp.route("/p/<slug>/queue")
@login_required
def queue(slug: str) -> str:
    """The coder's queue: assigned documents and rounds with progress."""
    project, role = current_project(slug)
    return render_template(
        "coding/queue.html",
        project=project,
        role=role,
        queue=assignments.queue_for(db(), project, me()),
    )


@bp.route("/p/<slug>/team")
@login_required
def team(slug: str) -> str:
    """The lead's view of the team: assignments and each coder's progress."""
    project, role = current_project(slug)
    lead_only(role)
    data = assignments.team_progress(db(), project)
    template = "coding/_team_progress.html" if is_htmx() else "coding/team.html"
    return render_template(
        template,
        project=project,
        role=role,
        team=data,
        docs=assignments.document_choices(db(), project),
    )


@bp.route("/p/<slug>/assign", methods=["POST"])
@login_required
@writes
def assign(slug: str) -> Response | str:
    """Assign documents, or a stratified random sample of passages, to coders with an overlap."""
    project, role = current_project(slug)
    lead_only(role)
    coder_ids = ints("coders")
    overlap = _percent(request.form.get("overlap", "20"))
    seed = opt_int(request.form.get("seed"), "seed")
    if request.form.get("mode") == "sample":
        size = opt_int(request.form.get("size"), "size") or 0
        result = assignments.assign_sample(
            db(), project, coder_ids, size=size, overlap=overlap, seed=seed
        )
    else:
        doc_ids = ints("documents")
        result = assignments.assign_documents(
            db(), project, doc_ids, coder_ids, overlap=overlap, seed=seed
        )
    data = assignments.team_progress(db(), project)
    return render_template("coding/_team_progress.html", project=project, team=data, message=result)


def _percent(raw: str | None) -> float:
    try:
        value = float(raw or 0)
    except ValueError:
        raise ValidationError("overlap: give a percentage between 0 and 100.") from None
    if not 0 <= value <= 100:
        raise ValidationError("overlap: give a percentage between 0 and 100.")
    return value / 100
