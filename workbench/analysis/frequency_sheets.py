"""The Frequencies and Cooccurrence sheets, from the counts the passage walk made."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.analysis.sheet_context import CODE_KEY
from workbench.analysis.sheet_context import Context
from workbench.analysis.summary import LayerSummary
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.tables import column_table

FREQUENCY_DIMENSIONS = (
    "document",
    "delegation",
    "speaker",
    "language",
    "original_language",
    "month",
)


def frequencies_table(ctx: Context, summary: LayerSummary) -> Table:
    """Passages and annotations per code: overall, then per document, delegation, ... month."""
    columns = list(column_table("frequencies"))

    def rows() -> Iterator[Row]:
        for dimension in (None, *FREQUENCY_DIMENSIONS):
            for value, code, passages, applications, total in summary.rows(dimension):
                yield [
                    dimension or "all",
                    value,
                    code.key,
                    code.path,
                    passages,
                    applications,
                    total,
                    round(passages / total, 6) if total else None,
                ]

    return Table(
        "frequencies",
        "Frequencies",
        "Code frequencies in the layer: overall (the chart), and by each dimension",
        columns,
        rows,
    )


def cooccurrence_table(ctx: Context, summary: LayerSummary) -> Table:
    """Code by code: passages carrying both (the diagonal: passages carrying the code)."""
    columns = [
        CODE_KEY,
        Column("code_path", N_("Code path"), 34),
    ]
    columns += [
        Column(
            ctx.code_names[c.id],
            _("Passages carrying both this row's code and %(code)s", code=c.path),
            9,
            colour=c.colour,
        )
        for c in ctx.codes
    ]

    def rows() -> Iterator[Row]:
        codes, matrix = ctx.codes, summary.matrix()
        for a in codes:
            yield [a.key, a.path, *[matrix.get((a.id, b.id), 0) for b in codes]]

    return Table(
        "cooccurrence",
        "Cooccurrence",
        "Code co-occurrence: passages where one coder's (or the consensus') coding carries both "
        "codes, in the layer",
        columns,
        rows,
    )
