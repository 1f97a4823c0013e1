"""The coding area's prebuilt statements: the hot path runs them on every coding action.

Building a ``select()`` costs more than running it on SQLite, so the statements a coding action
and its refreshed row need are built once, here, with bound parameters. Every write to
``annotation`` and ``passage_state`` on the coding path goes through these Core statements.
"""

from __future__ import annotations

from typing import Any
from typing import NamedTuple
from typing import cast

from sqlalchemy import Table
from sqlalchemy import TextClause
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update

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


# The upserts are written out as SQL: SQLAlchemy compiles a dialect's INSERT ... ON CONFLICT
# afresh on every execution (it has no cache key), which cost more than running it. The same
# text serves SQLite and PostgreSQL; parameters whose values need converting (timestamps, JSON)
# take their columns' types.
_ANN_WRITTEN = (
    "project_id",
    "passage_id",
    "coder_id",
    "code_id",
    "stance",
    "memo",
    "span_start",
    "span_end",
    "codebook_version",
    "code_revision",
    "created_at",
    "updated_at",
)
_STATE_WRITTEN = ("project_id", "passage_id", "coder_id", "coded", "memo", "updated_at")
# The history event's columns as the logged statements fill them: "h_<column>" parameters, with
# the annotation's id taken from the row the statement wrote.
_AUDIT_WRITTEN = (
    "project_id",
    "actor_id",
    "at",
    "entity",
    "passage_id",
    "action",
    "before",
    "after",
)


def _insert_sql(table: Table, columns: tuple[str, ...], conflict: str, where: str = "") -> str:
    """INSERT ... ON CONFLICT of the parameters named as the columns; only if ``where`` holds."""
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(f":{c}" for c in columns)
    rows = f"SELECT {values} WHERE {where}" if where else f"VALUES ({values})"
    return f"INSERT INTO {table.name} ({names}) {rows} ON CONFLICT {conflict}"


def _typed(sql: str, table: Table, columns: tuple[str, ...], prefix: str = "") -> TextClause:
    binds = [bindparam(f"{prefix}{c}", type_=table.c[c].type) for c in columns]
    return text(sql).bindparams(*binds)


_ANN_CONFLICT = "(passage_id, coder_id, code_id) DO NOTHING"
_ANN_INSERT_SQL = _insert_sql(ANN, _ANN_WRITTEN, _ANN_CONFLICT)
# INSERT ... ON CONFLICT DO NOTHING RETURNING id: a row comes back only when one was made now.
ANN_UPSERT = _typed(f"{_ANN_INSERT_SQL} RETURNING id", ANN, _ANN_WRITTEN)
STATE_UPSERT = _typed(
    _insert_sql(STATE, _STATE_WRITTEN, "(passage_id, coder_id) DO NOTHING") + " RETURNING id",
    STATE,
    _STATE_WRITTEN,
)
# Make or change the coder's state to coded or not, in one statement: a row comes back exactly
# when the state was made or changed.
_STATE_CHANGED = (
    " DO UPDATE SET coded = excluded.coded, updated_at = excluded.updated_at"
    " WHERE passage_state.coded <> excluded.coded"
)
STATE_MARK = _typed(
    _insert_sql(STATE, _STATE_WRITTEN, "(passage_id, coder_id)") + _STATE_CHANGED + " RETURNING id",
    STATE,
    _STATE_WRITTEN,
)


def _logged(written: str, source: str, also: dict[str, str] | None = None) -> str:
    """The history event of the annotation the CTE ``source`` wrote, RETURNING its id.

    ``also``: further writing CTEs by name, run in the same statement."""
    names = ", ".join(f'"{c}"' for c in _AUDIT_WRITTEN)
    values = ", ".join(f":h_{c}" for c in _AUDIT_WRITTEN)
    more = "".join(f", {name} AS ({sql})" for name, sql in (also or {}).items())
    return (
        f"WITH {source} AS ({written}){more} INSERT INTO {AUDIT.name} ({names}, entity_id) "
        f"SELECT {values}, {source}.id FROM {source} RETURNING entity_id"
    )


def _logged_types(sql: str, *, with_annotation: bool) -> TextClause:
    binds = [bindparam(f"h_{c}", type_=AUDIT.c[c].type) for c in _AUDIT_WRITTEN]
    if with_annotation:
        binds += [bindparam(c, type_=ANN.c[c].type) for c in _ANN_WRITTEN]
    return text(sql).bindparams(*binds)


