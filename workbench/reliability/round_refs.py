"""Finding a round by what a person types for it: its id or its exact name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core import limits
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.models import Project
from workbench.models import ReliabilityRound


def round_id_by_ref(session: Session, project: Project, ref: str) -> int:
    """Return the id of the one round of the project with this id or name, else raise NotFound."""
    found = session.scalars(
        select(ReliabilityRound.id).where(
            ReliabilityRound.project_id == project.id,
            (ReliabilityRound.name == ref)
            | (ReliabilityRound.id == (limits.counting_number(ref) or -1)),
        )
    ).all()
    if len(found) != 1:
        raise NotFound(
            _(
                "No single round “%(round)s” in project “%(project)s” (give its id or exact name).",
                round=ref,
                project=project.slug,
            )
        )
    return found[0]
