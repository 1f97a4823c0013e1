"""Codings coming in keep everything: quoted memos anywhere in a CSV, "nothing applies",
timestamps, non-ASCII coder names; coders only from the project's members; the CLI's exit
status tells when something was not brought in."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from tests.db.test_interchange_roundtrip import export
from tests.db.test_interchange_roundtrip import fresh_copy
from tests.unit.test_csv_memo_property import MEMOS
from workbench.accounts import users as accounts
from workbench.cli import main
from workbench.interchange import project_lookup
from workbench.interchange import workbook_import
from workbench.models import Annotation
from workbench.models import Membership
from workbench.models import PassageState
from workbench.models import User


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _import(session: Session, study: Any, text: str, **kw: Any) -> Any:
    return workbook_import.import_codings_file(
        session, study.project, study.lead, "codings.csv", text.encode("utf-8-sig"), **kw
    )


def _memos(session: Session, study: Any, coder: Any) -> dict[int, str]:
    return {
        pid: memo
        for pid, memo in session.execute(
            select(Annotation.passage_id, Annotation.memo).where(
                Annotation.project_id == study.project.id, Annotation.coder_id == coder.id
            )
        )
    }


def test_quoted_memos_past_the_first_4_kb_import_exactly(session: Session, study: Any) -> None:
    # The first rows fill well over 4 KB with plain memos (no quotes at all), so a reader that
    # judged the dialect from a sample would not know the file doubles its quotes.
    filler = "plain words without any quoting " * 40
    quoted = 'He said "no", twice'
    multiline = 'line one, with a comma\r\nline "two"\n\ttabbed 王伟 😀'
    rows = ["document,passage,coder,code,memo"]
    for _ in range(4):
        rows.append(f"statement-2020.txt,1,coder1,Capacity-building,{filler}")
    rows.append('statement-2020.txt,2,coder1,Sovereignty,"He said ""no"", twice"')
    rows.append('statement-2020.txt,3,coder1,Sovereignty,"' + multiline.replace('"', '""') + '"')
    text = "\r\n".join(rows) + "\r\n"
    assert text.index('""no""') > 4096
    report = _import(session, study, text)
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    memos = _memos(session, study, study.coder1)
    assert memos[study.english[1].id] == quoted
    assert memos[study.english[2].id] == multiline
    assert memos[study.english[0].id] == filler


def test_a_row_with_more_cells_than_the_header_is_reported(session: Session, study: Any) -> None:
    text = "document,passage,coder,code,memo\r\nstatement-2020.txt,2,coder1,Sovereignty,a,b\r\n"
    report = _import(session, study, text)
    assert not report.applied
    assert [(p.row, p.column) for p in report.problems] == [(2, "row")]
    assert "1 cell(s) beyond the last column" in report.problems[0].message


def test_our_workbook_keeps_nothing_applies_and_timestamps(session: Session, study: Any) -> None:
    old = {
        (a.passage_id, a.coder_id, a.code_id): (a.created_at, a.updated_at)
        for a in session.scalars(select(Annotation))
    }
    nothing = session.scalars(
        select(PassageState).where(
            PassageState.passage_id == study.english[1].id,
            PassageState.coder_id == study.coder1.id,
        )
    ).one()
    nothing_at = nothing.updated_at
    first = export(session, study.project, "xlsx")
    copy = fresh_copy(session, study, "Copy")
    report = workbook_import.import_codings_file(session, copy, study.lead, "study.xlsx", first)
    assert report.applied and not report.problems
    session.commit()
    reread(session)
    states = session.scalars(select(PassageState).where(PassageState.project_id == copy.id)).all()
    originals = session.scalars(
        select(PassageState).where(PassageState.project_id == study.project.id)
    ).all()
    assert len(states) == len(originals) > 0
    # "Nothing applies": coded, by coder1, on the second English passage, with no annotation.
    empty = [
        s
        for s in states
        if s.coder_id == study.coder1.id
        and s.coded
        and not session.scalar(
            select(func.count(Annotation.id)).where(
                Annotation.passage_id == s.passage_id, Annotation.coder_id == s.coder_id
            )
        )
    ]
    assert len(empty) == 1 and empty[0].updated_at == nothing_at
    copied = session.scalars(select(Annotation).where(Annotation.project_id == copy.id)).all()
    assert len(copied) == len(old) == 7
    assert sorted((a.created_at, a.updated_at) for a in copied) == sorted(old.values())


def test_legacy_table_reads_created_and_updated_times(session: Session, study: Any) -> None:
    text = (
        "document,passage,coder,code,created_at,updated_at\r\n"
        "statement-2020.txt,2,coder1,Sovereignty,2019-03-01T10:00:00Z,2019-03-02T11:30:00+01:00\r\n"
        "statement-2020.txt,3,coder2,,,2019-04-01T09:00:00Z\r\n"
        "statement-2020.txt,3,coder1,Sovereignty,yesterday,\r\n"
    )
    report = _import(session, study, text, allow_partial=True)
    assert [(p.row, p.column) for p in report.problems] == [(4, "created_at")]
    annotation = session.scalars(
        select(Annotation).where(
            Annotation.passage_id == study.english[1].id, Annotation.coder_id == study.coder1.id
        )
    ).one()
    session.refresh(annotation)
    assert annotation.created_at == dt.datetime(2019, 3, 1, 10, 0, tzinfo=dt.UTC)
    assert annotation.updated_at == dt.datetime(2019, 3, 2, 10, 30, tzinfo=dt.UTC)
    state = session.scalars(
        select(PassageState).where(
            PassageState.passage_id == study.english[2].id,
            PassageState.coder_id == study.coder2.id,
        )
    ).one()
    session.refresh(state)
    assert state.coded and state.updated_at == dt.datetime(2019, 4, 1, 9, 0, tzinfo=dt.UTC)


def test_numbers_and_times_no_database_can_hold_are_reported_by_row(
    session: Session, study: Any
) -> None:
    # A 5,000-digit passage number (past Python's int() limit for text) and a time whose UTC
    # falls past year 9999 are problems of their rows, never a server error.
    text = (
        "document,passage,coder,code,created_at\r\n"
        f"statement-2020.txt,{'9' * 5000},coder1,Sovereignty,\r\n"
        "statement-2020.txt,²,coder1,Sovereignty,\r\n"
        "statement-2020.txt,2,coder1,Sovereignty,9999-12-31T23:59:59-23:59\r\n"
        "statement-2020.txt,3,coder1,Sovereignty,0001-01-01T00:00:00+23:59\r\n"
    )
    report = _import(session, study, text)
    assert not report.applied
    found = [(p.row, p.column) for p in report.problems]
    assert found == [(2, "passage"), (3, "passage"), (4, "created_at"), (5, "created_at")]


def test_a_non_member_reads_exactly_like_an_unknown_name(
    session: Session, study: Any, make_user: Any, make_project: Any
) -> None:
    outsider = make_user("outsider", name="Outside Lead")
    make_project("Other study", lead=outsider)
    session.commit()
    text = (
        "document,passage,coder,code\r\n"
        "statement-2020.txt,2,outsider,Sovereignty\r\n"
        "statement-2020.txt,2,nobody,Sovereignty\r\n"
        "statement-2020.txt,2,Outside Lead,Sovereignty\r\n"
    )
    before = session.scalar(select(func.count(Annotation.id)))
    report = _import(session, study, text)
    assert not report.applied
    messages = {p.row: p.message for p in report.problems}
    assert messages[2] == project_lookup.not_member_message("outsider")
    assert messages[3] == project_lookup.not_member_message("nobody")
    assert messages[4] == project_lookup.not_member_message("Outside Lead")
    assert messages[2].replace("outsider", "X") == messages[3].replace("nobody", "X")
    # Even "apply what is valid" never gives the outsider a coding in this project.
    report = _import(session, study, text, allow_partial=True)
    assert report.applied and report.codings_set == 0
    assert session.scalar(select(func.count(Annotation.id))) == before
    assert not session.scalar(
        select(func.count(Annotation.id)).where(Annotation.coder_id == outsider.id)
    )


def test_create_coders_makes_new_members_and_keeps_non_ascii_names(
    session: Session, study: Any, make_user: Any
) -> None:
    outsider = make_user("outsider")
    session.commit()
    text = (
        "document,passage,coder,code\r\n"
        "statement-2020.txt,2,王伟,Sovereignty\r\n"
        "statement-2020.txt,2,Ünal.Á,Sovereignty\r\n"
        "statement-2020.txt,2,outsider,Sovereignty\r\n"
    )
    report = _import(session, study, text, create_coders=True)
    assert report.applied and not report.problems
    assert report.created_coders == ["王伟", "Ünal.Á", "outsider_2"]
    members = set(
        session.scalars(
            select(User.username)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == study.project.id)
        )
    )
    assert {"王伟", "Ünal.Á", "outsider_2"} <= members and "outsider" not in members
    assert not session.scalar(
        select(func.count(Annotation.id)).where(Annotation.coder_id == outsider.id)
    )
    # Found by its exact name on both databases (SQLite's lower() leaves "Ü" and "Á" alone).
    assert accounts.user_by_name(session, "Ünal.Á").username == "Ünal.Á"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("王伟", "王伟"),
        ("Ünal.Á", "Ünal.Á"),
        ("U\u0308nal", "\u00dcnal"),
        ("Mary Smith", "Mary_Smith"),
    ],
)
def test_usernames_from_names_keep_letters_of_every_script(name: str, kept: str) -> None:
    assert project_lookup.username_from(name) == kept
    assert accounts.valid_username(kept)


@pytest.mark.parametrize("bad", ["   ", "a\x00b", "tab\there", "x", "new\nline"])
def test_usernames_refuse_controls_whitespace_and_one_letter(session: Session, bad: str) -> None:
    from workbench.core.errors import ValidationError

    with pytest.raises(ValidationError):
        accounts.create_user(session, bad, "long enough password")


def test_the_cli_exits_non_zero_when_something_is_dropped(
    app: Any, db_url: str, monkeypatch: pytest.MonkeyPatch, study: Any, tmp_path: Path
) -> None:
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", db_url)
    runner = CliRunner()
    table = tmp_path / "codings.csv"
    table.write_text(
        "document,passage,coder,code\r\n"
        "statement-2020.txt,2,coder1,Sovereignty\r\n"
        "statement-2020.txt,2,ghost,Sovereignty\r\n",
        encoding="utf-8",
    )
    args = ["import-codings", str(table), "--project", study.project.slug]
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert "row 3, coder: 'ghost' is not a member" in result.output
    assert "Nothing was applied" in result.output
    result = runner.invoke(main, [*args, "--allow-partial"])
    assert result.exit_code == 0, result.output
    assert "NOT applied: 1 item(s)" in result.output


def test_the_csv_export_is_read_whole_from_its_zip(session: Session, study: Any) -> None:
    data = export(session, study.project, "csv")
    assert workbook_import.is_own_export("export.zip", data)
    assert not workbook_import.is_own_export("export.zip", io.BytesIO(b"PK").getvalue())


def test_our_export_into_its_own_project_changes_nothing(session: Session, study: Any) -> None:
    data = export(session, study.project, "csv")
    before = sorted(
        (a.passage_id, a.coder_id, a.code_id, a.stance, a.memo, a.created_at, a.updated_at)
        for a in session.scalars(select(Annotation))
    )
    report = workbook_import.import_codings_file(
        session, study.project, study.lead, "again.zip", data
    )
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    assert report.documents_added == 0 and report.documents_known == 2
    session.commit()
    reread(session)
    after = sorted(
        (a.passage_id, a.coder_id, a.code_id, a.stance, a.memo, a.created_at, a.updated_at)
        for a in session.scalars(select(Annotation))
    )
    assert after == before


def test_same_content_segmented_otherwise_is_reported_not_misapplied(
    session: Session, study: Any, import_text: Any
) -> None:
    from tests.db.test_export_data import ENGLISH
    from workbench.models import Passage

    data = export(session, study.project, "xlsx")
    copy = fresh_copy(session, study, "Cut otherwise")
    import_text(copy, [("statement-2020.txt", ENGLISH)])
    # The same content, its last passage cut at another place (as another segmentation would).
    last = session.scalars(
        select(Passage).where(Passage.project_id == copy.id).order_by(Passage.ordinal.desc())
    ).first()
    assert last is not None
    last.text, last.start_offset = last.text[2:], last.start_offset + 2
    session.commit()
    report = workbook_import.import_codings_file(session, copy, study.lead, "s.xlsx", data)
    assert not report.applied
    segmented = [p for p in report.problems if p.sheet == "Passages"]
    assert [p.row for p in segmented] and all(
        "segmented differently" in p.message for p in segmented
    )
    assert len(segmented) == 1
    assert any(p.sheet == "Annotations" and p.column == "passage_id" for p in report.problems)


def test_a_consensus_row_keeps_its_stance_memo_and_time(session: Session, study: Any) -> None:
    from workbench.models import ConsensusAnnotation
    from workbench.models import ConsensusState

    text = (
        "document,passage,coder,code,stance,memo,layer,updated_at\r\n"
        'statement-2020.txt,2,,Sovereignty,-1,"agreed, after ""long"" talk",consensus,'
        "2019-05-01T08:00:00Z\r\n"
    )
    report = _import(session, study, text)
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    assert report.consensus_passages == 1
    row = session.scalars(
        select(ConsensusAnnotation).where(ConsensusAnnotation.passage_id == study.english[1].id)
    ).one()
    session.refresh(row)
    assert (row.stance, row.memo) == (-1, 'agreed, after "long" talk')
    when = dt.datetime(2019, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert row.resolved_at == when
    state = session.scalars(
        select(ConsensusState).where(ConsensusState.passage_id == study.english[1].id)
    ).one()
    session.refresh(state)
    assert state.resolved_at == when


def test_member_by_name_finds_members_only(
    session: Session, study: Any, make_user: Any, make_project: Any
) -> None:
    outsider = make_user("outsider2", name="Outsider")
    make_project("Elsewhere", lead=outsider)
    session.commit()
    find = project_lookup.member_by_name
    assert find(session, study.project, "CODER1") == study.coder1
    assert find(session, study.project, "Coder Two") == study.coder2
    assert find(session, study.project, "outsider2") is None
    assert find(session, study.project, "Outsider") is None


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(memo=MEMOS)
def test_any_memo_survives_the_database_round_trip(session: Session, study: Any, memo: str) -> None:
    """Export the annotations CSV, lose the memo, import the CSV, export again: same bytes."""
    from workbench.formats.scope import ExportScope
    from workbench.interchange import exports

    annotation = session.scalars(
        select(Annotation).where(Annotation.project_id == study.project.id).order_by(Annotation.id)
    ).first()
    assert annotation is not None
    annotation.memo = memo
    session.flush()

    def annotations_csv() -> bytes:
        buf = io.BytesIO()
        scope = ExportScope(bootstrap=0)
        exports.write_export(session, study.project, scope, "csv", buf, table="annotations")
        return buf.getvalue()

    first = annotations_csv()
    annotation.memo = "lost"
    session.flush()
    report = workbook_import.import_codings_file(
        session, study.project, study.lead, "annotations.csv", first
    )
    assert report.applied and not report.problems, [str(p) for p in report.problems]
    session.flush()
    session.refresh(annotation)
    assert annotation.memo == memo
    second = annotations_csv()
    assert second.decode().splitlines() == first.decode().splitlines()
    session.rollback()
