"""Read models of the disagreement browser and the adjudication card, and the adjudication use
cases whose card is read again after the commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.core.codebook import StanceLevel
from workbench.core.i18n import _
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.reliability import adjudication
from workbench.reliability import disagreements
from workbench.reliability import records as agreement_data
from workbench.reliability import rounds
from workbench.reliability.disagreements import DisagreementQuery as DisagreementQuery


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
    browser = disagreements.browse_query(session, project, query)
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
    return Adjudicated(project, passage_id, _("Consensus saved."))


def reopen(session: Session, project: Project, actor: User, passage_id: int) -> Adjudicated:
    """Remove a passage's consensus so it can be adjudicated again."""
    done = adjudication.reopen(session, project, actor, passage_id)
    message = _("Consensus removed.") if done else _("There was no consensus.")
    return Adjudicated(project, passage_id, message)
