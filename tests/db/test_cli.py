"""The `workbench` command against the test database."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import REPO
from tests.conftest import reread
from workbench.cli import main
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import Document
from workbench.models import Membership
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User


@pytest.fixture()
def run(app, db_url, monkeypatch):
    """Invoke the CLI with the test database; returns the click result."""
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    runner = CliRunner()

    def invoke(*args: str):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result

    return invoke


def test_demo_sets_up_everything_and_prints_passwords_once(run, session) -> None:
    result = run("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    accounts = re.findall(r"^\s+(lead|coder)\s+(\S+)\s+(\S+)$", result.output, re.M)
    assert sorted(a[1] for a in accounts) == ["coder1", "coder2", "lead"]
    assert len({a[2] for a in accounts}) == 3  # three different random passwords
    project = session.scalar(select(Project))
    assert session.scalar(select(func.count(Document.id))) == 5
    assert session.scalar(select(func.count(Membership.id))) == 3
    names = set(session.scalars(select(Code.name).where(Code.project_id == project.id)))
    assert {
        "Public-private partnership",
        "Capacity-building",
        "Sovereignty",
        "Xinjiang rebuttal",
    } <= names
    # Running it again adds no duplicate documents or codes and gives new passwords.
    again = run("demo", "--no-serve")
    assert again.exit_code == 0
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == 5
    assert session.scalar(select(func.count(CodebookVersion.id))) == 1


def test_users_projects_import_and_passages(run, session, tmp_path: Path) -> None:
    assert run("user", "add", "pi", "--admin", "--name", "The PI").exit_code == 0
    created = run("project", "create", "UN study", "--lead", "pi")
    assert created.exit_code == 0 and "un-study" in created.output
    assert run("user", "add", "ana", "--project", "un-study", "--role", "coder").exit_code == 0
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("First statement.\n\nSecond paragraph of it.", encoding="utf-8")
    (folder / "b.md").write_text("# Title\n\nAnother document here.", encoding="utf-8")
    result = run("import", str(folder), "--project", "un-study")
    assert result.exit_code == 0, result.output
    assert "Imported 2 documents" in result.output
    again = run("import", str(folder), "--project", "un-study")
    assert "Imported 0 documents" in again.output and "2 already present" in again.output
    out = run("passages", "--project", "un-study", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert {r["text"] for r in rows} >= {"First statement.", "Second paragraph of it."}
    # Numbered as the views show passages: ¶1 is a document's first.
    by_text = {r["text"]: r["ordinal"] for r in rows}
    assert (by_text["First statement."], by_text["Second paragraph of it."]) == ("1", "2")
    assert set(rows[0]) == {
        "document_id",
        "document",
        "ordinal",
        "speaker",
        "delegation",
        "language",
        "original_language",
        "codable",
        "text",
    }
    jsonl = run("passages", "--project", "un-study", "--format", "jsonl")
    assert len([json.loads(line) for line in jsonl.output.splitlines()]) == len(rows)


def test_a_bad_file_in_a_batch_stores_nothing(run, session, tmp_path: Path) -> None:
    run("user", "add", "pi", "--admin")
    run("project", "create", "Study", "--lead", "pi")
    (tmp_path / "good.txt").write_text("A fine document.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 20)
    result = run("import", str(tmp_path), "--project", "study")
    assert result.exit_code != 0
    assert "empty.txt" in result.output and "binary.txt" in result.output
    assert "Traceback" not in result.output
    assert session.scalar(select(func.count(Document.id))) == 0
    assert session.scalar(select(func.count(Passage.id))) == 0


def test_unknown_project_is_a_clear_message(run) -> None:
    result = run("passages", "--project", "nope")
    assert result.exit_code != 0 and "No project called 'nope'" in result.output


def test_codebook_commands(run, session, tmp_path: Path) -> None:
    run("user", "add", "pi", "--admin")
    run("project", "create", "Study", "--lead", "pi")
    assert "Installed" in run("codebook", "seed", "--project", "study").output
    out = tmp_path / "cb.qdc"
    assert (
        run(
            "codebook", "export", "--project", "study", "--format", "qdc", "--out", str(out)
        ).exit_code
        == 0
    )
    schema = etree.XMLSchema(etree.parse(str(REPO.parent / "shared" / "refi-qda" / "Codebook.xsd")))
    assert schema.validate(etree.parse(str(out))), schema.error_log
    xlsx = tmp_path / "cb.xlsx"
    assert (
        run(
            "codebook", "export", "--project", "study", "--format", "xlsx", "--out", str(xlsx)
        ).exit_code
        == 0
    )
    run("project", "create", "Copy", "--lead", "pi")
    result = run("codebook", "import", str(xlsx), "--project", "copy")
    assert result.exit_code == 0, result.output
    names = lambda slug: sorted(  # noqa: E731
        session.scalars(select(Code.name).join(Project).where(Project.slug == slug))
    )
    reread(session)
    assert names("copy") == names("study") and len(names("copy")) >= 4
    assert session.scalar(select(User.is_admin).where(User.username == "pi"))


def test_import_with_another_segmentation_points_to_resegmenting(
    run, session, tmp_path: Path
) -> None:
    assert run("user", "add", "pi", "--admin").exit_code == 0
    assert run("project", "create", "Seg study", "--lead", "pi").exit_code == 0
    text = tmp_path / "speech.txt"
    text.write_text("One sentence. Another sentence.\n\nA second paragraph.", encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("Something else entirely.", encoding="utf-8")
    assert run("import", str(text), "--project", "seg-study").exit_code == 0
    reread(session)
    doc = session.scalars(select(Document)).one()
    passages = session.scalar(select(func.count(Passage.id)))
    # The same mode again: only the count, nothing to re-segment.
    same = run("import", str(text), "--project", "seg-study")
    assert "1 already present" in same.output and "re-segment" not in same.output
    result = run(
        "import", str(text), str(other), "--project", "seg-study", "--segmentation", "sentence"
    )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("speech.txt:")]
    assert len(lines) == 1, result.output
    assert f'as "{doc.title}" (document {doc.id}), cut into paragraph passages' in lines[0]
    assert "To cut it by sentence instead" in lines[0]
    assert "reader's document menu" in lines[0]
    assert f"/p/seg-study/d/{doc.id}/resegment?mode=sentence" in lines[0]
    assert "other.txt:" not in result.output  # a new file is simply imported
    reread(session)
    # Nothing was re-cut: the document keeps its passages and its segmentation.
    assert session.get(Document, doc.id).segmentation == "paragraph"
    assert (
        session.scalar(select(func.count(Passage.id)).where(Passage.document_id == doc.id))
        == passages
    )
    assert session.scalar(select(func.count(Document.id))) == 2


def test_a_large_import_is_stored_in_batches_and_whole(
    run, session, tmp_path: Path, monkeypatch
) -> None:
    from workbench.documents import importing

    # Tiny batches, so the spool holds many and the store reads them all back in order.
    monkeypatch.setattr(importing, "SPOOL_DOCUMENTS", 3)
    run("user", "add", "pi", "--admin")
    run("project", "create", "Study", "--lead", "pi")
    rows = [
        {"id": f"r{n}", "speaker": "Mr. Zhang", "text": f"Statement number {n}."} for n in range(11)
    ]
    rows.append(dict(rows[4]))  # the same text again: stored once, reported as present
    table = tmp_path / "speeches.jsonl"
    table.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (tmp_path / "one.txt").write_text("A document of its own.", encoding="utf-8")
    result = run("import", str(table), str(tmp_path / "one.txt"), "--project", "study")
    assert result.exit_code == 0, result.output
    assert "Imported 12 documents" in result.output and "1 already present" in result.output
    texts = list(session.scalars(select(Document.text).order_by(Document.id)))
    assert texts == [f"Statement number {n}." for n in range(11)] + ["A document of its own."]
    stored = session.scalar(select(func.count(Document.id)))
    assert stored == 12


def test_the_import_parses_in_another_process_while_this_one_stores(
    run, session, tmp_path: Path, monkeypatch
) -> None:
    import os

    from workbench.documents import importing

    real = importing.iter_file

    def noting_pid(name, data, **kwargs):
        # Written to a file: the parsing process's list is not this process's.
        (tmp_path / "pids").open("a").write(f"{os.getpid()}\n")
        yield from real(name, data, **kwargs)

    monkeypatch.setattr(importing, "iter_file", noting_pid)
    monkeypatch.setattr(importing, "SPOOL_DOCUMENTS", 2)
    run("user", "add", "pi", "--admin")
    run("project", "create", "Study", "--lead", "pi")
    for n in range(5):
        (tmp_path / f"d{n}.txt").write_text(f"Document {n}.", encoding="utf-8")
    result = run("import", *(str(tmp_path / f"d{n}.txt") for n in range(5)), "--project", "study")
    assert result.exit_code == 0, result.output
    parsed_by = [int(line) for line in (tmp_path / "pids").read_text().split()]
    assert len(parsed_by) == 5 and set(parsed_by) != {os.getpid()} and len(set(parsed_by)) == 1
    texts = list(session.scalars(select(Document.text).order_by(Document.id)))
    assert texts == [f"Document {n}." for n in range(5)]


@pytest.mark.parametrize("how", ["raises", "dies"])
def test_a_parser_that_fails_midway_stores_nothing_and_says_so(
    run, session, tmp_path: Path, monkeypatch, how: str
) -> None:
    import os

    from workbench.documents import importing

    real = importing.iter_file

    def failing(name, data, **kwargs):
        if name == "d3.txt":
            if how == "dies":
                os._exit(7)  # as if the parsing process were killed
            raise RuntimeError("parser fault on d3")
        yield from real(name, data, **kwargs)

    monkeypatch.setattr(importing, "iter_file", failing)
    monkeypatch.setattr(importing, "SPOOL_DOCUMENTS", 1)  # d0-d2 are stored before d3 fails
    run("user", "add", "pi", "--admin")
    run("project", "create", "Study", "--lead", "pi")
    for n in range(5):
        (tmp_path / f"d{n}.txt").write_text(f"Document {n}.", encoding="utf-8")
    result = run("import", *(str(tmp_path / f"d{n}.txt") for n in range(5)), "--project", "study")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    if how == "dies":
        assert "the parsing process stopped (exit code 7)" in result.output
    else:
        assert "parsing failed (RuntimeError: parser fault on d3)" in result.output
    assert session.scalar(select(func.count(Document.id))) == 0
    assert session.scalar(select(func.count(Passage.id))) == 0


def test_a_bad_row_late_in_a_large_table_stores_nothing(
    run, session, tmp_path: Path, monkeypatch
) -> None:
    from workbench.documents import importing

    monkeypatch.setattr(importing, "SPOOL_DOCUMENTS", 2)
    run("user", "add", "pi", "--admin")
    run("project", "create", "Study", "--lead", "pi")
    lines = [json.dumps({"text": f"Statement {n}."}) for n in range(9)]
    lines.insert(7, '{"text": "unfinished')
    (tmp_path / "a.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "b.txt").write_text("Parsed after the bad table.", encoding="utf-8")
    (tmp_path / "c.txt").write_bytes(b"")
    files = [str(tmp_path / name) for name in ("a.jsonl", "b.txt", "c.txt")]
    result = run("import", *files, "--project", "study")
    assert result.exit_code != 0
    assert "a.jsonl: 1 row(s) could not be imported" in result.output
    assert "row 8: not valid JSON" in result.output
    assert "c.txt" in result.output  # every problem is named, not only the first
    assert session.scalar(select(func.count(Document.id))) == 0
    assert session.scalar(select(func.count(Passage.id))) == 0
