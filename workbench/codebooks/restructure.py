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
from workbench.models import ConsensusAnnotation
from workbench.models import Document
from workbench.models import Passage
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


def _joined(kept: str, folded: str) -> str:
    """Two memos as one: both kept, the one folded in after the one that stays."""
    if not folded or folded == kept:
        return kept
    return f"{kept}\n\n{folded}" if kept else folded


def _passage_name(session: Session, passage_id: int) -> str:
    row = session.execute(
        select(Passage.ordinal, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id == passage_id)
    ).one()
    return _("¶%(n)s of “%(title)s”", n=row.ordinal + 1, title=row.title)


def _coding_pairs(
    session: Session, source: Code, target: Code
) -> list[tuple[Annotation, Annotation | None]]:
    """Each coding of the source, with the same coder's coding of the target on its passage."""
    out: list[tuple[Annotation, Annotation | None]] = []
    for ann in session.scalars(select(Annotation).where(Annotation.code_id == source.id)).all():
        other = session.scalar(
            select(Annotation).where(
                Annotation.code_id == target.id,
                Annotation.passage_id == ann.passage_id,
                Annotation.coder_id == ann.coder_id,
            )
        )
        out.append((ann, other))
    return out


def _decision_pairs(
    session: Session, source: Code, target: Code
) -> list[tuple[ConsensusAnnotation, ConsensusAnnotation | None]]:
    """Each consensus decision on the source, with the target's decision on its passage."""
    table = ConsensusAnnotation
    out: list[tuple[ConsensusAnnotation, ConsensusAnnotation | None]] = []
    for row in session.scalars(select(table).where(table.code_id == source.id)).all():
        other = session.scalar(
            select(table).where(table.code_id == target.id, table.passage_id == row.passage_id)
        )
        out.append((row, other))
    return out


def _two_stances(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and a != b


def _merge_conflicts(session: Session, source: Code, target: Code) -> list[str]:
    """Where merging would have to drop a value: a coder's (or the consensus's) two codings of
    one passage with different stances, or different selections."""
    conflicts: list[str] = []
    for ann, other in _coding_pairs(session, source, target):
        if other is None:
            continue
        stances = _two_stances(ann.stance, other.stance)
        spans = (ann.span_start, ann.span_end) != (other.span_start, other.span_end)
        if stances or spans:
            what = (
                _("stances %(a)s and %(b)s", a=ann.stance, b=other.stance)
                if stances
                else _("different selections")
            )
            coder = session.get(User, ann.coder_id)
            conflicts.append(
                _(
                    "%(passage)s, coded by %(coder)s with both codes: %(what)s",
                    passage=_passage_name(session, ann.passage_id),
                    coder=coder.display_name if coder is not None else ann.coder_id,
                    what=what,
                )
            )
    for row, other_row in _decision_pairs(session, source, target):
        if other_row is not None and _two_stances(row.stance, other_row.stance):
            conflicts.append(
                _(
                    "%(passage)s, decided in the consensus with both codes: stances %(a)s and "
                    "%(b)s",
                    passage=_passage_name(session, row.passage_id),
                    a=row.stance,
                    b=other_row.stance,
                )
            )
    return conflicts


def merge_codes(
    session: Session,
    project: Project,
    source_id: int,
    target_id: int,
    *,
    user: User | None,
    note: str = "",
) -> int:
    """Merge source into target: codings and consensus decisions move to target, source deleted.

    Where a coder (or the consensus) has both codes on a passage, the two fold into one: the
    target's stance, or the source's where the target has none; both memos. A fold that would
    drop a value (two different stances, two different selections) is refused, each named,
    and nothing is merged: the lead settles them first."""
    if source_id == target_id:
        raise ValidationError(_("Choose two different codes to merge."))
    before = to_spec(session, project)
    source = find_code(session, project, source_id)
    target = find_code(session, project, target_id)
    conflicts = _merge_conflicts(session, source, target)
    if conflicts:
        shown = "; ".join(conflicts[:10])
        more = len(conflicts) - 10
        raise ValidationError(
            _(
                "Nothing was merged: merging '%(source)s' into '%(target)s' would drop a value "
                "where both codes are on one passage. Settle these first: %(list)s",
                source=source.name,
                target=target.name,
                list=shown,
            )
            + (" " + ngettext("(and %(num)s more)", "(and %(num)s more)", more) if more > 0 else "")
        )
    moved = 0
    for ann, kept in _coding_pairs(session, source, target):
        snapshot = {"code_id": ann.code_id, "stance": ann.stance, "memo": ann.memo}
        if kept is not None:
            # The coder already applied the target here: one coding, with both memos.
            kept.stance = kept.stance if kept.stance is not None else ann.stance
            kept.memo = _joined(kept.memo, ann.memo)
            session.delete(ann)
            action = "merge-fold"
        else:
            ann.code_id = target.id
            action = "merge-move"
        moved += 1
        after = {"code_id": target.id}
        change = audit.Change("annotation", action, snapshot, after, ann.id, ann.passage_id)
        audit.record(session, project.id, user, change)
    for row, kept_row in _decision_pairs(session, source, target):
        if kept_row is not None:
            kept_row.stance = kept_row.stance if kept_row.stance is not None else row.stance
            kept_row.memo = _joined(kept_row.memo, row.memo)
            session.delete(row)
        else:
            # Left on the deleted code, the decision would read "no code applies".
            row.code_id = target.id
    session.flush()
    session.execute(update(Code).where(Code.parent_id == source.id).values(parent_id=target.id))
    source.deleted_at = utcnow()
    source.merged_into_id = target.id  # codings restored later follow (documents/snapshot)
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
