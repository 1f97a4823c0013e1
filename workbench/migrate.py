"""Schema migrations with Alembic, driven from code so no alembic.ini is needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from workbench.sqlite_ids import never_reuse_ids

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The search index (migrations 0008 and 0018) lives outside the models: SQLite's FTS5 tables
# and their shadow tables, PostgreSQL's passage_search and search_word tables and an expression
# index. Comparing the models with the schema skips them.
SEARCH_TABLE_PREFIXES = ("passage_trigram", "passage_chars", "passage_search", "search_word")
SEARCH_INDEXES = ("ix_passage_text_cjk", "ix_document_title_trgm")


def is_search_index(
    obj: object, name: str | None, type_: str, reflected: bool, other: object
) -> bool:
    """Alembic include_object hook: False for the search index's own tables and indexes."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIXES):
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config pointed at the workbench migrations and this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to the given revision."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    if engine.dialect.name == "sqlite" and revision == "head":
        never_reuse_ids(engine)  # a table rebuild no migration can do (see sqlite_ids)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """Return the newest revision shipped with the code."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
