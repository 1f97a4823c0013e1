"""`workbench codebook export`: an empty codebook as .qdc says so; the Taguette CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from tests.unit.test_codebook_interop import taguette_rows
from workbench.cli import main
from workbench.codebooks import codes as codebooks


@pytest.fixture()
def run(app: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_empty_codebook_as_qdc_is_a_clear_message(
    run: Any, make_user: Any, make_project: Any, session: Session, tmp_path: Path
) -> None:
    project = make_project("Empty", lead=make_user("lead"))
    session.commit()
    out = tmp_path / "empty.qdc"
    result = run("codebook", "export", "--project", project.slug, "--format", "qdc", "--out", out)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "has no codes yet" in result.output and "xlsx" in result.output
    assert not out.exists()
    # The same empty codebook exports as xlsx and as a Taguette CSV (a header only).
    for fmt, name in (("xlsx", "empty.xlsx"), ("taguette-csv", "empty.csv")):
        path = tmp_path / name
        args = ("--project", project.slug, "--format", fmt, "--out", path)
        result = run("codebook", "export", *args)
        assert result.exit_code == 0, result.output
    assert taguette_rows((tmp_path / "empty.csv").read_bytes()) == []


def test_taguette_csv_export_of_a_project(
    run: Any, make_user: Any, make_project: Any, session: Session, tmp_path: Path
) -> None:
    lead = make_user("lead")
    project = make_project("Study", lead=lead)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    out = tmp_path / "tags.csv"
    args = ["codebook", "export", "--project", project.slug, "--format", "taguette-csv"]
    result = run(*args, "--out", out)
    assert result.exit_code == 0, result.output
    rows = taguette_rows(out.read_bytes())
    assert len(rows) == len(codebooks.live_codes(session, project)) > 5


SETS = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Another tool">
  <Codes>
    <Code guid="a1b2c3d4-0000-4000-8000-000000000001" name="Coke" isCodable="true"
          color="#FF0000"/>
  </Codes>
  <Sets><Set guid="a1b2c3d4-0000-4000-8000-0000000000ff" name="Drinks"/></Sets>
</CodeBook>
"""


def test_codebook_import_stops_when_something_cannot_come_across(
    run: Any, make_user: Any, make_project: Any, session: Session, tmp_path: Path
) -> None:
    from tests.conftest import reread

    project = make_project("Sets", lead=make_user("lead"))
    session.commit()
    path = tmp_path / "sets.qdc"
    path.write_bytes(SETS)
    result = run("codebook", "import", str(path), "--project", project.slug)
    assert result.exit_code == 1
    assert "not imported: Code sets are not supported and were dropped: Drinks" in result.output
    reread(session)
    assert codebooks.live_codes(session, project) == []
    result = run("codebook", "import", str(path), "--project", project.slug, "--allow-partial")
    assert result.exit_code == 0, result.output
    reread(session)
    assert [c.name for c in codebooks.live_codes(session, project)] == ["Coke"]
