"""Codebook use cases: every change makes a numbered version with author, note and changes."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks.code_index import forget_version
from workbench.core import codebook as cb
from workbench.core import limits
from workbench.core.errors import Conflict, NotFound, ValidationError
from workbench.models import Annotation, Code, CodebookVersion, Project, User
from workbench.models._common import utcnow

# Changing any of these changes what the code means: older annotations get flagged.
MEANING_FIELDS = (
    "definition",
    "inclusion",
    "exclusion",
    "examples_positive",
    "examples_negative",
)
TEXT_FIELDS = ("name", *MEANING_FIELDS)
EDITABLE = (
    *TEXT_FIELDS,
    "keywords_en",
    "keywords_zh",
    "colour",
    "shortcut",
    "takes_stance",
    "is_codable",
    "sort_order",
)


def live_codes(session: Session, project: Project) -> list[Code]:
    """Return the project's codes that are not deleted, in codebook order."""
    return list(
        session.scalars(
            select(Code)
            .where(Code.project_id == project.id, Code.deleted_at.is_(None))
            .order_by(Code.sort_order, Code.name)
        )
    )


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
                key=c.key,
                name=c.name,
                parent_key=keys.get(c.parent_id) if c.parent_id else None,
                definition=c.definition,
                inclusion=c.inclusion,
                exclusion=c.exclusion,
                examples_positive=c.examples_positive,
                examples_negative=c.examples_negative,
                keywords_en=tuple(c.keywords_en or ()),
                keywords_zh=tuple(c.keywords_zh or ()),
                colour=c.colour,
                shortcut=c.shortcut,
                takes_stance=c.takes_stance,
                is_codable=c.is_codable,
                sort_order=c.sort_order,
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


def _snapshot(spec: cb.CodebookSpec) -> dict[str, Any]:
    return {
        "codes": [asdict(c) for c in spec.codes],
        "stance_scale": [asdict(s) for s in spec.stance_scale],
    }


def _check(spec: cb.CodebookSpec) -> None:
    problems = cb.validate(spec)
    if problems:
        raise ValidationError(
            "The codebook change was not saved.",
            [f"{p.code or p.field}: {p.message}" if p.code else p.message for p in problems],
        )


def _new_version(
    session: Session,
    project: Project,
    user: User | None,
    note: str,
    before: cb.CodebookSpec,
) -> CodebookVersion:
    # Checked before the flush, so the refused change never reaches the database.
    problem = limits.too_long("The change note", note.strip(), limits.CODEBOOK_NOTE)
    if problem:
        raise ValidationError(problem)
    session.flush()
    forget_version(session, project.id)
    after = to_spec(session, project)
    _check(after)
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
    audit.record(
        session,
        project_id=project.id,
        actor=user,
        entity="codebook",
        action="version",
        after={"version": version.number, "note": version.note, "changes": changes},
    )
    session.flush()
    return version


def _code(session: Session, project: Project, code_id: int, *, deleted: bool = False) -> Code:
    code = session.get(Code, code_id)
    if code is None or code.project_id != project.id or (code.deleted_at is not None) != deleted:
        raise NotFound(f"Code {code_id} is not in this project's codebook.")
    return code


def normalise_colour(value: Any) -> Any:
    """Return a #rrggbb colour in lower case (anything else unchanged, for validation to name).

    Browsers' colour inputs send lower case while files and older data may carry upper case:
    one spelling means an edit that changes nothing compares equal and records nothing."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 7 and text.startswith("#"):
            return text.lower()
    return value


def _apply_spec_fields(code: Code, spec: cb.CodeSpec) -> None:
    code.name = spec.name.strip()
    code.definition = spec.definition
    code.inclusion = spec.inclusion
    code.exclusion = spec.exclusion
    code.examples_positive = spec.examples_positive
    code.examples_negative = spec.examples_negative
    code.keywords_en = list(spec.keywords_en)
    code.keywords_zh = list(spec.keywords_zh)
    code.colour = normalise_colour(spec.colour)
    code.shortcut = spec.shortcut or None
    code.takes_stance = spec.takes_stance
    code.is_codable = spec.is_codable
    code.sort_order = spec.sort_order


def install_spec(
    session: Session, project: Project, spec: cb.CodebookSpec, *, user: User | None, note: str
) -> CodebookVersion:
    """Merge a codebook spec in by key: new codes are added, known ones updated, none removed."""
    _check(spec)
    before = to_spec(session, project)
    existing = {
        c.key: c for c in session.scalars(select(Code).where(Code.project_id == project.id))
    }
    by_key: dict[str, Code] = {}
    for item in spec.codes:
        code = existing.get(item.key)
        if code is None:
            code = Code(project_id=project.id, key=item.key)
            session.add(code)
        elif any(getattr(code, f) != getattr(item, f) for f in MEANING_FIELDS):
            code.revision += 1
        code.deleted_at = None
        _apply_spec_fields(code, item)
        by_key[item.key] = code
    session.flush()
    for item in spec.codes:
        parent = by_key.get(item.parent_key) if item.parent_key else None
        if item.parent_key and parent is None:
            parent = existing.get(item.parent_key)
        by_key[item.key].parent_id = parent.id if parent else None
    project.stance_scale = [asdict(s) for s in spec.stance_scale]
    return _new_version(session, project, user, note, before)


def ensure_seed_codebook(session: Session, project: Project, user: User | None = None) -> bool:
    """Install the seed study's starting codebook if the project has no codes yet."""
    if live_codes(session, project):
        return False
    install_spec(session, project, cb.load_seed_codebook(), user=user, note="Starting codebook")
    return True


