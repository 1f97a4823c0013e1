"""Agreement: reports with charts, reliability rounds, adjudication, gold standard, methods.

Every route is for project leads, except a coder's own gold-standard results (``mine`` and
``gold_result`` for themselves). No agreement route ever shows a coder another coder's codings.
Each view parses its input, makes one call into the reliability area's page modules
(``round_pages``, ``report_pages``, ``adjudication_pages``) and renders what it gets.
"""

from __future__ import annotations

import json
from typing import cast
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from workbench.core.errors import Conflict
from workbench.core.i18n import _
from workbench.jobs import export_jobs
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.reliability import adjudication_pages
from workbench.reliability import report_pages
from workbench.reliability import reports as agreement_reports
from workbench.reliability import round_pages
from workbench.reliability import rounds
from workbench.web import jobs
from workbench.web.access import current_project
from workbench.web.access import me
from workbench.web.htmx import is_htmx
from workbench.web.locale import current_language
from workbench.web.parsers import ints
from workbench.web.parsers import number
from workbench.web.parsers import opt_int
from workbench.web.routes import lead_action
from workbench.web.routes import lead_route
from workbench.web.routes import route
from workbench.web.unit import db
from workbench.web.unit import writing

bp = Blueprint("agreement", __name__)


# ---- overview and rounds -------------------------------------------------------------------


@lead_route(bp, "/p/<slug>/agreement")
def index(project: Project) -> str:
    """Overview: rounds compared over time, a new round, links to reports and adjudication."""
    page = round_pages.overview(db(), project)
    return render_template("agreement/index.html", **vars(page))


def _round_created(done: tuple[Project, ReliabilityRound]) -> Response | str:
    project, rnd = done
    if not is_htmx():
        url = url_for("agreement.round_page", slug=project.slug, round_id=rnd.id)
        return cast(Response, redirect(url))
    listed = round_pages.round_created(db(), project, rnd)
    return render_template("agreement/_rounds.html", **vars(listed))


