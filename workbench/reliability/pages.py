"""Read models of the Agreement pages: one call per page or fragment, plain fields to render.

Each function reads what its template shows and nothing more; the web layer parses the request
into the arguments and renders the result. Every page but a coder's own gold results is for
leads, which the views check before calling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.core import charts
from workbench.core.agreement import DEFAULT_SEED, AgreementReport
from workbench.core.codebook import StanceLevel
from workbench.core.errors import Forbidden
from workbench.models import Project, ReliabilityRound, User
from workbench.reliability import adjudication, disagreements, rounds
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports

DEFAULT_BOOTSTRAP = 1000
BREAKDOWN_LABELS = [
    ("speech", "Speech: original or translated"),
    ("language", "Language of the text"),
    ("original_language", "Original language"),
    ("delegation", "Delegation"),
    ("doc_type", "Document type"),
    ("document", "Document"),
]


def alpha_chart(report: AgreementReport) -> charts.AlphaChart:
    """Geometry of the report's α-per-code chart."""
    return charts.alpha_chart(
        [
            charts.CodeAlpha(code, rep.presence.alpha, rep.presence.alpha_ci95, rep.flag)
            for code, rep in report.per_code.items()
        ]
    )


def heatmap(report: AgreementReport, names: dict[str, str]) -> list[charts.HeatRow]:
    """Rows of the report's coder-pair heatmap (pooled presence κ of every pair)."""
    pairs = {
        pair.coders: (pair.pooled_kappa, pair.shared_passages)
        for pair in report.coder_pairs.values()
    }
    return charts.heatmap(report.coders, names, pairs)


# ---- overview and rounds -------------------------------------------------------------------


@dataclass(frozen=True)
class RoundsList:
    """The rounds compared over time (the overview's list, refreshed after a new round)."""

    project: Project
    summaries: list[rounds.RoundSummary]
    codes: list[str]
    message: str | None = None


def rounds_list(session: Session, project: Project, message: str | None = None) -> RoundsList:
    """Every round's summary and the codes they report on."""
    return RoundsList(
        project=project,
        summaries=rounds.summaries(session, project),
        codes=[p for _, p in agreement_data.report_codes(session, project)],
        message=message,
    )


@dataclass(frozen=True, kw_only=True)
class Overview(RoundsList):
    """The Agreement overview: rounds, and what a new round can be drawn from."""

    role: str
    members: list[User]
    documents: list[tuple[int, str]]


def overview(session: Session, project: Project) -> Overview:
    """The overview page of a project's agreement."""
    return Overview(
        **vars(rounds_list(session, project)),
        role="lead",
        members=[u for u, _ in accounts.members(session, project)],
        documents=rounds.round_documents(session, project),
    )


def round_created(session: Session, project: Project, rnd: ReliabilityRound) -> RoundsList:
    """The rounds after a new one, with a confirmation naming its sample, coders and seed."""
    message = (
        f"Round “{rnd.name}” created: {rnd.sample['drawn']} passages for "
        f"{len(rnd.sample['coder_ids'])} coders (seed {rnd.sample['seed']})."
    )
    return rounds_list(session, project, message)


@dataclass(frozen=True)
class Gold:
    """A round's gold standard: its results and the members who could still train on it."""

    project: Project
    rnd: ReliabilityRound
    results: list[rounds.GoldResult]
    candidates: list[User]
    message: str | None


def gold(session: Session, project: Project, round_id: int, message: str | None = None) -> Gold:
    """The gold-standard panel of a round."""
    rnd = agreement_data.get_round(session, project, round_id)
    chosen = set(agreement_data.round_coder_ids(session, rnd))
    return Gold(
        project=project,
        rnd=rnd,
        results=rounds.gold_results(session, project, rnd) if rnd.is_gold else [],
        candidates=[u for u, _ in accounts.members(session, project) if u.id not in chosen],
        message=message,
    )


