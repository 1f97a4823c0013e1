"""The schema: migrations agree with the models, and constraints hold against bad writes."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workbench.db import Base
from workbench.migrate import current_revision
from workbench.migrate import head_revision
from workbench.migrate import is_search_index
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Membership
from workbench.models import Passage


def test_migrations_reach_head_and_match_models(migrated_engine: Engine) -> None:
    assert current_revision(migrated_engine) == head_revision(migrated_engine)
    with migrated_engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": is_search_index}
        )
        diff = _unnamed_column_keys_aside(compare_metadata(ctx, Base.metadata))
    assert diff == [], f"models and migrations disagree: {diff}"


def _shape(fk: Any) -> tuple[Any, ...]:
    return (
        fk.parent.name,
        tuple(c.name for c in fk.columns),
        fk.referred_table.name,
        tuple(e.column.name for e in fk.elements),
    )


def _unnamed_column_keys_aside(diff: list[Any]) -> list[Any]:
    """Drop the pairs that only differ by a name SQLite's reflection cannot read.

    SQLite's ADD COLUMN can give a new column a foreign key only as a column constraint
    (migration 0020, code.merged_into_id), whose name the reflection does not read back: the
    comparison then sees an unnamed key removed and the same key, named, added."""
    removed = [d for d in diff if d[0] == "remove_fk" and d[1].name is None]
    added = [d for d in diff if d[0] == "add_fk"]
    pairs = [(r, a) for r in removed for a in added if _shape(r[1]) == _shape(a[1])]
    gone = {id(x) for pair in pairs for x in pair}
    return [d for d in diff if id(d) not in gone]


def test_sqlite_runs_in_wal_with_foreign_keys(migrated_engine: Engine) -> None:
    if migrated_engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with migrated_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_every_table_exists(migrated_engine: Engine) -> None:
    names = set(inspect(migrated_engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= names


def _setup(session: Session, make_user, make_project, import_text):
    lead = make_user("lead")
    project = make_project(lead=lead)
    import_text(project, [("a.txt", b"First paragraph here.\n\nSecond paragraph here.")])
    passage = session.query(Passage).filter_by(project_id=project.id).first()
    code = Code(project_id=project.id, key="k1", name="A")
    session.add(code)
    session.commit()
    return lead, project, passage, code


def test_annotation_triple_is_unique(session, make_user, make_project, import_text) -> None:
    lead, project, passage, code = _setup(session, make_user, make_project, import_text)
    row = {
        "project_id": project.id,
        "passage_id": passage.id,
        "coder_id": lead.id,
        "code_id": code.id,
    }
    session.execute(insert(Annotation), [row])
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(insert(Annotation), [row])
    session.rollback()


def test_span_must_be_ordered(session, make_user, make_project, import_text) -> None:
    lead, project, passage, code = _setup(session, make_user, make_project, import_text)
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Annotation),
            [
                {
                    "project_id": project.id,
                    "passage_id": passage.id,
                    "coder_id": lead.id,
                    "code_id": code.id,
                    "span_start": 5,
                    "span_end": 2,
                }
            ],
        )
    session.rollback()


def test_role_is_checked(session, make_user, make_project) -> None:
    lead = make_user("lead")
    other = make_user("other")
    project = make_project(lead=lead)
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Membership), [{"project_id": project.id, "user_id": other.id, "role": "owner"}]
        )
    session.rollback()


def test_annotation_needs_a_real_passage(session, make_user, make_project, import_text) -> None:
    lead, project, _passage, code = _setup(session, make_user, make_project, import_text)
    with pytest.raises(IntegrityError):
        session.execute(
            insert(Annotation),
            [
                {
                    "project_id": project.id,
                    "passage_id": 999_999,
                    "coder_id": lead.id,
                    "code_id": code.id,
                }
            ],
        )
    session.rollback()


def test_deleting_a_project_removes_its_rows(session, make_user, make_project, import_text) -> None:
    lead, project, passage, code = _setup(session, make_user, make_project, import_text)
    session.execute(
        insert(Annotation),
        [
            {
                "project_id": project.id,
                "passage_id": passage.id,
                "coder_id": lead.id,
                "code_id": code.id,
            }
        ],
    )
    session.commit()
    session.delete(project)
    session.commit()
    assert session.query(Passage).count() == 0
    assert session.query(Annotation).count() == 0


def test_a_code_cannot_be_its_own_parent(session, make_user, make_project) -> None:
    lead = make_user("lead")
    project = make_project(lead=lead)
    code = Code(project_id=project.id, key="k", name="A")
    session.add(code)
    session.commit()
    code.parent_id = code.id
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
