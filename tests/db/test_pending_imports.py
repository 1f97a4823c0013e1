"""Uploads kept between an import's preview and its application, in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.core.errors import ValidationError
from workbench.interchange import pending_imports
from workbench.models import PendingImport


def test_an_upload_is_given_back_only_to_its_kind_project_and_user(
    session: Session, make_user, make_project
) -> None:
    lead, other = make_user("lead"), make_user("other")
    project = make_project("Kept", lead=lead)
    elsewhere = make_project("Elsewhere", lead=lead)
    data = bytes(range(256)) * 1000
    token = pending_imports.stash(session, "project", project.id, lead.id, "study.qdpx", data)
    session.commit()
    assert pending_imports.load(session, "project", project.id, lead.id, token) == (
        "study.qdpx",
        data,
    )
    for kind, project_id, user_id, said in (
        ("codebook", project.id, lead.id, "no longer available"),
        ("project", elsewhere.id, lead.id, "someone else"),
        ("project", project.id, other.id, "someone else"),
    ):
        with pytest.raises(ValidationError, match=said):
            pending_imports.load(session, kind, project_id, user_id, token)
    for wrong in ("", "x" * 41, token[:-1]):
        with pytest.raises(ValidationError, match="no longer available"):
            pending_imports.load(session, "project", project.id, lead.id, wrong)
    pending_imports.discard(session, token)
    session.commit()
    with pytest.raises(ValidationError, match="no longer available"):
        pending_imports.load(session, "project", project.id, lead.id, token)


def test_an_upload_older_than_a_day_is_refused_and_swept_by_the_next(
    session: Session, make_user, make_project
) -> None:
    lead = make_user("lead")
    project = make_project("Old", lead=lead)
    old = pending_imports.stash(session, "codebook", project.id, lead.id, "a.qdc", b"<a/>")
    recent = pending_imports.stash(session, "codebook", project.id, lead.id, "b.qdc", b"<b/>")
    long_ago = dt.datetime.now(dt.UTC) - pending_imports.MAX_AGE - dt.timedelta(minutes=1)
    session.execute(
        update(PendingImport).where(PendingImport.token == old).values(created_at=long_ago)
    )
    session.commit()
    with pytest.raises(ValidationError, match="no longer available"):
        pending_imports.load(session, "codebook", project.id, lead.id, old)
    pending_imports.stash(session, "project", project.id, lead.id, "c.qdpx", b"PK")
    session.commit()
    left = set(session.scalars(select(PendingImport.token)))
    assert old not in left and recent in left
    assert session.scalar(select(func.count(PendingImport.id))) == 2


def test_an_unknown_kind_is_a_programming_error(session: Session, make_user, make_project) -> None:
    lead = make_user("lead")
    project = make_project("Kinds", lead=lead)
    with pytest.raises(ValueError, match="unknown kind"):
        pending_imports.stash(session, "workbook", project.id, lead.id, "x.xlsx", b"")


def test_an_upload_is_described_without_its_bytes_and_claimed_once(
    session: Session, make_user, make_project
) -> None:
    """An apply claims its upload; a second apply of the same upload fails, as if it were gone."""
    lead, other = make_user("lead"), make_user("other")
    project = make_project("Claimed", lead=lead)
    token = pending_imports.stash(session, "project", project.id, lead.id, "big.qdpx", b"x" * 5000)
    session.commit()
    assert pending_imports.describe(session, "project", project.id, lead.id, token) == (
        "big.qdpx",
        5000,
    )
    with pytest.raises(ValidationError, match="someone else"):
        pending_imports.describe(session, "project", project.id, other.id, token)
    pending_imports.claim(session, token)
    with pytest.raises(ValidationError, match="already been applied"):
        pending_imports.claim(session, token)
    session.rollback()
    # The failed claim's transaction is gone, and with it the first claim: the upload is back.
    assert pending_imports.describe(session, "project", project.id, lead.id, token)[1] == 5000
