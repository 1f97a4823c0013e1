"""A per-process cache of each project's codebook, keyed by codebook version.

Every codebook change makes a new numbered version, so (project, version) identifies the codes
exactly; a request pays one cheap query for the version number instead of loading every code.
Entries are plain frozen snapshots, never ORM objects shared between sessions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks.fields import common_fields
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import Project


@dataclass(frozen=True)
class CodeSnapshot:
    """What the coding screens need of a code (same attribute names as the model)."""

    id: int
    key: str
    name: str
    path: str
    parent_id: int | None
    depth: int
    definition: str
    inclusion: str
    exclusion: str
    # The Chinese texts and path (empty where the code has none); see codebooks.labels.
    name_zh: str
    definition_zh: str
    inclusion_zh: str
    exclusion_zh: str
    path_zh: str
    keywords_en: tuple[str, ...]
    keywords_zh: tuple[str, ...]
    colour: str
    shortcut: str | None
    takes_stance: bool
    is_codable: bool
    sort_order: int
    revision: int
    deleted: bool


# (version number, version row id, creation time) of the newest codebook version.
Stamp = tuple[int, int | None, str | None]


@dataclass(frozen=True)
class CodeIndex:
    """All codes of a project at one codebook version."""

    version: int
    stamp: Stamp
    by_id: dict[int, CodeSnapshot]
    live: tuple[CodeSnapshot, ...]  # not deleted, depth-first in codebook order


_CACHE: dict[int, CodeIndex] = {}
_LOCK = threading.Lock()


# The newest version row identifies the codes exactly: its number, and also its row id and time,
# since a database may reuse the ids of deleted projects (SQLite reuses the highest rowid).
_VERSION = (
    select(CodebookVersion.number, CodebookVersion.id, CodebookVersion.created_at)
    .where(CodebookVersion.project_id == bindparam("project_id"))
    .order_by(CodebookVersion.number.desc())
    .limit(1)
)
# Version numbers are remembered per session (one request, one command) until the session
# rolls back or the codebook services make a new version.
_MEMO = "wb_codebook_versions"


def _stamp(session: Session, project_id: int) -> Stamp:
    memo: dict[int, Stamp] = session.info.setdefault(_MEMO, {})
    if project_id not in memo:
        row = session.connection().execute(_VERSION, {"project_id": project_id}).first()
        memo[project_id] = (int(row[0]), row[1], str(row[2])) if row else (0, None, None)
    return memo[project_id]


def _newest(column: Any) -> Any:
    return (
        select(column)
        .where(CodebookVersion.project_id == Project.id)
        .order_by(CodebookVersion.number.desc())
        .limit(1)
        .scalar_subquery()
    )


# The stamp as three columns of a query that reads the project (correlated on Project.id): a
# request that reads its project first learns the codebook's version in the same round trip.
STAMP_COLUMNS = (
    _newest(CodebookVersion.number),
    _newest(CodebookVersion.id),
    _newest(CodebookVersion.created_at),
)


def remember_stamp(session: Session, project_id: int, values: tuple[Any, ...]) -> None:
    """Keep the stamp read with ``STAMP_COLUMNS`` for this session, as ``_stamp`` would read it.

    Only for a session that is already in the transaction that writes: the stamp must be the
    one the write sees."""
    number, row_id, created = values
    stamp: Stamp = (int(number), row_id, str(created)) if number is not None else (0, None, None)
    session.info.setdefault(_MEMO, {})[project_id] = stamp


def version_of(session: Session, project_id: int) -> int:
    """Return the project's newest codebook version number (0 before the first)."""
    return _stamp(session, project_id)[0]


def forget_version(session: Session, project_id: int) -> None:
    """Forget the remembered version number (the codebook services call this on a change)."""
    session.info.get(_MEMO, {}).pop(project_id, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _previous: object) -> None:
    session.info.pop(_MEMO, None)


def code_index(session: Session, project_id: int) -> CodeIndex:
    """Return the project's codes, from the cache when the codebook has not changed."""
    stamp = _stamp(session, project_id)
    cached = _CACHE.get(project_id)
    if cached is not None and cached.stamp == stamp:
        return cached
    index = _build(session, project_id, stamp)
    with _LOCK:
        _CACHE[project_id] = index
    return index


def forget(project_id: int) -> None:
    """Drop a project's cached codes (after changes made outside the codebook services)."""
    with _LOCK:
        _CACHE.pop(project_id, None)


def _build(session: Session, project_id: int, stamp: Stamp) -> CodeIndex:
    codes = list(session.scalars(select(Code).where(Code.project_id == project_id)))
    by_parent: dict[int | None, list[Code]] = {}
    ids = {c.id for c in codes if c.deleted_at is None}
    for code in codes:
        parent = code.parent_id if code.parent_id in ids else None
        by_parent.setdefault(parent, []).append(code)
    infos: dict[int, CodeSnapshot] = {}
    order: list[CodeSnapshot] = []

    def add(code: Code, path: tuple[str, str], depth: int) -> None:
        info = CodeSnapshot(
            **common_fields(code),
            id=code.id,
            path=path[0],
            path_zh=path[1],
            parent_id=code.parent_id,
            depth=depth,
            revision=code.revision,
            deleted=code.deleted_at is not None,
        )
        infos[code.id] = info
        if not info.deleted:
            order.append(info)

    def walk(parent: int | None, prefix: tuple[str, str] | None, depth: int) -> None:
        for code in sorted(by_parent.get(parent, []), key=lambda c: (c.sort_order, c.name)):
            if code.deleted_at is not None:
                continue
            # The Chinese path names each step in Chinese where it has a Chinese name.
            names = (code.name, code.name_zh or code.name)
            path = (f"{prefix[0]} > {names[0]}", f"{prefix[1]} > {names[1]}") if prefix else names
            add(code, path, depth)
            walk(code.id, path, depth + 1)

    walk(None, None, 0)
    for code in codes:
        if code.id not in infos:
            # Deleted codes keep a label for history and old data.
            add(code, (code.name, code.name_zh or code.name), 0)
    return CodeIndex(version=stamp[0], stamp=stamp, by_id=infos, live=tuple(order))
