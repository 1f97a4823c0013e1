"""Whole codebooks coming in: a spec merged by code key (imports) and the seed codebook."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks.fields import CHINESE_FIELDS
from workbench.codebooks.fields import MEANING_FIELDS
from workbench.codebooks.fields import apply_spec_fields
from workbench.codebooks.fields import changes_meaning
from workbench.codebooks.store import live_codes
from workbench.codebooks.store import to_spec
from workbench.codebooks.versioning import check_spec
from workbench.codebooks.versioning import new_version
from workbench.core import codebook as cb
from workbench.core.i18n import _
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import Project
from workbench.models import User


def install_spec(
    session: Session, project: Project, spec: cb.CodebookSpec, *, user: User | None, note: str
) -> CodebookVersion:
    """Merge a codebook spec in by key: new codes are added, known ones updated, none removed."""
    check_spec(spec)
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
        elif any(
            changes_meaning(code, f, getattr(item, f))
            for f in (*MEANING_FIELDS, *CHINESE_FIELDS)
            if getattr(item, f) or f in MEANING_FIELDS
        ):
            code.revision += 1
        code.deleted_at = None
        code.merged_into_id = None  # live again: what comes back to it stays on it
        apply_spec_fields(code, item)
        by_key[item.key] = code
    session.flush()
    for item in spec.codes:
        parent = by_key.get(item.parent_key) if item.parent_key else None
        if item.parent_key and parent is None:
            parent = existing.get(item.parent_key)
        by_key[item.key].parent_id = parent.id if parent else None
    project.stance_scale = [asdict(s) for s in spec.stance_scale]
    return new_version(session, project, user, note, before)


def ensure_seed_codebook(session: Session, project: Project, user: User | None = None) -> bool:
    """Install the seed study's starting codebook if the project has no codes yet."""
    if live_codes(session, project):
        return False
    install_spec(session, project, cb.load_seed_codebook(), user=user, note=_("Starting codebook"))
    return True
