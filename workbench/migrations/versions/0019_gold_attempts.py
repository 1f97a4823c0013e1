"""gold_attempt: a coder's gold result as they first saw it complete

In a blind project a coder's figures against a gold round appear once every passage is coded.
Shown live from then on, they moved with each later change to one of the round's codings, so
changing one coding and reloading told the coder that passage's gold coding. The figures the
coder first saw complete are now kept here and shown from then on; a lead can delete them to
let the coder try again.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "gold_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("figures", JSON, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_gold_attempt_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["reliability_round.id"],
            name=op.f("fk_gold_attempt_round_id_reliability_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coder_id"],
            ["user.id"],
            name=op.f("fk_gold_attempt_coder_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gold_attempt")),
        sa.UniqueConstraint("round_id", "coder_id", name=op.f("uq_gold_attempt_round_id_coder_id")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("gold_attempt")
