"""Agreement: reports with charts, reliability rounds, adjudication, gold standard, methods.

Every route is for project leads, except a coder's own gold-standard results (``mine`` and
``gold_result`` for themselves). No agreement route ever shows a coder another coder's codings.
"""

from __future__ import annotations

import json
import math
from typing import Any, cast

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import login_required

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.core.agreement import DEFAULT_SEED, AgreementReport
from workbench.core.errors import Forbidden
from workbench.models import Project, User
from workbench.reliability import adjudication, rounds
from workbench.reliability import records as agreement_data
from workbench.web.access import current_project, lead_only, me
from workbench.web.htmx import is_htmx
from workbench.web.parsers import ints, number, opt_int
from workbench.web.unit import db, writes

bp = Blueprint("agreement", __name__)

DEFAULT_BOOTSTRAP = 1000


def _lead(slug: str) -> Project:
    project, role = current_project(slug)
    lead_only(role)
    return project


# ---- charts: geometry for the inline SVG, computed here so templates only draw ----------------

CHART_W, CHART_LEFT, CHART_RIGHT, ROW_H, CHART_TOP = 720, 260, 24, 24, 28


def alpha_chart(report: AgreementReport) -> dict[str, Any]:
    """Geometry of the α-per-code chart: points, CI whiskers, ticks and threshold lines."""
    values: list[float] = []
    for rep in report.per_code.values():
        values += [
            v for v in (rep.presence.alpha, *(rep.presence.alpha_ci95 or ())) if v is not None
        ]
    low = math.floor(min([0.0, *values]) * 5) / 5  # down to a multiple of 0.2
    span = 1.0 - low
    plot = CHART_W - CHART_LEFT - CHART_RIGHT

    def x(v: float) -> float:
        return round(CHART_LEFT + (max(low, min(1.0, v)) - low) / span * plot, 1)

    rows = []
    for i, (code, rep) in enumerate(report.per_code.items()):
        alpha, ci = rep.presence.alpha, rep.presence.alpha_ci95
        rows.append(
            {
                "code": code,
                "label": code if len(code) <= 38 else "…" + code[-37:],
                "y": CHART_TOP + i * ROW_H + ROW_H / 2,
                "alpha": alpha,
                "x": x(alpha) if alpha is not None else None,
                "lo": x(ci[0]) if ci else None,
                "hi": x(ci[1]) if ci else None,
                "ci": ci,
                "flag": rep.flag,
            }
        )
    steps = round(span / 0.2)
    ticks = [(x(low + k * 0.2), f"{low + k * 0.2:.1f}") for k in range(steps + 1)]
    return {
        "width": CHART_W,
        "height": CHART_TOP + max(1, len(rows)) * ROW_H + 8,
        "top": CHART_TOP - 6,
        "bottom": CHART_TOP + max(1, len(rows)) * ROW_H,
        "left": CHART_LEFT,
        "rows": rows,
        "ticks": ticks,
        "thresholds": [(x(0.667), "0.667"), (x(0.8), "0.800")],
    }


def heat_colour(value: float | None) -> str:
    """Background of a heatmap cell: red (κ <= 0) through yellow to green (κ = 1)."""
    if value is None:
        return "#eeeeee"
    hue = round(120 * max(0.0, min(1.0, value)))
    return f"hsl({hue} 65% 78%)"


