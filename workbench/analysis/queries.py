"""Analysis: code frequencies, co-occurrence and coded-segment retrieval, blind-aware.

Every figure is computed in the database (GROUP BY), so a view costs a few queries whatever the
size of the project. "Passages" counts distinct passages carrying a code in the chosen layer;
in the all-coders layer a passage counts once however many coders applied the code, and
"annotations" counts every coder's application.

Who sees which layer (the same rule as the coding view's blindness): a lead sees every layer;
in a blind project a coder sees only their own codings — not other coders', not the all-coders
layer and not the consensus, since the consensus was built from the others' codings; in a
project that is not blind everyone sees every layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, distinct, func, null, or_, select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.core.errors import Forbidden, NotFound, ValidationError
from workbench.documents.catalog import like_pattern
from workbench.formats.scope import ExportScope, Layer
from workbench.models import (
    Annotation,
    Code,
    ConsensusAnnotation,
    Document,
    Membership,
    Passage,
    Project,
    User,
)

DIMENSIONS: dict[str, str] = {
    "document": "document",
    "delegation": "delegation",
    "speaker": "speaker",
    "language": "language of the passage text",
    "original_language": "language the speech was delivered in",
    "month": "month of the document's date",
}
NONE_LABEL = "(none)"
SNIPPET = 160
PAGE = 50


@dataclass(frozen=True)
class CodeInfo:
    """A codable code as analyses show it."""

    id: int
    key: str
    name: str
    path: str
    colour: str
    takes_stance: bool
    depth: int


@dataclass
class Frequency:
    """Counts of one code within one value of a dimension."""

    value: str
    code_id: int
    passages: int
    annotations: int


@dataclass
class FrequencyTable:
    """A dimension's values (rows) by codes (columns)."""

    dimension: str
    codes: list[CodeInfo]
    values: list[str]
    cells: dict[tuple[str, int], Frequency]
    totals: dict[str, int] = field(default_factory=dict)  # passages in scope per value

    def count(self, value: str, code_id: int) -> int:
        """Passages with the code in that value (0 when none)."""
        cell = self.cells.get((value, code_id))
        return cell.passages if cell else 0

    def max_count(self) -> int:
        """The largest cell, for scaling charts."""
        return max((c.passages for c in self.cells.values()), default=0)


@dataclass
class Segment:
    """A passage carrying the code, with its codings in the layer and its context."""

    passage: Passage
    document_title: str
    codings: list[dict[str, Any]]
    before: str = ""
    after: str = ""


def codable_codes(
    session: Session, project: Project, code_ids: Sequence[int] = ()
) -> list[CodeInfo]:
    """The project's codable codes in codebook (tree) order, optionally only some of them."""
    live = codebooks.live_codes(session, project)
    paths = codebooks.code_paths(live)
    wanted = set(code_ids)
    return [
        CodeInfo(c.id, c.key, c.name, paths[c.id], c.colour, c.takes_stance, depth)
        for c, depth in codebooks.tree_order(live)
        if c.is_codable and (not wanted or c.id in wanted)
    ]


def coders_in_project(session: Session, project: Project) -> list[User]:
    """Members with the coder role plus anyone who has codings in the project, by username."""
    members = select(Membership.user_id).where(
        Membership.project_id == project.id, Membership.role == "coder"
    )
    coding = select(Annotation.coder_id).where(Annotation.project_id == project.id).distinct()
    return list(
        session.scalars(
            select(User)
            .where(or_(User.id.in_(members), User.id.in_(coding)))
            .order_by(User.username)
        )
    )


def sees_all(project: Project, role: str) -> bool:
    """Leads, and everyone in a project that is not blind, may see every layer."""
    return role == "lead" or not project.blind


def layer_label(session: Session, project: Project, user: User, role: str, layer: str) -> str:
    """How the page names the layer it shows (every figure states its layer)."""
    labels = dict(visible_layers(session, project, user, role))
    return labels.get(layer, layer)


def visible_layers(
    session: Session, project: Project, user: User, role: str
) -> list[tuple[str, str]]:
    """The layers this user may analyse, as (value, label), the default first."""
    if not sees_all(project, role):
        return [(f"coder:{user.username}", f"My codings ({user.display_name})")]
    layers = [("coders", "All coders"), ("consensus", "Consensus (adjudicated)")]
    layers += [(f"coder:{u.username}", u.display_name) for u in coders_in_project(session, project)]
    return layers


