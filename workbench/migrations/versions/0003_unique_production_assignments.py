"""One production assignment per passage and coder."""

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    """Apply this revision."""
    # Keep the first of any duplicates made before the index existed, so creating it succeeds.
    op.execute(
        "DELETE FROM assignment WHERE round_id IS NULL AND id NOT IN "
        "(SELECT MIN(id) FROM assignment WHERE round_id IS NULL GROUP BY passage_id, coder_id)"
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            "uq_assignment_passage_coder_production",
            ["passage_id", "coder_id"],
            unique=True,
            sqlite_where=sa.text("round_id IS NULL"),
            postgresql_where=sa.text("round_id IS NULL"),
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_assignment_passage_coder_production",
            sqlite_where=sa.text("round_id IS NULL"),
            postgresql_where=sa.text("round_id IS NULL"),
        )