def heatmap(report: AgreementReport, names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of the coder-pair heatmap: pooled presence κ of every pair of coders."""
    rows = []
    for a in report.coders:
        cells = []
        for b in report.coders:
            pair = report.coder_pairs.get(f"{a}|{b}") or report.coder_pairs.get(f"{b}|{a}")
            value = pair.pooled_kappa if pair and a != b else None
            cells.append(
                {
                    "self": a == b,
                    "value": value,
                    "shared": pair.shared_passages if pair else None,
                    "colour": heat_colour(value) if a != b else "#ffffff",
                    "title": f"{names.get(a, a)} × {names.get(b, b)}",
                }
            )
        rows.append({"coder": names.get(a, a), "cells": cells})
    return rows


# ---- overview and rounds -------------------------------------------------------------------


def _rounds_context(project: Project) -> dict[str, Any]:
    session = db()
    return {
        "summaries": rounds.summaries(session, project),
        "codes": [p for _, p in agreement_data.report_codes(session, project)],
    }


@bp.route("/p/<slug>/agreement")
@login_required
def index(slug: str) -> str:
    """Overview: rounds compared over time, a new round, links to reports and adjudication."""
    project = _lead(slug)
    session = db()
    members = [u for u, _ in accounts.members(session, project)]
    return render_template(
        "agreement/index.html",
        project=project,
        role="lead",
        members=members,
        documents=rounds.round_documents(session, project),
        **_rounds_context(project),
    )


@bp.route("/p/<slug>/agreement/rounds", methods=["POST"])
@login_required
@writes
def create_round(slug: str) -> Response | str:
    """Draw a sample and start a reliability round."""
    project = _lead(slug)
    form = request.form
    rnd = rounds.create_round(
        db(),
        project,
        me(),
        name=form.get("name", ""),
        size=opt_int(form.get("size"), "size") or 0,
        coder_ids=ints("coders"),
        seed=opt_int(form.get("seed"), "seed"),
        stratify=form.get("stratify", "document"),
        doc_ids=ints("documents") or None,
    )
    if not is_htmx():
        return cast(Response, redirect(url_for("agreement.round_page", slug=slug, round_id=rnd.id)))
    message = (
        f"Round “{rnd.name}” created: {rnd.sample['drawn']} passages for "
        f"{len(rnd.sample['coder_ids'])} coders (seed {rnd.sample['seed']})."
    )
    return render_template(
        "agreement/_rounds.html", project=project, message=message, **_rounds_context(project)
    )


def _gold_context(project: Project, round_id: int, message: str | None = None) -> dict[str, Any]:
    session = db()
    rnd = agreement_data.get_round(session, project, round_id)
    chosen = set(agreement_data.round_coder_ids(session, rnd))
    return {
        "project": project,
        "rnd": rnd,
        "results": rounds.gold_results(session, project, rnd) if rnd.is_gold else [],
        "candidates": [u for u, _ in accounts.members(session, project) if u.id not in chosen],
        "message": message,
    }


@bp.route("/p/<slug>/agreement/rounds/<int:round_id>")
@login_required
def round_page(slug: str, round_id: int) -> str:
    """A round: how it was drawn, the coders' progress, its gold standard."""
    project = _lead(slug)
    session = db()
    rnd = agreement_data.get_round(session, project, round_id)
    # The round's own statistics, on its page (point estimates; the full report has intervals).
    scope = agreement_data.scope_for(session, project, round_id=round_id)
    pr = agreement_data.project_report(session, project, scope, bootstrap=0, breakdowns=False)
    paragraph, stats = agreement_data.methods_from(pr, 3)
    return render_template(
        "agreement/round.html",
        role="lead",
        pr=pr,
        stats=stats,
        paragraph=paragraph,
        progress=rounds.round_progress(session, rnd),
        passages=rounds.round_passage_count(session, rnd),
        unresolved=len(adjudication.unresolved(session, project, rnd)),
        created=rounds.created_label(rnd),
        **_gold_context(project, round_id),
    )


@bp.route("/p/<slug>/agreement/rounds/<int:round_id>/gold", methods=["POST"])
@login_required
@writes
def gold(slug: str, round_id: int) -> str:
    """Declare the round's consensus gold (with a pass threshold), or revoke it."""
    project = _lead(slug)
    rnd = agreement_data.get_round(db(), project, round_id)
    if request.form.get("action") == "revoke":
        rounds.revoke_gold(db(), project, me(), rnd)
        message = "The round is no longer a gold standard."
    else:
        threshold = number(request.form.get("threshold"), "threshold")
        accepted = rounds.declare_gold(db(), project, me(), rnd, threshold)
        message = f"Gold standard with pass threshold κ ≥ {threshold:g}." + (
            f" {accepted} passages the coders agreed on were accepted into the consensus."
            if accepted
            else ""
        )
    return render_template("agreement/_gold.html", **_gold_context(project, round_id, message))


@bp.route("/p/<slug>/agreement/rounds/<int:round_id>/trainees", methods=["POST"])
@login_required
@writes
def trainees(slug: str, round_id: int) -> str:
    """Assign coders to code a gold round and be measured against it."""
    project = _lead(slug)
    rnd = agreement_data.get_round(db(), project, round_id)
    added = rounds.assign_trainees(db(), project, me(), rnd, ints("coders"))
    message = f"{added} assignments added."
    return render_template("agreement/_gold.html", **_gold_context(project, round_id, message))


@bp.route("/p/<slug>/agreement/rounds/<int:round_id>/gold/<int:user_id>")
@login_required
def gold_result(slug: str, round_id: int, user_id: int) -> str:
    """One coder's result against a gold round: leads see anyone's, a coder only their own."""
    project, role = current_project(slug)
    if role != "lead" and user_id != me().id:
        raise Forbidden("You can only see your own gold-standard results.")
    rnd = agreement_data.get_round(db(), project, round_id)
    user = db().get(User, user_id)
    if user is None:
        raise Forbidden("You can only see your own gold-standard results.")
    result = rounds.gold_results(db(), project, rnd, only=user)[0]
    return render_template(
        "agreement/gold_result.html", project=project, role=role, rnd=rnd, result=result
    )


@bp.route("/p/<slug>/agreement/mine")
@login_required
def mine(slug: str) -> str:
    """The signed-in coder's gold-standard rounds and results."""
    project, role = current_project(slug)
    session = db()
    results = [
        (rnd, rounds.gold_results(session, project, rnd, only=me())[0])
        for rnd in rounds.gold_rounds_of(session, project, me())
    ]
    return render_template("agreement/mine.html", project=project, role=role, results=results)


# ---- reports -------------------------------------------------------------------------------


def _scope(project: Project) -> agreement_data.Scope:
    args = request.args
    return agreement_data.scope_for(
        db(),
        project,
        round_id=opt_int(args.get("round"), "round"),
        doc_ids=ints("doc") or None,
        code_ids=ints("code") or None,
    )


def _report(project: Project, *, breakdowns: bool) -> agreement_data.ProjectReport:
    bootstrap = opt_int(request.args.get("bootstrap"), "bootstrap")
    seed = opt_int(request.args.get("seed"), "seed")
    return agreement_data.project_report(
        db(),
        project,
        _scope(project),
        bootstrap=DEFAULT_BOOTSTRAP if bootstrap is None else bootstrap,
        seed=DEFAULT_SEED if seed is None else seed,
        breakdowns=breakdowns,
    )


@bp.route("/p/<slug>/agreement/report")
@login_required
def report(slug: str) -> str:
    """The full report of the project or a round, with charts; filters by documents and codes."""
    project = _lead(slug)
    pr = _report(project, breakdowns=False)  # breakdowns load on demand, one key at a time
    session = db()
    return render_template(
        "agreement/report.html",
        project=project,
        role="lead",
        pr=pr,
        r=pr.report,
        names=pr.coders,
        chart=alpha_chart(pr.report),
        heat=heatmap(pr.report, pr.coders),
        all_rounds=rounds.list_rounds(session, project),
        all_codes=agreement_data.report_codes(session, project),
        documents=rounds.round_documents(session, project),
        query=request.query_string.decode(),
        breakdown_keys=BREAKDOWN_LABELS,
    )


BREAKDOWN_LABELS = [
    ("speech", "Speech: original or translated"),
    ("language", "Language of the text"),
    ("original_language", "Original language"),
    ("delegation", "Delegation"),
    ("doc_type", "Document type"),
    ("document", "Document"),
]


@bp.route("/p/<slug>/agreement/report/breakdown")
@login_required
def breakdown(slug: str) -> str:
    """Presence α per value of one metadata key (a fragment the report loads when opened)."""
    project = _lead(slug)
    key = request.args.get("by", "")
    codes, groups = agreement_data.breakdown(db(), project, _scope(project), key)
    return render_template(
        "agreement/_breakdown.html", codes=codes, groups=groups, label=dict(BREAKDOWN_LABELS)[key]
    )


@bp.route("/p/<slug>/agreement/report.json")
@login_required
def report_json_view(slug: str) -> Response:
    """The report as JSON (same numbers as the page and the CLI)."""
    project = _lead(slug)
    body = json.dumps(
        agreement_data.report_payload(_report(project, breakdowns=True), project),
        ensure_ascii=False,
        indent=1,
    )
    return Response(body, mimetype="application/json")


@bp.route("/p/<slug>/agreement/methods")
@login_required
def methods(slug: str) -> Response | str:
    """Paragraph and table for a paper's methods section, as HTML or a Markdown download."""
    project = _lead(slug)
    pr = _report(project, breakdowns=False)
    paragraph, rows = agreement_data.methods_from(pr, 3)
    markdown = agreement_data.methods_markdown(paragraph, rows)
    if request.args.get("format") == "md":
        name = f"methods-{project.slug}" + (f"-round-{pr.round.id}" if pr.round else "")
        return Response(
            markdown,
            mimetype="text/markdown",
            headers={"Content-Disposition": f'attachment; filename="{name}.md"'},
        )
    return render_template(
        "agreement/methods.html",
        project=project,
        role="lead",
        pr=pr,
        paragraph=paragraph,
        rows=rows,
        columns=agreement_data.METHODS_COLUMNS,
        markdown=markdown,
        query=request.query_string.decode(),
    )


# ---- disagreements and adjudication --------------------------------------------------------


def _card_context(project: Project) -> dict[str, Any]:
    return {
        "project": project,
        "all_codes": agreement_data.report_codes(db(), project),
        "stance_codes": {c.id for c in codebooks.live_codes(db(), project) if c.takes_stance},
        "scale": codebooks.stance_scale(project),
    }


@bp.route("/p/<slug>/agreement/disagreements")
@login_required
def disagreements(slug: str) -> str:
    """Passages where coders differ, side by side, filterable by round, code and status."""
    project = _lead(slug)
    args = request.args
    round_id = opt_int(args.get("round"), "round")
    hide = args.get("names") == "hide"
    browser = adjudication.browse(
        db(),
        project,
        round_id=round_id,
        code_id=opt_int(args.get("code"), "code"),
        status=args.get("status") or "open",
        hide_names=hide,
        page=opt_int(args.get("page"), "page") or 1,
    )
    return render_template(
        "agreement/disagreements.html",
        role="lead",
        browser=browser,
        round_id=round_id,
        hide=hide,
        status=args.get("status") or "open",
        code_id=opt_int(args.get("code"), "code"),
        all_rounds=rounds.list_rounds(db(), project),
        **_card_context(project),
    )


def _card(project: Project, passage_id: int, message: str | None = None) -> str:
    round_id = opt_int(request.values.get("round"), "round")
    hide = request.values.get("names") == "hide"
    item, coders = adjudication.passage_card(
        db(), project, passage_id, round_id=round_id, hide_names=hide
    )
    template = "agreement/_passage.html" if is_htmx() else "agreement/passage.html"
    in_browser = is_htmx() and request.values.get("browser") == "1"
    oob_counts = None
    if in_browser and request.method == "POST":
        # The browser's open/resolved counter changes with every adjudication made in place.
        open_n, resolved_n = adjudication.counts(
            db(),
            project,
            round_id=round_id,
            code_id=opt_int(request.values.get("code_filter"), "code"),
        )
        oob_counts = {"open": open_n, "resolved": resolved_n}
    return render_template(
        template,
        role="lead",
        item=item,
        coders=coders,
        round_id=round_id,
        hide=hide,
        message=message,
        in_browser=in_browser,
        code_id=opt_int(request.values.get("code_filter"), "code") if in_browser else None,
        oob_counts=oob_counts,
        **_card_context(project),
    )


@bp.route("/p/<slug>/agreement/passages/<int:passage_id>")
@login_required
def passage(slug: str, passage_id: int) -> str:
    """One passage's codings side by side with its consensus and the adjudication form."""
    return _card(_lead(slug), passage_id)


@bp.route("/p/<slug>/agreement/passages/<int:passage_id>/resolve", methods=["POST"])
@login_required
@writes
def resolve(slug: str, passage_id: int) -> str:
    """Resolve a passage: adopt one coder's coding, or save edited codes and stances."""
    project = _lead(slug)
    form = request.form
    round_id = opt_int(form.get("round"), "round")
    adopt = opt_int(form.get("adopt"), "adopt")
    if adopt is not None:
        adjudication.adopt(db(), project, me(), passage_id, adopt, round_id=round_id)
    else:
        codes = {cid: opt_int(form.get(f"stance_{cid}"), "stance") for cid in ints("code")}
        adjudication.resolve(
            db(), project, me(), passage_id, codes, note=form.get("note", ""), round_id=round_id
        )
    return _card(project, passage_id, "Consensus saved.")


@bp.route("/p/<slug>/agreement/passages/<int:passage_id>/reopen", methods=["POST"])
@login_required
@writes
def reopen(slug: str, passage_id: int) -> str:
    """Remove a passage's consensus so it can be adjudicated again."""
    project = _lead(slug)
    done = adjudication.reopen(db(), project, me(), passage_id)
    return _card(project, passage_id, "Consensus removed." if done else "There was no consensus.")