def resolve_layer(
    session: Session, project: Project, user: User, role: str, text: str | None
) -> Layer:
    """Parse and authorise a layer choice; the default is the first visible layer."""
    allowed = [value for value, _ in visible_layers(session, project, user, role)]
    chosen = text or allowed[0]
    if chosen not in allowed:
        if not sees_all(project, role):
            raise Forbidden(
                "This project is blind: you can analyse only your own codings, "
                "not other coders' or the consensus."
            )
        raise NotFound(f"No layer '{chosen}' in this project.")
    return Layer.parse(chosen)


def layer_coder_ids(session: Session, project: Project, scope: ExportScope) -> list[int] | None:
    """The coder ids whose annotations form the layer (None for the consensus layer)."""
    layer = scope.layer
    if layer.kind == "consensus":
        return None
    if layer.kind == "coder":
        user = session.scalar(
            select(User).where(func.lower(User.username) == (layer.coder or "").lower())
        )
        if user is None:
            raise NotFound(f"No coder called '{layer.coder}'.")
        return [user.id]
    ids = [u.id for u in coders_in_project(session, project)]
    return [i for i in ids if i in scope.coder_ids] if scope.coder_ids else ids


def passage_conditions(project: Project, scope: ExportScope) -> list[ColumnElement[bool]]:
    """WHERE conditions on Passage and Document (the query must join Document)."""
    conds: list[ColumnElement[bool]] = [Passage.project_id == project.id]
    if scope.document_ids:
        conds.append(Passage.document_id.in_(scope.document_ids))
    if scope.date_from:
        conds.append(Document.date >= scope.date_from)
    if scope.date_to:
        conds.append(Document.date <= scope.date_upper())
    return conds


def layer_rows(session: Session, project: Project, scope: ExportScope) -> Select[Any]:
    """(passage_id, code_id, stance, coder_id) of the layer in scope (consensus: coder_id None)."""
    coder_ids = layer_coder_ids(session, project, scope)
    if coder_ids is None:
        stmt = select(
            ConsensusAnnotation.passage_id.label("passage_id"),
            ConsensusAnnotation.code_id.label("code_id"),
            ConsensusAnnotation.stance.label("stance"),
            cast(null(), Integer).label("coder_id"),
        ).where(ConsensusAnnotation.project_id == project.id)
        code_col = ConsensusAnnotation.code_id
        passage_col = ConsensusAnnotation.passage_id
    else:
        stmt = select(
            Annotation.passage_id.label("passage_id"),
            Annotation.code_id.label("code_id"),
            Annotation.stance.label("stance"),
            Annotation.coder_id.label("coder_id"),
        ).where(Annotation.project_id == project.id, Annotation.coder_id.in_(coder_ids))
        code_col = Annotation.code_id
        passage_col = Annotation.passage_id
    stmt = stmt.join(Passage, Passage.id == passage_col).join(
        Document, Document.id == Passage.document_id
    )
    stmt = stmt.where(*passage_conditions(project, scope))
    if scope.code_ids:
        stmt = stmt.where(code_col.in_(scope.code_ids))
    return stmt


_PASSAGE_LEVEL = {
    "delegation": Passage.delegation,
    "speaker": Passage.speaker,
    "language": Passage.language,
    "original_language": Passage.original_language,
}


def document_labels(session: Session, project: Project) -> dict[int, tuple[str, str]]:
    """Per document: its title (with the id where two share a title) and its month."""
    rows = session.execute(
        select(Document.id, Document.title, Document.date).where(Document.project_id == project.id)
    ).all()
    seen = Counter(title for _, title, _ in rows)
    return {
        i: (title if seen[title] == 1 else f"{title} (#{i})", (date or "")[:7] or NONE_LABEL)
        for i, title, date in rows
    }


def _value(raw: Any) -> str:
    return NONE_LABEL if raw in (None, "") else str(raw)


