"""A pooled PostgreSQL connection the server has closed is replaced at checkout, not used."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from workbench.db import make_engine


def test_a_connection_closed_by_the_server_is_replaced(db_url: str, migrated_engine) -> None:
    if migrated_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no server to hang up")
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # Another session ends the pooled connection's backend, as a server restart would.
        with migrated_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        time.sleep(0.2)  # the backend's goodbye reaches the pooled socket
        with engine.connect() as conn:
            second = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()
