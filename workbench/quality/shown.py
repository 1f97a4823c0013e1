"""A code applied with its own key while its suggestion chip was on screen.

The coding view says, with each application by a code's own key or button, whether a suggestion
chip for that very code was visible on the passage. The coding is then recorded as made with a
suggestion shown but not accepted (``suggestion_shown`` true, ``suggestion_accepted`` false):
the coder saw the machine's suggestion, and the methods paragraph and the export can tell such
codings apart from codings made with no suggestion in sight. The browser's word is checked: the
mark is kept only when the workbench really offers that code's suggestion to this coder on this
passage and the coder had not applied the code before.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.coding import commands
from workbench.coding import passage_lock
from workbench.coding.commands import Acted
from workbench.coding.commands import Command
from workbench.coding.targets import get_passage
from workbench.coding.view import ViewFilters
from workbench.models import Annotation
from workbench.models import Project
from workbench.models import User
from workbench.quality.suggestions import suggestions_for

APPLYING = ("toggle", "apply")


def _applied(session: Session, passage_id: int, coder_id: int, code_id: int) -> bool:
    return (
        session.scalar(
            select(Annotation.id).where(
                Annotation.passage_id == passage_id,
                Annotation.coder_id == coder_id,
                Annotation.code_id == code_id,
            )
        )
        is not None
    )


def perform_with_chip_shown(
    session: Session,
    project: Project,
    role: str,
    coder: User,
    command: Command,
    scope: ViewFilters,
    *,
    memo_limit: int,
) -> Acted:
    """Carry out a coding action the view says was made with the code's suggestion on screen."""
    code_id = command.code_id
    if command.action not in APPLYING or code_id is None:
        return commands.perform(
            session, project, role, coder, command, scope, memo_limit=memo_limit
        )
    passage_lock.hold(session, command.passage_id, coder.id)  # before reading what was applied
    passage = get_passage(session, project, command.passage_id)
    offered = suggestions_for(session, project, coder, [(passage.id, passage.text)])
    shown = code_id in {s.code_id for s in offered.get(passage.id, [])} and not _applied(
        session, passage.id, coder.id, code_id
    )
    acted = commands.perform(session, project, role, coder, command, scope, memo_limit=memo_limit)
    if shown:
        # Only the new coding is marked (a toggle that removed the code leaves nothing to mark);
        # suggestion_accepted keeps its default: the coder did not take the suggestion.
        session.execute(
            update(Annotation)
            .where(
                Annotation.passage_id == passage.id,
                Annotation.coder_id == coder.id,
                Annotation.code_id == code_id,
            )
            .values(suggestion_shown=True)
        )
    return acted
