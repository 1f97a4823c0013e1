"""What a coding action acts on, checked: the passage, the code, a stance, a memo, a span."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from workbench.codebooks.code_index import CodeSnapshot
from workbench.codebooks.code_index import code_index
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Passage
from workbench.models import Project


@dataclass(frozen=True)
class Span:
    """A selection inside a passage, in code points: start inclusive, end exclusive."""

    start: int
    end: int


# Built once: ``session.get`` builds its statement, and that statement's cache key, on every
# call; that was about a twentieth of a coding action's time.
_PASSAGE = select(Passage).where(Passage.id == bindparam("passage_id"))


def get_passage(session: Session, project: Project, passage_id: int) -> Passage:
    """Return a passage of this project or raise NotFound."""
    # Loaded once per session: the use cases and the fragment after them ask again.
    passage = session.identity_map.get(identity_key(Passage, passage_id))
    if passage is None or inspect(passage).expired:
        passage = session.scalars(_PASSAGE, {"passage_id": passage_id}).first()
    if passage is None or passage.project_id != project.id:
        raise NotFound(_("Passage %(id)s is not in this project.", id=passage_id))
    return passage


def codable_passage(session: Session, project: Project, passage_id: int) -> Passage:
    """Return a passage of this project that may be coded, or raise NotFound / ValidationError."""
    passage = get_passage(session, project, passage_id)
    if not passage.codable:
        raise ValidationError(_("This passage is marked not codable."))
    return passage


def get_code(session: Session, project: Project, code_id: int) -> CodeSnapshot:
    """Return a live, applicable code of this project or raise NotFound / ValidationError."""
    code = code_index(session, project.id).by_id.get(code_id)
    if code is None or code.deleted:
        raise NotFound(_("Code %(id)s is not in this project's codebook.", id=code_id))
    if not code.is_codable:
        raise ValidationError(
            _("'%(name)s' is a folder of codes and cannot be applied.", name=code.name)
        )
    return code


def load_target(
    session: Session, project: Project, passage_id: int, code_id: int
) -> tuple[Passage, CodeSnapshot]:
    """Return the passage and the code, refusing ones from other projects or deleted codes."""
    passage = get_passage(session, project, passage_id)
    code = get_code(session, project, code_id)
    if not passage.codable:
        raise ValidationError(_("This passage is marked not codable."))
    return passage, code


def check_stance(project: Project, code: CodeSnapshot, stance: int | None) -> int | None:
    """Validate a stance value against the project's scale."""
    if stance is None:
        return None
    if not code.takes_stance:
        raise ValidationError(_("'%(name)s' takes no stance.", name=code.name))
    allowed = {int(s["value"]) for s in project.stance_scale}
    if stance not in allowed:
        values = ", ".join(str(v) for v in sorted(allowed))
        raise ValidationError(
            _("Stance %(stance)s is outside the scale (%(values)s).", stance=stance, values=values)
        )
    return stance


def check_memo(memo: str, limit: int) -> str:
    """Refuse memos over the configured size."""
    if len(memo) > limit:
        shown = {"limit": f"{limit:,}", "length": f"{len(memo):,}"}
        raise ValidationError(
            _("Memos are limited to %(limit)s characters; this one has %(length)s.", **shown)
        )
    return memo


def check_span(passage: Passage, span: Span | None) -> Span | None:
    """Validate a span against the passage text (code-point offsets)."""
    if span is None:
        return None
    length = len(passage.text)
    if not (0 <= span.start < span.end <= length):
        raise ValidationError(
            _(
                "The selection %(start)s-%(end)s lies outside the passage (0-%(length)s).",
                start=span.start,
                end=span.end,
                length=length,
            )
        )
    return span
