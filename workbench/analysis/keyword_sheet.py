"""The Keywords sheet: per code, passages with a keyword hit crossed with the code's codings."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.analysis.keywords import code_keywords
from workbench.analysis.keywords import keyword_counts
from workbench.analysis.sheet_context import CODE_KEY
from workbench.analysis.sheet_context import Context
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table

KEYWORD_COLUMNS = [
    CODE_KEY,
    Column("code_path", N_("Code path"), 34),
    Column("keywords", N_("The code's English and Chinese keywords, separated by ' | '"), 40),
    Column("passages", N_("Codable passages in scope"), 10),
    Column("hits", N_("Passages in which a keyword of the code occurs"), 10),
    Column("hit_coded", N_("Passages with a keyword hit that carry the code in the layer"), 10),
    Column("hit_not_coded", N_("Passages with a keyword hit that do not carry the code"), 10),
    Column("coded_no_hit", N_("Passages that carry the code without a keyword hit"), 10),
    Column("neither", N_("Passages with neither a keyword hit nor the code"), 10),
]


def keyword_tables(ctx: Context) -> list[Table]:
    """The Keywords table, when any codable code has keywords."""
    if not code_keywords(ctx.session, ctx.project):
        return []

    def rows() -> Iterator[Row]:
        for k in keyword_counts(ctx.session, ctx.project, ctx.scope):
            yield [
                k.code.key,
                k.code.path,
                " | ".join(k.keywords),
                k.passages,
                k.hits,
                k.hit_coded,
                k.hit_not_coded,
                k.coded_no_hit,
                k.neither,
            ]

    return [
        Table(
            "keywords",
            "Keywords",
            _(
                "Dictionary hits per code: passages with a keyword of the code, crossed with the "
                "passages carrying the code in the layer (%(layer)s)",
                layer=ctx.scope.layer,
            ),
            KEYWORD_COLUMNS,
            rows,
        )
    ]
