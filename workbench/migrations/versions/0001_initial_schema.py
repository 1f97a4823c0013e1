"""The initial schema: every table, key and index of the first release."""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def _json(name: str, *, nullable: bool) -> sa.Column[Any]:
    """A JSON column (JSONB on PostgreSQL)."""
    kind = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _when(name: str, *, nullable: bool) -> sa.Column[Any]:
    """A timestamp with time zone (the models read it back as UTC)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, name: str, ondelete: str) -> sa.ForeignKeyConstraint:
    """A foreign key from one column to the id of another table."""
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], name=op.f(name), ondelete=ondelete)


revision: str = "0001"
down_revision: str | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        _json("stance_scale", nullable=False),
        _when("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
        sa.UniqueConstraint("slug", name=op.f("uq_project_slug")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _when("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("username", name=op.f("uq_user_username")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        _when("at", nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("passage_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        _json("before", nullable=True),
        _json("after", nullable=True),
        _fk("actor_id", "user", "fk_audit_event_actor_id_user", "SET NULL"),
        _fk("project_id", "project", "fk_audit_event_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_passage", ["passage_id"], unique=False)
        batch_op.create_index("ix_audit_event_project_at", ["project_id", "at"], unique=False)

    op.create_table(
        "code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("inclusion", sa.Text(), nullable=False),
        sa.Column("exclusion", sa.Text(), nullable=False),
        sa.Column("examples_positive", sa.Text(), nullable=False),
        sa.Column("examples_negative", sa.Text(), nullable=False),
        _json("keywords_en", nullable=False),
        _json("keywords_zh", nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("shortcut", sa.String(length=1), nullable=True),
        sa.Column("takes_stance", sa.Boolean(), nullable=False),
        sa.Column("is_codable", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        _when("deleted_at", nullable=True),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_code_not_own_parent")
        ),
        _fk("parent_id", "code", "fk_code_parent_id_code", "RESTRICT"),
        _fk("project_id", "project", "fk_code_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_code_project_id_key")),
    )
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_code_project_id"), ["project_id"], unique=False)

    op.create_table(
        "codebook_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _json("snapshot", nullable=False),
        _json("changes", nullable=False),
        _fk("author_id", "user", "fk_codebook_version_author_id_user", "SET NULL"),
        _fk("project_id", "project", "fk_codebook_version_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_version")),
        sa.UniqueConstraint(
            "project_id", "number", name=op.f("uq_codebook_version_project_id_number")
        ),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("filename", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("doc_type", sa.String(length=40), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("meeting_symbol", sa.String(length=80), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("segmentation", sa.String(length=20), nullable=False),
        _json("extra", nullable=False),
        sa.Column("passage_count", sa.Integer(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _fk("imported_by_id", "user", "fk_document_imported_by_id_user", "SET NULL"),
        _fk("project_id", "project", "fk_document_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint(
            "project_id", "content_hash", name=op.f("uq_document_project_id_content_hash")
        ),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index("ix_document_project_date", ["project_id", "date"], unique=False)
        batch_op.create_index("ix_document_project_title", ["project_id", "title"], unique=False)

    op.create_table(
        "export_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        _json("options", nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        _when("created_at", nullable=False),
        _when("finished_at", nullable=True),
        _fk("project_id", "project", "fk_export_job_project_id_project", "CASCADE"),
        _fk("requested_by_id", "user", "fk_export_job_requested_by_id_user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_job")),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.CheckConstraint("role IN ('lead', 'coder')", name=op.f("ck_membership_role")),
        _fk("project_id", "project", "fk_membership_project_id_project", "CASCADE"),
        _fk("user_id", "user", "fk_membership_user_id_user", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("project_id", "user_id", name=op.f("uq_membership_project_id_user_id")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "reliability_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        sa.Column("codebook_version", sa.Integer(), nullable=False),
        _json("sample", nullable=False),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("pass_threshold", sa.Float(), nullable=True),
        _fk("created_by_id", "user", "fk_reliability_round_created_by_id_user", "SET NULL"),
        _fk("project_id", "project", "fk_reliability_round_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reliability_round")),
    )
    op.create_table(
        "passage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(length=300), nullable=True),
        sa.Column("delegation", sa.String(length=300), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("original_language", sa.String(length=16), nullable=True),
        sa.Column("turn", sa.Integer(), nullable=True),
        sa.Column("codable", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "start_offset >= 0 AND end_offset >= start_offset", name=op.f("ck_passage_offsets")
        ),
        _fk("document_id", "document", "fk_passage_document_id_document", "CASCADE"),
        _fk("project_id", "project", "fk_passage_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage")),
        sa.UniqueConstraint("document_id", "ordinal", name=op.f("uq_passage_document_id_ordinal")),
    )
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_passage_project_delegation", ["project_id", "delegation"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_passage_project_id"), ["project_id"], unique=False)

    op.create_table(
        "annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("stance", sa.Integer(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("span_start", sa.Integer(), nullable=True),
        sa.Column("span_end", sa.Integer(), nullable=True),
        sa.Column("codebook_version", sa.Integer(), nullable=False),
        sa.Column("code_revision", sa.Integer(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.CheckConstraint(
            "(span_start IS NULL AND span_end IS NULL) OR "
            "(span_start >= 0 AND span_end > span_start)",
            name=op.f("ck_annotation_span"),
        ),
        _fk("code_id", "code", "fk_annotation_code_id_code", "CASCADE"),
        _fk("coder_id", "user", "fk_annotation_coder_id_user", "CASCADE"),
        _fk("passage_id", "passage", "fk_annotation_passage_id_passage", "CASCADE"),
        _fk("project_id", "project", "fk_annotation_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation")),
        sa.UniqueConstraint(
            "passage_id",
            "coder_id",
            "code_id",
            name=op.f("uq_annotation_passage_id_coder_id_code_id"),
        ),
    )
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.create_index("ix_annotation_code", ["code_id"], unique=False)
        batch_op.create_index(
            "ix_annotation_project_coder", ["project_id", "coder_id"], unique=False
        )

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        sa.Column("overlap", sa.Boolean(), nullable=False),
        _when("created_at", nullable=False),
        _fk("coder_id", "user", "fk_assignment_coder_id_user", "CASCADE"),
        _fk("passage_id", "passage", "fk_assignment_passage_id_passage", "CASCADE"),
        _fk("project_id", "project", "fk_assignment_project_id_project", "CASCADE"),
        _fk("round_id", "reliability_round", "fk_assignment_round_id_reliability_round", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint(
            "passage_id",
            "coder_id",
            "round_id",
            name=op.f("uq_assignment_passage_id_coder_id_round_id"),
        ),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignment_project_coder", ["project_id", "coder_id"], unique=False
        )

    op.create_table(
        "consensus_annotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("stance", sa.Integer(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        _when("resolved_at", nullable=False),
        _fk("code_id", "code", "fk_consensus_annotation_code_id_code", "CASCADE"),
        _fk("passage_id", "passage", "fk_consensus_annotation_passage_id_passage", "CASCADE"),
        _fk("project_id", "project", "fk_consensus_annotation_project_id_project", "CASCADE"),
        _fk("resolved_by_id", "user", "fk_consensus_annotation_resolved_by_id_user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_annotation")),
        sa.UniqueConstraint(
            "passage_id", "code_id", name=op.f("uq_consensus_annotation_passage_id_code_id")
        ),
    )
    with op.batch_alter_table("consensus_annotation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consensus_annotation_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "consensus_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        _when("resolved_at", nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=True),
        _fk("passage_id", "passage", "fk_consensus_state_passage_id_passage", "CASCADE"),
        _fk("project_id", "project", "fk_consensus_state_project_id_project", "CASCADE"),
        _fk("resolved_by_id", "user", "fk_consensus_state_resolved_by_id_user", "SET NULL"),
        _fk(
            "round_id",
            "reliability_round",
            "fk_consensus_state_round_id_reliability_round",
            "SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consensus_state")),
        sa.UniqueConstraint("passage_id", name=op.f("uq_consensus_state_passage_id")),
    )
    with op.batch_alter_table("consensus_state", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consensus_state_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "passage_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("coder_id", sa.Integer(), nullable=False),
        sa.Column("coded", sa.Boolean(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        _when("updated_at", nullable=False),
        _fk("coder_id", "user", "fk_passage_state_coder_id_user", "CASCADE"),
        _fk("passage_id", "passage", "fk_passage_state_passage_id_passage", "CASCADE"),
        _fk("project_id", "project", "fk_passage_state_project_id_project", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passage_state")),
        sa.UniqueConstraint(
            "passage_id", "coder_id", name=op.f("uq_passage_state_passage_id_coder_id")
        ),
    )
    with op.batch_alter_table("passage_state", schema=None) as batch_op:
        batch_op.create_index(
            "ix_passage_state_project_coder", ["project_id", "coder_id"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("passage_state", schema=None) as batch_op:
        batch_op.drop_index("ix_passage_state_project_coder")

    op.drop_table("passage_state")
    with op.batch_alter_table("consensus_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_state_project_id"))

    op.drop_table("consensus_state")
    with op.batch_alter_table("consensus_annotation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consensus_annotation_project_id"))

    op.drop_table("consensus_annotation")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assignment_project_coder")

    op.drop_table("assignment")
    with op.batch_alter_table("annotation", schema=None) as batch_op:
        batch_op.drop_index("ix_annotation_project_coder")
        batch_op.drop_index("ix_annotation_code")

    op.drop_table("annotation")
    with op.batch_alter_table("passage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passage_project_id"))
        batch_op.drop_index("ix_passage_project_delegation")

    op.drop_table("passage")
    op.drop_table("reliability_round")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))

    op.drop_table("membership")
    op.drop_table("export_job")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_project_title")
        batch_op.drop_index("ix_document_project_date")

    op.drop_table("document")
    op.drop_table("codebook_version")
    with op.batch_alter_table("code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_project_id"))

    op.drop_table("code")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_project_at")
        batch_op.drop_index("ix_audit_event_passage")

    op.drop_table("audit_event")
    op.drop_table("user")
    op.drop_table("project")