@dataclass(frozen=True)
class RoundPage(Gold):
    """A round: how it was drawn, its statistics, the coders' progress, its gold standard."""

    role: str
    pr: agreement_reports.ProjectReport
    stats: list[dict[str, Any]]
    paragraph: str
    progress: list[tuple[User, int, int]]
    passages: int
    unresolved: int
    created: str


def round_page(session: Session, project: Project, round_id: int) -> RoundPage:
    """A round's page with its own statistics (point estimates; the full report has intervals)."""
    rnd = agreement_data.get_round(session, project, round_id)
    scope = agreement_data.scope_for(session, project, round_id=round_id)
    pr = agreement_reports.project_report(session, project, scope, bootstrap=0, breakdowns=False)
    paragraph, stats = agreement_reports.methods_from(pr, 3)
    return RoundPage(
        **vars(gold(session, project, round_id)),
        role="lead",
        pr=pr,
        stats=stats,
        paragraph=paragraph,
        progress=rounds.round_progress(session, rnd),
        passages=rounds.round_passage_count(session, rnd),
        unresolved=len(disagreements.unresolved(session, project, rnd)),
        created=rounds.created_label(rnd),
    )


@dataclass(frozen=True)
class GoldChanged:
    """What a change to a round's gold standard says, for the panel read after the commit."""

    project: Project
    round_id: int
    message: str


def set_gold(
    session: Session, project: Project, actor: User, round_id: int, threshold: float | None
) -> GoldChanged:
    """Declare the round's gold with a pass threshold, or revoke it (threshold None)."""
    rnd = agreement_data.get_round(session, project, round_id)
    if threshold is None:
        rounds.revoke_gold(session, project, actor, rnd)
        return GoldChanged(project, round_id, "The round is no longer a gold standard.")
    accepted = rounds.declare_gold(session, project, actor, rnd, threshold)
    message = f"Gold standard with pass threshold κ ≥ {threshold:g}." + (
        f" {accepted} passages the coders agreed on were accepted into the consensus."
        if accepted
        else ""
    )
    return GoldChanged(project, round_id, message)


def add_trainees(
    session: Session, project: Project, actor: User, round_id: int, coder_ids: list[int]
) -> GoldChanged:
    """Assign coders to a gold round; says how many assignments were added."""
    rnd = agreement_data.get_round(session, project, round_id)
    added = rounds.assign_trainees(session, project, actor, rnd, coder_ids)
    return GoldChanged(project, round_id, f"{added} assignments added.")


@dataclass(frozen=True)
class GoldResultPage:
    """One coder's result against a gold round."""

    project: Project
    role: str
    rnd: ReliabilityRound
    result: rounds.GoldResult


def gold_result(
    session: Session, project: Project, role: str, viewer: User, round_id: int, user_id: int
) -> GoldResultPage:
    """A coder's gold result: leads see anyone's, a coder only their own."""
    if role != "lead" and user_id != viewer.id:
        raise Forbidden("You can only see your own gold-standard results.")
    rnd = agreement_data.get_round(session, project, round_id)
    user = session.get(User, user_id)
    if user is None:
        raise Forbidden("You can only see your own gold-standard results.")
    result = rounds.gold_results(session, project, rnd, only=user)[0]
    return GoldResultPage(project=project, role=role, rnd=rnd, result=result)


@dataclass(frozen=True)
class MyGold:
    """The signed-in coder's gold-standard rounds and results."""

    project: Project
    role: str
    results: list[tuple[ReliabilityRound, rounds.GoldResult]]


def my_gold(session: Session, project: Project, role: str, user: User) -> MyGold:
    """Every gold round the user was measured on, with their result."""
    results = [
        (rnd, rounds.gold_results(session, project, rnd, only=user)[0])
        for rnd in rounds.gold_rounds_of(session, project, user)
    ]
    return MyGold(project=project, role=role, results=results)


# ---- reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportQuery:
    """What a report is asked for: a round, documents and codes, and the bootstrap."""

    round_id: int | None = None
    doc_ids: list[int] | None = None
    code_ids: list[int] | None = None
    bootstrap: int | None = None
    seed: int | None = None


