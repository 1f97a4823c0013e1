"""What each coder wrote beside their codes, for the lead adjudicating a passage.

The side-by-side table shows each coder's codes and stances; this adds, per coder, the passage
memo, and per applied code its memo and the spanned text (the selection inside the passage the
code was applied to). Only leads reach adjudication, so every coder's notes are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.models import Annotation
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User


@dataclass
class CodeNote:
    """A coder's memo on one applied code and the text their span selects (if any)."""

    memo: str = ""
    span: str = ""


@dataclass
class CoderNotes:
    """A coder's passage memo and their notes per applied code (by code path)."""

    passage_memo: str = ""
    codes: dict[str, CodeNote] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Whether the coder wrote nothing and selected no span."""
        return not self.passage_memo and not any(n.memo or n.span for n in self.codes.values())


def notes_for(
    session: Session, project: Project, passage_ids: list[int]
) -> dict[int, dict[str, CoderNotes]]:
    """passage -> coder (username) -> their memos and spans, for coders who marked it coded."""
    if not passage_ids:
        return {}
    out: dict[int, dict[str, CoderNotes]] = {pid: {} for pid in passage_ids}
    for pid, username, memo in session.execute(
        select(PassageState.passage_id, User.username, PassageState.memo)
        .join(User, User.id == PassageState.coder_id)
        .where(
            PassageState.project_id == project.id,
            PassageState.passage_id.in_(passage_ids),
            PassageState.coded.is_(True),
        )
    ):
        out[int(pid)][str(username)] = CoderNotes(passage_memo=memo or "")
    paths = codebooks.code_paths(codebooks.all_codes(session, project))
    rows = session.execute(
        select(
            Annotation.passage_id,
            User.username,
            Annotation.code_id,
            Annotation.memo,
            Annotation.span_start,
            Annotation.span_end,
            Passage.text,
        )
        .join(User, User.id == Annotation.coder_id)
        .join(Passage, Passage.id == Annotation.passage_id)
        .where(Annotation.project_id == project.id, Annotation.passage_id.in_(passage_ids))
    )
    for pid, username, code_id, memo, start, end, text in rows:
        notes = out[int(pid)].get(str(username))
        if notes is None:  # a coder who reopened the passage: their codes are not shown either
            continue
        span = text[start:end] if start is not None and end is not None else ""
        notes.codes[paths.get(code_id, str(code_id))] = CodeNote(memo or "", span)
    return out
