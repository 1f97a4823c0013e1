"""What every export sheet starts from: the scope resolved once, and the ordered row streams.

Every table is a lazy row stream (``tables.Table``): queries select plain columns, ordered by
document and passage, with ``yield_per`` so the database hands rows over in batches, and the
passage matrix merges the passage stream with the annotation and state streams of the same
order instead of loading codings into memory. The sheets themselves are in ``passages_sheet``,
``annotation_sheets``, ``catalog_sheets``, ``agreement_sheets``, ``frequency_sheets`` and
``about_sheet``.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer
from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.analysis import layers as analysis
from workbench.analysis.layers import CodableCode
from workbench.codebooks import codes as codebooks
from workbench.core import codebook as cb
from workbench.formats.scope import ExportScope
from workbench.formats.tables import Row
from workbench.formats.tables import column_table
from workbench.formats.varnames import NameRegistry
from workbench.models import Annotation
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User

YIELD = 2000


CONSENSUS = 0  # the coder id standing for the consensus layer in merged streams

# Columns several sheets share, described the same way wherever they appear.
PASSAGE_ORDINAL, CODER, CODE_KEY = column_table("shared_columns")
PASSAGE_KEYS = column_table("passage_keys")

# The passage columns every sheet with passages starts with.
PASSAGE_META = column_table("passage_meta")


@dataclass(frozen=True)
class Block:
    """One layer's column block in the passage matrix."""

    coder_id: int  # CONSENSUS for the consensus layer
    prefix: str  # "" when the export has a single layer
    label: str


@dataclass
class Context:
    """Everything the table builders share, loaded once."""

    session: Session
    project: Project
    scope: ExportScope
    codes: list[CodableCode]  # codable codes in scope, codebook order
    coders: list[User]  # coders of the layer (empty for the consensus layer)
    usernames: dict[int, str]
    display: dict[int, str]
    version: int
    scale: tuple[cb.StanceLevel, ...]
    code_names: dict[int, str]  # code id -> safe base name
    blocks: list[Block]

    @property
    def code_ids(self) -> list[int]:
        """Ids of the codes in scope."""
        return [c.id for c in self.codes]

    @property
    def coder_ids(self) -> list[int]:
        """Ids of the coders in scope."""
        return [u.id for u in self.coders]

    def stance_label(self, value: int | None) -> str:
        """The scale's label of a stance value."""
        if value is None:
            return ""
        return next((s.label for s in self.scale if s.value == value), "")


def load_context(session: Session, project: Project, scope: ExportScope) -> Context:
    """Resolve the scope: codes, coders, names of column blocks."""
    codes = analysis.codable_codes(session, project, scope.code_ids)
    coder_ids = analysis.layer_coder_ids(session, project, scope)
    everyone = analysis.coders_in_project(session, project)
    if coder_ids is None:
        coders: list[User] = []
    else:
        by_id = {u.id: u for u in everyone}
        missing = [i for i in coder_ids if i not in by_id]
        extra = list(session.scalars(select(User).where(User.id.in_(missing)))) if missing else []
        by_id.update({u.id: u for u in extra})
        coders = sorted((by_id[i] for i in coder_ids), key=lambda u: u.username.lower())
    registry = NameRegistry(tuple(column.name for column in PASSAGE_META))
    code_names: dict[int, str] = {}
    prefix_registry = NameRegistry()
    if scope.layer.kind == "coders":
        blocks = [
            Block(u.id, prefix_registry.take(u.username, "coder", max_length=12), u.display_name)
            for u in coders
        ]
    elif scope.layer.kind == "coder":
        blocks = [Block(u.id, "", u.display_name) for u in coders]
    else:
        blocks = [Block(CONSENSUS, "", "consensus")]
    for index, code in enumerate(codes, start=1):
        code_names[code.id] = registry.take(code.name, f"code{index}", suffix="")
    users = {u.id: u for u in [*everyone, *coders]}
    return Context(
        session=session,
        project=project,
        scope=scope,
        codes=codes,
        coders=coders,
        usernames={i: u.username for i, u in users.items()},
        display={i: u.display_name for i, u in users.items()},
        version=codebooks.current_version(session, project),
        scale=codebooks.stance_scale(project),
        code_names=code_names,
        blocks=blocks,
    )


def stream(ctx: Context, stmt: Select[Any]) -> Iterator[Row]:
    # Core execution on the session's connection (same transaction): plain rows, none of the
    # ORM's per-row bookkeeping, fetched in batches.
    yield from ctx.session.connection().execute(stmt, execution_options={"yield_per": YIELD})


def scoped(ctx: Context, stmt: Select[Any], source: Any, passage_col: Any) -> Select[Any]:
    """Join Passage and Document onto a statement and apply the scope's passage filters."""
    return (
        stmt.select_from(source)
        .join(Passage, Passage.id == passage_col)
        .join(Document, Document.id == Passage.document_id)
        .where(*analysis.passage_conditions(ctx.project, ctx.scope))
        .order_by(Passage.document_id, Passage.ordinal)
    )


