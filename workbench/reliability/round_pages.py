"""Read models of the Agreement overview and rounds: one call per page or fragment.

Each function reads what its template shows and nothing more; the web layer parses the request
into the arguments and renders the result. Every page but a coder's own gold results is for
leads, which the views check before calling. Reports live in ``report_pages``, disagreements and
adjudication in ``adjudication_pages``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.core.errors import Forbidden
from workbench.core.i18n import _
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.reliability import disagreements
from workbench.reliability import gold
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports
from workbench.reliability import rounds


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
    message = _(
        "Round “%(name)s” created: %(passages)s passages for %(coders)s coders (seed %(seed)s).",
        name=rnd.name,
        passages=rnd.sample["drawn"],
        coders=len(rnd.sample["coder_ids"]),
        seed=rnd.sample["seed"],
    )
    return rounds_list(session, project, message)


@dataclass(frozen=True)
class GoldPanel:
    """A round's gold standard: its results and the members who could still train on it."""

    project: Project
    rnd: ReliabilityRound
    results: list[gold.GoldResult]
    candidates: list[User]
    message: str | None


def gold_panel(
    session: Session, project: Project, round_id: int, message: str | None = None
) -> GoldPanel:
    """The gold-standard panel of a round."""
    rnd = agreement_data.get_round(session, project, round_id)
    chosen = set(agreement_data.round_coder_ids(session, rnd))
    return GoldPanel(
        project=project,
        rnd=rnd,
        results=gold.gold_results(session, project, rnd) if rnd.is_gold else [],
        candidates=[u for u, _ in accounts.members(session, project) if u.id not in chosen],
        message=message,
    )


@dataclass(frozen=True)
class RoundPage(GoldPanel):
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
        **vars(gold_panel(session, project, round_id)),
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
        gold.revoke_gold(session, project, actor, rnd)
        return GoldChanged(project, round_id, _("The round is no longer a gold standard."))
    accepted = gold.declare_gold(session, project, actor, rnd, threshold)
    shown = f"{threshold:g}"
    message = _("Gold standard with pass threshold κ ≥ %(threshold)s.", threshold=shown)
    if accepted:
        message += " " + _(
            "%(count)s passages the coders agreed on were accepted into the consensus.",
            count=accepted,
        )
    return GoldChanged(project, round_id, message)


def add_trainees(
    session: Session, project: Project, actor: User, round_id: int, coder_ids: list[int]
) -> GoldChanged:
    """Assign coders to a gold round; says how many assignments were added."""
    rnd = agreement_data.get_round(session, project, round_id)
    added = gold.assign_trainees(session, project, actor, rnd, coder_ids)
    return GoldChanged(project, round_id, f"{added} assignments added.")


@dataclass(frozen=True)
class GoldResultPage:
    """One coder's result against a gold round."""

    project: Project
    role: str
    rnd: ReliabilityRound
    result: gold.GoldResult


def gold_result(
    session: Session, project: Project, role: str, viewer: User, round_id: int, user_id: int
) -> GoldResultPage:
    """A coder's gold result: leads see anyone's, a coder only their own."""
    if role != "lead" and user_id != viewer.id:
        raise Forbidden(_("You can only see your own gold-standard results."))
    rnd = agreement_data.get_round(session, project, round_id)
    user = session.get(User, user_id)
    if user is None:
        raise Forbidden(_("You can only see your own gold-standard results."))
    if role != "lead":
        result = gold.gold_results(session, project, rnd, only=user)[0]
        result = gold.as_the_trainee_sees_it(session, project, rnd, result, viewer)
    else:
        # Today's figures, with the kept ones the coder is shown (and that count) beside them.
        result = gold.gold_results(session, project, rnd, only=user, live=True)[0]
        result = gold.with_what_is_shown(session, project, rnd, result)
    return GoldResultPage(project=project, role=role, rnd=rnd, result=result)


def gold_try_again(
    session: Session, project: Project, actor: User, round_id: int, user_id: int
) -> GoldResultPage:
    """Let a coder try a gold round again: their kept result goes; the lead's page comes back."""
    rnd = agreement_data.get_round(session, project, round_id)
    gold.let_try_again(session, project, actor, rnd, user_id)
    return gold_result(session, project, "lead", actor, round_id, user_id)


@dataclass(frozen=True)
class MyGold:
    """The signed-in coder's gold-standard rounds and results."""

    project: Project
    role: str
    results: list[tuple[ReliabilityRound, gold.GoldResult]]


def my_gold(session: Session, project: Project, role: str, user: User) -> MyGold:
    """Every gold round the user was measured on, with their result."""
    results = [
        (rnd, gold.gold_results(session, project, rnd, only=user)[0])
        for rnd in gold.gold_rounds_of(session, project, user)
    ]
    if role != "lead":
        results = [
            (rnd, gold.as_the_trainee_sees_it(session, project, rnd, r, user)) for rnd, r in results
        ]
    return MyGold(project=project, role=role, results=results)
