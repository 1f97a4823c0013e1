"""Coding quality: the lead's drift and suggestions page, refresher sets, and accepting a
suggestion in the coding view."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request

from workbench.coding.commands import Acted
from workbench.coding.commands import Command
from workbench.coding.view import PassageView
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.jobs import training
from workbench.models import Passage
from workbench.models import Project
from workbench.quality import refresher
from workbench.quality import suggestions
from workbench.quality.drift import DriftSettings
from workbench.quality.pages import quality_page
from workbench.quality.report_drift import report_drift as report_drift_table
from workbench.web import jobs
from workbench.web.access import current_project
from workbench.web.access import me
from workbench.web.coding import _scope_filters
from workbench.web.coding import read_action
from workbench.web.coding import render_action
from workbench.web.coding import suggestion_context
from workbench.web.parsers import opt_int
from workbench.web.parsers import req_int
from workbench.web.routes import action
from workbench.web.routes import lead_action
from workbench.web.routes import lead_route
from workbench.web.unit import db

bp = Blueprint("quality", __name__)

AGAINST_CHOICES = ("consensus", "gold", "coders")


def _settings() -> DriftSettings:
    args = request.values
    against = args.get("against", "consensus")
    if against not in AGAINST_CHOICES:
        raise ValidationError("against: choose consensus, gold or coders.")
    window = opt_int(args.get("window"), "window") or 20
    return DriftSettings(against=against, window=window, replicates=200)


def _page(project: Project, message: str = "") -> str:
    page = quality_page(db(), project, _settings(), message)
    state = training.training_state(db(), project)
    return render_template("quality/index.html", **vars(page), training=state, role="lead")


@lead_route(bp, "/p/<slug>/quality")
def index(project: Project) -> str:
    """Each coder's agreement over their coding order, flags, and coding suggestions."""
    return _page(project)


@lead_route(bp, "/p/<slug>/agreement/report/drift")
def report_drift(project: Project) -> str:
    """The agreement report's drift table (a fragment the report loads when opened)."""
    drift = report_drift_table(db(), project, _settings())
    return render_template("quality/_report_drift.html", project=project, drift=drift)


def _message(done: tuple[Project, str]) -> str:
    return render_template("quality/_message.html", message=done[1])


@lead_action(bp, "/p/<slug>/quality/refresher", then=_message)
def assign_refresher(project: Project) -> tuple[Project, str]:
    """Put a refresher set of gold passages in a coder's queue."""
    coder_id = req_int("coder_id")
    size = opt_int(request.form.get("size"), "size") or refresher.DEFAULT_REFRESHER
    added = refresher.assign_refresher(db(), project, me(), coder_id, size)
    return project, _("Assigned %(n)s gold passages as a refresher set.", n=added)


def _panel(done: tuple[Project, str]) -> str:
    project, message = done
    return render_template(
        "quality/_suggestions.html",
        project=project,
        evaluations=suggestions.evaluations(db(), project),
        message=message,
    )


@lead_action(bp, "/p/<slug>/quality/suggestions/enable", then=_panel)
def enable(project: Project) -> tuple[Project, str]:
    """Enable (or disable) suggestions for a ready code."""
    code_id = req_int("code_id")
    on = request.form.get("enabled", "1") == "1"
    suggestions.set_enabled(db(), project, me(), code_id, on)
    return project, _("Suggestions enabled.") if on else _("Suggestions disabled.")


def _training(state: training.TrainingState, project: Project) -> str:
    return render_template(
        "quality/_training.html",
        project=project,
        training=state,
        trained=suggestions.stored_model(db(), project) is not None,
    )


def _started(done: tuple[Project, int, bool]) -> str:
    project, job_id, created = done
    if created:  # only once the job row is committed: the worker reads it
        jobs.enqueue(job_id)
    return _training(training.training_state(db(), project, job_id), project)


@lead_action(bp, "/p/<slug>/quality/suggestions/train", then=_started)
def train(project: Project) -> tuple[Project, int, bool]:
    """Queue the training of the suggestion models as a background job."""
    job, created = training.start_training(db(), project, me(), **jobs.caps())
    return project, job.id, created


@lead_route(bp, "/p/<slug>/quality/training/<int:job_id>")
def training_job(project: Project, job_id: int) -> str:
    """A training job's state, polled by the quality page while it runs."""
    return _training(training.training_state(db(), project, job_id), project)


# A coding action like the others (web/coding.py): one transaction from the user's lookup on.
@action(bp, "/p/<slug>/suggest/accept", read=read_action, then=render_action, whole_request=True)
def accept(slug: str) -> Acted:
    """Accept a suggestion: apply its code, recorded as an assisted coding."""
    project, role = current_project(slug)
    command = Command("accept", req_int("passage_id"), req_int("code_id"))
    memo_limit = current_app.config["MAX_MEMO_CHARS"]
    return suggestions.accept(
        db(), project, role, me(), command, _scope_filters(), memo_limit=memo_limit
    )


def row_suggestions(
    passage: Passage | PassageView, applied: Any = ()
) -> list[suggestions.Suggestion]:
    """The suggestion chips of one passage row in the coding view.

    The coder's context is read once a request. A page computes the suggestions of the
    passage's whole document together on its first row (one batch, not one per row); a coding
    action's fragment, a single row, computes that passage's alone."""
    if not passage.codable:
        return []
    prepared = suggestion_context()
    if prepared is None:
        return []
    state: dict[str, Any] = g.wb_suggestions
    taken = {getattr(a, "id", a) for a in applied}
    if request.method != "GET":
        # A coding action sends back its one row: suggest for that passage alone.
        found = prepared.for_passages([(passage.id, passage.text)]).get(passage.id, [])
        return [s for s in found if s.code_id not in taken]
    by_document: dict[int, dict[int, list[suggestions.Suggestion]]] = state["by_document"]
    if passage.document_id not in by_document:
        by_document[passage.document_id] = prepared.for_passages(
            suggestions.document_texts(db(), passage.document_id)
        )
    found = by_document[passage.document_id].get(passage.id, [])
    return [s for s in found if s.code_id not in taken]


def uncertainty_order_offered() -> bool:
    """Whether this coding view may be put in order of uncertainty (suggestions on, no round)."""
    if request.args.get("round"):
        return False
    return suggestion_context() is not None


# A template global rather than a context processor: the passage row is a macro imported without
# the page's context, and globals reach it there too.
def against_labels() -> dict[str, str]:
    """What drift can be measured against, each in the reader's language."""
    return {
        "consensus": _("the consensus"),
        "gold": _("the gold passages"),
        "coders": _("the other coders (overlap)"),
    }


bp.add_app_template_global(row_suggestions, "row_suggestions")
bp.add_app_template_global(against_labels, "against_labels")
bp.add_app_template_global(uncertainty_order_offered, "uncertainty_order_offered")