def in_scope(ctx: Context, source: Any, *columns: Any, where: Iterable[Any] = ()) -> Select[Any]:
    """(document_id, ordinal, *columns) of a layer table's rows in the project and the scope."""
    stmt = select(Passage.document_id, Passage.ordinal, *columns)
    stmt = stmt.where(source.project_id == ctx.project.id, *where)
    return scoped(ctx, stmt, source, source.passage_id)


class _Side:
    """A stream ordered by (document_id, ordinal, ...) consumed passage by passage."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows = iter(rows)
        self._head: Row | None = next(self._rows, None)

    def take(self, key: tuple[int, int]) -> list[Row]:
        """Rows of the passage with this (document_id, ordinal); earlier rows are skipped."""
        out: list[Row] = []
        while self._head is not None and (self._head[0], self._head[1]) <= key:
            if (self._head[0], self._head[1]) == key:
                out.append(self._head)
            self._head = next(self._rows, None)
        return out


def passage_stream(ctx: Context, *, only: Select[Any] | None = None) -> Iterator[Row]:
    """Passages in scope with their document's metadata, in document order."""
    stmt = select(
        Passage.document_id,
        Passage.ordinal,
        Passage.id,
        Document.title,
        Document.date,
        Document.doc_type,
        Document.meeting_symbol,
        Document.language,
        Passage.speaker,
        Passage.delegation,
        Passage.language,
        Passage.original_language,
        Passage.turn,
        Passage.codable,
        Passage.start_offset,
        Passage.end_offset,
        Passage.text,
    )
    stmt = (
        stmt.join(Document, Document.id == Passage.document_id)
        .where(*analysis.passage_conditions(ctx.project, ctx.scope))
        .order_by(Passage.document_id, Passage.ordinal)
    )
    if only is not None:
        stmt = stmt.where(Passage.id.in_(only))
    return stream(ctx, stmt)


def annotation_side(ctx: Context, *, only: Select[Any] | None = None) -> Iterator[Row]:
    """(document_id, ordinal, passage_id, coder_id, code_id, stance) of the layer, in order."""
    if ctx.scope.layer.kind == "consensus":
        c = ConsensusAnnotation
        stmt = in_scope(ctx, c, c.passage_id, literal(CONSENSUS, Integer), c.code_id, c.stance)
        code_col, passage_col = c.code_id, c.passage_id
    else:
        a = Annotation
        columns = (a.passage_id, a.coder_id, a.code_id, a.stance)
        stmt = in_scope(ctx, a, *columns, where=[a.coder_id.in_(ctx.coder_ids)])
        code_col, passage_col = a.code_id, a.passage_id
    stmt = stmt.where(code_col.in_(ctx.code_ids))
    if only is not None:
        stmt = stmt.where(passage_col.in_(only))
    return stream(ctx, stmt)


def state_side(ctx: Context, *, only: Select[Any] | None = None) -> Iterator[Row]:
    """(document_id, ordinal, passage_id, coder_id) of coded passages in the layer, in order."""
    if ctx.scope.layer.kind == "consensus":
        stmt = in_scope(ctx, ConsensusState, ConsensusState.passage_id, literal(CONSENSUS, Integer))
        passage_col = ConsensusState.passage_id
    else:
        s = PassageState
        where = [s.coded.is_(True), s.coder_id.in_(ctx.coder_ids)]
        stmt = in_scope(ctx, s, s.passage_id, s.coder_id, where=where)
        passage_col = s.passage_id
    if only is not None:
        stmt = stmt.where(passage_col.in_(only))
    return stream(ctx, stmt)


def grouped(
    ctx: Context, *, only: Select[Any] | None = None
) -> Iterator[tuple[Row, set[int], dict[int, dict[int, int | None]]]]:
    """Each passage with the layer's coders who coded it and their {coder: {code: stance}}."""
    annotations = _Side(annotation_side(ctx, only=only))
    states = _Side(state_side(ctx, only=only))
    for passage in passage_stream(ctx, only=only):
        key = (passage[0], passage[1])
        coded = {row[3] for row in states.take(key)}
        applied: dict[int, dict[int, int | None]] = {}
        for row in annotations.take(key):
            applied.setdefault(row[3], {})[row[4]] = row[5]
        yield passage, coded, applied


def row_estimates(ctx: Context) -> dict[str, int]:
    """Row counts of the big tables, for progress bars."""
    session, scope, project = ctx.session, ctx.scope, ctx.project
    conds = analysis.passage_conditions(project, scope)

    def count(stmt: Select[Any]) -> int:
        return int(session.scalar(stmt) or 0)

    passages = count(
        select(func.count(Passage.id))
        .join(Document, Document.id == Passage.document_id)
        .where(*conds)
    )
    annotations = count(
        select(func.count(Annotation.id))
        .join(Passage, Passage.id == Annotation.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .where(*conds, Annotation.coder_id.in_(ctx.coder_ids), Annotation.code_id.in_(ctx.code_ids))
    )
    states = count(
        select(func.count(PassageState.id))
        .join(Passage, Passage.id == PassageState.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .where(*conds, PassageState.coder_id.in_(ctx.coder_ids))
    )
    return {"passages": passages, "annotations": annotations, "coded": states}