@lead_action(bp, "/p/<slug>/agreement/rounds", then=_round_created)
def create_round(project: Project) -> tuple[Project, ReliabilityRound]:
    """Draw a sample and start a reliability round."""
    form = request.form
    return project, rounds.create_round(
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


@lead_route(bp, "/p/<slug>/agreement/rounds/<int:round_id>")
def round_page(project: Project, round_id: int) -> str:
    """A round: how it was drawn, the coders' progress, its gold standard."""
    page = round_pages.round_page(db(), project, round_id)
    return render_template("agreement/round.html", **vars(page))


def _gold_panel(done: round_pages.GoldChanged) -> str:
    panel = round_pages.gold_panel(db(), done.project, done.round_id, done.message)
    return render_template("agreement/_gold.html", **vars(panel))


@lead_action(bp, "/p/<slug>/agreement/rounds/<int:round_id>/gold", then=_gold_panel)
def gold(project: Project, round_id: int) -> round_pages.GoldChanged:
    """Declare the round's consensus gold (with a pass threshold), or revoke it."""
    revoke = request.form.get("action") == "revoke"
    threshold = None if revoke else number(request.form.get("threshold"), "threshold")
    return round_pages.set_gold(db(), project, me(), round_id, threshold)


@lead_action(bp, "/p/<slug>/agreement/rounds/<int:round_id>/trainees", then=_gold_panel)
def trainees(project: Project, round_id: int) -> round_pages.GoldChanged:
    """Assign coders to code a gold round and be measured against it."""
    return round_pages.add_trainees(db(), project, me(), round_id, ints("coders"))


@route(bp, "/p/<slug>/agreement/rounds/<int:round_id>/gold/<int:user_id>")
def gold_result(slug: str, round_id: int, user_id: int) -> str:
    """One coder's result against a gold round: leads see anyone's, a coder only their own."""
    project, role = current_project(slug)
    # A coder's first complete view keeps their result (gold.as_the_trainee_sees_it): a write.
    with writing() as session:
        page = round_pages.gold_result(session, project, role, me(), round_id, user_id)
    return render_template("agreement/gold_result.html", **vars(page))


def _gold_kept(page: round_pages.GoldResultPage) -> str:
    return render_template("agreement/_gold_kept.html", **vars(page))


@lead_action(
    bp, "/p/<slug>/agreement/rounds/<int:round_id>/gold/<int:user_id>/again", then=_gold_kept
)
def gold_again(project: Project, round_id: int, user_id: int) -> round_pages.GoldResultPage:
    """Let a coder try a gold round again: the result they were shown is dropped."""
    return round_pages.gold_try_again(db(), project, me(), round_id, user_id)


@route(bp, "/p/<slug>/agreement/mine")
def mine(slug: str) -> str:
    """The signed-in coder's gold-standard rounds and results."""
    project, role = current_project(slug)
    with writing() as session:  # as gold_result: a complete result is kept when first seen
        page = round_pages.my_gold(session, project, role, me())
    return render_template("agreement/mine.html", **vars(page))


# ---- reports -------------------------------------------------------------------------------


def _report_query() -> report_pages.ReportQuery:
    args = request.values
    return report_pages.ReportQuery(
        round_id=opt_int(args.get("round"), "round"),
        doc_ids=ints("doc"),
        code_ids=ints("code"),
        bootstrap=opt_int(args.get("bootstrap"), "bootstrap"),
        seed=opt_int(args.get("seed"), "seed"),
    )


def _inline_query() -> report_pages.ReportQuery:
    """The report query of a page or file computed in the request: at most
    AGREEMENT_INLINE_BOOTSTRAP replicates, as for every report computed while the lead waits."""
    query = _report_query()
    if query.bootstrap is not None:
        # A value no report takes is refused as such (422) before the question of where.
        agreement_reports.check_bootstrap(query.bootstrap, query.seed or 0)
    limit = int(current_app.config["AGREEMENT_INLINE_BOOTSTRAP"])
    if (query.bootstrap or 0) > limit:
        raise Conflict(
            _(
                "A report with more than %(limit)s bootstrap replicates is computed in the "
                "background: use “Compute in the background” on the report page.",
                limit=format(limit, ","),
            )
        )
    return query


@lead_route(bp, "/p/<slug>/agreement/report")
def report(project: Project) -> str:
    """The full report of the project or a round, with charts; filters by documents and codes."""
    page = report_pages.report_page(db(), project, _inline_query(), request.query_string.decode())
    return render_template("agreement/report.html", **vars(page))


@lead_route(bp, "/p/<slug>/agreement/report/breakdown")
def breakdown(project: Project) -> str:
    """Presence α per value of one metadata key (a fragment the report loads when opened)."""
    part = report_pages.breakdown(db(), project, _inline_query(), request.args.get("by", ""))
    return render_template("agreement/_breakdown.html", **vars(part))


@lead_route(bp, "/p/<slug>/agreement/report.json")
def report_json_view(project: Project) -> Response:
    """The report as JSON (same numbers as the page and the CLI)."""
    payload = report_pages.report_json(db(), project, _inline_query())
    return Response(json.dumps(payload, ensure_ascii=False, indent=1), mimetype="application/json")


@lead_route(bp, "/p/<slug>/agreement/report/background", methods=["POST"])
def report_background(project: Project) -> WerkzeugResponse:
    """Compute the report's JSON on the job queue (many bootstrap replicates); show the job."""
    query = _report_query()
    bootstrap = report_pages.DEFAULT_BOOTSTRAP if query.bootstrap is None else query.bootstrap
    seed = report_pages.DEFAULT_SEED if query.seed is None else query.seed
    agreement_reports.check_bootstrap(bootstrap, seed)  # refused now, not in the worker
    asked = {
        "round_id": query.round_id,
        "doc_ids": sorted(query.doc_ids or []),
        "code_ids": sorted(query.code_ids or []),
        "bootstrap": bootstrap,
        "seed": seed,
    }
    user = me()
    return jobs.start(
        project,
        lambda session, per_user, per_project: export_jobs.start_agreement_report(
            session, project, user, asked, per_user=per_user, per_project=per_project
        ),
    )


@lead_route(bp, "/p/<slug>/agreement/methods")
def methods(project: Project) -> Response | str:
    """Paragraph and table for a paper's methods section, as HTML or a Markdown download."""
    # The paragraph's language is asked for explicitly (?lang=) or is the interface's; links on
    # the page add their own lang and format, so the page's query leaves both out.
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in {"lang", "format"}]
    language = request.args.get("lang") or current_language()
    page = report_pages.methods_page(db(), project, _inline_query(), urlencode(kept), language)
    if request.args.get("format") == "md":
        return Response(
            page.markdown,
            mimetype="text/markdown",
            headers={"Content-Disposition": f'attachment; filename="{page.filename}"'},
        )
    return render_template("agreement/methods.html", **vars(page))


