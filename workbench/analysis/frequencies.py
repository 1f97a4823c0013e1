"""Code frequencies and co-occurrence of a layer, counted in the database.

Every figure is computed with GROUP BY, so a view costs a few queries whatever the size of the
project. "Passages" counts distinct passages carrying a code in the chosen layer; in the
all-coders layer a passage counts once however many coders applied the code, and "annotations"
counts every coder's application.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from itertools import groupby
from typing import Any

from sqlalchemy import distinct
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.analysis.layers import NONE_LABEL
from workbench.analysis.layers import CodableCode
from workbench.analysis.layers import codable_codes
from workbench.analysis.layers import document_labels
from workbench.analysis.layers import layer_rows
from workbench.analysis.layers import passage_conditions
from workbench.core.errors import ValidationError
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.formats.scope import ExportScope
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project

# Keys are stable (query strings, exports); labels are translated where shown.
DIMENSIONS: dict[str, str] = {
    "document": N_("document"),
    "delegation": N_("delegation"),
    "speaker": N_("speaker"),
    "language": N_("language of the passage text"),
    "original_language": N_("language the speech was delivered in"),
    "month": N_("month of the document's date"),
}


def dimension_labels() -> dict[str, str]:
    """The breakdown dimensions with their labels in the current language."""
    return {key: _(label) for key, label in DIMENSIONS.items()}


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
    codes: list[CodableCode]
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


_PASSAGE_LEVEL = {
    "delegation": Passage.delegation,
    "speaker": Passage.speaker,
    "language": Passage.language,
    "original_language": Passage.original_language,
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
            raise ValidationError(
                _(
                    "Unknown dimension “%(dimension)s”: use %(choices)s.",
                    dimension=dimension,
                    choices=", ".join(DIMENSIONS),
                )
            )
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
) -> tuple[list[CodableCode], dict[tuple[int, int], int]]:
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
    for _key, group in groupby(session.execute(stmt), key=lambda r: r[0]):
        by_coder: dict[int | None, set[int]] = {}
        for _passage, coder_id, code_id in group:
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
