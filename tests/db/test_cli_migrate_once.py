"""With automatic upgrades off, only `workbench db upgrade` changes the schema; workers refuse
a queue that lives inside one process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.db.test_cli_fresh import fresh_url  # noqa: F401 - the fixture
from workbench import server
from workbench.cli import main


def _run(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str
) -> Callable[..., Any]:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    monkeypatch.setenv("WORKBENCH_EXPORT_DIR", str(tmp_path / "exports"))
    for key, value in env.items():
        monkeypatch.setenv(f"WORKBENCH_{key}", value)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_commands_refuse_an_old_schema_until_it_is_upgraded_once(
    fresh_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    run = _run(fresh_url, monkeypatch, tmp_path, AUTO_MIGRATE="0")
    refused = run("user", "add", "ann")
    assert refused.exit_code != 0
    assert "Run `workbench db upgrade` once" in refused.output
    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    added = run("user", "add", "ann")
    assert added.exit_code == 0, added.output


def test_a_worker_needs_a_queue_other_processes_can_reach(
    fresh_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    run = _run(fresh_url, monkeypatch, tmp_path, QUEUE_URL="memory")
    refused = run("worker")
    assert refused.exit_code != 0 and "cannot serve" in refused.output
    odd = _run(fresh_url, monkeypatch, tmp_path, QUEUE_URL="amqp://broker/")("worker")
    assert odd.exit_code == 1 and "WORKBENCH_QUEUE_URL must be" in odd.output
    # The server refuses it too, before it serves anything (jobs would fail one by one).
    served: list[object] = []
    monkeypatch.setattr(server, "serve", lambda **kwargs: served.append(kwargs))
    odd = _run(fresh_url, monkeypatch, tmp_path, QUEUE_URL="amqp://broker/")("serve")
    assert odd.exit_code == 1 and "WORKBENCH_QUEUE_URL must be" in odd.output
    assert served == []
    fine = _run(fresh_url, monkeypatch, tmp_path, QUEUE_URL="")("serve")
    assert fine.exit_code == 0 and len(served) == 1, fine.output
