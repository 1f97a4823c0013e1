"""Editing single codes: add, edit, delete and restore, each a new codebook version."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks.fields import changes_meaning
from workbench.codebooks.fields import normalise_colour
from workbench.codebooks.fields import parse_fields
from workbench.codebooks.store import find_code
from workbench.codebooks.store import to_spec
from workbench.codebooks.versioning import new_version
from workbench.core.codebook_labels import field_list
from workbench.core.errors import Conflict
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Project
from workbench.models import User
from workbench.models._common import utcnow


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
    fields = parse_fields(values)
    if not fields.get("name"):
        raise ValidationError(_("Name: a code needs a name."))
    parent = find_code(session, project, parent_id) if parent_id else None
    code = Code(
        project_id=project.id, key=str(uuid.uuid4()), parent_id=parent.id if parent else None
    )
    for key, value in fields.items():
        setattr(code, key, value)
    session.add(code)
    new_version(session, project, user, note or _("Added code '%(name)s'", name=code.name), before)
    return code


def edit_code(
    session: Session,
    project: Project,
    code_id: int,
    values: dict[str, Any],
    *,
    user: User | None,
    note: str = "",
) -> tuple[Code, list[str]]:
    """Edit a code's fields; a change of meaning bumps its revision so old codings are flagged.

    Returns the code and the names of the fields that changed (none: no version is made)."""
    before = to_spec(session, project)
    code = find_code(session, project, code_id)
    fields = parse_fields(values)
    if "name" in fields and not fields["name"]:
        raise ValidationError(_("Name: a code needs a name."))
    changed = [
        k
        for k, v in fields.items()
        if (normalise_colour(getattr(code, k)) if k == "colour" else getattr(code, k)) != v
    ]
    if not changed:
        return code, changed
    if any(changes_meaning(code, k, fields[k]) for k in changed):
        code.revision += 1
    for key in changed:
        setattr(code, key, fields[key])
    edited = _("Edited '%(name)s': %(fields)s", name=code.name, fields=field_list(changed))
    new_version(session, project, user, note or edited, before)
    return code, changed


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
    code = find_code(session, project, code_id)
    children = session.scalar(
        select(func.count(Code.id)).where(Code.parent_id == code.id, Code.deleted_at.is_(None))
    )
    if children:
        raise Conflict(_("'%(name)s' has sub-codes: move or delete them first.", name=code.name))
    used = _annotation_count(session, code)
    if used and not confirmed:
        raise Conflict(
            ngettext(
                "'%(name)s' has %(num)s annotation. Confirm to delete it; "
                "you can restore it from the codebook history.",
                "'%(name)s' has %(num)s annotations. Confirm to delete it; "
                "you can restore it from the codebook history.",
                used,
                name=code.name,
            )
        )
    code.deleted_at = utcnow()
    # A deleted code frees its shortcut for others; the old key is kept for restore.
    deleted = ngettext(
        "Deleted '%(name)s' (%(num)s annotation kept)",
        "Deleted '%(name)s' (%(num)s annotations kept)",
        used,
        name=code.name,
    )
    new_version(session, project, user, note or deleted, before)
    return used


def restore_code(
    session: Session, project: Project, code_id: int, *, user: User | None, note: str = ""
) -> Code:
    """Undo a deletion: the code and its annotations come back."""
    before = to_spec(session, project)
    code = find_code(session, project, code_id, deleted=True)
    code.deleted_at = None
    code.merged_into_id = None  # a restored code keeps what comes back to it
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
    new_version(session, project, user, note or _("Restored '%(name)s'", name=code.name), before)
    return code
