"""document_link, alignment_pair, quotation: linked versions, aligned passages, traced quotes."""

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"

_JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def _document(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["document.id"], name=op.f(f"fk_{table}_{column}_document"), ondelete="CASCADE"
    )


def _passage(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["passage.id"], name=op.f(f"fk_{table}_{column}_passage"), ondelete="CASCADE"
    )


def _project(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"],
        ["project.id"],
        name=op.f(f"fk_{table}_project_id_project"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "document_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('translation', 'report')", name=op.f("ck_document_link_kind")),
        sa.CheckConstraint("source_id <> target_id", name=op.f("ck_document_link_two_documents")),
        _project("document_link"),
        _document("source_id", "document_link"),
        _document("target_id", "document_link"),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_document_link_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_link")),
        sa.UniqueConstraint(
            "source_id", "target_id", name=op.f("uq_document_link_source_id_target_id")
        ),
    )
    op.create_index("ix_document_link_target_id", "document_link", ["target_id"])
    op.create_table(
        "alignment_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("source_units", _JSON, nullable=False),
        sa.Column("target_units", _JSON, nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "relation IN ('1-1', '1-n', 'n-1', 'n-n', 'source-only', 'target-only')",
            name=op.f("ck_alignment_pair_relation"),
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["document_link.id"],
            name=op.f("fk_alignment_pair_link_id_document_link"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alignment_pair")),
        sa.UniqueConstraint("link_id", "position", name=op.f("uq_alignment_pair_link_id_position")),
    )
    op.create_table(
        "quotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("report_passage_id", sa.Integer(), nullable=False),
        sa.Column("report_start", sa.Integer(), nullable=False),
        sa.Column("report_end", sa.Integer(), nullable=False),
        sa.Column("report_text", sa.Text(), nullable=False),
        sa.Column("statement_passage_id", sa.Integer(), nullable=False),
        sa.Column("statement_start", sa.Integer(), nullable=False),
        sa.Column("statement_end", sa.Integer(), nullable=False),
        sa.Column("statement_text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("quoted", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('exact', 'near', 'paraphrase')", name=op.f("ck_quotation_kind")
        ),
        sa.CheckConstraint("report_id <> statement_id", name=op.f("ck_quotation_two_documents")),
        _project("quotation"),
        _document("report_id", "quotation"),
        _document("statement_id", "quotation"),
        _passage("report_passage_id", "quotation"),
        _passage("statement_passage_id", "quotation"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotation")),
    )
    op.create_index("ix_quotation_report_id", "quotation", ["report_id"])
    op.create_index("ix_quotation_statement_id", "quotation", ["statement_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("quotation")
    op.drop_table("alignment_pair")
    op.drop_table("document_link")
