"""The search index on passage text, kept in step by the database

SQLite: two FTS5 tables, filled and emptied by triggers on ``passage`` — ``passage_trigram``
(trigram tokenizer over the folded text: any substring of three characters or more) and
``passage_chars`` (the text's CJK characters, one token each, for one- and two-character
Chinese words). The triggers fold with ``wb_fold``/``wb_cjk``, which the workbench registers on
every SQLite connection (``workbench/db.py``).

PostgreSQL: ``passage_search`` holds each passage's folded text (``lower(text COLLATE
"C.utf8")``), filled by triggers and emptied by its foreign key, with a pg_trgm GIN index; and
a GIN expression index over the array of the text's CJK characters on ``passage`` itself.

Both are built here for the rows already present. A later SQLite migration that copies the
``passage`` table (``batch_alter_table``) drops its triggers and must call ``install_sqlite``
again.
"""

from alembic import op

from workbench.core.search_text import PG_NOT_CJK_CLASS

revision: str = "0008"
down_revision: str | None = "0007"

SQLITE_AUTOMERGE = "INSERT INTO passage_trigram(passage_trigram, rank) VALUES ('automerge', 8)"
SQLITE_DDL = (
    "DROP TABLE IF EXISTS passage_trigram",
    "DROP TABLE IF EXISTS passage_chars",
    # Content is stored (not contentless): a row is then removed by rowid alone, whatever
    # folding the text had when it was indexed.
    # With positions: the query is one phrase of its trigrams, which is exactly a substring,
    # so no text is read back. (Passages holding a cover of trigrams, re-checked with instr()
    # on the stored text, measured 5-6x slower for "terrorism": reading 7,000 texts back.)
    "CREATE VIRTUAL TABLE passage_trigram USING fts5(body, tokenize='trigram case_sensitive 1')",
    # Only "all of these characters" queries run here, so no positions are kept.
    "CREATE VIRTUAL TABLE passage_chars USING fts5(body, tokenize='ascii', detail='none')",
    """CREATE TRIGGER passage_search_insert AFTER INSERT ON passage BEGIN
        INSERT INTO passage_trigram(rowid, body) VALUES (new.id, wb_fold(new.text));
        INSERT INTO passage_chars(rowid, body)
            SELECT new.id, body FROM (SELECT wb_cjk(new.text) AS body) WHERE body <> '';
    END""",
    """CREATE TRIGGER passage_search_delete AFTER DELETE ON passage BEGIN
        DELETE FROM passage_trigram WHERE rowid = old.id;
        DELETE FROM passage_chars WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER passage_search_update AFTER UPDATE OF id, text ON passage BEGIN
        DELETE FROM passage_trigram WHERE rowid = old.id;
        DELETE FROM passage_chars WHERE rowid = old.id;
        INSERT INTO passage_trigram(rowid, body) VALUES (new.id, wb_fold(new.text));
        INSERT INTO passage_chars(rowid, body)
            SELECT new.id, body FROM (SELECT wb_cjk(new.text) AS body) WHERE body <> '';
    END""",
    # Merge segments when eight of a size have built up, not FTS5's four (revision 0014 says
    # why); the setting is kept in the table, so a table built anew needs it again.
    SQLITE_AUTOMERGE,
    "INSERT INTO passage_trigram(rowid, body) SELECT id, wb_fold(text) FROM passage",
    """INSERT INTO passage_chars(rowid, body)
        SELECT id, body FROM (SELECT id, wb_cjk(text) AS body FROM passage) WHERE body <> ''""",
)

PG_CJK_ARRAY = f"regexp_split_to_array(regexp_replace(text, '{PG_NOT_CJK_CLASS}', '', 'g'), '')"
PG_DDL = (
    # Needs the right to create the extension (a superuser, or a DBA once beforehand).
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # The folded text is stored, not computed per query: lower() on every candidate row cost
    # ~200 ms for a common English word; LIKE on stored text is a byte comparison.
    """CREATE TABLE passage_search (
        passage_id INTEGER PRIMARY KEY
            REFERENCES passage (id) ON DELETE CASCADE ON UPDATE CASCADE,
        folded TEXT NOT NULL
    )""",
    "CREATE INDEX ix_passage_search_trgm ON passage_search USING gin (folded gin_trgm_ops)",
    """CREATE FUNCTION passage_search_fill() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO passage_search (passage_id, folded)
            VALUES (NEW.id, lower(NEW.text COLLATE "C.utf8"))
            ON CONFLICT (passage_id) DO UPDATE SET folded = EXCLUDED.folded;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER passage_search_insert AFTER INSERT ON passage
        FOR EACH ROW EXECUTE FUNCTION passage_search_fill()""",
    """CREATE TRIGGER passage_search_update AFTER UPDATE OF text ON passage
        FOR EACH ROW EXECUTE FUNCTION passage_search_fill()""",
    """INSERT INTO passage_search (passage_id, folded)
        SELECT id, lower(text COLLATE "C.utf8") FROM passage""",
    # CJK characters have no case: this index reads the passage text itself.
    f"CREATE INDEX ix_passage_text_cjk ON passage USING gin (({PG_CJK_ARRAY}))",
)


def install_sqlite() -> None:
    """Create the SQLite search tables and triggers and index every passage."""
    for statement in SQLITE_DDL:
        op.execute(statement)


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        install_sqlite()
    else:
        for statement in PG_DDL:
            op.execute(statement)


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS passage_search_{name}")
        op.execute("DROP TABLE IF EXISTS passage_trigram")
        op.execute("DROP TABLE IF EXISTS passage_chars")
    else:
        op.execute("DROP TABLE IF EXISTS passage_search")
        op.execute("DROP TRIGGER IF EXISTS passage_search_insert ON passage")
        op.execute("DROP TRIGGER IF EXISTS passage_search_update ON passage")
        op.execute("DROP FUNCTION IF EXISTS passage_search_fill()")
        op.execute("DROP INDEX IF EXISTS ix_passage_text_cjk")
