"""`workbench db copy`: a whole database into an empty one, compared cell by cell.

On the SQLite run the test database is copied into a new SQLite file; on the PostgreSQL run it
goes to SQLite and from there into a new PostgreSQL database, so both directions are checked.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import JSON
from sqlalchemy import Text
from sqlalchemy import cast
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import null
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import type_coerce
from sqlalchemy import update
from sqlalchemy.engine import make_url

from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from tests.db.translation_fixtures import traced_seed_report
from workbench.accounts import login_throttle
from workbench.accounts.login_throttle import Throttle
from workbench.cli import main
from workbench.codebooks import editing
from workbench.coding import actions as coding
from workbench.db import make_engine
from workbench.documents.search import passage_text_matches
from workbench.interchange import pending_imports
from workbench.interchange.database_copy import CopyRefused
from workbench.interchange.database_copy import copy_database
from workbench.interchange.database_copy import tables
from workbench.migrate import upgrade
from workbench.models import AuditEvent
from workbench.models import Code
from workbench.models import Document
from workbench.models import ExportFileChunk
from workbench.models import ExportJob
from workbench.models import GoldAttempt
from workbench.models import Passage
from workbench.models import User
from workbench.quality import suggestions
from workbench.reliability import adjudication
from workbench.reliability import rounds
from workbench.translations import alignments
from workbench.translations import links
from workbench.unit_of_work import Database

ODD_TEXT = "Souveraineté 主权 \U0001d11e «quoted» \u200b trailing "


def _fill(session, make_user, make_project, import_text) -> dict[str, Any]:
    """A project with a row in every table, awkward values included."""
    project, lead, ann, partnership, randomly = keyword_project(
        session, make_user, make_project, import_text
    )
    bob = session.scalar(select(User).where(User.username == "bob"))
    suggestions.train_project(session, project, lead)
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    # The fixture's codes have short keys; a codebook change checks the whole codebook.
    partnership.key, randomly.key = str(uuid.uuid4()), str(uuid.uuid4())
    editing.add_code(
        session,
        project,
        {"name": "Sovereignty 主权", "definition": ODD_TEXT},
        parent_id=None,
        user=lead,
    )
    # Translations and quotations, on the seed documents.
    traced_seed_report(session, project, lead)
    import_text(
        project,
        [
            ("english.txt", b"First paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n"),
            ("chinese.txt", "第一段。\n\n第二段。\n\n第三段。\n".encode()),
        ],
    )
    english = session.scalar(select(Document).where(Document.filename == "english.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "chinese.txt"))
    link = links.link_documents(session, project, english, chinese, "translation", lead)
    alignments.pairs_of(session, link)
    alignments.join(session, link, 0, lead)
    # A coding with stance, memo and a selection; a passage memo; a round and a consensus.
    first = passages_of(session, project)[0]
    coding.apply_code(
        session, project, ann, first.id, partnership.id, memo=ODD_TEXT, span=coding.Span(0, 5)
    )
    coding.set_passage_memo(session, project, bob, first.id, "memo\nwith a line", limit=1000)
    rnd = rounds.create_round(
        session, project, lead, name="Round one", size=6, coder_ids=[ann.id, bob.id], seed=3
    )
    round_passages = rounds.round_passage_ids(session, rnd)
    for coder in (ann, bob):
        coding.apply_code(session, project, coder, round_passages[0], randomly.id)
    adjudication.resolve(
        session,
        project,
        lead,
        round_passages[0],
        {randomly.id: None},
        note="agreed",
        round_id=rnd.id,
    )
    session.add(
        GoldAttempt(
            project_id=project.id,
            round_id=rnd.id,
            coder_id=ann.id,
            figures={"units": 6, "total": 6, "accuracy": 0.8333333333333334, "kappa": None},
        )
    )
    # The code tree pointing forwards: a parent made after its child.
    child, parent = partnership, randomly
    session.execute(update(Code).where(Code.id == child.id).values(parent_id=parent.id))
    # And a code merged into one made after it (its second column pointing at its own table).
    merged = editing.add_code(session, project, {"name": "Folded away"}, parent_id=None, user=lead)
    session.flush()
    session.execute(update(Code).where(Code.id == child.id).values(merged_into_id=merged.id))
    # The tables a running server fills.
    login_throttle.record_failure(session, Throttle(), "ann", "192.0.2.7")
    pending_imports.stash(session, "project", project.id, lead.id, "x.txt", b"\x00\xffbytes")
    job = ExportJob(
        project_id=project.id,
        requested_by_id=lead.id,
        status="done",
        options={"format": "xlsx", "nested": {"none": None}},
        finished_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
    )
    session.add(job)
    session.flush()
    session.add(ExportFileChunk(job_id=job.id, seq=0, data=bytes(range(256)) * 4))
    # JSON: SQL NULL and JSON null are two different things, and both are kept.
    session.execute(
        insert(AuditEvent).values(
            project_id=project.id,
            actor_id=None,
            at=datetime(2026, 3, 4, tzinfo=UTC),
            entity="test",
            entity_id=None,
            passage_id=None,
            action="sql-null",
            before=null(),
            after=JSON.NULL,
        )
    )
    session.commit()
    return {"project": project, "lead": lead}


def _cells(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in key order; JSON as (is SQL NULL, decoded value)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    engine = database.engine
    with engine.connect() as conn:
        for table in tables():
            columns: list[Any] = []
            for column in table.columns:
                if isinstance(column.type, JSON) or isinstance(
                    getattr(column.type, "impl", None), JSON
                ):
                    raw = (
                        cast(column, Text)
                        if engine.dialect.name == "postgresql"
                        else type_coerce(column, Text)
                    )
                    columns.append(raw.label(column.name))
                else:
                    columns.append(column)
            json_names = {
                c.name
                for c in table.columns
                if isinstance(c.type, JSON) or isinstance(getattr(c.type, "impl", None), JSON)
            }
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [
                tuple(
                    (value is None, None if value is None else json.loads(value))
                    if name in json_names
                    else value
                    for name, value in row._mapping.items()
                )
                for row in rows
            ]
    return out


@pytest.fixture()
def filled(session, make_user, make_project, import_text, db_url):
    made = _fill(session, make_user, make_project, import_text)
    source = Database(db_url)
    yield made, source
    source.dispose()


def _sqlite(tmp_path, name: str) -> Database:
    return Database(f"sqlite:///{tmp_path / name}")


def _fresh_postgres(base: Database, suffix: str) -> Database:
    """A new, empty PostgreSQL database beside the test database."""
    url = make_url(base.engine.url.render_as_string(hide_password=False))
    name = f"{url.database}_{suffix}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return Database(url.set(database=name).render_as_string(hide_password=False))


def _drop_postgres(database: Database) -> None:
    name = database.engine.url.database
    database.dispose()
    admin = create_engine(
        database.engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_every_row_of_every_table_comes_across_cell_by_cell(filled, tmp_path):
    _made, source = filled
    before = _cells(source)
    assert all(before[t.name] for t in tables()), [t.name for t in tables() if not before[t.name]]
    lite = _sqlite(tmp_path, "copy.sqlite3")
    heard: list[tuple[str, int]] = []
    report = copy_database(source, lite, on_table=lambda name, n: heard.append((name, n)))
    assert heard == report.tables
    assert dict(report.tables) == {name: len(rows) for name, rows in before.items()}
    assert _cells(lite) == before
    if source.dialect == "postgresql":
        # And from SQLite into a new PostgreSQL database: the other direction.
        again = _fresh_postgres(source, "copy")
        try:
            copy_database(lite, again)
            assert _cells(again) == before
        finally:
            _drop_postgres(again)
    lite.dispose()


def test_the_copy_is_a_working_database(filled, tmp_path):
    made, source = filled
    target = _sqlite(tmp_path, "working.sqlite3") if source.dialect == "sqlite" else None
    if target is None:
        target = _fresh_postgres(source, "working")
    try:
        copy_database(source, target)
        with target.engine.begin() as conn:
            top = conn.execute(select(func.max(User.id))).scalar_one()
            new_id = conn.execute(
                insert(User)
                .values(username="newcomer", display_name="N", password_hash="x")
                .returning(User.id)
            ).scalar_one()
            assert new_id > top  # the id sequence moved past the copied ids
            # The search index was filled by the target's own triggers.
            found = conn.execute(
                text("SELECT count(*) FROM passage WHERE text LIKE '%partnership%'")
            ).scalar_one()
        assert found > 0
        project_id = made["project"].id
        found_here = {}
        for query in ("第二段", "partnership", "主权"):
            matches = select(Passage.id).where(
                Passage.project_id == project_id, passage_text_matches(query, project_id)
            )
            with target.engine.connect() as conn, source.engine.connect() as old:
                ids_new = sorted(conn.execute(matches).scalars())
                ids_old = sorted(old.execute(matches).scalars())
            assert ids_new == ids_old
            found_here[query] = ids_new
        assert found_here["第二段"] and found_here["partnership"]
    finally:
        if target.dialect == "postgresql":
            _drop_postgres(target)
        else:
            target.dispose()


def test_a_second_copy_into_the_same_database_is_refused_and_changes_nothing(filled, tmp_path):
    _made, source = filled
    target = _sqlite(tmp_path, "twice.sqlite3")
    copy_database(source, target)
    first = _cells(target)
    with pytest.raises(CopyRefused, match="already holds data"):
        copy_database(source, target)
    assert _cells(target) == first
    target.dispose()


def test_a_source_on_an_older_schema_is_refused(tmp_path):
    old = _sqlite(tmp_path, "old.sqlite3")
    upgrade(old.engine, "0001")
    target = _sqlite(tmp_path, "new.sqlite3")
    with pytest.raises(CopyRefused, match="not at the newest schema"):
        copy_database(old, target)
    with target.engine.connect() as conn:
        assert not conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'project'")
        ).scalar_one()


@pytest.mark.skipif(
    not os.environ.get("WORKBENCH_TEST_DATABASE_URL"), reason="needs PostgreSQL as the target"
)
def test_a_nul_character_is_named_and_nothing_reaches_postgresql(filled, tmp_path):
    _made, source = filled
    lite = _sqlite(tmp_path, "nul.sqlite3")
    copy_database(source, lite)
    with lite.engine.begin() as conn:
        doc_id = conn.execute(select(func.min(Document.id))).scalar_one()
        conn.execute(update(Document).where(Document.id == doc_id).values(title="a\x00b"))
    target = _fresh_postgres(source, "nul")
    try:
        with pytest.raises(CopyRefused) as refused:
            copy_database(lite, target)
        message = str(refused.value)
        assert f"row {doc_id}" in message and "title" in message and "document" in message
        with target.engine.connect() as conn:
            for table in tables():
                assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    finally:
        _drop_postgres(target)
        lite.dispose()


def test_the_command_copies_and_says_what(filled, tmp_path):
    _made, source = filled
    url = source.engine.url.render_as_string(hide_password=False)
    target = tmp_path / "cli.sqlite3"
    runner = CliRunner()
    result = runner.invoke(main, ["db", "copy", url, f"sqlite:///{target}"])
    assert result.exit_code == 0, result.output
    assert "annotation" in result.output and "rows" in result.output
    again = runner.invoke(main, ["db", "copy", url, f"sqlite:///{target}"])
    assert again.exit_code == 1
    assert "already holds data" in again.output and "Traceback" not in again.output


def test_the_command_names_what_it_cannot_open(tmp_path):
    runner = CliRunner()
    cases = [
        (["db", "copy", "no-such-scheme", "sqlite:///x"], "Not a database URL"),
        (["db", "copy", "mysql://u@localhost/db", "sqlite:///x"], "Not a database URL"),
        (
            ["db", "copy", f"sqlite:///{tmp_path / 'absent.sqlite3'}", "sqlite:///y"],
            "No database file at",
        ),
    ]
    source = tmp_path / "source.sqlite3"
    upgrade(make_engine(f"sqlite:///{source}"))
    unwritable = f"sqlite:///{tmp_path / 'no-such-folder' / 'target.sqlite3'}"
    cases.append((["db", "copy", f"sqlite:///{source}", unwritable], "Nothing was copied"))
    cases.append((["db", "copy", f"sqlite:///{source}", "sqlite://"], "keeps nothing"))
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("plain text, not a database\n" * 100)
    cases.append(
        (["db", "copy", f"sqlite:///{not_a_database}", "sqlite:///z"], "Nothing was copied")
    )
    theirs = tmp_path / "theirs.sqlite3"
    with sqlite3.connect(theirs) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    cases.append(
        (["db", "copy", f"sqlite:///{source}", f"sqlite:///{theirs}"], "holds tables of its own")
    )
    for args, said in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 1, result.output
        assert said in result.output and "Traceback" not in result.output
    assert not (tmp_path / "absent.sqlite3").exists()


def test_an_instant_in_another_zone_is_stored_as_that_instant(session) -> None:
    # PostgreSQL answers timestamps in its session's zone; a copy into SQLite, which keeps the
    # wall-clock time, must store the instant, not the wall clock.
    from zoneinfo import ZoneInfo

    from workbench.models import LoginFailure

    when = datetime(2026, 1, 2, 7, 45, 12, 570397, tzinfo=ZoneInfo("America/New_York"))
    session.add(LoginFailure(scope="account", key="someone", at=when))
    session.commit()
    stored = session.scalars(select(LoginFailure.at)).one()
    assert stored == when and stored.utcoffset() is not None


def test_ids_of_deleted_rows_are_not_given_out_again_in_the_copy(filled, tmp_path):
    from workbench.documents import changes
    from workbench.documents import importing

    made, source = filled
    with source.writing() as session:
        newest = session.scalars(select(Document).order_by(Document.id.desc())).first()
        gone_id = newest.id
        gone_passage = max(p.id for p in newest.passages) if newest.passages else 0
        changes.delete(
            session, session.merge(made["project"]), session.merge(made["lead"]), gone_id
        )
    target = _sqlite(tmp_path, "ids.sqlite3") if source.dialect == "sqlite" else None
    target = target or _fresh_postgres(source, "ids")
    try:
        copy_database(source, target)
        with target.writing() as session:
            project = session.get(type(made["project"]), made["project"].id)
            importing.import_files(session, project, [("fresh.txt", b"A new statement.")])
        with target.engine.connect() as conn:
            fresh = conn.execute(select(func.max(Document.id))).scalar_one()
            first = conn.execute(
                select(func.min(Passage.id)).where(Passage.document_id == fresh)
            ).scalar_one()
        assert fresh > gone_id and first > gone_passage
    finally:
        if target.dialect == "postgresql":
            _drop_postgres(target)
        else:
            target.dispose()


@pytest.mark.skipif(
    not os.environ.get("WORKBENCH_TEST_DATABASE_URL"), reason="needs PostgreSQL as the target"
)
def test_the_text_of_an_escape_in_json_is_no_nul(filled, tmp_path):
    _made, source = filled
    lite = _sqlite(tmp_path, "escape.sqlite3")
    copy_database(source, lite)
    with lite.engine.begin() as conn:
        doc_id = conn.execute(select(func.min(Document.id))).scalar_one()
        note = {"note": "a \\u0000 b"}  # a backslash, then "u0000": six characters
        conn.execute(update(Document).where(Document.id == doc_id).values(extra=note))
    target = _fresh_postgres(source, "escape")
    try:
        copy_database(lite, target)
        with target.engine.connect() as conn:
            kept = conn.execute(select(Document.extra).where(Document.id == doc_id)).scalar_one()
        assert kept == note
    finally:
        _drop_postgres(target)
        lite.dispose()
