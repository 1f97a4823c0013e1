"""Shared fixtures: a migrated database (SQLite file or PostgreSQL), the app, factories."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from workbench.accounts import passwords
from workbench.app import create_app
from workbench.db import Base
from workbench.db import make_engine
from workbench.migrate import upgrade
from workbench.web.unit import database

# A cheap hash for the suite's hundreds of sign-ins; production keeps werkzeug's default.
passwords.HASH_METHOD = "pbkdf2:sha256:1000"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = REPO / "seeds"
PASSWORD = "correct horse battery"


def database_url(tmp_root: Path) -> str:
    """Return the database under test: a PostgreSQL database of this worker's own, or SQLite.

    With WORKBENCH_TEST_DATABASE_URL naming a PostgreSQL database, each pytest-xdist worker (and
    each run that sets WORKBENCH_TEST_DB_SUFFIX) gets a database of its own beside it, created on
    first use, so parallel workers never truncate each other's rows.
    """
    base = os.environ.get("WORKBENCH_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_root / 'test.sqlite3'}"
    suffix = "_".join(
        part
        for part in (
            os.environ.get("WORKBENCH_TEST_DB_SUFFIX", ""),
            os.environ.get("PYTEST_XDIST_WORKER", ""),
        )
        if part
    )
    if not suffix:
        return base
    url = make_url(base)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def reset_schema(engine: Engine) -> None:
    """Drop everything so the migrations start from an empty database."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def wipe(engine: Engine) -> None:
    """Delete every row, children first, keeping the schema."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Table by table, children first; the code tree is cut first (it points at itself).
            conn.execute(text("UPDATE code SET parent_id = NULL"))
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            # Ids start again at 1, as PostgreSQL's RESTART IDENTITY does (workbench/sqlite_ids).
            if conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
            ).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of the migrated test database."""
    return database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database brought to head by the Alembic migrations."""
    engine = make_engine(db_url)
    reset_schema(engine)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def app(migrated_engine: Engine, db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The application on the test database, emptied after each test."""
    application = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "EXPORT_DIR": str(tmp_path / "exports"),
            # Background jobs run as soon as they are queued; tests/db/test_export_jobs.py
            # runs them through a real consumer too.
            "QUEUE_URL": "immediate",
        }
    )
    yield application
    database(application).engine.dispose()
    wipe(migrated_engine)


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    """A session for arranging data; the test commits what it wants the app to see."""
    # Deferred transactions: a test holding a read snapshot must not block the app's writers.
    # Tests call session.rollback() before re-reading what a request changed.
    with database(app).reading() as s:
        yield s


@pytest.fixture()
def make_user(session: Session) -> Callable[..., Any]:
    """Factory: create and commit a user with the test password."""
    from workbench.accounts import users as accounts

    def factory(username: str, *, admin: bool = False, name: str | None = None) -> Any:
        user = accounts.create_user(session, username, PASSWORD, display_name=name, is_admin=admin)
        session.commit()
        return user

    return factory


@pytest.fixture()
def make_project(session: Session) -> Callable[..., Any]:
    """Factory: create a project with a lead and optional coders, committed."""
    from workbench.accounts import users as accounts

    def factory(
        name: str = "Study", *, lead: Any, coders: tuple[Any, ...] = (), blind: bool = True
    ) -> Any:
        project = accounts.create_project(session, name, lead=lead)
        project.blind = blind
        for coder in coders:
            accounts.add_member(session, project, coder, "coder")
        session.commit()
        return project

    return factory


@pytest.fixture()
def import_text(session: Session) -> Callable[..., Any]:
    """Factory: import files given as (name, bytes) into a project, committed."""
    from workbench.documents import importing

    def factory(project: Any, files: list[tuple[str, bytes]], mode: str = "paragraph") -> Any:
        result = importing.import_files(session, project, files, mode=mode)
        session.commit()
        return result

    return factory


class Client:
    """A test client that signs in and sends the CSRF token the way the pages do."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token: str | None = None

    def login(self, username: str, password: str = PASSWORD) -> Any:
        """Sign in through the real form, keeping the CSRF token for later requests."""
        page = self.client.get("/login")
        self.token = csrf_token(page.get_data(as_text=True))
        response = self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": self.token}
        )
        home = self.client.get("/")
        self.token = csrf_token(home.get_data(as_text=True)) or self.token
        return response

    def get(self, url: str, *, htmx: bool = False, **kw: Any) -> Any:
        """GET a page, or a fragment when htmx is set."""
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.get(url, headers=headers, **kw)

    def post(
        self, url: str, data: Any = None, *, htmx: bool = True, csrf: bool = True, **kw: Any
    ) -> Any:
        """POST as htmx does: the CSRF token in the X-CSRFToken header."""
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf and self.token:
            headers["X-CSRFToken"] = self.token
        return self.client.post(url, data=data, headers=headers, **kw)


def csrf_token(html: str) -> str | None:
    """Pull the CSRF token out of a rendered page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html
    )
    return match.group(1) if match else None


@pytest.fixture()
def client(app: Flask) -> Client:
    """A signed-out client."""
    return Client(app.test_client())


@pytest.fixture()
def client_factory(app: Flask) -> Callable[[], Client]:
    """Factory for several independent clients (one per team member)."""
    return lambda: Client(app.test_client())


@contextmanager
def write_lock_held_elsewhere(app: Flask, db_url: str) -> Iterator[None]:
    """Hold SQLite's write lock from another connection, as a long command-line import does.

    The app's pooled connection waits 50 ms for it instead of its 10 s, so a request inside the
    block meets a locked database at once."""
    import sqlite3

    database(app).engine.pool.dispose()
    other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with database(app).engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=50")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def reread(session: Session) -> None:
    """End the test's read snapshot and forget loaded rows, to see what requests committed."""
    session.rollback()
    session.expire_all()
