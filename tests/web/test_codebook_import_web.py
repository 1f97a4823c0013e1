"""Codebook import in the browser: checked first (nothing kept), applied by token afterwards."""

from __future__ import annotations

import io
from typing import Any

from lxml import html
from openpyxl import Workbook
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import reread
from workbench.accounts import users as accounts
from workbench.models import AuditEvent
from workbench.models import Code
from workbench.models import CodebookVersion

from .conftest import Team

QDC_WITH_SET = b"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="another program">
  <Codes>
    <Code guid="6f0c7a39-1c1b-4a43-9a0e-1a2b3c4d5e6f" name="Imported idea"
          isCodable="true" color="#112233"/>
  </Codes>
  <Sets>
    <Set guid="0b7e1c2a-4d5e-4f60-8a9b-0c1d2e3f4a5b" name="Reading list"/>
  </Sets>
</CodeBook>
"""


def _xlsx(*names: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Codebook"
    ws.append(["name", "parent path", "colour", "takes_stance"])
    for name in names:
        ws.append([name, "", "#aabbcc", "yes"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _check(client: Any, slug: str, name: str, data: bytes) -> Any:
    return client.post(
        f"/p/{slug}/codebook/import",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _token(response: Any) -> str:
    return str(
        html.fromstring(response.get_data(as_text=True)).xpath(
            "string(//input[@name='token']/@value)"
        )
    )


def _state(session) -> tuple[int, int, int, set[str]]:
    reread(session)
    names = set(session.scalars(select(Code.name).where(Code.deleted_at.is_(None))))
    return (
        session.scalar(select(func.count(Code.id))) or 0,
        session.scalar(select(func.count(CodebookVersion.id))) or 0,
        session.scalar(select(func.count(AuditEvent.id))) or 0,
        names,
    )


def _newest_version(session) -> int:
    reread(session)
    return int(session.scalar(select(func.max(CodebookVersion.number))) or 0)


def test_the_check_reports_everything_and_changes_nothing(client, team: Team, session) -> None:
    client.login("lead")
    before = _state(session)
    version = _newest_version(session)
    r = _check(client, team.slug, "vendor.qdc", QDC_WITH_SET)
    assert r.status_code == 200
    page = html.fromstring(r.get_data(as_text=True))
    status = page.xpath("string(//*[@role='status'])")
    assert "nothing is applied yet" in status
    assert f"version {version + 1}" in status and "1 code added, 0 changed" in status
    assert [li.text_content() for li in page.xpath("//ul[@class='changes']/li")] == [
        'Added "Imported idea" at the top level'
    ]
    dropped = [li.text_content() for li in page.xpath("//ul[@class='dropped']/li")]
    assert len(dropped) == 1 and "Code sets" in dropped[0] and "Reading list" in dropped[0]
    assert page.xpath("//input[@name='allow_partial']")  # the explicit "apply anyway" tick
    assert _token(r)
    assert _state(session) == before


def test_apply_needs_the_tick_when_something_is_left_out(client, team: Team, session) -> None:
    client.login("lead")
    before = _state(session)
    token = _token(_check(client, team.slug, "vendor.qdc", QDC_WITH_SET))
    url = f"/p/{team.slug}/codebook/import/apply"
    refused = client.post(url, {"token": token})
    assert refused.status_code == 422
    assert "Code sets" in refused.get_data(as_text=True)
    assert _state(session) == before
    applied = client.post(url, {"token": token, "allow_partial": "1"})
    assert applied.status_code == 200, applied.get_data(as_text=True)
    page = html.fromstring(applied.get_data(as_text=True))
    assert "Imported vendor.qdc as version" in page.xpath("string(//p[@class='ok'])")
    assert page.xpath("//div[@class='import-report']/@data-applied") == ["yes"]
    assert not page.xpath("//input[@name='token']")  # nothing left to apply
    after = _state(session)
    assert after[3] == before[3] | {"Imported idea"}
    assert after[1] == before[1] + 1
    newest = session.scalars(
        select(CodebookVersion).order_by(CodebookVersion.number.desc())
    ).first()
    assert newest is not None and newest.note == "Imported from vendor.qdc"
    # The stash is used once: the same token cannot apply twice.
    again = client.post(url, {"token": token, "allow_partial": "1"})
    assert again.status_code == 422 and "no longer available" in again.get_data(as_text=True)
    assert _state(session)[:2] == after[:2]


def test_a_complete_file_applies_without_the_tick(client, team: Team, session) -> None:
    client.login("lead")
    before = _state(session)
    checked = _check(client, team.slug, "codes.xlsx", _xlsx("Fresh one", "Fresh two"))
    assert checked.status_code == 200
    page = html.fromstring(checked.get_data(as_text=True))
    assert not page.xpath("//input[@name='allow_partial']") and not page.xpath(
        "//ul[@class='dropped']"
    )
    assert _state(session) == before
    applied = client.post(f"/p/{team.slug}/codebook/import/apply", {"token": _token(checked)})
    assert applied.status_code == 200
    assert _state(session)[3] == before[3] | {"Fresh one", "Fresh two"}


def test_a_token_of_another_user_or_project_is_refused(
    client_factory, team: Team, session, make_user, make_project
) -> None:
    second = make_user("lead2")
    accounts.add_member(session, team.project, second, "lead")
    make_project("Other study", lead=team.lead)
    session.commit()
    lead, other = client_factory(), client_factory()
    lead.login("lead")
    other.login("lead2")
    before = _state(session)
    token = _token(_check(lead, team.slug, "codes.xlsx", _xlsx("Only mine")))
    stolen = other.post(f"/p/{team.slug}/codebook/import/apply", {"token": token})
    assert stolen.status_code == 422 and "someone else" in stolen.get_data(as_text=True)
    elsewhere = lead.post("/p/other-study/codebook/import/apply", {"token": token})
    assert elsewhere.status_code == 422 and "someone else" in elsewhere.get_data(as_text=True)
    forged = lead.post(f"/p/{team.slug}/codebook/import/apply", {"token": "../../etc/passwd"})
    assert forged.status_code == 422
    assert _state(session) == before
    # The rightful lead can still apply it.
    ok = lead.post(f"/p/{team.slug}/codebook/import/apply", {"token": token})
    assert ok.status_code == 200 and "Only mine" in _state(session)[3]


def test_bad_files_get_a_422_naming_the_file(client, team: Team, session) -> None:
    client.login("lead")
    before = _state(session)
    cases = {
        "notes.txt": b"just text",
        "broken.qdc": b"<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes>",
        "sheet.xlsx": b"not a zip at all",
        "empty.qdc": b"",
    }
    for name, data in cases.items():
        r = _check(client, team.slug, name, data)
        assert r.status_code == 422, (name, r.status_code)
        text = html.fromstring(r.get_data(as_text=True)).text_content()
        assert name in text, (name, text)
        assert "token" not in r.get_data(as_text=True)
    assert _state(session) == before


def test_coders_cannot_check_or_apply(client, team: Team) -> None:
    client.login("coder1")
    assert _check(client, team.slug, "codes.xlsx", _xlsx("Sneaky")).status_code == 403
    assert client.post(f"/p/{team.slug}/codebook/import/apply", {"token": "x"}).status_code == 403


def test_a_project_file_says_its_documents_and_memo_links_stay_out(
    client, team: Team, session
) -> None:
    import zipfile

    qde = b"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Vendor project">
  <CodeBook><Codes>
    <Code guid="1d6a3f0e-2b4c-4d5e-8f70-9a1b2c3d4e5f" name="From a project" isCodable="true">
      <NoteRef targetGUID="2e7b4a1f-3c5d-4e6f-9a81-0b2c3d4e5f60"/>
    </Code>
  </Codes></CodeBook>
</Project>
"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("project.qde", qde)
    client.login("lead")
    before = _state(session)
    r = _check(client, team.slug, "vendor.qdpx", buf.getvalue())
    assert r.status_code == 200, r.get_data(as_text=True)
    dropped = [
        li.text_content()
        for li in html.fromstring(r.get_data(as_text=True)).xpath("//ul[@class='dropped']/li")
    ]
    assert len(dropped) == 2
    assert "1 memo links (NoteRef)" in dropped[0]
    assert "vendor.qdpx is a whole project" in dropped[1] and "only its codebook" in dropped[1]
    assert _state(session) == before
