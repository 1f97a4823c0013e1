"""export_file_chunk: finished export files kept in the database, in pieces

Background exports now run on a job queue whose workers may sit on any machine, so a finished
file is kept where every app server can read it: by default in this table (a mebibyte a row),
or in a shared directory when one is configured.
"""

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "export_file_chunk",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["export_job.id"],
            name=op.f("fk_export_file_chunk_job_id_export_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "seq", name=op.f("pk_export_file_chunk")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("export_file_chunk")
