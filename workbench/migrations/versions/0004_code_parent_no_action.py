"""code.parent_id: ON DELETE NO ACTION instead of RESTRICT

SQLite checks RESTRICT row by row, so deleting a project whose codebook nests codes failed in
the middle of the cascade. NO ACTION is checked at the end of the statement.
"""

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_constraint("fk_code_parent_id_code", type_="foreignkey")
        batch_op.create_foreign_key("fk_code_parent_id_code", "code", ["parent_id"], ["id"])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_constraint("fk_code_parent_id_code", type_="foreignkey")
        batch_op.create_foreign_key(
            "fk_code_parent_id_code", "code", ["parent_id"], ["id"], ondelete="RESTRICT"
        )
