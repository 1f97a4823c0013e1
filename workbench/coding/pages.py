"""The coding area's page and fragment models: everything a coding screen shows, in one call each.

Views render these as they are; each builder does the reading its screen needs (the blind rule
included, through ``coding.view``) so no view gathers services of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.accounts.project_settings import sees_others
from workbench.codebooks import codes as codebooks
from workbench.codebooks.code_index import CodeSnapshot
from workbench.codebooks.code_index import code_index
from workbench.coding import assignments
from workbench.coding.commands import Acted
from workbench.coding.progress import Progress
from workbench.coding.view import PAGE
from workbench.coding.view import OtherCoding
from workbench.coding.view import PassageRow
from workbench.coding.view import ViewFilters
from workbench.coding.view import action_row
from workbench.coding.view import load_rows
from workbench.coding.view import others_of
from workbench.coding.view import scope_delegations
from workbench.coding.view import scope_progress
from workbench.core.codebook import STANCE_KEYS
from workbench.core.codebook import StanceLevel
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.documents import catalog as documents
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True)
class CodingPage:
    """The coding view over a document, a round, or the coder's assigned passages."""

    project: Project
    role: str
    doc: Document | None
    rows: list[PassageRow]
    total: int
    page: int
    pages: int
    filters: ViewFilters
    scope: str  # the view's scope, sent back by its coding actions
    codes: tuple[CodeSnapshot, ...]
    scale: tuple[StanceLevel, ...]
    progress: Progress
    speakers: list[str]
    delegations: list[str]
    version: int
    stance_keys: str


def coding_page(
    session: Session, project: Project, role: str, viewer: User, f: ViewFilters, *, page: int
) -> CodingPage:
    """Build one page of the coding view for this viewer."""
    doc = documents.get_document(session, project, f.doc_id) if f.doc_id else None
    index = code_index(session, project.id)
    rows, total = load_rows(session, project, viewer, role, f, page=page)
    return CodingPage(
        project=project,
        role=role,
        doc=doc,
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        filters=f,
        scope=f.scope_text(),
        codes=index.live,
        scale=codebooks.stance_scale(project),
        progress=scope_progress(session, project, viewer, f),
        speakers=sorted({r.passage.speaker for r in rows if r.passage.speaker}),
        delegations=scope_delegations(session, project, viewer, f),
        version=index.version,
        stance_keys="".join(STANCE_KEYS),
    )


@dataclass(frozen=True)
class ActionFragment:
    """What a coding action sends back: the changed passage and out-of-band progress."""

    project: Project
    role: str
    row: PassageRow
    scale: tuple[StanceLevel, ...]
    selected: int | None
    progress: Progress
    # A round's last passage coded: the coder is told, in place, that the round is done.
    round_finished: bool
    # In a one-document view the rows carry no document title.
    doc: bool


def action_fragment(session: Session, acted: Acted, viewer: User) -> ActionFragment:
    """Build the fragment of a committed coding action, for the view's scope."""
    project, role, scope = acted.project, acted.role, acted.scope
    row, progress = action_row(session, project, viewer, role, acted.passage, scope)
    return ActionFragment(
        project=project,
        role=role,
        row=row,
        scale=codebooks.stance_scale(project),
        selected=acted.selected,
        progress=progress,
        round_finished=scope.round_id is not None and 0 < progress.total == progress.done,
        doc=scope.doc_id is not None,
    )


@dataclass(frozen=True)
class HistoryFragment:
    """A passage's change history; in blind mode a coder sees only their own changes."""

    events: list[tuple[AuditEvent, str | None]]
    codes: dict[int, CodeSnapshot]  # by id, for events that name a code
    passage_id: int
    actions: dict[str, str]  # what each stored action is called in the reader's language


# The history's stored action names (identifiers) and what a reader calls them.
_ACTIONS = {
    "apply": N_("applied"),
    "update": N_("changed"),
    "remove": N_("removed"),
    "done": N_("marked coded"),
    "reopen": N_("reopened"),
    "memo": N_("passage memo"),
}


def history_fragment(
    session: Session, project: Project, role: str, viewer: User, passage_id: int
) -> HistoryFragment:
    """Build the change history of one passage as this viewer may see it."""
    documents.get_passage(session, project, passage_id)
    only = None if sees_others(project, role) else viewer.id
    events = audit.passage_history(session, project.id, passage_id, coder_id=only)
    codes = dict(code_index(session, project.id).by_id)
    actions = {name: _(label) for name, label in _ACTIONS.items()}
    return HistoryFragment(events, codes, passage_id, actions)


@dataclass(frozen=True)
class OthersFragment:
    """Other coders' codings of one passage, loaded when the lead (or, in open coding, a coder)
    opens them under the passage."""

    passage_id: int
    text: str  # the passage's text, for the selections the codings make in it
    others: list[OtherCoding]


def others_fragment(
    session: Session, project: Project, role: str, viewer: User, passage_id: int
) -> OthersFragment:
    """Build the list of other coders' codings on a passage; refused in blind coding."""
    passage = documents.get_passage(session, project, passage_id)
    others = others_of(session, project, viewer, role, passage)
    return OthersFragment(passage_id, passage.text, others)


@dataclass(frozen=True)
class TeamPage:
    """The lead's view of the team: each coder's progress, and the documents to assign."""

    project: Project
    team: list[assignments.CoderProgress]
    docs: list[tuple[int, str]]
    message: str | None = None  # what an assignment just did


def team_page(session: Session, project: Project, *, message: str | None = None) -> TeamPage:
    """Build the team page (or, after an assignment, its progress fragment with the result)."""
    return TeamPage(
        project=project,
        team=assignments.team_progress(session, project),
        docs=assignments.document_choices(session, project),
        message=message,
    )