# The coder's state of the passage made or turned "coded", as STATE_MARK does with coded true
# and no memo, sharing the annotation's parameters (the same project, passage, coder and time).
_STATE_COLUMNS_SQL = ", ".join(f'"{c}"' for c in _STATE_WRITTEN)
_STATE_CODED_SQL = (
    f"INSERT INTO {STATE.name} ({_STATE_COLUMNS_SQL}) "
    "VALUES (:project_id, :passage_id, :coder_id, true, '', :updated_at) "
    f"ON CONFLICT (passage_id, coder_id){_STATE_CHANGED}"
)
# PostgreSQL only (its CTEs may write): the annotation upsert, its "apply" history event and
# the coder's state of the passage marked coded, in one statement; PostgreSQL runs a writing
# CTE whether or not the statement reads it. A row comes back (the new annotation's id) only
# when the annotation was made now; when it existed already nothing is written and nothing
# logged, as with ANN_UPSERT, and the state is marked all the same.
LOGGED_APPLY = _logged_types(
    _logged(f"{_ANN_INSERT_SQL} RETURNING id", "made", {"marked": _STATE_CODED_SQL}),
    with_annotation=True,
)
# PostgreSQL only: delete an annotation by id and log its "remove" event, in one statement.
LOGGED_DELETE = _logged_types(
    _logged("DELETE FROM annotation WHERE id = :p_id RETURNING id", "gone"),
    with_annotation=False,
)


# PostgreSQL only: a toggle as one statement. The coder's application of the code is deleted
# when there is one, with its "remove" event and, when it was the coder's last code on the
# passage, the passage reopened with its "reopen" event; otherwise the code is applied as in
# LOGGED_APPLY, with its "apply" event and the passage marked coded. Every CTE reads the
# snapshot from before the statement, so the "last code" test looks for another code. The one
# row returned says whether the code is now on.
_SPAN_JSON = (
    "CASE WHEN gone.span_start IS NULL THEN NULL "
    "ELSE jsonb_build_array(gone.span_start, gone.span_end) END"
)
_TOGGLE_SQL = f"""
WITH old AS (
  SELECT id FROM annotation
  WHERE passage_id = :passage_id AND coder_id = :coder_id AND code_id = :code_id
), gone AS (
  DELETE FROM annotation WHERE id IN (SELECT id FROM old)
  RETURNING id, code_id, stance, memo, span_start, span_end
), made AS (
  {_insert_sql(ANN, _ANN_WRITTEN, _ANN_CONFLICT, "NOT EXISTS (SELECT 1 FROM old)")} RETURNING id
), marked AS (
  INSERT INTO {STATE.name} ({_STATE_COLUMNS_SQL})
  SELECT :project_id, :passage_id, :coder_id, true, '', :updated_at
  WHERE NOT EXISTS (SELECT 1 FROM old)
  ON CONFLICT (passage_id, coder_id){_STATE_CHANGED}
), reopened AS (
  UPDATE {STATE.name} SET coded = false, updated_at = :updated_at
  WHERE passage_id = :passage_id AND coder_id = :coder_id AND coded
    AND EXISTS (SELECT 1 FROM gone)
    AND NOT EXISTS (
      SELECT 1 FROM annotation
      WHERE passage_id = :passage_id AND coder_id = :coder_id AND code_id <> :code_id
    )
  RETURNING id
), events AS (
  SELECT 1 AS n, 'annotation' AS entity, made.id AS entity_id, 'apply' AS action,
         NULL::jsonb AS before, CAST(:h_after AS jsonb) AS after
  FROM made
  UNION ALL
  SELECT 2, 'annotation', gone.id, 'remove',
         jsonb_build_object('code_id', gone.code_id, 'stance', gone.stance, 'memo', gone.memo,
                            'span', {_SPAN_JSON}),
         NULL
  FROM gone
  UNION ALL
  SELECT 3, 'passage_state', NULL, 'reopen', NULL,
         jsonb_build_object('coded', false, 'reason', 'last code removed')
  FROM reopened
), logged AS (
  INSERT INTO {AUDIT.name} (project_id, actor_id, "at", entity, entity_id, passage_id, action,
                           before, after)
  SELECT :project_id, :coder_id, :updated_at, entity, entity_id, :passage_id, action,
         before, after
  FROM events ORDER BY n
)
SELECT NOT EXISTS (SELECT 1 FROM old)
"""
LOGGED_TOGGLE = text(_TOGGLE_SQL).bindparams(
    *(bindparam(c, type_=ANN.c[c].type) for c in _ANN_WRITTEN),
    bindparam("h_after", type_=AUDIT.c.after.type),
)


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
# The same, with the viewer's state of the acted-on passage (NULLs where there is none): what a
# coding action in a one-document view reads back besides the passage's codings, in one round
# trip instead of two.
_MINE = STATE.alias("mine")
_MINE_ON = (_MINE.c.passage_id == bindparam("passage"), _MINE.c.coder_id == bindparam("viewer"))
DOC_PROGRESS_AND_STATE = DOC_PROGRESS.add_columns(
    select(_MINE.c.coded).where(*_MINE_ON).scalar_subquery(),
    select(_MINE.c.memo).where(*_MINE_ON).scalar_subquery(),
)
