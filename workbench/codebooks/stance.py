"""The stance scale coders set on each code they apply: read from text, replaced as a version."""

from __future__ import annotations

import re
from dataclasses import asdict

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks.store import to_spec
from workbench.codebooks.versioning import check_spec
from workbench.codebooks.versioning import new_version
from workbench.core import codebook as cb
from workbench.core import limits
from workbench.core.errors import Conflict
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.models import Annotation
from workbench.models import CodebookVersion
from workbench.models import ConsensusAnnotation
from workbench.models import Project
from workbench.models import User


def parse_scale(text: str) -> tuple[cb.StanceLevel, ...]:
    """Read a stance scale written one level a line as "value label", e.g. "-2 strongly rejects"."""
    levels = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        value, _space, label = line.partition(" ")
        # ASCII digits within the schema's range: int() also takes "1_000" and "٣", and a value
        # past the range would be shown as a level that no coding could ever store.
        if re.fullmatch(r"[+-]?[0-9]{1,10}", value) and abs(int(value)) <= limits.INT_MAX:
            levels.append(cb.StanceLevel(int(value), label.strip()))
        else:
            raise ValidationError(
                _(
                    "Stance scale, line %(line)s: start with a whole number, then the label.",
                    line=number,
                )
            ) from None
    return tuple(levels)


def set_stance_scale(
    session: Session,
    project: Project,
    scale: tuple[cb.StanceLevel, ...],
    *,
    user: User | None,
    note: str = "",
) -> CodebookVersion:
    """Replace the project's stance scale as a new codebook version; values in use must stay."""
    before = to_spec(session, project)
    check_spec(cb.CodebookSpec(codes=before.codes, stance_scale=scale))
    kept = {level.value for level in scale}
    lost: dict[int, int] = {}
    # The coders' codings and the consensus decisions alike: a decision's stance off the scale
    # could no longer be shown or exported as a level.
    for table in (Annotation, ConsensusAnnotation):
        in_use = session.execute(
            select(table.stance, func.count(table.id))
            .where(table.project_id == project.id, table.stance.is_not(None))
            .group_by(table.stance)
        ).all()
        for value, n in in_use:
            if int(value) not in kept:
                lost[int(value)] = lost.get(int(value), 0) + int(n)
    if lost:
        used = _(", ").join(
            ngettext("%(value)s (%(num)s coding)", "%(value)s (%(num)s codings)", n, value=value)
            for value, n in sorted(lost.items())
        )
        raise Conflict(
            _("The new scale drops stance values that codings use: %(used)s.", used=used)
        )
    project.stance_scale = [asdict(level) for level in scale]
    return new_version(session, project, user, note or _("Changed the stance scale"), before)
