"""Uploaded project and codebook files kept between the preview of an import and its application.

The browser shows the import report before anything is applied; the file itself waits in the
database (``pending_import``) under a random token, bound to the project, the user who uploaded
it and the kind of import, for at most a day. Every app server reads it, so the application may
reach another server than the preview did. A stash is written in the caller's unit of work, and
an applied import deletes its stash in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import defer

from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import PendingImport

MAX_AGE = dt.timedelta(days=1)
KINDS = ("project", "codebook")


def stash(
    session: Session, kind: str, project_id: int, user_id: int, filename: str, data: bytes
) -> str:
    """Keep an upload for a later apply; return its token."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of import: {kind}")
    now = dt.datetime.now(dt.UTC)
    session.execute(delete(PendingImport).where(PendingImport.created_at < now - MAX_AGE))
    token = secrets.token_urlsafe(18)
    session.add(
        PendingImport(
            token=token,
            kind=kind,
            project_id=project_id,
            user_id=user_id,
            filename=filename[:500],
            data=data,
            created_at=now,
        )
    )
    session.flush()
    return token


def load(
    session: Session, kind: str, project_id: int, user_id: int, token: str
) -> tuple[str, bytes]:
    """The (filename, bytes) stashed under token by this user for this project."""
    found = _checked(session, kind, project_id, user_id, token)
    return found.filename or "upload", bytes(found.data)


def describe(
    session: Session, kind: str, project_id: int, user_id: int, token: str
) -> tuple[str, int]:
    """The name and size in bytes of the upload stashed under token, without reading it."""
    found = _checked(session, kind, project_id, user_id, token)
    length = select(func.length(PendingImport.data)).where(PendingImport.id == found.id)
    return found.filename or "upload", int(session.scalar(length) or 0)


def _checked(
    session: Session, kind: str, project_id: int, user_id: int, token: str
) -> PendingImport:
    gone = _("This import is no longer available: upload the file again.")
    if not token or len(token) > 40:
        raise ValidationError(gone)
    # The bytes are read only when asked for: a size check need not fetch a large upload.
    stmt = select(PendingImport).where(PendingImport.token == token)
    found = session.scalars(stmt.options(defer(PendingImport.data))).first()
    if found is None or found.kind != kind:
        raise ValidationError(gone)
    if found.created_at < dt.datetime.now(dt.UTC) - MAX_AGE:
        raise ValidationError(gone)
    if found.project_id != project_id or found.user_id != user_id:
        raise ValidationError(
            _("This import was previewed by someone else: upload the file again.")
        )
    return found


def discard(session: Session, token: str) -> None:
    """Forget a stashed upload no import will use (one whose check failed, say)."""
    session.execute(delete(PendingImport).where(PendingImport.token == token))


def claim(session: Session, token: str) -> None:
    """Delete the upload an import has just applied, in the transaction that applied it.

    Two applies of one upload (two clicks, two queued jobs) may both have read it; the one that
    finds it already gone fails, and its transaction, the second import, is rolled back."""
    stmt = delete(PendingImport).where(PendingImport.token == token).returning(PendingImport.id)
    if len(session.scalars(stmt).all()) != 1:
        raise ValidationError(_("This import has already been applied."))
