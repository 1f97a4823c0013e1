"""Foreign .qdpx files onto passages: spans, splits across passages, merges, users."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.unit.test_export_qdpx_quirks import CODE
from tests.unit.test_export_qdpx_quirks import SOURCE
from tests.unit.test_export_qdpx_quirks import USER_A
from tests.unit.test_export_qdpx_quirks import USER_B
from tests.unit.test_export_qdpx_quirks import archive
from tests.unit.test_export_qdpx_quirks import qde
from tests.unit.test_export_qdpx_quirks import selection
from workbench.core.errors import ValidationError
from workbench.interchange import project_exchange
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.models import User

TEXT = "First paragraph about cooperation.\r\n\r\nSecond paragraph: China condemns terrorism.\r\n"


def _file(selections: str) -> bytes:
    return archive({"Project.qde": qde(selections), f"Sources/{SOURCE}.txt": "\ufeff" + TEXT})


@pytest.fixture()
def lead_project(session: Session, make_user: Any, make_project: Any) -> tuple[Any, Any]:
    lead = make_user("lead")
    coder = make_user("CA", name="Coder A")
    # Codings are attributed to project members only, so Coder A is one.
    return lead, make_project("Foreign", lead=lead, coders=(coder,))


def test_a_file_user_who_has_an_account_but_is_no_member_is_not_written_to(
    session: Session, make_user: Any, make_project: Any
) -> None:
    lead = make_user("lead")
    make_user("CA", name="Coder A")  # an account elsewhere on the instance
    project = make_project("Foreign", lead=lead)
    whole = TEXT.index("First")
    data = _file(selection(whole, whole + 5, "First"))
    with pytest.raises(ValidationError) as caught:
        project_exchange.import_project_file(session, project, lead, "x.qdpx", data)
    assert "not members of this project" in str(caught.value)
    session.rollback()
    report = project_exchange.import_project_file(
        session, project, lead, "x.qdpx", data, create_coders=True
    )
    # A new coder is made for this project; the outside account gets nothing.
    outsider = session.scalar(select(User).where(User.username == "CA"))
    assert outsider is not None and report.codings == 1
    assert not session.scalars(select(Annotation).where(Annotation.coder_id == outsider.id)).all()


def _memo(xml: str, memo: str) -> str:
    """A selection with a Description (its memo), placed first as the schema wants it."""
    head, rest = xml.split(">", 1)
    return f"{head}><Description>{memo}</Description>{rest}"


def _annotations(session: Session, project: Any) -> list[tuple[str, str, str | None]]:
    """(coder, the text an annotation covers, its memo), in text order within a coder."""
    rows = session.execute(
        select(User.display_name, Passage.text, Annotation.span_start, Annotation.span_end,
               Annotation.memo, Passage.start_offset)
        .join(User, User.id == Annotation.coder_id)
        .join(Passage, Passage.id == Annotation.passage_id)
        .where(Annotation.project_id == project.id)
        .order_by(User.display_name, Passage.start_offset, Annotation.span_start)
    ).all()  # fmt: skip
    return [
        (name, text if a is None else text[a:b], memo or None) for name, text, a, b, memo, _ in rows
    ]


def test_crossing_selections_merge_passages_and_same_code_selections_keep_their_text(
    session: Session, lead_project: Any
) -> None:
    lead, project = lead_project
    lf = TEXT.replace("\r\n", "\n")
    # MAXQDA-style offsets: CRLF counted as two characters (code points over the file).
    inside = TEXT.index("China condemns")
    across = TEXT.index("cooperation")
    whole = TEXT.index("First")
    selections = (
        _memo(selection(inside, inside + 14, "China condemns"), "first memo")
        # Same coder and code in the same paragraph: the paragraph is cut between the two.
        + _memo(selection(inside + 15, inside + 24, "terrorism"), "second memo")
        + selection(across, TEXT.index("Second") + 6, None)  # crosses two passages
        + selection(whole, whole + len("First paragraph about cooperation."), None, user=USER_B)
    )
    with pytest.raises(ValidationError) as caught:
        project_exchange.import_project_file(
            session, project, lead, "maxqda.qdpx", _file(selections)
        )
    session.rollback()
    assert "Coder B" in " ".join(caught.value.details)  # Coder B is not in the workbench
    report = project_exchange.import_project_file(
        session, project, lead, "maxqda.qdpx", _file(selections), create_coders=True
    )
    session.commit()
    assert report.complete, report.dropped
    assert report.split_selections == 0 and report.merged_selections == 0
    assert report.codings == 4
    assert len([c for c in report.changes if "merged into one" in c]) == 1
    cuts = [c for c in report.changes if " cut at character " in c]
    # Coder A's crossing selection ends in "Second", the next begins at "China", then
    # "terrorism": two cuts, each at white space in the gap, each quoting the text around it.
    assert len(cuts) == 2
    assert "'paragraph: China condemns' | 'terrorism.'" in cuts[1]
    assert "CRLF counted as two" in report.readings[0]
    doc = session.scalar(select(Document).where(Document.project_id == project.id))
    assert doc is not None and doc.text == lf  # BOM gone, LF line ends
    passages = list(
        session.scalars(
            select(Passage).where(Passage.document_id == doc.id).order_by(Passage.ordinal)
        )
    )
    assert [p.text for p in passages] == [
        "First paragraph about cooperation.\n\nSecond",
        "paragraph: China condemns",
        "terrorism.",
    ]
    assert all(p.codable for p in passages)
    assert _annotations(session, project) == [
        ("Coder A", "cooperation.\n\nSecond", None),
        ("Coder A", "China condemns", "first memo"),
        ("Coder A", "terrorism", "second memo"),
        ("Coder B", "First paragraph about cooperation.", None),
    ]
    assert report.created_coders == ["Coder B (Coder_B)"]


def test_overlapping_selections_of_one_coder_and_code_are_joined_and_listed_as_not_exact(
    session: Session, lead_project: Any
) -> None:
    lead, project = lead_project
    china = TEXT.index("China condemns")
    selections = _memo(selection(china, china + 14, "China condemns"), "first memo") + _memo(
        selection(china + 6, china + 24, "condemns terrorism"), "second memo"
    )
    report = project_exchange.import_project_file(
        session, project, lead, "maxqda.qdpx", _file(selections)
    )
    assert not report.complete and report.merged_selections == 1
    [dropped] = report.dropped
    assert "not exact: joined with another selection of Coder A" in dropped
    assert "because the two overlap" in dropped
    assert not [c for c in report.changes if " cut at character " in c]
    # One annotation over both (the schema's one coding per passage, coder and code).
    assert [(name, text) for name, text, _ in _annotations(session, project)] == [
        ("Coder A", "China condemns terrorism")
    ]


def test_codings_of_the_whole_source_and_other_sources_are_listed_as_not_imported(
    session: Session, lead_project: Any
) -> None:
    lead, project = lead_project
    extra = (
        f'<Coding guid="7d7d7d7d-0000-4000-8000-000000000999" creatingUser="{USER_A}">'
        f'<CodeRef targetGUID="{CODE}"/></Coding>'
    )
    data = archive({
        "project.qde": qde(selection(0, 5, "First") + extra).replace(
            "</Sources>",
            '<PDFSource guid="1a2b3c4d-0000-4000-8000-00000000b001" name="scan"/></Sources>'
        ),
        f"sources/{SOURCE}.txt": TEXT,
    })  # fmt: skip
    report = project_exchange.import_project_file(session, project, lead, "x.qdpx", data)
    assert report.codings == 1 and not report.complete
    assert len(report.dropped) == 2
    text = " ".join(report.dropped)
    assert "coding of the whole source" in text and "PDFSource 'scan'" in text


def test_a_document_already_in_the_project_keeps_its_passages_and_the_join_is_listed(
    session: Session, lead_project: Any
) -> None:
    lead, project = lead_project
    china = TEXT.index("China condemns")
    first = project_exchange.import_project_file(
        session, project, lead, "one.qdpx", _file(selection(china, china + 5, "China"))
    )
    assert first.complete and first.documents_added == 1
    session.commit()
    # The same text again, now with two selections of Coder A with one code in the paragraph:
    # its passages are in use, so they are kept and the two share one annotation.
    two = _memo(selection(china, china + 5, "China"), "first") + _memo(
        selection(china + 15, china + 24, "terrorism"), "second"
    )
    report = project_exchange.import_project_file(session, project, lead, "two.qdpx", _file(two))
    assert report.documents_known == 1 and report.merged_selections == 1
    [dropped] = report.dropped
    assert "not exact: joined with another selection of Coder A" in dropped
    assert "because the copy of this document already in the project has them in one" in dropped
    assert not [c for c in report.changes if " cut at character " in c]
