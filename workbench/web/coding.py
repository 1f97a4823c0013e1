"""The coding view: keyboard-first coding of passages, one action per request."""

from __future__ import annotations

from typing import Any
from typing import cast

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup

from workbench.coding import assignments
from workbench.coding import commands
from workbench.coding import pages
from workbench.coding.targets import Span
from workbench.coding.view import ViewFilters
from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Project
from workbench.quality import queue_order
from workbench.quality import shown
from workbench.quality import suggestions
from workbench.web.access import current_project
from workbench.web.access import lead_only
from workbench.web.access import login_required
from workbench.web.access import me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import ints
from workbench.web.parsers import opt_int
from workbench.web.parsers import req_int
from workbench.web.parsers import text
from workbench.web.routes import lead_action
from workbench.web.routes import route
from workbench.web.unit import db
from workbench.web.unit import writes

bp = Blueprint("coding", __name__)


@bp.app_template_filter("kbd")
def kbd(key: object) -> Markup:
    """A key to press, as markup to pass into a translated message ("press %(key)s ...")."""
    return Markup("<kbd>%s</kbd>") % key


@bp.app_template_filter("data")
def data(value: object) -> Markup:
    """Users' text (a code name, a label) inside a translated message, marked not to translate."""
    return Markup('<span translate="no">%s</span>') % value


def _filters() -> ViewFilters:
    args = request.args
    return ViewFilters(
        doc_id=opt_int(args.get("doc"), "doc"),
        round_id=opt_int(args.get("round"), "round"),
        status=args.get("status", "") if args.get("status") in ("todo", "done") else "",
        code_id=opt_int(args.get("code"), "code"),
        speaker=args.get("speaker", ""),
        delegation=args.get("delegation", ""),
        language=args.get("language", ""),
        q=text(args.get("q"), _("The search"), max_chars=limits.SEARCH),
        assigned=args.get("assigned") == "1",
    )


def _scope_filters() -> ViewFilters:
    """The scope a coding action's progress bar covers, as the view sent it in 'scope'."""
    f = ViewFilters()
    for part in request.values.get("scope", "").split():
        kind, _, value = part.partition(":")
        if kind == "doc":
            f.doc_id = opt_int(value, "scope")
        elif kind == "round":
            f.round_id = opt_int(value, "scope")
        elif kind == "assigned":
            f.assigned = True
    return f


# Action URLs by (mount point, slug): they depend on nothing else, and building eight of them
# with url_for on every coding action cost a few percent of its time. Bounded: slugs come from
# URLs.
_URLS: dict[tuple[str, str], dict[str, str]] = {}
_URLS_KEPT = 1024


def _urls(project: Project) -> dict[str, str]:
    """Action URLs, built once per project and mount point rather than once per button."""
    key = (request.script_root, project.slug)
    urls = _URLS.get(key)
    if urls is None:
        urls = _build_urls(project.slug)
        if len(_URLS) >= _URLS_KEPT:
            _URLS.clear()
        _URLS[key] = urls
    return urls


def _build_urls(slug: str) -> dict[str, str]:
    urls = {name: url_for(f"coding.{name}", slug=slug) for name in commands.ACTIONS}
    urls["accept"] = url_for("quality.accept", slug=slug)
    # History URLs differ only by the passage id at the end: /p/<slug>/passages/<id>/history.
    urls["passages"] = url_for("coding.history", slug=slug, passage_id=0).removesuffix("0/history")
    return urls


@route(bp, "/p/<slug>/code")
def view(slug: str) -> str:
    """The coding view over a document, a round, or the coder's assigned passages."""
    return _render_view(slug, _filters())


@route(bp, "/p/<slug>/d/<int:doc_id>/code")
def code_document(slug: str, doc_id: int) -> str:
    """Shortcut URL for coding one document."""
    f = _filters()
    f.doc_id = doc_id
    return _render_view(slug, f)


def _render_view(slug: str, f: ViewFilters) -> str:
    project, role = current_project(slug)
    number = max(1, opt_int(request.args.get("page"), "page") or 1)
    if request.args.get("order") == queue_order.UNCERTAINTY:
        # The coder's choice; ignored (document order) where suggestions are not offered.
        f.passage_order = queue_order.uncertainty_order(db(), project, me(), f)
    page = pages.coding_page(db(), project, role, me(), f, page=number)
    template = "coding/_rows.html" if is_htmx() else "coding/view.html"
    return render_template(template, **vars(page), urls=_urls(project))


# The coding actions. Each parses what its buttons send into one Command; the changed passage and
# the scope's progress are read in the write's transaction and rendered after its commit.


def _span() -> Span | None:
    start = opt_int(request.form.get("span_start"), "span_start")
    end = opt_int(request.form.get("span_end"), "span_end")
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise ValidationError(_("A selection needs both its start and its end."))
    return Span(start, end)


def _command(action: str) -> commands.Command:
    """Read one coding action's fields as its buttons send them."""
    form = request.form
    passage_id = req_int("passage_id")
    if action == "done":
        return commands.Command(action, passage_id, coded=form.get("coded", "1") == "1")
    if action == "memo":
        code_id = opt_int(form.get("code_id"), "code_id")
        return commands.Command(action, passage_id, code_id, {"memo": form.get("memo", "")})
    code_id = req_int("code_id")
    changes: dict[str, object] = {}
    if action == "stance" or (action == "apply" and "stance" in form):
        changes["stance"] = opt_int(form.get("stance"), "stance")
    if action == "apply" and "memo" in form:
        changes["memo"] = form.get("memo", "")
    if action in ("toggle", "apply") and (span := _span()) is not None:
        changes["span"] = span
    return commands.Command(action, passage_id, code_id, changes)


