"""The initial schema: every table, key and index of the first release.

Keys are named by the house naming convention (workbench.db.NAMING_CONVENTION), spelled out once
in ``_table``; the column groups several tables share are written once as helpers below.
"""

from collections.abc import Iterable
from typing import Any
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None


def _int(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """An integer column."""
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _str(name: str, length: int, *, nullable: bool = False) -> sa.Column[Any]:
    """A bounded string column."""
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _text(name: str) -> sa.Column[Any]:
    """An unbounded text column (never NULL)."""
    return sa.Column(name, sa.Text(), nullable=False)


def _bool(name: str) -> sa.Column[Any]:
    """A boolean flag (never NULL)."""
    return sa.Column(name, sa.Boolean(), nullable=False)


def _json(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A JSON column (JSONB on PostgreSQL)."""
    kind = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _when(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A timestamp with time zone (the models read it back as UTC)."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


class _Ref(NamedTuple):
    """An integer column pointing at the id of another table."""

    column: str
    table: str
    ondelete: str
    nullable: bool = False


_Part = sa.Column[Any] | _Ref


def _by(column: str) -> _Ref:
    """The user who did something, kept as NULL once the account is deleted."""
    return _Ref(column, "user", "SET NULL", nullable=True)


def _owned() -> list[_Part]:
    """The id and the owning project (deleting the project deletes the row)."""
    return [_int("id"), _Ref("project_id", "project", "CASCADE")]


def _about_passage() -> list[_Part]:
    """The id, the owning project and the passage the row is about."""
    return [*_owned(), _Ref("passage_id", "passage", "CASCADE")]


def _coder() -> _Ref:
    """The coder whose work the row is (deleting the account deletes the row)."""
    return _Ref("coder_id", "user", "CASCADE")


def _code() -> _Ref:
    """The code the row applies (deleting the code deletes the row)."""
    return _Ref("code_id", "code", "CASCADE")


def _resolved() -> list[_Part]:
    """Who adjudicated a passage, and when."""
    return [_by("resolved_by_id"), _when("resolved_at")]


def _table(
    name: str,
    *parts: _Part,
    checks: Iterable[tuple[str, str]] = (),
    unique: Iterable[tuple[str, ...]] = (),
) -> None:
    """Create a table: columns, then checks, foreign keys, primary key and unique keys."""
    refs = sorted((p for p in parts if isinstance(p, _Ref)), key=lambda r: r.column)
    op.create_table(
        name,
        *(_int(p.column, nullable=p.nullable) if isinstance(p, _Ref) else p for p in parts),
        *(sa.CheckConstraint(sql, name=op.f(f"ck_{name}_{ck}")) for ck, sql in checks),
        *(
            sa.ForeignKeyConstraint(
                [r.column],
                [f"{r.table}.id"],
                name=op.f(f"fk_{name}_{r.column}_{r.table}"),
                ondelete=r.ondelete,
            )
            for r in refs
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        *(sa.UniqueConstraint(*cols, name=op.f(f"uq_{name}_{'_'.join(cols)}")) for cols in unique),
    )


# Created in this order, dropped in the reverse one.
_TABLES = (
    "project",
    "user",
    "audit_event",
    "code",
    "codebook_version",
    "document",
    "export_job",
    "membership",
    "reliability_round",
    "passage",
    "annotation",
    "assignment",
    "consensus_annotation",
    "consensus_state",
    "passage_state",
)

# (table, index, columns): none of them unique.
_INDEXES = (
    ("audit_event", "ix_audit_event_passage", ("passage_id",)),
    ("audit_event", "ix_audit_event_project_at", ("project_id", "at")),
    ("code", "ix_code_project_id", ("project_id",)),
    ("document", "ix_document_project_date", ("project_id", "date")),
    ("document", "ix_document_project_title", ("project_id", "title")),
    ("membership", "ix_membership_user_id", ("user_id",)),
    ("passage", "ix_passage_project_delegation", ("project_id", "delegation")),
    ("passage", "ix_passage_project_id", ("project_id",)),
    ("annotation", "ix_annotation_code", ("code_id",)),
    ("annotation", "ix_annotation_project_coder", ("project_id", "coder_id")),
    ("assignment", "ix_assignment_project_coder", ("project_id", "coder_id")),
    ("consensus_annotation", "ix_consensus_annotation_project_id", ("project_id",)),
    ("consensus_state", "ix_consensus_state_project_id", ("project_id",)),
    ("passage_state", "ix_passage_state_project_coder", ("project_id", "coder_id")),
)


def _accounts() -> None:
    """Projects, users and the audit trail."""
    _table(
        "project",
        _int("id"),
        _str("name", 200),
        _str("slug", 80),
        _text("description"),
        _bool("blind"),
        _json("stance_scale"),
        _when("created_at"),
        unique=[("slug",)],
    )
    _table(
        "user",
        _int("id"),
        _str("username", 80),
        _str("display_name", 200),
        _str("password_hash", 300),
        _bool("is_admin"),
        _bool("active"),
        _when("created_at"),
        unique=[("username",)],
    )
    _table(
        "audit_event",
        *_owned(),
        _by("actor_id"),
        _when("at"),
        _str("entity", 40),
        _int("entity_id", nullable=True),
        _int("passage_id", nullable=True),
        _str("action", 40),
        _json("before", nullable=True),
        _json("after", nullable=True),
    )


def _codebook() -> None:
    """Codes and the numbered versions of the codebook."""
    _table(
        "code",
        *_owned(),
        _str("key", 40),
        _Ref("parent_id", "code", "RESTRICT", nullable=True),
        _str("name", 200),
        *(_text(name) for name in ("definition", "inclusion", "exclusion")),
        *(_text(name) for name in ("examples_positive", "examples_negative")),
        *(_json(name) for name in ("keywords_en", "keywords_zh")),
        _str("colour", 7),
        _str("shortcut", 1, nullable=True),
        *(_bool(name) for name in ("takes_stance", "is_codable")),
        *(_int(name) for name in ("sort_order", "revision")),
        _when("deleted_at", nullable=True),
        checks=[("not_own_parent", "parent_id IS NULL OR parent_id <> id")],
        unique=[("project_id", "key")],
    )
    _table(
        "codebook_version",
        *_owned(),
        _int("number"),
        _by("author_id"),
        _when("created_at"),
        _text("note"),
        _json("snapshot"),
        _json("changes"),
        unique=[("project_id", "number")],
    )


def _corpus_and_team() -> None:
    """Documents, export jobs, memberships and reliability rounds."""
    _table(
        "document",
        *_owned(),
        *(_str(name, 500) for name in ("title", "filename")),
        _str("content_hash", 64),
        *(_text(name) for name in ("raw_text", "text")),
        _str("language", 16, nullable=True),
        _str("doc_type", 40, nullable=True),
        _str("date", 10, nullable=True),
        _str("meeting_symbol", 80, nullable=True),
        _str("source", 500, nullable=True),
        _str("segmentation", 20),
        _json("extra"),
        _int("passage_count"),
        _by("imported_by_id"),
        _when("created_at"),
        unique=[("project_id", "content_hash")],
    )
    _table(
        "export_job",
        *_owned(),
        _by("requested_by_id"),
        _str("status", 20),
        *(_int(name) for name in ("progress", "total")),
        _json("options"),
        _str("path", 1000, nullable=True),
        _str("error", 2000, nullable=True),
        _when("created_at"),
        _when("finished_at", nullable=True),
    )
    _table(
        "membership",
        *_owned(),
        _Ref("user_id", "user", "CASCADE"),
        _str("role", 10),
        checks=[("role", "role IN ('lead', 'coder')")],
        unique=[("project_id", "user_id")],
    )
    _table(
        "reliability_round",
        *_owned(),
        _str("name", 200),
        _by("created_by_id"),
        _when("created_at"),
        _int("codebook_version"),
        _json("sample"),
        _bool("is_gold"),
        sa.Column("pass_threshold", sa.Float(), nullable=True),
    )


def _passages_and_coding() -> None:
    """Passages, the coders' layers and the consensus layer."""
    _table(
        "passage",
        _int("id"),
        _Ref("document_id", "document", "CASCADE"),
        _Ref("project_id", "project", "CASCADE"),
        _int("ordinal"),
        _text("text"),
        *(_int(name) for name in ("start_offset", "end_offset")),
        *(_str(name, 300, nullable=True) for name in ("speaker", "delegation")),
        *(_str(name, 16, nullable=True) for name in ("language", "original_language")),
        _int("turn", nullable=True),
        _bool("codable"),
        checks=[("offsets", "start_offset >= 0 AND end_offset >= start_offset")],
        unique=[("document_id", "ordinal")],
    )
    _table(
        "annotation",
        *_about_passage(),
        _coder(),
        _code(),
        _int("stance", nullable=True),
        _text("memo"),
        *(_int(name, nullable=True) for name in ("span_start", "span_end")),
        *(_int(name) for name in ("codebook_version", "code_revision")),
        *(_when(name) for name in ("created_at", "updated_at")),
        checks=[
            (
                "span",
                "(span_start IS NULL AND span_end IS NULL) OR "
                "(span_start >= 0 AND span_end > span_start)",
            )
        ],
        unique=[("passage_id", "coder_id", "code_id")],
    )
    _table(
        "assignment",
        *_about_passage(),
        _coder(),
        _Ref("round_id", "reliability_round", "CASCADE", nullable=True),
        _bool("overlap"),
        _when("created_at"),
        unique=[("passage_id", "coder_id", "round_id")],
    )
    _table(
        "consensus_annotation",
        *_about_passage(),
        _code(),
        _int("stance", nullable=True),
        _text("memo"),
        *_resolved(),
        unique=[("passage_id", "code_id")],
    )
    _table(
        "consensus_state",
        *_about_passage(),
        *_resolved(),
        _Ref("round_id", "reliability_round", "SET NULL", nullable=True),
        unique=[("passage_id",)],
    )
    _table(
        "passage_state",
        *_about_passage(),
        _coder(),
        _bool("coded"),
        _text("memo"),
        _when("updated_at"),
        unique=[("passage_id", "coder_id")],
    )


def upgrade() -> None:
    """Apply this revision."""
    _accounts()
    _codebook()
    _corpus_and_team()
    _passages_and_coding()
    for table, name, columns in _INDEXES:
        op.create_index(name, table, list(columns), unique=False)


def downgrade() -> None:
    """Revert this revision."""
    for table, name, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
    for table in reversed(_TABLES):
        op.drop_table(table)
