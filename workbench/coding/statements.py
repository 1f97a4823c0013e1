"""The coding area's prebuilt statements: the hot path runs them on every coding action.

Building a ``select()`` costs more than running it on SQLite, so the statements a coding action
and its refreshed row need are built once, here, with bound parameters. Every write to
``annotation`` and ``passage_state`` on the coding path goes through these Core statements.
"""

from __future__ import annotations

import functools
from typing import Any
from typing import NamedTuple
from typing import cast

from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from workbench.coding.progress import coded_state
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import User
from workbench.models._common import utcnow

ANN = cast(Table, Annotation.__table__)
STATE = cast(Table, PassageState.__table__)
AUDIT = cast(Table, AuditEvent.__table__)


class Ann(NamedTuple):
    """The columns of an annotation the coding view and the coding actions work with."""

    id: int
    passage_id: int
    coder_id: int
    code_id: int
    stance: int | None
    memo: str
    span_start: int | None
    span_end: int | None
    code_revision: int


ANN_COLUMNS = (
    ANN.c.id,
    ANN.c.passage_id,
    ANN.c.coder_id,
    ANN.c.code_id,
    ANN.c.stance,
    ANN.c.memo,
    ANN.c.span_start,
    ANN.c.span_end,
    ANN.c.code_revision,
)

# One coder's application of one code to one passage.
EXISTING = select(*ANN_COLUMNS).where(
    ANN.c.passage_id == bindparam("p_passage"),
    ANN.c.coder_id == bindparam("p_coder"),
    ANN.c.code_id == bindparam("p_code"),
)
UPDATE = (
    update(ANN)
    .where(ANN.c.id == bindparam("p_id"))
    .values(
        stance=bindparam("p_stance"),
        memo=bindparam("p_memo"),
        span_start=bindparam("p_span_start"),
        span_end=bindparam("p_span_end"),
        code_revision=bindparam("p_revision"),
        codebook_version=bindparam("p_version"),
        updated_at=bindparam("p_now"),
    )
)
DELETE = delete(ANN).where(ANN.c.id == bindparam("p_id"))
# The coder's state of a passage: coded or not, and their memo on it.
STATE_GET = select(STATE.c.id, STATE.c.coded, STATE.c.memo).where(
    STATE.c.passage_id == bindparam("p_passage"), STATE.c.coder_id == bindparam("p_coder")
)
# A passage back to "not yet coded" once the coder has no code left on it, in one statement;
# RETURNING says whether it was reopened.
STATE_REOPEN = (
    update(STATE)
    .where(
        STATE.c.passage_id == bindparam("p_passage"),
        STATE.c.coder_id == bindparam("p_coder"),
        STATE.c.coded.is_(True),
        ~exists().where(
            ANN.c.passage_id == bindparam("p_passage"), ANN.c.coder_id == bindparam("p_coder")
        ),
    )
    .values(coded=False, updated_at=bindparam("p_now"))
    .returning(STATE.c.id)
)
STATE_MEMO = (
    update(STATE)
    .where(STATE.c.id == bindparam("p_id"))
    .values(memo=bindparam("p_memo"), updated_at=bindparam("p_now"))
)


@functools.cache
def upserts(dialect: str) -> tuple[Any, Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, for annotations and passage states."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ann = (
        insert(ANN)
        .on_conflict_do_nothing(index_elements=["passage_id", "coder_id", "code_id"])
        .returning(ANN.c.id)
    )
    state = (
        insert(STATE)
        .on_conflict_do_nothing(index_elements=["passage_id", "coder_id"])
        .returning(STATE.c.id)
    )
    return ann, state


@functools.cache
def state_mark(dialect: str) -> Any:
    """Make or change the coder's state to coded or not, in one statement.

    INSERT ... ON CONFLICT DO UPDATE ... WHERE the state differs, RETURNING id: a row comes back
    exactly when the state was made or changed.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(STATE)
    return stmt.on_conflict_do_update(
        index_elements=["passage_id", "coder_id"],
        set_={"coded": stmt.excluded.coded, "updated_at": stmt.excluded.updated_at},
        where=STATE.c.coded != stmt.excluded.coded,
    ).returning(STATE.c.id)


# The history event's columns as the logged statements below fill them: "h_<column>" parameters,
# with the annotation's id taken from the row the statement wrote.
_AUDIT_COLUMNS = (
    "project_id",
    "actor_id",
    "at",
    "entity",
    "passage_id",
    "action",
    "before",
    "after",
)


def _logged(written: Any) -> Any:
    """INSERT the history event of the annotation the CTE ``written`` wrote, RETURNING its id."""
    values = [bindparam(f"h_{name}", type_=AUDIT.c[name].type) for name in _AUDIT_COLUMNS]
    return (
        insert(AUDIT)
        .from_select([*_AUDIT_COLUMNS, "entity_id"], select(*values, written.c.id))
        .returning(AUDIT.c.entity_id)
    )


@functools.cache
def logged_apply() -> Any:
    """PostgreSQL: the annotation upsert and its "apply" history event in one statement.

    A row comes back (the new annotation's id) only when the annotation was made now; when it
    existed already nothing is written and nothing logged, as with the plain upsert.
    """
    columns = [c.name for c in ANN.c if c.name != "id"]
    made = (
        postgresql.insert(ANN)
        .values({name: bindparam(name, type_=ANN.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=["passage_id", "coder_id", "code_id"])
        .returning(ANN.c.id)
        .cte("made")
    )
    return _logged(made)


@functools.cache
def logged_delete() -> Any:
    """PostgreSQL: delete an annotation by id and log its "remove" event, in one statement."""
    gone = delete(ANN).where(ANN.c.id == bindparam("p_id")).returning(ANN.c.id).cte("gone")
    return _logged(gone)


def history_params(
    project_id: int, actor_id: int, passage_id: int, action: str, **states: Any
) -> dict[str, Any]:
    """The "h_" parameters of a logged statement's history event on an annotation."""
    return {
        "h_project_id": project_id,
        "h_actor_id": actor_id,
        "h_at": utcnow(),
        "h_entity": "annotation",
        "h_passage_id": passage_id,
        "h_action": action,
        "h_before": states.get("before"),
        "h_after": states.get("after"),
    }


# Passages' codings with their coders' names, and the viewer's states of them; the coding view
# narrows these to its page of passages, a coding action to its one passage (prebuilt).
ANN_ROWS = (
    select(*ANN_COLUMNS, User.display_name).join(User, User.id == ANN.c.coder_id).order_by(ANN.c.id)
)
STATE_ROWS = select(STATE.c.passage_id, STATE.c.coded, STATE.c.memo)
ONE_ALL = ANN_ROWS.where(ANN.c.passage_id == bindparam("passage"))
ONE_MINE = ONE_ALL.where(ANN.c.coder_id == bindparam("viewer"))
ONE_STATE = STATE_ROWS.where(
    STATE.c.passage_id == bindparam("passage"), STATE.c.coder_id == bindparam("viewer")
)

# The viewer's progress over one document, the common scope after every coding action.
DOC_PROGRESS = (
    select(func.count(Passage.id), func.count(PassageState.id))
    .select_from(Passage)
    .outerjoin(PassageState, coded_state(Passage.id, bindparam("viewer")))
    .where(
        Passage.document_id == bindparam("doc"),
        Passage.project_id == bindparam("project"),
        Passage.codable.is_(True),
    )
)