def _parse_fields(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in EDITABLE:
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, str) and key in limits.CODE_FIELDS:
            problem = limits.too_long(key, value, limits.CODE_FIELDS[key])
            if problem:
                raise ValidationError(problem)
        if key in ("keywords_en", "keywords_zh") and isinstance(value, str):
            value = [k.strip() for k in value.replace("；", ";").split(";") if k.strip()]
        elif key in ("takes_stance", "is_codable") and isinstance(value, str):
            value = value.lower() in ("1", "true", "on", "yes")
        elif key == "sort_order":
            try:
                value = int(value or 0)
            except (TypeError, ValueError):
                raise ValidationError("sort_order: must be a whole number.") from None
            if not -(2**31) <= value < 2**31:
                raise ValidationError(f"sort_order: {value} is out of range.")
        elif key == "shortcut":
            value = (str(value).strip() or None) if value is not None else None
        elif key == "colour":
            value = normalise_colour(value)
        elif isinstance(value, str):
            # Browsers send textarea line ends as CRLF: stored text uses LF, so an unchanged
            # field compares equal.
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            value = value.strip() if key == "name" else value
        out[key] = value
    return out


def add_code(
    session: Session,
    project: Project,
    values: dict[str, Any],
    *,
    parent_id: int | None,
    user: User | None,
    note: str = "",
) -> Code:
    """Add a code (optionally under a parent) and make a new version."""
    before = to_spec(session, project)
    fields = _parse_fields(values)
    if not fields.get("name"):
        raise ValidationError("name: a code needs a name.")
    parent = _code(session, project, parent_id) if parent_id else None
    code = Code(
        project_id=project.id, key=str(uuid.uuid4()), parent_id=parent.id if parent else None
    )
    for key, value in fields.items():
        setattr(code, key, value)
    session.add(code)
    _new_version(session, project, user, note or f"Added code '{code.name}'", before)
    return code


def edit_code(
    session: Session,
    project: Project,
    code_id: int,
    values: dict[str, Any],
    *,
    user: User | None,
    note: str = "",
) -> Code:
    """Edit a code's fields; a change of meaning bumps its revision so old codings are flagged."""
    before = to_spec(session, project)
    code = _code(session, project, code_id)
    fields = _parse_fields(values)
    if "name" in fields and not fields["name"]:
        raise ValidationError("name: a code needs a name.")
    changed = [
        k
        for k, v in fields.items()
        if (normalise_colour(getattr(code, k)) if k == "colour" else getattr(code, k)) != v
    ]
    if not changed:
        return code
    if any(k in MEANING_FIELDS for k in changed):
        code.revision += 1
    for key in changed:
        setattr(code, key, fields[key])
    _new_version(
        session, project, user, note or f"Edited '{code.name}': {', '.join(changed)}", before
    )
    return code


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
    code = _code(session, project, code_id)
    parent = _code(session, project, parent_id) if parent_id else None
    if code.parent_id == (parent.id if parent else None):
        return code  # already there: nothing changed, nothing recorded
    ancestor = parent
    while ancestor is not None:  # refused here, before the schema's check refuses the write
        if ancestor.id == code.id:
            raise ValidationError(f"'{code.name}' cannot move under itself or its own sub-codes.")
        ancestor = session.get(Code, ancestor.parent_id) if ancestor.parent_id else None
    code.parent_id = parent.id if parent else None
    where = f"under '{parent.name}'" if parent else "to the top level"
    _new_version(session, project, user, note or f"Moved '{code.name}' {where}", before)
    return code


def _annotation_count(session: Session, code: Code) -> int:
    return int(
        session.scalar(select(func.count(Annotation.id)).where(Annotation.code_id == code.id)) or 0
    )


