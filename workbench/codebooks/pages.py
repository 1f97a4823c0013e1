"""The codebook page's model: every code with its use, the history, and what an action did."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.accounts.project_settings import sees_others
from workbench.codebooks import store
from workbench.codebooks.files import CodebookImportReport
from workbench.codebooks.labels import CodePath
from workbench.core.codebook import StanceLevel
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import Project
from workbench.models import User

VERSIONS_SHOWN = 50


@dataclass(frozen=True)
class CodebookPage:
    """What the codebook page shows (names as the templates use them)."""

    project: Project
    role: str
    codes: list[Code]  # live codes, codebook order
    tree: list[tuple[Code, int]]  # depth-first with depth
    paths: dict[int, CodePath]  # each code's path in both languages
    usage: dict[int, int]  # annotations per code id
    usage_mine: bool  # usage counts only the viewer's own annotations
    scale: tuple[StanceLevel, ...]
    versions: list[tuple[CodebookVersion, str | None]]  # newest first, with authors' names
    deleted: list[Code]
    version: int
    message: str | None = None  # what the last action did
    report: CodebookImportReport | None = None  # a codebook import's report
    token: str | None = None  # the stashed upload a refused import can still apply


def codebook_page(
    session: Session,
    project: Project,
    role: str,
    viewer: User,
    *,
    message: str | None = None,
    report: CodebookImportReport | None = None,
    token: str | None = None,
) -> CodebookPage:
    """Return the codebook page as the viewer may see it."""
    codes = store.live_codes(session, project)
    # A coder in a blind project sees how often they applied each code, never the team's count.
    mine = None if sees_others(project, role) else viewer.id
    return CodebookPage(
        project=project,
        role=role,
        codes=codes,
        tree=store.tree_order(codes),
        paths=_paths(codes),
        usage=store.usage_counts(session, project, coder_id=mine),
        usage_mine=mine is not None,
        scale=store.stance_scale(project),
        versions=store.versions(session, project)[:VERSIONS_SHOWN],
        deleted=store.deleted_codes(session, project),
        version=store.current_version(session, project),
        message=message,
        report=report,
        token=token,
    )


def _paths(codes: list[Code]) -> dict[int, CodePath]:
    chinese = store.code_paths(codes, chinese=True)
    return {i: CodePath(path, chinese[i]) for i, path in store.code_paths(codes).items()}