def frequency_tables(
    session: Session, project: Project, scope: ExportScope, dimensions: Sequence[str | None]
) -> dict[str | None, FrequencyTable]:
    """Frequency tables for several dimensions (None: overall).

    Overall, per document and per month come from one query grouped by document (a passage
    belongs to one document, so distinct-passage counts add up); the passage-level dimensions
    take one grouped query each."""
    for dimension in dimensions:
        if dimension is not None and dimension not in DIMENSIONS:
            raise ValidationError(f"Unknown dimension '{dimension}': use {', '.join(DIMENSIONS)}.")
    codes = codable_codes(session, project, scope.code_ids)
    known = {c.id for c in codes}
    tables = {d: FrequencyTable(d or "all", codes, [], {}, {}) for d in dict.fromkeys(dimensions)}

    def add(
        table: FrequencyTable, value: str, code_id: int, passages: int, annotations: int
    ) -> None:
        cell = table.cells.get((value, code_id))
        if cell is None:
            cell = table.cells[(value, code_id)] = Frequency(value, code_id, 0, 0)
        cell.passages += passages
        cell.annotations += annotations

    passages_in = (
        select(func.count(Passage.id))
        .select_from(Passage)
        .join(Document, Document.id == Passage.document_id)
        .where(*passage_conditions(project, scope))
    )
    by_document = [d for d in tables if d in (None, "document", "month")]
    if by_document:
        documents = document_labels(session, project)
        sub = layer_rows(session, project, scope).add_columns(Passage.document_id).subquery()
        stmt = select(
            sub.c.document_id, sub.c.code_id, func.count(distinct(sub.c.passage_id)), func.count()
        ).group_by(sub.c.document_id, sub.c.code_id)
        totals = session.execute(
            passages_in.add_columns(Passage.document_id).group_by(Passage.document_id)
        )
        per_doc_total = {doc_id: int(n) for n, doc_id in totals}
        for doc_id, code_id, passages, annotations in session.execute(stmt):
            if code_id in known:
                for d in by_document:
                    add(
                        tables[d],
                        _doc_value(d, doc_id, documents),
                        code_id,
                        int(passages),
                        int(annotations),
                    )
        for doc_id, n in per_doc_total.items():
            for d in by_document:
                table = tables[d]
                value = _doc_value(d, doc_id, documents)
                table.totals[value] = table.totals.get(value, 0) + n
    for d, column in _PASSAGE_LEVEL.items():
        if d not in tables:
            continue
        sub = layer_rows(session, project, scope).add_columns(column.label("value")).subquery()
        stmt = select(
            sub.c.value, sub.c.code_id, func.count(distinct(sub.c.passage_id)), func.count()
        ).group_by(sub.c.value, sub.c.code_id)
        for raw, code_id, passages, annotations in session.execute(stmt):
            if code_id in known:
                add(tables[d], _value(raw), code_id, int(passages), int(annotations))
        for n, raw in session.execute(passages_in.add_columns(column).group_by(column)):
            value = _value(raw)
            tables[d].totals[value] = tables[d].totals.get(value, 0) + int(n)
    for table in tables.values():
        found = {v for v, _ in table.cells} | set(table.totals)
        table.values = (
            ["all"]
            if table.dimension == "all"
            else sorted(found, key=lambda v: (v == NONE_LABEL, v))
        )
    return tables


def _doc_value(dimension: str | None, doc_id: int, documents: dict[int, tuple[str, str]]) -> str:
    if dimension is None:
        return "all"
    title, month = documents.get(doc_id, (str(doc_id), NONE_LABEL))
    return title if dimension == "document" else month


def frequencies(
    session: Session, project: Project, scope: ExportScope, dimension: str | None = None
) -> FrequencyTable:
    """Passages and annotations per code, overall (dimension None) or per value of a dimension."""
    return frequency_tables(session, project, scope, [dimension])[dimension]


def cooccurrence(
    session: Session, project: Project, scope: ExportScope
) -> tuple[list[CodeInfo], dict[tuple[int, int], int]]:
    """Passages where one coding carries both codes, for every pair (the diagonal: passages
    with the code).

    A pair counts only within one coder's coding of a passage (or the consensus'): in the
    all-coders layer, coder 1 applying A and coder 2 applying B to the same passage is no
    A×B co-occurrence. A passage counts once per pair however many coders made it.
    The layer's (passage, coder, code) rows are streamed in passage order and counted here: a
    self-join in SQL is quadratic on SQLite, which cannot index the derived table."""
    codes = codable_codes(session, project, scope.code_ids)
    base = layer_rows(session, project, scope).subquery()
    stmt = (
        select(base.c.passage_id, base.c.coder_id, base.c.code_id)
        .distinct()
        .order_by(base.c.passage_id)
        .execution_options(yield_per=5000)
    )
    counts: Counter[tuple[int, int]] = Counter()
    for _, group in groupby(session.execute(stmt), key=lambda r: r[0]):
        by_coder: dict[int | None, set[int]] = {}
        for _, coder_id, code_id in group:
            by_coder.setdefault(coder_id, set()).add(code_id)
        pairs: set[tuple[int, int]] = set()
        for applied in by_coder.values():
            present = sorted(applied)
            for i, first in enumerate(present):
                pairs.update((first, second) for second in present[i:])
        counts.update(pairs)
    matrix: dict[tuple[int, int], int] = {}
    for (first, second), n in counts.items():
        matrix[(first, second)] = matrix[(second, first)] = n
    return codes, matrix


@dataclass
class SegmentFilters:
    """Filters of the coded-segment retrieval."""

    code_id: int | None = None
    delegation: str = ""
    speaker: str = ""
    language: str = ""
    q: str = ""
    stance: int | None = None


