"""The statements and transactions one coding action costs, pinned so that a regression fails.

Every statement is a loopback round trip on PostgreSQL (and Python work on either database);
the counts below are what the coding path needs today, each one named.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.web.conftest import Team
from tests.web.conftest import Traffic
from workbench.models import Annotation
from workbench.models import Passage
from workbench.web.unit import database


def _statements(traffic: Traffic) -> list[str]:
    # SQLite opens its transactions with statements of its own (BEGIN, BEGIN IMMEDIATE).
    return [s for s in traffic.statements if not s.startswith("BEGIN")]


# A toggle that applies a code: the user with the project, the role, whether the project has a
# trained suggestion model, the codebook's version and the passage the form names (1); the
# toggle itself (on PostgreSQL one statement: whether the coder has the code, the annotation,
# its history and the coder's state of the passage; on SQLite the test (1), then the
# annotation, its history and the state's upsert, 3); and the refreshed row: the document's
# progress with the coder's state of the passage and the passage's codings (1). A project
# without a trained model reads nothing more about suggestions.
APPLY = {"postgresql": 3, "sqlite": 6}
# A toggle that removes the passage's only code: the same reads; on PostgreSQL the same one
# statement, which also reopens the passage and logs that; on SQLite the test, the delete with
# its history (two statements), the passage reopened as it has no code left (one statement) and
# that reopening's history event.
REMOVE = {"postgresql": 3, "sqlite": 7}


def test_a_coding_action_costs_a_fixed_few_statements(
    client, team: Team, traffic: Traffic, app: Flask
) -> None:
    dialect = database(app).dialect
    client.login("coder1")
    passage, code = team.passages[0], team.codes["Sovereignty"]
    data = {"passage_id": passage.id, "code_id": code.id, "scope": f"doc:{passage.document_id}"}
    url = f"/p/{team.slug}/code/toggle"
    client.post(url, data)  # warm-up: the code index is built once per process
    client.post(url, data)
    for expected in (APPLY, REMOVE, APPLY):
        traffic.clear()
        response = client.post(url, data)
        assert response.status_code == 200
        assert len(_statements(traffic)) == expected[dialect], traffic.statements
        # One connection and one transaction on both databases: on SQLite the writer turn is
        # taken before the user is read, and the fragment is read before the commit.
        assert (traffic.checkouts, traffic.transactions) == (1, 1), traffic
        if dialect == "sqlite":
            assert traffic.statements[0] == "BEGIN IMMEDIATE", traffic.statements


def test_a_repeated_apply_writes_nothing_more(client, team: Team, traffic: Traffic, app) -> None:
    # Idempotent: applying what is applied already reads, finds nothing to change, writes nothing.
    client.login("coder1")
    passage, code = team.passages[1], team.codes["Sovereignty"]
    data = {"passage_id": passage.id, "code_id": code.id, "scope": f"doc:{passage.document_id}"}
    url = f"/p/{team.slug}/code/apply"
    client.post(url, data)
    traffic.clear()
    assert client.post(url, data).status_code == 200
    writes = [
        s for s in _statements(traffic) if s.startswith(("INSERT", "UPDATE", "DELETE", "WITH"))
    ]
    # The upsert that finds the row, and the state upsert that finds the state already coded:
    # on PostgreSQL both are one statement.
    assert len(writes) == {"postgresql": 1, "sqlite": 2}[database(app).dialect], writes
    assert not any(s.startswith(("UPDATE", "DELETE")) for s in writes)


def test_the_passage_comes_with_the_user_only_from_the_urls_project(
    client, team: Team, session: Session, make_user, make_project, import_text
) -> None:
    # The lookup joins the passage the form names only within the URL's project: a passage of
    # another project is looked up on its own and refused, and nothing is written.
    other = make_project("Elsewhere", lead=make_user("other-lead"), coders=(team.coder1,))
    import_text(other, [("other.txt", b"A passage of another project.")])
    foreign = session.scalars(select(Passage).where(Passage.project_id == other.id)).first()
    assert foreign is not None
    client.login("coder1")
    code = team.codes["Sovereignty"]
    before = session.scalar(select(func.count(Annotation.id)))
    r = client.post(f"/p/{team.slug}/code/toggle", {"passage_id": foreign.id, "code_id": code.id})
    assert r.status_code == 404, r.get_data(as_text=True)
    assert f"Passage {foreign.id} is not in this project" in r.get_data(as_text=True)
    assert session.scalar(select(func.count(Annotation.id))) == before
    # A form that names no passage, or not a number, gets the action's own clear refusal.
    for raw in ("", "abc", "\u0663", "99999999999"):
        r = client.post(f"/p/{team.slug}/code/toggle", {"passage_id": raw, "code_id": code.id})
        assert r.status_code == 422, (raw, r.status_code)
        assert "passage_id" in r.get_data(as_text=True), raw
