"""The stored codebook read back: its codes, versions, stance scale and the pure spec."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks.fields import common_fields
from workbench.core import codebook as cb
from workbench.core.errors import NotFound
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import Project
from workbench.models import User


def live_codes(session: Session, project: Project) -> list[Code]:
    """Return the project's codes that are not deleted, in codebook order."""
    return list(
        session.scalars(
            select(Code)
            .where(Code.project_id == project.id, Code.deleted_at.is_(None))
            .order_by(Code.sort_order, Code.name)
        )
    )


def all_codes(session: Session, project: Project) -> list[Code]:
    """Return every code of the project, deleted ones included (for history labels)."""
    return list(session.scalars(select(Code).where(Code.project_id == project.id)))


def deleted_codes(session: Session, project: Project) -> list[Code]:
    """Return deleted codes that can be restored."""
    return list(
        session.scalars(
            select(Code)
            .where(Code.project_id == project.id, Code.deleted_at.is_not(None))
            .order_by(Code.deleted_at.desc())
        )
    )


def find_code(session: Session, project: Project, code_id: int, *, deleted: bool = False) -> Code:
    """Return one of the project's codes (a deleted one with ``deleted``) or raise NotFound."""
    code = session.get(Code, code_id)
    if code is None or code.project_id != project.id or (code.deleted_at is not None) != deleted:
        raise NotFound(f"Code {code_id} is not in this project's codebook.")
    return code


def stance_scale(project: Project) -> tuple[cb.StanceLevel, ...]:
    """Return the project's stance scale."""
    if not project.stance_scale:
        return cb.DEFAULT_STANCE_SCALE
    return tuple(cb.StanceLevel(int(s["value"]), str(s["label"])) for s in project.stance_scale)


def to_spec(session: Session, project: Project) -> cb.CodebookSpec:
    """Return the stored codebook as a pure spec."""
    codes = live_codes(session, project)
    keys = {c.id: c.key for c in codes}
    return cb.CodebookSpec(
        codes=tuple(
            cb.CodeSpec(
                **common_fields(c),
                parent_key=keys.get(c.parent_id) if c.parent_id else None,
                examples_positive=c.examples_positive,
                examples_negative=c.examples_negative,
                name_zh=c.name_zh or "",
                definition_zh=c.definition_zh or "",
                inclusion_zh=c.inclusion_zh or "",
                exclusion_zh=c.exclusion_zh or "",
            )
            for c in codes
        ),
        stance_scale=stance_scale(project),
    )


def current_version(session: Session, project: Project) -> int:
    """Return the number of the project's newest codebook version (0 before the first)."""
    return int(
        session.scalar(
            select(func.max(CodebookVersion.number)).where(CodebookVersion.project_id == project.id)
        )
        or 0
    )


def versions(session: Session, project: Project) -> list[tuple[CodebookVersion, str | None]]:
    """Return the codebook's versions, newest first, with their authors' names."""
    rows = session.execute(
        select(CodebookVersion, User.display_name)
        .outerjoin(User, User.id == CodebookVersion.author_id)
        .where(CodebookVersion.project_id == project.id)
        .order_by(CodebookVersion.number.desc())
    ).all()
    return [(v, name) for v, name in rows]


def code_paths(codes: list[Code]) -> dict[int, str]:
    """Return each code's path from the top of the hierarchy ("Parent > Child")."""
    by_id = {c.id: c for c in codes}
    paths: dict[int, str] = {}
    for code in codes:
        parts: list[str] = []
        seen: set[int] = set()
        node: Code | None = code
        while node is not None and node.id not in seen:
            seen.add(node.id)
            parts.append(node.name)
            node = by_id.get(node.parent_id) if node.parent_id else None
        paths[code.id] = " > ".join(reversed(parts))
    return paths


def tree_order(codes: list[Code]) -> list[tuple[Code, int]]:
    """Return codes depth-first (parents before children) with their depth."""
    children: dict[int | None, list[Code]] = {}
    ids = {c.id for c in codes}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        children.setdefault(parent, []).append(code)
    out: list[tuple[Code, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for child in sorted(children.get(parent, []), key=lambda c: (c.sort_order, c.name)):
            out.append((child, depth))
            walk(child.id, depth + 1)

    walk(None, 0)
    return out


def usage_counts(
    session: Session, project: Project, *, coder_id: int | None = None
) -> dict[int, int]:
    """Return how many annotations each code has (only one coder's when ``coder_id`` is given,
    as a coder in a blind project must see)."""
    stmt = select(Annotation.code_id, func.count(Annotation.id)).where(
        Annotation.project_id == project.id
    )
    if coder_id is not None:
        stmt = stmt.where(Annotation.coder_id == coder_id)
    return {
        code_id: int(n) for code_id, n in session.execute(stmt.group_by(Annotation.code_id)).all()
    }
