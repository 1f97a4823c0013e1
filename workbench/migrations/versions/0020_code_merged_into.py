"""code.merged_into_id: the code a merge folded this one into

Merging a code into another moves its codings and deletes it. A document deleted before the
merge and brought back after it restored its codings onto the deleted code, where nobody saw
them. The merge now records where the code went, and the undo follows it.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "sqlite":
        # ADD COLUMN, not a batch copy of the table: with foreign keys enforced, dropping the
        # old code table would fail on (or cascade to) every row that refers to a code.
        op.execute(
            "ALTER TABLE code ADD COLUMN merged_into_id INTEGER "
            "CONSTRAINT fk_code_merged_into_id_code REFERENCES code (id) ON DELETE SET NULL"
        )
        return
    op.add_column("code", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        "fk_code_merged_into_id_code",
        "code",
        "code",
        ["merged_into_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE code DROP COLUMN merged_into_id")
        return
    op.drop_constraint("fk_code_merged_into_id_code", "code", type_="foreignkey")
    op.drop_column("code", "merged_into_id")
