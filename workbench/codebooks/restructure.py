"""Reshaping the code tree: move a code, merge two codes, split one into sub-codes."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks.store import find_code
from workbench.codebooks.store import to_spec
from workbench.codebooks.versioning import new_version
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Project
from workbench.models import User
from workbench.models._common import utcnow


def move_code(
    session: Session,
    project: Project,
    code_id: int,
    parent_id: int | None,
    *,
    user: User | None,
    note: str = "",
) -> Code:
    """Move a code under another parent (or to the top); cycles are refused."""
    before = to_spec(session, project)
    code = find_code(session, project, code_id)
    parent = find_code(session, project, parent_id) if parent_id else None
    if code.parent_id == (parent.id if parent else None):
        return code  # already there: nothing changed, nothing recorded
    ancestor = parent
    while ancestor is not None:  # refused here, before the schema's check refuses the write
        if ancestor.id == code.id:
            raise ValidationError(
                _("'%(name)s' cannot move under itself or its own sub-codes.", name=code.name)
            )
        ancestor = session.get(Code, ancestor.parent_id) if ancestor.parent_id else None
    code.parent_id = parent.id if parent else None
    moved = (
        _("Moved '%(name)s' under '%(parent)s'", name=code.name, parent=parent.name)
        if parent
        else _("Moved '%(name)s' to the top level", name=code.name)
    )
    new_version(session, project, user, note or moved, before)
    return code


def merge_codes(
    session: Session,
    project: Project,
    source_id: int,
    target_id: int,
    *,
    user: User | None,
    note: str = "",
) -> int:
    """Merge source into target: annotations move to target (duplicates folded), source deleted."""
    if source_id == target_id:
        raise ValidationError(_("Choose two different codes to merge."))
    before = to_spec(session, project)
    source = find_code(session, project, source_id)
    target = find_code(session, project, target_id)
    moved = 0
    annotations = session.scalars(select(Annotation).where(Annotation.code_id == source.id)).all()
    existing = set(
        session.execute(
            select(Annotation.passage_id, Annotation.coder_id).where(
                Annotation.code_id == target.id
            )
        ).all()
    )
    for ann in annotations:
        snapshot = {"code_id": ann.code_id, "stance": ann.stance, "memo": ann.memo}
        if (ann.passage_id, ann.coder_id) in existing:
            # The coder already applied the target here: keep theirs, fold the memo in.
            session.execute(
                update(Annotation)
                .where(
                    Annotation.code_id == target.id,
                    Annotation.passage_id == ann.passage_id,
                    Annotation.coder_id == ann.coder_id,
                    Annotation.memo == "",
                )
                .values(memo=ann.memo)
            )
            session.delete(ann)
            action = "merge-fold"
        else:
            ann.code_id = target.id
            action = "merge-move"
        moved += 1
        after = {"code_id": target.id}
        change = audit.Change("annotation", action, snapshot, after, ann.id, ann.passage_id)
        audit.record(session, project.id, user, change)
    session.execute(update(Code).where(Code.parent_id == source.id).values(parent_id=target.id))
    source.deleted_at = utcnow()
    new_version(
        session,
        project,
        user,
        note
        or ngettext(
            "Merged '%(source)s' into '%(target)s' (%(num)s annotation moved)",
            "Merged '%(source)s' into '%(target)s' (%(num)s annotations moved)",
            moved,
            source=source.name,
            target=target.name,
        ),
        before,
    )
    return moved


def split_code(
    session: Session,
    project: Project,
    code_id: int,
    new_names: list[str],
    *,
    user: User | None,
    note: str = "",
) -> list[Code]:
    """Split a code into children: the original becomes their folder; its annotations stay on it."""
    names = [n.strip() for n in new_names if n.strip()]
    if len(names) < 2:
        raise ValidationError(_("A split needs at least two new code names."))
    before = to_spec(session, project)
    code = find_code(session, project, code_id)
    created = []
    for i, name in enumerate(names):
        child = Code(
            project_id=project.id,
            key=str(uuid.uuid4()),
            parent_id=code.id,
            name=name,
            definition=code.definition,
            definition_zh=code.definition_zh,
            takes_stance=code.takes_stance,
            colour=code.colour,
            sort_order=i,
        )
        session.add(child)
        created.append(child)
    new_version(
        session,
        project,
        user,
        note
        or _(
            "Split '%(name)s' into %(names)s (recode its annotations)",
            name=code.name,
            names=", ".join(names),
        ),
        before,
    )
    return created
