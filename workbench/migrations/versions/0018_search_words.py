"""PostgreSQL: each search row lists its words, and a table lists every word seen

pg_trgm answers a word such as "terrorism" with ~7,200 candidate passages, and LIKE must then
read each candidate's text: ~22 of the ~35 ms such a search took on the UN corpus. A query of
ASCII letters and digits can only occur inside a run of ASCII letters and digits of the folded
text, so a passage holds it exactly when one of its runs ("words") holds it. This revision
stores each passage's runs beside its folded text, with a GIN index, and keeps ``search_word``:
every run seen, with a trigram index. A search finds the few words holding the query in that
small table, then the passages holding one of those words in the GIN index; no text is read.

A run longer than ``WORD_LIMIT`` characters is stored as ``LONG_RUN`` instead (a run that long
is itself replaced, so it can never be a real word), and a search reads the text of the rare
passages holding one. ``search_word`` only grows: a word no passage holds any more finds
nothing. ``documents/search.py`` holds the same two constants; a test searches a long run.

New passages are indexed once per statement (a bulk import inserts ~1,000 at a time), so each
word of a batch is looked up in ``search_word`` once; a passage edit still goes row by row.
``search_word`` has no unique key, on purpose: with one, a transaction adding a word that
another open transaction had just added waited for it to end (an edit in one project behind an
import in another), and two such transactions could deadlock. A word is added only where none
is stored, so two transactions adding it at once store it twice, which the search does not
mind. The look-up is planned afresh each time, with the word table's size of the moment: a
plan cached while the table was empty read the whole table for each new word once it had
grown (an import took minutes).
"""

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"

WORD_LIMIT = 60
LONG_RUN = "0" * (WORD_LIMIT + 1)

WORDS_FUNCTION = f"""CREATE FUNCTION passage_search_words(folded TEXT) RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT regexp_split_to_array(
        regexp_replace(folded, '[a-z0-9]{{{WORD_LIMIT + 1},}}', '{LONG_RUN}', 'g'), '[^a-z0-9]+')
    $$"""


# Adds to search_word the words of $1 (distinct) that it does not hold. Run with EXECUTE, so it
# is planned with the word table's size at the time (see the module's docstring).
ADD_WORDS = (
    "INSERT INTO search_word (word) SELECT w FROM unnest($1) AS w "
    "WHERE NOT EXISTS (SELECT FROM search_word AS s WHERE s.word = w)"
)
# The empty strings a split leaves at the text's ends are not words.
WORD = f"length(w) BETWEEN 1 AND {WORD_LIMIT}"

FILL_ROW = f"""CREATE OR REPLACE FUNCTION passage_search_fill() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        f TEXT := lower(NEW.text COLLATE "C.utf8");
        runs TEXT[] := passage_search_words(f);
        fresh TEXT[];
    BEGIN
        INSERT INTO passage_search (passage_id, project_id, document_id, folded, words)
            VALUES (NEW.id, NEW.project_id, NEW.document_id, f, runs)
            ON CONFLICT (passage_id) DO UPDATE SET project_id = EXCLUDED.project_id,
                document_id = EXCLUDED.document_id, folded = EXCLUDED.folded,
                words = EXCLUDED.words;
        SELECT array_agg(DISTINCT w) INTO fresh FROM unnest(runs) AS w WHERE {WORD};
        EXECUTE '{ADD_WORDS}' USING fresh;
        RETURN NULL;
    END $$"""

FILL_ADDED = f"""CREATE FUNCTION passage_search_fill_added() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        fresh TEXT[];
    BEGIN
        WITH filled AS (
            INSERT INTO passage_search (passage_id, project_id, document_id, folded, words)
                SELECT id, project_id, document_id, f, passage_search_words(f)
                FROM (SELECT id, project_id, document_id, lower(text COLLATE "C.utf8") AS f
                      FROM added) AS a
                ON CONFLICT (passage_id) DO UPDATE SET project_id = EXCLUDED.project_id,
                    document_id = EXCLUDED.document_id, folded = EXCLUDED.folded,
                    words = EXCLUDED.words
                RETURNING words
        )
        SELECT array_agg(DISTINCT w) INTO fresh FROM filled, unnest(filled.words) AS w
            WHERE {WORD};
        EXECUTE '{ADD_WORDS}' USING fresh;
        RETURN NULL;
    END $$"""

FILL_WITHOUT_WORDS = """CREATE OR REPLACE FUNCTION passage_search_fill() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO passage_search (passage_id, project_id, document_id, folded)
            VALUES (NEW.id, NEW.project_id, NEW.document_id, lower(NEW.text COLLATE "C.utf8"))
            ON CONFLICT (passage_id) DO UPDATE SET project_id = EXCLUDED.project_id,
                document_id = EXCLUDED.document_id, folded = EXCLUDED.folded;
        RETURN NULL;
    END $$"""


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(WORDS_FUNCTION)
    op.execute("CREATE TABLE search_word (word TEXT NOT NULL)")
    op.execute("ALTER TABLE passage_search ADD COLUMN words TEXT[]")
    op.execute("UPDATE passage_search SET words = passage_search_words(folded)")
    op.execute("ALTER TABLE passage_search ALTER COLUMN words SET NOT NULL")
    op.execute(
        "INSERT INTO search_word (word) SELECT DISTINCT w FROM passage_search, "
        f"unnest(words) AS w WHERE {WORD}"
    )
    # Built after the rows are in: one sort, rather than an index insertion a row.
    op.execute("CREATE INDEX ix_search_word ON search_word (word)")
    op.execute("CREATE INDEX ix_passage_search_words ON passage_search USING gin (words)")
    op.execute("CREATE INDEX ix_search_word_trgm ON search_word USING gin (word gin_trgm_ops)")
    op.execute(FILL_ROW)
    op.execute(FILL_ADDED)
    op.execute("DROP TRIGGER passage_search_insert ON passage")
    op.execute(
        "CREATE TRIGGER passage_search_insert AFTER INSERT ON passage "
        "REFERENCING NEW TABLE AS added FOR EACH STATEMENT "
        "EXECUTE FUNCTION passage_search_fill_added()"
    )
    op.execute("ANALYZE passage_search")
    op.execute("ANALYZE search_word")


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER passage_search_insert ON passage")
    op.execute(
        "CREATE TRIGGER passage_search_insert AFTER INSERT ON passage "
        "FOR EACH ROW EXECUTE FUNCTION passage_search_fill()"
    )
    op.execute("DROP FUNCTION passage_search_fill_added()")
    op.execute(FILL_WITHOUT_WORDS)
    op.execute("DROP INDEX ix_passage_search_words")
    op.execute("ALTER TABLE passage_search DROP COLUMN words")
    op.execute("DROP TABLE search_word")
    op.execute("DROP FUNCTION passage_search_words(TEXT)")
