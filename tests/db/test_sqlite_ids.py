"""SQLite never gives a deleted document's ids to the next import (workbench/sqlite_ids.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.db.test_export_data import build_study
from workbench.coding import actions as coding
from workbench.db import make_engine
from workbench.documents import changes
from workbench.documents import lifecycle_history
from workbench.migrate import head_revision
from workbench.migrate import upgrade
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import Passage
from workbench.sqlite_ids import never_reuse_ids
from workbench.sqlite_ids import pending

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture()
def sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite only: PostgreSQL's sequences never give an id out twice")


def test_a_deleted_documents_ids_go_to_no_other_document(
    session: Session, make_user: Any, make_project: Any, import_text: Any
) -> None:
    study = build_study(session, make_user, make_project, import_text)
    project, lead = study.project, study.lead
    newest = session.scalars(select(Document).order_by(Document.id.desc())).first()
    assert newest is not None
    old_passages = set(session.scalars(select(Passage.id).where(Passage.document_id == newest.id)))
    coding.apply_code(
        session, project, study.coder1, min(old_passages), study.codes["Sovereignty"].id
    )
    session.commit()
    changes.delete(session, project, lead, newest.id)
    session.commit()
    import_text(project, [("later.txt", b"A completely different report on trade.\n\nMore.")])
    later = session.scalars(select(Document).order_by(Document.id.desc())).first()
    assert later is not None and later.id > newest.id
    new_passages = set(session.scalars(select(Passage.id).where(Passage.document_id == later.id)))
    assert not new_passages & old_passages and min(new_passages) > max(old_passages)
    # The undo gets its own ids back, so the passages' history is theirs again.
    event = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "delete")).one()
    document_id, left_out, _ = lifecycle_history.undo(session, project, lead, event)
    session.commit()
    assert (document_id, left_out) == (newest.id, [])
    assert set(session.scalars(select(Passage.id).where(Passage.document_id == newest.id))) == (
        old_passages
    )


def _rows(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out: dict[str, Any] = {t: sorted(conn.execute(f'SELECT * FROM "{t}"')) for t in tables}
        out["search"] = conn.execute(
            "SELECT count(*) FROM passage_trigram WHERE passage_trigram MATCH 'sovereign'"
        ).fetchone()
        out["schema"] = sorted(
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')"
            )
        )
    return out


def test_an_older_database_is_rebuilt_with_every_row_index_and_trigger(
    tmp_path: Path, db_url: str
) -> None:
    from workbench.app import create_app
    from workbench.web.unit import database

    path = tmp_path / "older.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    # Named by its number, the newest revision runs without the rebuild that "head" adds: as
    # a database migrated before ids were kept.
    upgrade(engine, str(head_revision(engine)))
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "k", "TESTING": True})
    with database(app).writing() as session:
        from workbench.accounts import users as accounts
        from workbench.codebooks import codes as codebooks
        from workbench.documents import importing

        lead = accounts.create_user(session, "lead", "a long enough password")
        coder = accounts.create_user(session, "coder", "a long enough password")
        project = accounts.create_project(session, "Older", lead=lead)
        accounts.add_member(session, project, coder, "coder")
        codebooks.ensure_seed_codebook(session, project, lead)
        text = b"We respect sovereignty.\n\nNothing else.\n\nSovereign equality of States."
        importing.import_files(session, project, [("a.txt", text)])
        first = session.scalars(select(Passage).order_by(Passage.id)).first()
        assert first is not None
        code = next(c for c in codebooks.live_codes(session, project) if c.name == "Sovereignty")
        coding.apply_code(session, project, coder, first.id, code.id, stance=1, memo="kept")
    database(app).engine.dispose()
    with sqlite3.connect(path) as conn:
        assert pending(conn.cursor()) == ["document", "passage", "annotation"]
    before = _rows(path)
    assert never_reuse_ids(engine) == ["document", "passage", "annotation"]
    assert _rows(path) == before
    assert never_reuse_ids(engine) == []  # once only
    with sqlite3.connect(path) as conn:
        # Foreign keys still hold both ways: a document's deletion takes its codings with it.
        conn.execute("PRAGMA foreign_keys=ON")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("DELETE FROM document")
        assert conn.execute("SELECT count(*) FROM annotation").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM passage_trigram").fetchone() == (0,)
    engine.dispose()
