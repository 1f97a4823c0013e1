"""Project settings a lead changes, each change kept in the project's history."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.models import Project
from workbench.models import User


def set_blind(session: Session, project: Project, blind: bool, *, actor: User | None) -> bool:
    """Turn blind coding on or off; a change is recorded in the history. Tells if it changed."""
    if project.blind == blind:
        return False  # nothing changed, nothing recorded
    change = audit.Change(
        "project", "settings", {"blind": project.blind}, {"blind": blind}, project.id
    )
    project.blind = blind
    audit.record(session, project.id, actor, change)
    return True


def sees_others(project: Project, role: str) -> bool:
    """Blind mode hides other coders' codings from coders; leads always see everyone's."""
    return role == "lead" or not project.blind