def _scope(session: Session, project: Project, query: ReportQuery) -> agreement_data.Scope:
    return agreement_data.scope_for(
        session,
        project,
        round_id=query.round_id,
        doc_ids=query.doc_ids or None,
        code_ids=query.code_ids or None,
    )


def project_report(
    session: Session, project: Project, query: ReportQuery, *, breakdowns: bool
) -> agreement_reports.ProjectReport:
    """The report the query asks for (1000 bootstrap samples and the default seed if unsaid)."""
    return agreement_reports.project_report(
        session,
        project,
        _scope(session, project, query),
        bootstrap=DEFAULT_BOOTSTRAP if query.bootstrap is None else query.bootstrap,
        seed=DEFAULT_SEED if query.seed is None else query.seed,
        breakdowns=breakdowns,
    )


def report_json(session: Session, project: Project, query: ReportQuery) -> dict[str, Any]:
    """The report as JSON (the same numbers as the page and the CLI)."""
    return agreement_reports.report_payload(
        project_report(session, project, query, breakdowns=True), project
    )


@dataclass(frozen=True)
class ReportPage:
    """The full report with its charts and the filters' choices."""

    project: Project
    role: str
    pr: agreement_reports.ProjectReport
    r: AgreementReport
    names: dict[str, str]
    chart: charts.AlphaChart
    heat: list[charts.HeatRow]
    all_rounds: list[ReliabilityRound]
    all_codes: list[tuple[int, str]]
    documents: list[tuple[int, str]]
    query: str
    breakdown_keys: list[tuple[str, str]]


def report_page(
    session: Session, project: Project, query: ReportQuery, query_string: str
) -> ReportPage:
    """The report page; breakdowns load on demand, one key at a time."""
    pr = project_report(session, project, query, breakdowns=False)
    return ReportPage(
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
        query=query_string,
        breakdown_keys=BREAKDOWN_LABELS,
    )


@dataclass(frozen=True)
class Breakdown:
    """Presence α per value of one metadata key."""

    codes: list[str]
    groups: dict[str, dict[str, Any]]
    label: str


def breakdown(session: Session, project: Project, query: ReportQuery, key: str) -> Breakdown:
    """The breakdown fragment the report loads when one key is opened."""
    codes, groups = agreement_reports.breakdown(
        session, project, _scope(session, project, query), key
    )
    return Breakdown(codes=codes, groups=groups, label=dict(BREAKDOWN_LABELS)[key])


@dataclass(frozen=True)
class MethodsPage:
    """Paragraph and table for a paper's methods section, and the same as Markdown."""

    project: Project
    role: str
    pr: agreement_reports.ProjectReport
    paragraph: str
    rows: list[dict[str, Any]]
    columns: tuple[tuple[str, str], ...]
    markdown: str
    query: str
    filename: str


def methods_page(
    session: Session, project: Project, query: ReportQuery, query_string: str
) -> MethodsPage:
    """The methods report of the project or a round."""
    pr = project_report(session, project, query, breakdowns=False)
    paragraph, rows = agreement_reports.methods_from(pr, 3)
    name = f"methods-{project.slug}" + (f"-round-{pr.round.id}" if pr.round else "")
    return MethodsPage(
        project=project,
        role="lead",
        pr=pr,
        paragraph=paragraph,
        rows=rows,
        columns=agreement_reports.METHODS_COLUMNS,
        markdown=agreement_reports.methods_markdown(paragraph, rows),
        query=query_string,
        filename=f"{name}.md",
    )


# ---- disagreements and adjudication --------------------------------------------------------


@dataclass(frozen=True)
class CardContext:
    """What every adjudication card needs: the codes, which take a stance, the scale."""

    project: Project
    all_codes: list[tuple[int, str]]
    stance_codes: set[int]
    scale: tuple[StanceLevel, ...]


