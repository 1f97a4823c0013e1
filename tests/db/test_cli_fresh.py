"""The command line on a brand-new database, folders with a manifest, titles from file names."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import select
from sqlalchemy import text

from tests.conftest import SEEDS
from tests.conftest import reread
from workbench.cli import main
from workbench.db import make_engine
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project


@pytest.fixture()
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A database that exists but has no tables yet, on the backend under test."""
    if not db_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    url = make_url(db_url)
    name = f"{url.database}_fresh"
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _invoker(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # Exceptions propagate: a traceback fails the test instead of hiding in the output.
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_EXPORT_DIR", str(tmp_path / "exports"))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def run_fresh(fresh_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Invoke the CLI against the fresh database."""
    return _invoker(fresh_url, monkeypatch, tmp_path)


@pytest.fixture()
def run(app, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Invoke the CLI against the (migrated, emptied after each test) test database."""
    return _invoker(db_url, monkeypatch, tmp_path)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                rows = conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            else:
                rows = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
            return {row[0] for row in rows}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("project", "create", "UN study"), "Created project 'UN study' with slug: un-study"),
        (("user", "add", "ana", "--password", "long enough secret"), "Created user ana"),
        (("passages", "--project", "nope"), "No project called 'nope'"),
        (("codebook", "seed", "--project", "nope"), "No project called 'nope'"),
        (("agreement", "--project", "nope", "--json"), "No project called 'nope'"),
        (("export", "--project", "nope", "--out", "x.xlsx"), "No project called 'nope'"),
        (("coding-sheet", "--project", "nope", "--coder", "ana", "--out", "s.xlsx"), "'nope'"),
        (("import-codings", "{file}", "--project", "nope"), "No project called 'nope'"),
        (("import-project", "{file}", "--project", "nope"), "No project called 'nope'"),
        (("import", "{file}", "--project", "nope"), "No project called 'nope'"),
        (("db", "upgrade"), "Database is up to date."),
    ],
)
def test_every_command_works_on_a_fresh_database(
    run_fresh, fresh_url, tmp_path: Path, args, expected
) -> None:
    assert "project" not in _tables(fresh_url)
    sample = tmp_path / "codings.csv"
    sample.write_text("document,passage,coder,code\n", encoding="utf-8")
    text_file = tmp_path / "statement.txt"
    text_file.write_text("China opposes terrorism in all its forms.", encoding="utf-8")
    args = tuple(
        str(text_file if args[0] == "import" else sample) if a == "{file}" else a for a in args
    )
    result = run_fresh(*args)
    assert expected in result.output, result.output
    assert "Traceback" not in result.output and "no such table" not in result.output
    assert {"project", "document", "passage", "alembic_version"} <= _tables(fresh_url)
    # The schema is created once; the next command finds it at the newest revision.
    again = run_fresh("project", "create", "Second")
    assert again.exit_code == 0 and "Created the database schema" not in again.output


def test_first_command_says_it_created_the_schema(run_fresh) -> None:
    result = run_fresh("project", "create", "UN study")
    assert result.exit_code == 0, result.output
    assert "Created the database schema" in result.output


def test_an_unknown_schema_revision_is_a_clear_message(run_fresh, fresh_url) -> None:
    assert run_fresh("db", "upgrade").exit_code == 0
    engine = make_engine(fresh_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    result = run_fresh("project", "create", "Study")
    assert result.exit_code != 0
    assert "9999_from_the_future" in result.output and "Traceback" not in result.output


def test_import_a_folder_with_a_manifest(run, session) -> None:
    run("project", "create", "Seeds study")
    result = run("import", str(SEEDS), "--project", "seeds-study")
    assert result.exit_code == 0, result.output
    assert "Imported 5 documents" in result.output
    manifest = json.loads((SEEDS / "manifest.json").read_text(encoding="utf-8"))["documents"]
    reread(session)
    documents = {d.filename: d for d in session.scalars(select(Document))}
    assert set(documents) == {f"seeds/{entry['file']}" for entry in manifest}
    for entry in manifest:
        document = documents[f"seeds/{entry['file']}"]
        assert document.title == entry["title"]
        assert document.date == entry["date"]
        assert document.doc_type == entry["doc_type"]
        assert document.source == entry["source"]
        assert document.meeting_symbol == entry["meeting_symbol"]
        assert document.extra["origin"] == entry["origin"]
    # The summary says what was made non-codable and why (the record's front matter, ...).
    assert "passages are not codable (" in result.output
    assert "outside every speech of a verbatim record" in result.output


def test_a_manifest_naming_a_missing_file_is_refused(run, session, tmp_path: Path) -> None:
    run("project", "create", "Study")
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "a.txt").write_text("A statement on terrorism.", encoding="utf-8")
    entries = [{"file": "a.txt", "title": "A"}, {"file": "gone.txt", "title": "Gone"}]
    (folder / "manifest.json").write_text(json.dumps({"documents": entries}), encoding="utf-8")
    result = run("import", str(folder), "--project", "study")
    assert result.exit_code != 0
    assert "gone.txt: listed in the manifest but not in the folder" in result.output
    reread(session)
    assert session.scalar(select(Document.id)) is None


def test_untitled_files_are_titled_from_the_file_name(run, session, tmp_path: Path) -> None:
    run("project", "create", "Study")
    deep = tmp_path / "some" / "where"
    deep.mkdir(parents=True)
    # A first paragraph too long to be a title, so the document has none of its own.
    body = "Terrorism threatens every state, and no state can face it alone; " * 5
    (deep / "speech notes.txt").write_text(body.strip(), encoding="utf-8")
    shutil.copy(deep / "speech notes.txt", tmp_path / "copy.md")
    (tmp_path / "copy.md").write_text(body.strip() + " Again.", encoding="utf-8")
    result = run(
        "import", str(deep / "speech notes.txt"), str(tmp_path / "copy.md"), "--project", "study"
    )
    assert result.exit_code == 0, result.output
    reread(session)
    rows = session.execute(select(Document.title, Document.filename).order_by(Document.id)).all()
    assert [tuple(row) for row in rows] == [
        ("speech notes", "speech notes.txt"),
        ("copy", "copy.md"),
    ]
    assert str(tmp_path) not in result.output


def test_import_reports_non_codable_passages(run, session, tmp_path: Path) -> None:
    run("project", "create", "Study")
    page = tmp_path / "page.txt"
    page.write_text(
        "Published: 1 October 2020 | Source: Xinhua\n\n"
        "China called for closer cooperation against terrorism on Thursday.\n\n"
        "Print | Close window",
        encoding="utf-8",
    )
    result = run("import", str(page), "--project", "study")
    assert result.exit_code == 0, result.output
    assert (
        "2 passages are not codable (1 dateline or source line; "
        "1 navigation, footer or credit line)" in result.output
    )
    reread(session)
    project = session.scalar(select(Project))
    assert project is not None
    codable = session.execute(select(Passage.text, Passage.codable).order_by(Passage.ordinal)).all()
    assert [row[1] for row in codable] == [False, True, False]
