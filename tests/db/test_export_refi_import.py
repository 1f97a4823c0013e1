"""Foreign .qdpx files onto passages: spans, splits across passages, merges, users."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.unit.test_export_qdpx_quirks import CODE, SOURCE, USER_A, USER_B, archive, qde, selection
from workbench.models import Annotation, Document, Passage, User
from workbench.services import codebooks, project_exchange
from workbench.services.errors import ValidationError

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


def test_crossing_selections_merge_passages_and_joined_selections_are_listed(
    session: Session, lead_project: Any
) -> None:
    lead, project = lead_project
    lf = TEXT.replace("\r\n", "\n")
    # MAXQDA-style offsets: CRLF counted as two characters (code points over the file).
    inside = TEXT.index("China condemns")
    across = TEXT.index("cooperation")
    whole = TEXT.index("First")
    selections = (
        selection(inside, inside + 14, "China condemns")
        + selection(inside + 15, inside + 24, "terrorism")  # same coder and code: joined
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
    assert report.complete and report.split_selections == 0
    assert report.merged_selections == 2
    assert len([c for c in report.changes if "merged into one" in c]) == 1
    assert len([c for c in report.changes if "joined to another selection" in c]) == 2
    assert "CRLF counted as two" in report.readings[0]
    doc = session.scalar(select(Document).where(Document.project_id == project.id))
    assert doc is not None and doc.text == lf  # BOM gone, LF line ends
    passages = list(
        session.scalars(
            select(Passage).where(Passage.document_id == doc.id).order_by(Passage.ordinal)
        )
    )
    # The crossing selection made the two paragraphs one passage.
    assert [p.text for p in passages] == [lf.strip()]
    code = next(c for c in codebooks.live_codes(session, project) if c.key == CODE)
    rows = session.execute(
        select(User.display_name, Annotation.span_start, Annotation.span_end)
        .join(User, User.id == Annotation.coder_id)
        .where(Annotation.code_id == code.id)
        .order_by(User.display_name)
    ).all()
    text = passages[0].text
    assert rows == [
        ("Coder A", text.index("cooperation"), text.index("terrorism") + len("terrorism")),
        ("Coder B", 0, len("First paragraph about cooperation.")),
    ]
    assert report.created_coders == ["Coder B (Coder_B)"]


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
