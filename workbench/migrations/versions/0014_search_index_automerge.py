"""SQLite's trigram index merges its segments eight at a time, not four

Every multi-row INSERT of passages leaves FTS5 a new segment, and FTS5 merges segments of one
size into the next as they build up. Merging when eight have built up instead of four halves
how often the same index entries are rewritten: storing the 126,000 passages of the UN corpus
took ~2 s less of its ~14 s of indexing (`bench/bench_import.py`), with the same index size and
the same search times (6.1-6.6 ms for the passages holding "terrorism", either way), since
FTS5 still merges when sixteen segments of a size build up ('crisismerge').

PostgreSQL is unchanged.
"""

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"

_SETTING = "INSERT INTO passage_trigram(passage_trigram, rank) VALUES ('automerge', {})"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SETTING.format(8))


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_SETTING.format(4))
