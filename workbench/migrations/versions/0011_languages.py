"""Interface languages: each user's chosen language, and the codebook's text in Chinese

A user's saved interface language (empty: follow the browser). Each code gets its name,
definition, inclusion and exclusion rules in Chinese beside the existing text, which the
interface treats as English; either side may be empty, and the other is shown instead.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_zh", sa.String(length=200), nullable=False, server_default="")
        )
        for column in ("definition_zh", "inclusion_zh", "exclusion_zh"):
            batch_op.add_column(sa.Column(column, sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("code", schema=None) as batch_op:
        for column in ("exclusion_zh", "inclusion_zh", "definition_zh", "name_zh"):
            batch_op.drop_column(column)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("locale")
