"""`workbench import-project`: a report item by item, a non-zero exit when anything is left out;
`workbench import --segmentation lines`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.refi_fixtures import nvivo_file
from tests.unit.test_export_qdpx_quirks import SOURCE
from tests.unit.test_export_qdpx_quirks import archive
from tests.unit.test_export_qdpx_quirks import qde
from tests.unit.test_export_qdpx_quirks import selection
from workbench.cli import main
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage


@pytest.fixture()
def run(app: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_import_project_reports_the_unit_and_refuses_a_partial_import(
    run: Any, session: Session, make_user: Any, make_project: Any, tmp_path: Path
) -> None:
    lead = make_user("lead")
    project = make_project("Comments", lead=lead)
    data, _raw, wanted = nvivo_file(600)
    path = tmp_path / "comments.qdpx"
    path.write_bytes(data)
    result = run("import-project", str(path), "--project", project.slug, "--create-coders")
    assert result.exit_code == 0, result.output
    assert f"{len(wanted)} codings applied" in result.output
    assert "offsets: YouTube comments: UTF-16 code units, CRLF counted as two" in result.output
    assert "nothing left out" in result.output

    partial = tmp_path / "partial.qdpx"
    partial.write_bytes(
        archive(
            {
                "project.qde": qde(selection(0, 5, "Other") + selection(0, 900, None)).replace(
                    "</Sources>",
                    '<PDFSource guid="1a2b3c4d-0000-4000-8000-00000000b001" name="scan"/>'
                    "</Sources>",
                ),
                f"sources/{SOURCE}.txt": "Other words here.\n\nMore.",
            }
        )
    )
    reread(session)
    before = session.scalar(select(func.count(Annotation.id)))
    refused = run("import-project", str(partial), "--project", project.slug, "--create-coders")
    assert refused.exit_code == 1
    assert "NOT imported: PDFSource 'scan'" in refused.output
    assert "NOT imported: speech: selection 0-900" in refused.output
    assert "--allow-partial" in refused.output
    reread(session)
    assert session.scalar(select(func.count(Annotation.id))) == before
    accepted = run(
        "import-project", str(partial), "--project", project.slug, "--create-coders",
        "--allow-partial",
    )  # fmt: skip
    assert accepted.exit_code == 0, accepted.output
    assert "2 item(s) NOT imported" in accepted.output
    reread(session)
    assert session.scalar(select(func.count(Annotation.id))) == before + 1


def test_import_documents_by_lines(
    run: Any, session: Session, make_user: Any, make_project: Any, tmp_path: Path
) -> None:
    lead = make_user("lead")
    project = make_project("Answers", lead=lead)
    answers = tmp_path / "answers.txt"
    answers.write_text("Too expensive\nGood staff\n\nSlow delivery\n", encoding="utf-8")
    result = run("import", str(answers), "--project", project.slug, "--segmentation", "lines")
    assert result.exit_code == 0, result.output
    reread(session)
    doc = session.scalar(select(Document).where(Document.project_id == project.id))
    assert doc is not None and doc.segmentation == "lines"
    texts = session.scalars(
        select(Passage.text).where(Passage.document_id == doc.id).order_by(Passage.ordinal)
    ).all()
    assert texts == ["Too expensive", "Good staff", "Slow delivery"]


def test_an_unavoidable_join_of_two_selections_makes_the_import_partial(
    run: Any, session: Session, make_user: Any, make_project: Any, tmp_path: Path
) -> None:
    lead = make_user("lead")
    coder = make_user("CA", name="Coder A")
    project = make_project("Speeches", lead=lead, coders=(coder,))
    text = "China condemns terrorism.\n\nMore."
    path = tmp_path / "overlap.qdpx"
    # One coder, one code, two overlapping selections: one annotation must cover both.
    path.write_bytes(
        archive({
            "project.qde": qde(selection(0, 14, None) + selection(6, 24, None)),
            f"sources/{SOURCE}.txt": text,
        })
    )  # fmt: skip
    refused = run("import-project", str(path), "--project", project.slug)
    assert refused.exit_code == 1
    assert "NOT imported: speech: selection 6-24 (line 11) not exact: joined with" in (
        refused.output
    )
    assert "because the two overlap" in refused.output
    reread(session)
    assert session.scalar(select(func.count(Annotation.id))) == 0
    accepted = run("import-project", str(path), "--project", project.slug, "--allow-partial")
    assert accepted.exit_code == 0, accepted.output
    reread(session)
    spans = session.execute(select(Annotation.span_start, Annotation.span_end)).all()
    assert spans == [(0, 24)]