def card_context(session: Session, project: Project) -> CardContext:
    """The codes and stance scale the adjudication forms offer."""
    return CardContext(
        project=project,
        all_codes=agreement_data.report_codes(session, project),
        stance_codes={c.id for c in codebooks.live_codes(session, project) if c.takes_stance},
        scale=codebooks.stance_scale(project),
    )


@dataclass(frozen=True)
class DisagreementQuery:
    """The disagreement browser's filters."""

    round_id: int | None
    code_id: int | None
    status: str
    hide: bool
    page: int


@dataclass(frozen=True)
class DisagreementsPage(CardContext):
    """Passages where coders differ, side by side, with the browser's filters."""

    role: str
    browser: disagreements.Browser
    round_id: int | None
    hide: bool
    status: str
    code_id: int | None
    all_rounds: list[ReliabilityRound]


def disagreements_page(
    session: Session, project: Project, query: DisagreementQuery
) -> DisagreementsPage:
    """The disagreement browser for a round, a code and a status."""
    browser = disagreements.browse(
        session,
        project,
        round_id=query.round_id,
        code_id=query.code_id,
        status=query.status,
        hide_names=query.hide,
        page=query.page,
    )
    return DisagreementsPage(
        **vars(card_context(session, project)),
        role="lead",
        browser=browser,
        round_id=query.round_id,
        hide=query.hide,
        status=query.status,
        code_id=query.code_id,
        all_rounds=rounds.list_rounds(session, project),
    )


@dataclass(frozen=True)
class CardQuery:
    """How a passage card is shown: its round, names hidden, inside the browser (and filter)."""

    round_id: int | None
    hide: bool
    in_browser: bool
    code_filter: int | None
    counts: bool  # refresh the browser's open/resolved counter (after an adjudication)


@dataclass(frozen=True)
class PassageCard(CardContext):
    """One passage's codings side by side with its consensus and the adjudication form."""

    role: str
    item: disagreements.Item
    coders: list[disagreements.CoderColumn]
    round_id: int | None
    hide: bool
    message: str | None
    in_browser: bool
    code_id: int | None
    oob_counts: dict[str, int] | None


def passage_card(
    session: Session,
    project: Project,
    passage_id: int,
    query: CardQuery,
    message: str | None = None,
) -> PassageCard:
    """A passage's adjudication card, with the browser's counter when it changed in place."""
    item, coders = disagreements.passage_card(
        session, project, passage_id, round_id=query.round_id, hide_names=query.hide
    )
    oob_counts = None
    if query.in_browser and query.counts:
        open_n, resolved_n = disagreements.counts(
            session, project, round_id=query.round_id, code_id=query.code_filter
        )
        oob_counts = {"open": open_n, "resolved": resolved_n}
    return PassageCard(
        **vars(card_context(session, project)),
        role="lead",
        item=item,
        coders=coders,
        round_id=query.round_id,
        hide=query.hide,
        message=message,
        in_browser=query.in_browser,
        code_id=query.code_filter if query.in_browser else None,
        oob_counts=oob_counts,
    )


@dataclass(frozen=True)
class Adjudicated:
    """What an adjudication did, for the card read after the commit."""

    project: Project
    passage_id: int
    message: str


def adjudicate(
    session: Session,
    project: Project,
    actor: User,
    passage_id: int,
    *,
    round_id: int | None,
    adopt: int | None,
    codes: dict[int, int | None],
    note: str,
) -> Adjudicated:
    """Resolve a passage: adopt one coder's coding, or save the edited codes and stances."""
    if adopt is not None:
        adjudication.adopt(session, project, actor, passage_id, adopt, round_id=round_id)
    else:
        adjudication.resolve(
            session, project, actor, passage_id, codes, note=note, round_id=round_id
        )
    return Adjudicated(project, passage_id, "Consensus saved.")


def reopen(session: Session, project: Project, actor: User, passage_id: int) -> Adjudicated:
    """Remove a passage's consensus so it can be adjudicated again."""
    done = adjudication.reopen(session, project, actor, passage_id)
    message = "Consensus removed." if done else "There was no consensus."
    return Adjudicated(project, passage_id, message)
