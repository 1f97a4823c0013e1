"""`workbench export`, `coding-sheet`, `import-codings`, `import-project` on the test database."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from tests.db.test_export_data import rows_of
from workbench.cli import main
from workbench.formats.jsonl_export_read import read_jsonl_export
from workbench.models import Annotation
from workbench.models import Document


@pytest.fixture()
def run(app: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def test_export_xlsx_with_layer_and_scope(run: Any, study: Any, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "study.xlsx"
    result = run(
        "export", "--project", study.project.slug, "--out", str(out), "--layer", "coder:coder2",
        "--code", "Capacity-building", "--bootstrap", "0", "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "passages 5" in result.output
    wb = load_workbook(out)
    header = [c.value for c in wb["Passages"][1]]
    assert [h for h in header if h.endswith("_p")] == ["capacity_building_p"]
    assert rows_of(wb["Passages"])[0]["capacity_building_s"] == 2
    assert not list(out.parent.glob("*.part"))


def test_export_csv_json_qdpx_and_one_table(run: Any, study: Any, tmp_path: Path) -> None:
    slug = study.project.slug
    assert (
        run("export", "--project", slug, "--out", str(tmp_path / "all.zip"), "--quiet").exit_code
        == 0
    )
    assert "passages.csv" in zipfile.ZipFile(tmp_path / "all.zip").namelist()
    one = tmp_path / "passages.csv"
    assert (
        run(
            "export", "--project", slug, "--out", str(one), "--table", "passages", "--quiet"
        ).exit_code
        == 0
    )
    assert (
        one.read_bytes().startswith(b"\xef\xbb\xbf")
        and len(one.read_text("utf-8-sig").splitlines()) > 5
    )
    assert (
        run("export", "--project", slug, "--out", str(tmp_path / "x.jsonl"), "--quiet").exit_code
        == 0
    )
    lines = (tmp_path / "x.jsonl").read_text("utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "workbench-export"
    tables = read_jsonl_export((tmp_path / "x.jsonl").read_bytes(), "x.jsonl")
    assert len(tables["annotations"].rows) == 8
    assert (
        run("export", "--project", slug, "--out", str(tmp_path / "x.qdpx"), "--quiet").exit_code
        == 0
    )
    assert "project.qde" in zipfile.ZipFile(tmp_path / "x.qdpx").namelist()
    bad = run("export", "--project", slug, "--out", str(tmp_path / "y.xlsx"), "--coder", "ghost")
    assert bad.exit_code != 0 and "Unknown coders: ghost" in bad.output
    bad = run("export", "--project", slug, "--out", str(tmp_path / "y.xlsx"), "--table", "passages")
    assert bad.exit_code != 0


def test_coding_sheet_and_imports(run: Any, study: Any, tmp_path: Path, session: Session) -> None:
    slug = study.project.slug
    sheet = tmp_path / "coder1.xlsx"
    result = run("coding-sheet", "--project", slug, "--coder", "coder1", "--out", str(sheet))
    assert result.exit_code == 0 and "3 passages" in result.output
    assert run("import-codings", str(sheet), "--project", slug).exit_code == 0
    table = tmp_path / "old.csv"
    table.write_text(
        "document,passage,coder,code,stance\nstatement-2020.txt,3,coder2,Sovereignty,9\n"
    )
    result = run("import-codings", str(table), "--project", slug)
    assert result.exit_code != 0 and "outside the scale" in result.output
    table.write_text(
        "document,passage,coder,code,stance\nstatement-2020.txt,3,coder2,Sovereignty,1\n"
    )
    assert run("import-codings", str(table), "--project", slug).exit_code == 0
    reread(session)
    assert (
        session.scalar(
            select(Annotation.stance).where(
                Annotation.passage_id == study.english[2].id, Annotation.coder_id == study.coder2.id
            )
        )
        == 1
    )
    qdpx = tmp_path / "study.qdpx"
    assert run("export", "--project", slug, "--out", str(qdpx), "--quiet").exit_code == 0
    assert run("project", "create", "Copy", "--lead", "lead").exit_code == 0
    result = run("import-project", str(qdpx), "--project", "copy")
    # The file's coders are no members of the new project: nothing comes in, and it says so.
    assert result.exit_code == 1 and "not members of this project" in result.output
    for coder in ("coder1", "coder2"):
        assert run("project", "add-member", "copy", coder).exit_code == 0
    result = run("import-project", str(qdpx), "--project", "copy")
    assert result.exit_code == 0 and "2 documents added" in result.output
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == 4


def test_the_cli_is_registered_once(run: Any) -> None:
    out = run("--help").output
    for name in ("export", "coding-sheet", "import-codings", "import-project"):
        assert f"  {name} " in out
