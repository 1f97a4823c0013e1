"""Every free-text field has a limit, checked before the database, and the message states it."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import reread
from workbench.core import codebook as cb
from workbench.core import limits
from workbench.models import Code
from workbench.models import CodebookVersion
from workbench.models import Project
from workbench.models import User

from .conftest import Team


def _error(response) -> str:
    assert response.status_code == 422, response.status_code
    return html.unescape(response.get_data(as_text=True))


def test_a_ten_megabyte_definition_is_refused_with_its_length(client, team: Team, session) -> None:
    client.login("lead")
    before = session.scalar(select(func.count(Code.id)))
    r = client.post(
        f"/p/{team.slug}/codebook/codes", {"name": "Huge", "definition": "x" * 10_485_760}
    )
    assert "definition is 10,485,760 characters; the limit is 20,000." in _error(r)
    reread(session)
    assert session.scalar(select(func.count(Code.id))) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("colour", "#" + "f" * 8000, "colour is 8,001 characters; the limit is 7."),
        ("shortcut", "qq", "shortcut is 2 characters; the limit is 1."),
        ("name", "n" * 201, "name is 201 characters; the limit is 200."),
        ("keywords_en", "k; " * 2000, "keywords_en is 6,000 characters; the limit is 5,000."),
        ("examples_negative", "e" * 20_001, "examples_negative is 20,001 characters"),
    ],
)
def test_code_fields_are_refused_before_the_database(
    client, team: Team, field: str, value: str, message: str
) -> None:
    client.login("lead")
    code = team.codes["Sovereignty"]
    r = client.post(f"/p/{team.slug}/codebook/codes/{code.id}", {field: value})
    assert message in _error(r)


def test_an_imported_codebook_is_held_to_the_same_limits() -> None:
    spec = cb.load_seed_codebook()
    first = replace(spec.codes[0], definition="d" * 25_000, colour="#12345678")
    problems = cb.validate(replace(spec, codes=(first, *spec.codes[1:])))
    messages = [p.message for p in problems]
    assert "definition is 25,000 characters; the limit is 20,000." in messages
    assert "colour is 9 characters; the limit is 7." in messages


def test_memos_metadata_and_round_names_state_their_limits(client, team: Team) -> None:
    client.login("lead")
    passage = team.passages[0]
    memo = client.post(
        f"/p/{team.slug}/code/memo",
        {"passage_id": passage.id, "code_id": team.codes["Sovereignty"].id, "memo": "m" * 20_001},
    )
    assert "20,001" in _error(memo) and "20,000" in memo.get_data(as_text=True)
    title = client.post(f"/p/{team.slug}/d/{passage.document_id}/metadata", {"title": "t" * 501})
    assert "title is 501 characters; the limit is 500." in _error(title)
    rnd = client.post(
        f"/p/{team.slug}/agreement/rounds",
        {"name": "r" * 201, "size": "1", "coders": [team.coder1.id, team.coder2.id]},
    )
    assert "The round's name is 201 characters; the limit is 200." in _error(rnd)


def test_accounts_and_projects_state_their_limits(client, make_user, session) -> None:
    make_user("root", admin=True)
    client.login("root")
    project = client.post("/projects", {"name": "p" * 201})
    assert "The project name is 201 characters; the limit is 200." in _error(project)
    user = client.post("/admin/users", {"username": "u" * 81})
    assert "The username is 81 characters; the limit is 80." in _error(user)
    name = client.post("/admin/users", {"username": "ana", "display_name": "d" * 201})
    assert "The display name is 201 characters; the limit is 200." in _error(name)
    reread(session)
    assert session.scalar(select(func.count(Project.id))) == 0
    assert session.scalar(select(func.count(User.id))) == 1


def test_the_limits_live_in_one_place() -> None:
    assert limits.CODE_FIELDS["definition"] == limits.CODE_TEXT == 20_000
    assert limits.too_long("memo", "m" * 3, 2) == "memo is 3 characters; the limit is 2."
    assert limits.too_long("memo", "m" * 2, 2) is None


def test_an_over_long_change_note_is_refused_before_anything_is_written(
    client, team: Team, session
) -> None:
    client.login("lead")
    code = team.codes["Sovereignty"]
    versions = session.scalar(select(func.count(CodebookVersion.id)))
    r = client.post(
        f"/p/{team.slug}/codebook/codes/{code.id}",
        {"definition": "A changed definition.", "note": "n" * 2_001},
    )
    assert "The change note is 2,001 characters; the limit is 2,000." in _error(r)
    reread(session)
    # Neither the version nor the edit it would have recorded was kept.
    assert session.scalar(select(func.count(CodebookVersion.id))) == versions
    assert session.get(Code, code.id).definition != "A changed definition."  # type: ignore[union-attr]
    # A note at the limit is kept whole, not cut.
    ok = client.post(
        f"/p/{team.slug}/codebook/codes/{code.id}",
        {"definition": "A changed definition.", "note": "n" * 2_000},
    )
    assert ok.status_code == 200
    reread(session)
    newest = session.scalars(
        select(CodebookVersion).order_by(CodebookVersion.number.desc()).limit(1)
    ).one()
    assert newest.note == "n" * 2_000


@pytest.mark.parametrize(
    "path",
    ["/p/{slug}", "/p/{slug}/code", "/p/{slug}/analysis/segments", "/p/{slug}/analysis"],
)
def test_searches_state_their_limit(client, team: Team, path: str) -> None:
    client.login("lead")
    url = path.format(slug=team.slug)
    assert client.get(url, query_string={"q": "s" * limits.SEARCH}).status_code == 200
    r = client.get(url, query_string={"q": "s" * 501})
    assert "The search is 501 characters; the limit is 500." in _error(r)
