"""Server-side session invalidation (user.session_generation) and login throttling"""

import sqlalchemy as sa
from alembic import op

from workbench.models._common import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("scope IN ('account', 'address')", name=op.f("ck_login_failure_scope")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index("ix_login_failure_scope_key_at", "login_failure", ["scope", "key", "at"])
    op.create_index(op.f("ix_login_failure_at"), "login_failure", ["at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_login_failure_at"), table_name="login_failure")
    op.drop_index("ix_login_failure_scope_key_at", table_name="login_failure")
    op.drop_table("login_failure")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