# ---- disagreements and adjudication --------------------------------------------------------


@lead_route(bp, "/p/<slug>/agreement/disagreements")
def disagreements(project: Project) -> str:
    """Passages where coders differ, side by side, filterable by round, code and status."""
    args = request.args
    query = adjudication_pages.DisagreementQuery(
        round_id=opt_int(args.get("round"), "round"),
        code_id=opt_int(args.get("code"), "code"),
        status=args.get("status") or "open",
        hide=args.get("names") == "hide",
        page=opt_int(args.get("page"), "page") or 1,
    )
    page = adjudication_pages.disagreements_page(db(), project, query)
    return render_template("agreement/disagreements.html", **vars(page))


def _card_query() -> adjudication_pages.CardQuery:
    values = request.values
    in_browser = is_htmx() and values.get("browser") == "1"
    return adjudication_pages.CardQuery(
        round_id=opt_int(values.get("round"), "round"),
        hide=values.get("names") == "hide",
        in_browser=in_browser,
        code_filter=opt_int(values.get("code_filter"), "code") if in_browser else None,
        # The browser's open/resolved counter changes with every adjudication made in place.
        counts=request.method == "POST",
    )


def _card(
    project: Project,
    passage_id: int,
    query: adjudication_pages.CardQuery,
    message: str | None = None,
) -> str:
    card = adjudication_pages.passage_card(db(), project, passage_id, query, message)
    template = "agreement/_passage.html" if is_htmx() else "agreement/passage.html"
    return render_template(template, **vars(card))


def _card_after(done: tuple[adjudication_pages.Adjudicated, adjudication_pages.CardQuery]) -> str:
    adjudicated, query = done
    return _card(adjudicated.project, adjudicated.passage_id, query, adjudicated.message)


@lead_route(bp, "/p/<slug>/agreement/passages/<int:passage_id>")
def passage(project: Project, passage_id: int) -> str:
    """One passage's codings side by side with its consensus and the adjudication form."""
    return _card(project, passage_id, _card_query())


@lead_action(bp, "/p/<slug>/agreement/passages/<int:passage_id>/resolve", then=_card_after)
def resolve(
    project: Project, passage_id: int
) -> tuple[adjudication_pages.Adjudicated, adjudication_pages.CardQuery]:
    """Resolve a passage: adopt one coder's coding, or save edited codes and stances."""
    form = request.form
    card = _card_query()  # the card shown after the commit: its input is checked before writing
    round_id = card.round_id
    adopt = opt_int(form.get("adopt"), "adopt")
    codes = (
        {cid: opt_int(form.get(f"stance_{cid}"), "stance") for cid in ints("code")}
        if adopt is None
        else {}
    )
    done = adjudication_pages.adjudicate(
        db(),
        project,
        me(),
        passage_id,
        round_id=round_id,
        adopt=adopt,
        codes=codes,
        note=form.get("note", ""),
    )
    return done, card


@lead_action(bp, "/p/<slug>/agreement/passages/<int:passage_id>/reopen", then=_card_after)
def reopen(
    project: Project, passage_id: int
) -> tuple[adjudication_pages.Adjudicated, adjudication_pages.CardQuery]:
    """Remove a passage's consensus so it can be adjudicated again."""
    card = _card_query()
    return adjudication_pages.reopen(db(), project, me(), passage_id), card
