"""Alembic environment: runs against the engine the workbench command hands over."""

from __future__ import annotations

from alembic import context

import workbench.models  # noqa: F401  (registers every table on Base.metadata)
from workbench.db import Base
from workbench.db import make_engine
from workbench.migrate import is_search_index

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on the connection given in attributes, or on the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only alter tables by copying them
        compare_type=True,
        include_object=is_search_index,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run 'workbench db upgrade'.")
run_migrations_online()
