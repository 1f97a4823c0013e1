"""What a .qdpx carries beyond codings, in workbench/extra.json: states, consensus, history.

REFI-QDA has no place for a coder's "coded" mark on a passage (including "nothing applies",
a passage marked coded with no code), the coder's passage memo, or the adjudicated consensus
layer. The export writes them per document, by passage ordinal and username; the import puts
them back with their times. The codebook's version history goes too, and is put back when the
import goes into a project with no codebook of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.codebooks.code_index import forget_version
from workbench.coding import actions as coding
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.formats.times import parse_utc
from workbench.interchange.exchange_report import ExchangeReport
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User


def iso_time(value: dt.datetime | None) -> str:
    """A timestamp as ISO 8601 in UTC with a Z, to the microsecond ("" for none)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    elif value.tzinfo is not dt.UTC:
        value = value.astimezone(dt.UTC)
    return value.isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> dt.datetime | None:
    """Read an ISO 8601 timestamp (with Z or an offset; naive means UTC); None if unreadable."""
    try:
        return parse_utc(text)
    except ValueError:
        return None


def codebook_history(session: Session, project: Project) -> list[dict[str, Any]]:
    """Every codebook version, oldest first, for export."""
    rows = session.execute(
        select(CodebookVersion, User.username)
        .outerjoin(User, User.id == CodebookVersion.author_id)
        .where(CodebookVersion.project_id == project.id)
        .order_by(CodebookVersion.number)
    ).all()
    return [
        {
            "number": v.number,
            "note": v.note,
            "created_at": iso_time(v.created_at),
            "author": author,
            "snapshot": v.snapshot,
            "changes": v.changes,
        }
        for v, author in rows
    ]


def restore_history(
    session: Session, project: Project, history: Any, report: ExchangeReport
) -> bool:
    """Into a project whose only version is the one the import made, put the file's history."""
    if not isinstance(history, list) or not history:
        return False
    numbers = list(
        session.scalars(
            select(CodebookVersion.number).where(CodebookVersion.project_id == project.id)
        )
    )
    if numbers != [1]:
        report.warnings.append(
            _("The codebook history in the file was not copied: this project has its own")
        )
        return False
    session.execute(delete(CodebookVersion).where(CodebookVersion.project_id == project.id))
    for item in history:
        author = _user(session, item.get("author"))
        session.add(
            CodebookVersion(
                project_id=project.id,
                number=int(item["number"]),
                note=str(item.get("note") or ""),
                created_at=parse_time(str(item.get("created_at") or "")) or dt.datetime.now(dt.UTC),
                author_id=author.id if author else None,
                snapshot=item.get("snapshot") or {},
                changes=item.get("changes") or [],
            )
        )
    session.flush()
    forget_version(session, project.id)
    return True


def _user(session: Session, username: object) -> User | None:
    if not isinstance(username, str) or not username:
        return None
    try:
        return accounts.user_by_name(session, username)
    except NotFound:
        return None


def restore_layers(
    session: Session,
    project: Project,
    actor: User,
    source_name: str,
    data: dict[str, Any],
    passages: list[Passage],
    keys: dict[str, Code],
    report: ExchangeReport,
) -> None:
    """Put back coded states and the consensus layer of one document from its extra data."""
    by_ordinal = {p.ordinal: p for p in passages}
    states = list(data.get("states") or [])
    for username, ordinals in (data.get("coded") or {}).items():  # files written before extra.json
        states += [[o, username, True, "", ""] for o in ordinals if isinstance(o, int)]
    for ordinal, username, done, memo, when in states:
        passage, coder = by_ordinal.get(ordinal), _user(session, username)
        if passage is None or coder is None:
            report.dropped.append(
                f"{source_name}: the coded state of {username} on passage {ordinal} not "
                "imported: " + ("no such coder" if passage is not None else "no such passage")
            )
            continue
        if done and not passage.codable:
            report.dropped.append(
                _(
                    "%(source_name)s: passage %(value)s marked coded by %(username)s not "
                    "imported: the passage is not codable",
                    source_name=source_name,
                    value=ordinal + 1,
                    username=username,
                )
            )
            continue
        if done:
            coding.set_done(session, project, coder, passage.id, True)
            report.passages_done += 1
        state = session.scalar(
            select(PassageState).where(
                PassageState.passage_id == passage.id, PassageState.coder_id == coder.id
            )
        )
        if state is None:
            state = PassageState(project_id=project.id, passage_id=passage.id, coder_id=coder.id)
            session.add(state)
        state.coded, state.memo = bool(done), str(memo or "")
        state.updated_at = parse_time(str(when)) or state.updated_at or dt.datetime.now(dt.UTC)
    _restore_consensus(session, project, actor, source_name, data, by_ordinal, keys, report)


def _restore_consensus(
    session: Session,
    project: Project,
    actor: User,
    source_name: str,
    data: dict[str, Any],
    by_ordinal: dict[int, Passage],
    keys: dict[str, Code],
    report: ExchangeReport,
) -> None:
    now = dt.datetime.now(dt.UTC)
    for ordinal, key, stance, memo, by, when in data.get("consensus") or []:
        passage, code = by_ordinal.get(ordinal), keys.get(str(key))
        if passage is None or code is None:
            report.dropped.append(
                f"{source_name}: a consensus coding on passage {ordinal} not imported: "
                + ("unknown code" if passage is not None else "no such passage")
            )
            continue
        row = session.scalar(
            select(ConsensusAnnotation).where(
                ConsensusAnnotation.passage_id == passage.id,
                ConsensusAnnotation.code_id == code.id,
            )
        )
        if row is None:
            row = ConsensusAnnotation(project_id=project.id, passage_id=passage.id, code_id=code.id)
            session.add(row)
        resolver = _user(session, by)
        row.stance, row.memo = stance, str(memo or "")
        row.resolved_by_id = resolver.id if resolver else actor.id
        row.resolved_at = parse_time(str(when)) or now
    for resolved in data.get("resolved") or []:
        ordinal, by, when = resolved[:3]
        note = str(resolved[3] or "") if len(resolved) > 3 else ""
        passage = by_ordinal.get(ordinal)
        if passage is None:
            report.dropped.append(
                _(
                    "%(source_name)s: an adjudication of passage %(ordinal)s not imported",
                    source_name=source_name,
                    ordinal=ordinal,
                )
            )
            continue
        state = session.scalar(
            select(ConsensusState).where(ConsensusState.passage_id == passage.id)
        )
        if state is None:
            state = ConsensusState(project_id=project.id, passage_id=passage.id)
            session.add(state)
        resolver = _user(session, by)
        state.resolved_by_id = resolver.id if resolver else actor.id
        state.resolved_at = parse_time(str(when)) or now
        state.memo = note
