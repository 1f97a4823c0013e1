"""unique production assignments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 17:30:21.361093
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
