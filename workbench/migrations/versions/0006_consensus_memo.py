"""consensus_state.memo: the lead's memo on an adjudicated passage; code colours in lower case

The consensus memo says why the lead resolved a passage as they did; it is exported beside
the consensus. Code colours are stored as lower-case #rrggbb from now on (every path in
normalises them), so older upper-case colours are lowered here once.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("consensus_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("memo", sa.Text(), nullable=False, server_default=""))
    op.execute("UPDATE code SET colour = lower(colour) WHERE colour <> lower(colour)")


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("consensus_state", schema=None) as batch_op:
        batch_op.drop_column("memo")
