"""Coding suggestions: assisted codings on annotations, trained models, enabled codes

Every annotation records whether a suggestion was shown for its code and whether the coder
applied the code by accepting it. A project's trained suggestion models (one row, replaced on
retraining) keep every code's cross-validated evaluation; the lead's enabled codes are rows of
their own.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suggestion_shown", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "suggestion_accepted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    op.create_table(
        "suggestion_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_by_id", sa.Integer(), nullable=True),
        sa.Column("passages", sa.Integer(), nullable=False),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("evaluations", _JSON, nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_suggestion_model_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trained_by_id"],
            ["user.id"],
            name=op.f("fk_suggestion_model_trained_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_model")),
        sa.UniqueConstraint("project_id", name=op.f("uq_suggestion_model_project_id")),
    )
    op.create_table(
        "suggestion_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("enabled_by_id", sa.Integer(), nullable=True),
        sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_suggestion_code_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["code_id"],
            ["code.id"],
            name=op.f("fk_suggestion_code_code_id_code"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enabled_by_id"],
            ["user.id"],
            name=op.f("fk_suggestion_code_enabled_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_code")),
        sa.UniqueConstraint(
            "project_id", "code_id", name=op.f("uq_suggestion_code_project_id_code_id")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("suggestion_code")
    op.drop_table("suggestion_model")
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_column("suggestion_accepted")
        batch_op.drop_column("suggestion_shown")
