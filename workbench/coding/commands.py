"""The coding actions as one use case: what a coder sent, carried out under the current codebook.

The coding view's buttons and keys (toggle, apply, remove, stance, memo, done) each send one
``Command``; ``perform`` carries it out and returns what the refreshed row needs once the write
is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy.orm import Session

from workbench.codebooks.code_index import code_index
from workbench.coding import actions
from workbench.coding import passage_lock
from workbench.coding.targets import get_passage
from workbench.coding.view import ViewFilters
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User

ACTIONS = ("toggle", "apply", "remove", "stance", "memo", "done")


@dataclass(frozen=True)
class Command:
    """One coding action as sent: the passage, the code, and the fields the coder changed."""

    action: str  # one of ACTIONS
    passage_id: int
    code_id: int | None = None
    # Only what the coder sent ("stance", "memo", "span"); what is absent keeps what is stored.
    # "memo" without a code is the coder's memo on the passage.
    changes: dict[str, Any] = field(default_factory=dict)
    coded: bool = True  # "done": mark coded, or reopen


@dataclass(frozen=True)
class Acted:
    """A carried-out command: what its fragment shows once the write is committed."""

    project: Project
    role: str
    passage: Passage
    selected: int | None  # the code the row keeps selected
    scope: ViewFilters  # the view's scope, for its progress bar


def perform(
    session: Session,
    project: Project,
    role: str,
    coder: User,
    command: Command,
    scope: ViewFilters,
    *,
    memo_limit: int,
) -> Acted:
    """Carry out one coding action; applications are made under the current codebook version."""
    # The coder's other tabs wait for this action on this passage (PostgreSQL; a request's
    # lookup has usually taken the lock already, in its own query).
    passage_lock.hold(session, command.passage_id, coder.id)
    # Loaded first, and held by the result: the services below find it in the session's
    # identity map, and the fragment built after the commit reuses it without a query.
    passage = get_passage(session, project, command.passage_id)
    code_id = command.code_id
    if command.action == "done":
        actions.set_done(session, project, coder, passage.id, command.coded)
        code_id = None
    elif command.action == "remove":
        actions.remove_code(session, project, coder, passage.id, _required(code_id))
        code_id = None
    elif command.action == "memo" and code_id is None:
        memo = command.changes.get("memo", "")
        actions.set_passage_memo(session, project, coder, passage.id, memo, limit=memo_limit)
    else:
        code_id = _required(code_id)
        version = code_index(session, project.id).version
        if command.action == "toggle" and command.changes.get("span") is None:
            actions.toggle_code(
                session, project, coder, passage.id, code_id, codebook_version=version
            )
        else:
            actions.apply_code(
                session,
                project,
                coder,
                passage.id,
                code_id,
                codebook_version=version,
                memo_limit=memo_limit,
                **command.changes,
            )
    return Acted(project, role, passage, code_id, scope)


def _required(code_id: int | None) -> int:
    # The web layer parses code_id as required for every action but "memo" and "done".
    assert code_id is not None, "code_id is required for this action"
    return code_id
