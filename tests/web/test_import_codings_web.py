"""The codings import in the browser: the report comes before anything is applied; names that
are not members read like unknown ones; our own CSV export comes back through the form."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from tests.db.test_interchange_roundtrip import export
from tests.db.test_interchange_roundtrip import fresh_copy
from tests.web.test_export_pages import _as
from tests.web.test_export_pages import _doc
from tests.web.test_export_pages import _upload
from workbench.models import Annotation
from workbench.models import PassageState


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _count(session: Session, model: Any, project: Any) -> int:
    return int(
        session.scalar(select(func.count(model.id)).where(model.project_id == project.id)) or 0
    )


def test_non_members_are_listed_before_anything_is_applied(
    study: Any, client_factory: Any, session: Session, make_user: Any, make_project: Any
) -> None:
    other_lead = make_user("otherlead")
    make_project("Other", lead=other_lead)
    session.commit()
    lead = _as(client_factory, "lead")
    url = f"/p/{study.project.slug}/import/codings"
    table = (
        b"document,passage,coder,code\r\n"
        b"statement-2020.txt,1,coder1,Sovereignty\r\n"
        b"statement-2020.txt,1,otherlead,Sovereignty\r\n"
        b"statement-2020.txt,1,nosuchname,Sovereignty\r\n"
    )
    before = _count(session, Annotation, study.project)
    response = _upload(lead, url, "codings.csv", table)
    assert response.status_code == 422
    doc = _doc(response)
    assert doc.xpath("//*[@data-applied='no']")
    cells = [[td.text_content() for td in tr.xpath("td")] for tr in doc.xpath("//table//tbody/tr")]
    assert [c[1:3] for c in cells] == [["3", "coder"], ["4", "coder"]]
    assert cells[0][3].replace("otherlead", "X") == cells[1][3].replace("nosuchname", "X")
    reread(session)
    assert _count(session, Annotation, study.project) == before
    # Asked to apply the rest: coder1's row is applied, the others still are not.
    response = _upload(lead, url, "codings.csv", table, apply_valid="1")
    assert response.status_code == 200
    assert "NOT applied: 2 item(s)" in _doc(response).xpath("string(//*[@role='status'])")
    reread(session)
    assert not session.scalar(
        select(func.count(Annotation.id)).where(Annotation.coder_id == other_lead.id)
    )


def test_our_csv_export_comes_back_through_the_form(
    study: Any, client_factory: Any, session: Session
) -> None:
    data = export(session, study.project, "csv")
    copy = fresh_copy(session, study, "Web copy")
    lead = _as(client_factory, "lead")
    response = _upload(lead, f"/p/{copy.slug}/import/codings", "study-export-csv.zip", data)
    assert response.status_code == 200, response.get_data(as_text=True)
    status = _doc(response).xpath("string(//*[@role='status'])")
    assert "2 documents added" in status and "7 codings set" in status
    reread(session)
    assert _count(session, Annotation, copy) == 7
    assert _count(session, PassageState, copy) == _count(session, PassageState, study.project)