def delete_code(
    session: Session,
    project: Project,
    code_id: int,
    *,
    user: User | None,
    confirmed: bool,
    note: str = "",
) -> int:
    """Delete a code (kept for undo); one in use needs confirmation. Returns its use count."""
    before = to_spec(session, project)
    code = _code(session, project, code_id)
    children = session.scalar(
        select(func.count(Code.id)).where(Code.parent_id == code.id, Code.deleted_at.is_(None))
    )
    if children:
        raise Conflict(f"'{code.name}' has sub-codes: move or delete them first.")
    used = _annotation_count(session, code)
    if used and not confirmed:
        raise Conflict(
            f"'{code.name}' has {used} annotations. Confirm to delete it; "
            "you can restore it from the codebook history."
        )
    code.deleted_at = utcnow()
    # A deleted code frees its shortcut for others; the old key is kept for restore.
    _new_version(
        session, project, user, note or f"Deleted '{code.name}' ({used} annotations kept)", before
    )
    return used


def restore_code(
    session: Session, project: Project, code_id: int, *, user: User | None, note: str = ""
) -> Code:
    """Undo a deletion: the code and its annotations come back."""
    before = to_spec(session, project)
    code = _code(session, project, code_id, deleted=True)
    code.deleted_at = None
    clash = (
        session.scalar(
            select(Code.id).where(
                Code.project_id == project.id,
                Code.deleted_at.is_(None),
                Code.id != code.id,
                Code.shortcut == code.shortcut,
            )
        )
        if code.shortcut
        else None
    )
    if clash:
        code.shortcut = None
    _new_version(session, project, user, note or f"Restored '{code.name}'", before)
    return code


def deleted_codes(session: Session, project: Project) -> list[Code]:
    """Return deleted codes that can be restored."""
    return list(
        session.scalars(
            select(Code)
            .where(Code.project_id == project.id, Code.deleted_at.is_not(None))
            .order_by(Code.deleted_at.desc())
        )
    )


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
        raise ValidationError("Choose two different codes to merge.")
    before = to_spec(session, project)
    source = _code(session, project, source_id)
    target = _code(session, project, target_id)
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
        audit.record(
            session,
            project_id=project.id,
            actor=user,
            entity="annotation",
            entity_id=ann.id,
            passage_id=ann.passage_id,
            action=action,
            before=snapshot,
            after={"code_id": target.id},
        )
    session.execute(update(Code).where(Code.parent_id == source.id).values(parent_id=target.id))
    source.deleted_at = utcnow()
    _new_version(
        session,
        project,
        user,
        note or f"Merged '{source.name}' into '{target.name}' ({moved} annotations moved)",
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
        raise ValidationError("A split needs at least two new code names.")
    before = to_spec(session, project)
    code = _code(session, project, code_id)
    created = []
    for i, name in enumerate(names):
        child = Code(
            project_id=project.id,
            key=str(uuid.uuid4()),
            parent_id=code.id,
            name=name,
            definition=code.definition,
            takes_stance=code.takes_stance,
            colour=code.colour,
            sort_order=i,
        )
        session.add(child)
        created.append(child)
    _new_version(
        session,
        project,
        user,
        note or f"Split '{code.name}' into {', '.join(names)} (recode its annotations)",
        before,
    )
    return created


def all_codes(session: Session, project: Project) -> list[Code]:
    """Return every code of the project, deleted ones included (for history labels)."""
    return list(session.scalars(select(Code).where(Code.project_id == project.id)))


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


def parse_scale(text: str) -> tuple[cb.StanceLevel, ...]:
    """Read a stance scale written one level a line as "value label", e.g. "-2 strongly rejects"."""
    levels = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        value, _, label = line.partition(" ")
        try:
            levels.append(cb.StanceLevel(int(value.replace("+", "")), label.strip()))
        except ValueError:
            raise ValidationError(
                f"Stance scale, line {number}: start with a whole number, then the label."
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
    _check(cb.CodebookSpec(codes=before.codes, stance_scale=scale))
    kept = {level.value for level in scale}
    in_use = session.execute(
        select(Annotation.stance, func.count(Annotation.id))
        .where(Annotation.project_id == project.id, Annotation.stance.is_not(None))
        .group_by(Annotation.stance)
    ).all()
    lost = {int(value): int(n) for value, n in in_use if int(value) not in kept}
    if lost:
        used = ", ".join(f"{value} ({n} codings)" for value, n in sorted(lost.items()))
        raise Conflict(f"The new scale drops stance values that codings use: {used}.")
    project.stance_scale = [asdict(level) for level in scale]
    return _new_version(session, project, user, note or "Changed the stance scale", before)
