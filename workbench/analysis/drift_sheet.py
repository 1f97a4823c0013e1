"""The Drift sheet: each coder's agreement with the consensus over the order they coded in.

The same computation as the quality page and `workbench drift` (``quality.drift``), against the
consensus with the default windows and flags, and the export's own bootstrap setting for the
intervals. The sheet is written only when the project has a consensus to compare with.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping

from sqlalchemy import func
from sqlalchemy import select

from workbench.analysis.sheet_context import Context
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.quality.drift import DriftReport
from workbench.quality.drift import DriftSettings
from workbench.quality.drift import project_drift

DRIFT_COLUMNS = [
    Column("coder", N_("The coder's user name"), 14),
    Column("coder_name", N_("The coder's display name"), 18),
    Column("against", N_("What the coder is compared with"), 12),
    Column("window", N_("The window of the coder's coding order (passages a to b)"), 16),
    Column("first_document", N_("Document of the window's first passage"), 30),
    Column("first_passage_ordinal", N_("The first passage's number in its document (from 1)"), 10),
    Column("last_document", N_("Document of the window's last passage"), 30),
    Column("last_passage_ordinal", N_("The last passage's number in its document (from 1)"), 10),
    Column("first_coded_at", N_("When the coder coded the window's first passage (UTC)"), 20),
    Column("last_coded_at", N_("When the coder coded the window's last passage (UTC)"), 20),
    Column("passages", N_("Passages in the window"), 9),
    Column("units", N_("Units compared (passage × comparison × code)"), 9),
    Column("alpha", N_("Krippendorff's α of code presence in the window"), 9),
    Column(
        "alpha_ci_low", N_("95% bootstrap interval of α: lower end (empty: too few passages)"), 9
    ),
    Column("alpha_ci_high", N_("95% bootstrap interval of α: upper end"), 9),
    Column("kappa", N_("Cohen's κ of the window's pooled presence table"), 9),
    Column("certification_kappa", N_("The coder's κ on their newest completed gold round"), 9),
    Column("flagged", N_("1 when the window is flagged for drift"), 8),
    Column("flag_reason", N_("Why the window is flagged"), 50, wrap=True),
]


def drift_rows(report: DriftReport, where: Mapping[int, tuple[str, int]]) -> Iterator[Row]:
    """One row per coder and window of the drift report (passages as document and number)."""
    for coder in report.coders:
        reasons = {f.window: f.message for f in coder.flags}
        for w in coder.windows:
            ci = w.alpha_ci95
            yield [
                coder.coder,
                report.names.get(coder.coder, coder.coder),
                report.against,
                w.label,
                *where.get(w.first_passage, ("", None)),
                *where.get(w.last_passage, ("", None)),
                str(w.first_at),
                str(w.last_at),
                w.passages,
                w.units,
                w.alpha,
                ci[0] if ci else None,
                ci[1] if ci else None,
                w.kappa,
                coder.certification,
                int(w.index in reasons),
                reasons.get(w.index, ""),
            ]


def _places(ctx: Context) -> dict[int, tuple[str, int]]:
    """passage id -> (document title, number in the document from 1), as every sheet says."""
    rows = ctx.session.execute(
        select(Passage.id, Document.title, Passage.ordinal)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.project_id == ctx.project.id)
    )
    return {int(pid): (str(title), int(ordinal) + 1) for pid, title, ordinal in rows}


def drift_tables(ctx: Context) -> list[Table]:
    """The Drift table, when the project has a consensus to compare the coders with."""
    session, project = ctx.session, ctx.project
    has_consensus = session.scalar(
        select(func.count())
        .select_from(ConsensusState)
        .where(ConsensusState.project_id == project.id)
    )
    if not has_consensus:
        return []
    settings = DriftSettings(against="consensus", replicates=min(ctx.scope.bootstrap, 1000))
    return [
        Table(
            "drift",
            "Drift",
            _(
                "Each coder's agreement with the consensus over the order they coded in, in "
                "windows of %(window)s passages, with drift flags",
                window=settings.window,
            ),
            DRIFT_COLUMNS,
            lambda: drift_rows(project_drift(session, project, settings), _places(ctx)),
        )
    ]
