"""An imported consensus layer: passages resolved as the file says, their memos and times kept."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats.codebook_xlsx import ImportProblem
from workbench.interchange.import_report import ImportReport
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Project
from workbench.models import User

Consensus = dict[int, dict[int, tuple[int | None, str]]]  # passage -> code -> (stance, memo)


def _same_consensus(
    session: Session, passage_id: int, codes: dict[int, tuple[int | None, str]], note: str | None
) -> bool:
    """Tell whether the passage's consensus already is exactly this one."""
    kept = session.scalar(
        select(ConsensusState.memo).where(ConsensusState.passage_id == passage_id)
    )
    if kept is None or (note is not None and note != kept):
        return False
    current = {
        code_id: (stance, memo or "")
        for code_id, stance, memo in session.execute(
            select(
                ConsensusAnnotation.code_id, ConsensusAnnotation.stance, ConsensusAnnotation.memo
            ).where(ConsensusAnnotation.passage_id == passage_id)
        )
    }
    return current == codes


def apply_consensus(
    session: Session,
    project: Project,
    actor: User,
    consensus: Consensus,
    times: dict[int, dt.datetime | None],
    report: ImportReport,
    sheet: str | None = None,
    notes: dict[int, str] | None = None,
) -> None:
    """Resolve each adjudicated passage as the file says, keeping its memos and its time.

    ``notes`` are the adjudications' own notes (why a passage was resolved so), where the
    file has them.

    A passage that cannot take a consensus (no coder has coded it, or it is not codable) is
    reported and left as it was; the others are applied."""
    from workbench.reliability import adjudication

    for passage_id, codes in consensus.items():
        note = None if notes is None else notes.get(passage_id)
        if _same_consensus(session, passage_id, codes, note):
            continue  # importing the same file again changes nothing
        try:
            with session.begin_nested():
                adjudication.resolve(
                    session,
                    project,
                    actor,
                    passage_id,
                    {k: v[0] for k, v in codes.items()},
                    note=note or "",
                )
        except ValidationError as exc:
            report.problems.append(
                ImportProblem(
                    sheet,
                    None,
                    "layer",
                    _(
                        "consensus of passage %(passage_id)s: %(exc)s",
                        passage_id=passage_id,
                        exc=exc,
                    ),
                )
            )
            continue
        for code_id, (_code, memo) in codes.items():
            if memo:
                session.execute(
                    update(ConsensusAnnotation)
                    .where(
                        ConsensusAnnotation.passage_id == passage_id,
                        ConsensusAnnotation.code_id == code_id,
                    )
                    .values(memo=memo)
                )
        when = times.get(passage_id)
        if when is not None:
            for table in (ConsensusAnnotation, ConsensusState):
                session.execute(
                    update(table).where(table.passage_id == passage_id).values(resolved_at=when)
                )
        report.consensus_passages += 1