def _segment_ids(
    session: Session, project: Project, scope: ExportScope, f: SegmentFilters
) -> Select[Any]:
    rows = layer_rows(session, project, scope)
    if f.code_id is not None:
        rows = rows.where(rows.selected_columns.code_id == f.code_id)
    if f.stance is not None:
        rows = rows.where(rows.selected_columns.stance == f.stance)
    if f.delegation:
        rows = rows.where(Passage.delegation == f.delegation)
    if f.speaker:
        rows = rows.where(Passage.speaker == f.speaker)
    if f.language:
        rows = rows.where(
            or_(Passage.language == f.language, Passage.original_language == f.language)
        )
    if f.q:
        rows = rows.where(Passage.text.like(like_pattern(f.q), escape="\\"))
    sub = rows.subquery()
    return select(sub.c.passage_id).distinct()


def segments(
    session: Session,
    project: Project,
    scope: ExportScope,
    f: SegmentFilters,
    *,
    page: int = 1,
    per_page: int = PAGE,
) -> tuple[list[Segment], int]:
    """One page of passages carrying the code in the layer, with context; and the total."""
    ids = _segment_ids(session, project, scope, f).subquery()
    total = int(session.scalar(select(func.count()).select_from(ids)) or 0)
    stmt = (
        select(Passage, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id.in_(select(ids.c.passage_id)))
        .order_by(Passage.document_id, Passage.ordinal)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    found = [(p, title) for p, title in session.execute(stmt)]
    return _with_context(session, project, scope, f, found), total


def iter_segments(
    session: Session, project: Project, scope: ExportScope, f: SegmentFilters, batch: int = 500
) -> Iterator[Segment]:
    """Every matching segment in document order, in batches (for the CSV download)."""
    page = 1
    while True:
        found, _total = segments(session, project, scope, f, page=page, per_page=batch)
        yield from found
        if len(found) < batch:
            return
        page += 1


def _snippet(text: str, tail: bool) -> str:
    if len(text) <= SNIPPET:
        return text
    return "…" + text[-SNIPPET:] if tail else text[:SNIPPET] + "…"


def _with_context(
    session: Session,
    project: Project,
    scope: ExportScope,
    f: SegmentFilters,
    found: list[tuple[Passage, str]],
) -> list[Segment]:
    if not found:
        return []
    ids = [p.id for p, _ in found]
    codings: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    rows = layer_rows(session, project, scope).where(Passage.id.in_(ids))
    if f.code_id is not None:
        rows = rows.where(rows.selected_columns.code_id == f.code_id)
    names = dict(session.execute(select(User.id, User.display_name)).tuples().all())
    code_names = {c.id: c.name for c in codebooks.all_codes(session, project)}
    for passage_id, code_id, stance, coder_id in session.execute(rows):
        codings[passage_id].append(
            {
                "coder": names.get(coder_id, "consensus") if coder_id else "consensus",
                "code": code_names.get(code_id, "?"),
                "stance": stance,
            }
        )
    wanted = {(p.document_id, p.ordinal + d) for p, _ in found for d in (-1, 1)}
    neighbours: dict[tuple[int, int], str] = {}
    docs = {doc for doc, _ in wanted}
    for doc_id, ordinal, text in session.execute(
        select(Passage.document_id, Passage.ordinal, Passage.text).where(
            Passage.document_id.in_(docs),
            Passage.ordinal.in_({o for _, o in wanted}),
        )
    ):
        if (doc_id, ordinal) in wanted:
            neighbours[(doc_id, ordinal)] = text
    return [
        Segment(
            passage=p,
            document_title=title,
            codings=sorted(codings[p.id], key=lambda c: (c["coder"], c["code"])),
            before=_snippet(neighbours.get((p.document_id, p.ordinal - 1), ""), tail=True),
            after=_snippet(neighbours.get((p.document_id, p.ordinal + 1), ""), tail=False),
        )
        for p, title in found
    ]


def filter_choices(session: Session, project: Project) -> dict[str, list[str]]:
    """Distinct delegations, speakers and languages of the project's passages."""
    out: dict[str, list[str]] = {}
    for name, column in (
        ("delegations", Passage.delegation),
        ("speakers", Passage.speaker),
        ("languages", Passage.language),
    ):
        out[name] = [
            v
            for v in session.scalars(
                select(column)
                .where(Passage.project_id == project.id, column.is_not(None))
                .distinct()
                .order_by(column)
            )
            if v
        ]
    return out


def code_by_id(session: Session, project: Project, code_id: int) -> Code:
    """A live code of the project or NotFound."""
    code = session.get(Code, code_id)
    if code is None or code.project_id != project.id or code.deleted_at is not None:
        raise NotFound(f"Code {code_id} is not in this project's codebook.")
    return code