def suggestion_context() -> suggestions.Prepared | None:
    """The signed-in coder's suggestion context in the URL's project, read once a request.

    None outside a project, or where no code offers suggestions. The coding view's rows and
    its order by uncertainty ask for it (web/quality.py)."""
    state: dict[str, Any] = g.setdefault("wb_suggestions", {})
    if "prepared" not in state:
        slug = (request.view_args or {}).get("slug")
        prepared = None
        if isinstance(slug, str):
            project, _role = current_project(slug)
            prepared = suggestions.prepare(db(), project, me())
        state["prepared"] = prepared
        state["by_document"] = {}
    return cast(suggestions.Prepared | None, state["prepared"])


def read_action(acted: commands.Acted) -> pages.ActionFragment:
    """Read what a coding action's answer shows, in its write: the row, the progress and the
    coder's suggestion context, so that rendering the row after the commit reads nothing."""
    fragment = pages.action_fragment(db(), acted, me())
    suggestion_context()
    return fragment


def render_action(fragment: pages.ActionFragment) -> str:
    """The answer to a coding action: the passage's row, the scope's progress and message."""
    env = current_app.jinja_env
    # The row's macros are handed in rather than imported by the template: an import scans
    # every global of the environment on each render, a few percent of a coding action's CPU.
    return render_template(
        "coding/_action.html",
        **vars(fragment),
        urls=_urls(fragment.project),
        rows=env.get_template("coding/_passage.html").module,
        common=env.get_template("_macros.html").module,
    )


# The hottest request of the tool: one transaction from the user's lookup to the changed row.
@writes(read=read_action, then=render_action, whole_request=True)
def _act(slug: str) -> commands.Acted:
    """A coding action: toggle, apply (idempotent), remove, stance, memo, done (or reopen)."""
    project, role = current_project(slug)
    command = _command(str(request.endpoint).rpartition(".")[2])
    memo_limit = current_app.config["MAX_MEMO_CHARS"]
    # The view says when the code's own suggestion chip was on screen as it was applied.
    perform = shown.perform_with_chip_shown if _chip_shown() else commands.perform
    return perform(db(), project, role, me(), command, _scope_filters(), memo_limit=memo_limit)


def _chip_shown() -> bool:
    return request.form.get("suggestion_shown") == "1"


# One view for the six actions; the endpoint's name says which action it is.
for _name in commands.ACTIONS:
    bp.add_url_rule(f"/p/<slug>/code/{_name}", _name, login_required(_act), methods=["POST"])


@route(bp, "/p/<slug>/passages/<int:passage_id>/history")
def history(slug: str, passage_id: int) -> str:
    """The passage's change history; in blind mode a coder sees only their own changes."""
    project, role = current_project(slug)
    fragment = pages.history_fragment(db(), project, role, me(), passage_id)
    return render_template("coding/_history.html", **vars(fragment))


@route(bp, "/p/<slug>/passages/<int:passage_id>/codings")
def others(slug: str, passage_id: int) -> str:
    """Other coders' codings of a passage, opened under it; refused to a coder in blind mode."""
    project, role = current_project(slug)
    fragment = pages.others_fragment(db(), project, role, me(), passage_id)
    return render_template("coding/_others.html", **vars(fragment))


@route(bp, "/p/<slug>/queue")
def queue(slug: str) -> str:
    """The coder's queue: assigned documents and rounds with progress."""
    project, role = current_project(slug)
    return render_template(
        "coding/queue.html",
        project=project,
        role=role,
        queue=assignments.queue_for(db(), project, me()),
    )


@route(bp, "/p/<slug>/team")
def team(slug: str) -> str:
    """The lead's view of the team: assignments and each coder's progress."""
    project, role = current_project(slug)
    lead_only(role)
    template = "coding/_team_progress.html" if is_htmx() else "coding/team.html"
    return render_template(template, **vars(pages.team_page(db(), project)), role=role)


def _team_progress(done: tuple[Project, str]) -> str:
    page = pages.team_page(db(), done[0], message=done[1])
    return render_template("coding/_team_progress.html", **vars(page))


@lead_action(bp, "/p/<slug>/assign", then=_team_progress)
def assign(project: Project) -> tuple[Project, str]:
    """Assign documents, or a stratified random sample of passages, to coders with an overlap."""
    form = request.form
    sample = form.get("mode") == "sample"
    order = assignments.AssignOrder(
        coder_ids=ints("coders"),
        overlap=_percent(form.get("overlap", "20")),
        seed=opt_int(form.get("seed"), "seed"),
        sample_size=(opt_int(form.get("size"), "size") or 0) if sample else None,
        doc_ids=None if sample else ints("documents"),
    )
    return project, assignments.assign(db(), project, order)


def _percent(raw: str | None) -> float:
    try:
        value = float(raw or 0)
    except ValueError:
        raise ValidationError(_("Overlap: give a percentage between 0 and 100.")) from None
    if not 0 <= value <= 100:
        raise ValidationError(_("Overlap: give a percentage between 0 and 100."))
    return value / 100
