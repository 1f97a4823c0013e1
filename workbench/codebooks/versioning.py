"""Every codebook change makes a numbered version with author, note and the list of changes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks.code_index import forget_version
from workbench.codebooks.store import current_version
from workbench.codebooks.store import to_spec
from workbench.core import codebook as cb
from workbench.core import limits
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import CodebookVersion
from workbench.models import Project
from workbench.models import User


def _snapshot(spec: cb.CodebookSpec) -> dict[str, Any]:
    return {
        "codes": [asdict(c) for c in spec.codes],
        "stance_scale": [asdict(s) for s in spec.stance_scale],
    }


def check_spec(spec: cb.CodebookSpec) -> None:
    """Refuse a codebook that breaks the codebook rules, naming every problem."""
    problems = cb.validate(spec)
    if problems:
        raise ValidationError(
            _("The codebook change was not saved."),
            [f"{p.code or p.field}: {p.message}" if p.code else p.message for p in problems],
        )


def new_version(
    session: Session,
    project: Project,
    user: User | None,
    note: str,
    before: cb.CodebookSpec,
) -> CodebookVersion:
    """Record the change made in the session as the next codebook version, with its diff."""
    # Checked before the flush, so the refused change never reaches the database.
    problem = limits.too_long(_("The change note"), note.strip(), limits.CODEBOOK_NOTE)
    if problem:
        raise ValidationError(problem)
    session.flush()
    forget_version(session, project.id)
    after = to_spec(session, project)
    check_spec(after)
    changes = [asdict(c) for c in cb.diff(before, after)]
    version = CodebookVersion(
        project_id=project.id,
        number=current_version(session, project) + 1,
        author_id=user.id if user else None,
        note=note.strip(),
        snapshot=_snapshot(after),
        changes=changes,
    )
    session.add(version)
    session.flush()
    forget_version(session, project.id)
    made = {"version": version.number, "note": version.note, "changes": changes}
    audit.record(session, project.id, user, audit.Change("codebook", "version", after=made))
    session.flush()
    return version
