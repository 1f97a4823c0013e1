"""The statements and transactions one coding action costs, pinned so that a regression fails.

Every statement is a loopback round trip on PostgreSQL (and Python work on either database);
the counts below are what the coding path needs today, each one named.
"""

from __future__ import annotations

from flask import Flask

from tests.web.conftest import Team
from tests.web.conftest import Traffic
from workbench.web.unit import database


def _statements(traffic: Traffic) -> list[str]:
    # SQLite opens its transactions with statements of its own (BEGIN, BEGIN IMMEDIATE).
    return [s for s in traffic.statements if not s.startswith("BEGIN")]


# A toggle that applies a code: the user with the project, the role, whether the project has a
# trained suggestion model and the codebook's version (1), the passage (2), whether the coder has
# the code (3), the annotation with its history (4 on PostgreSQL; 4 and 5 on SQLite), the coder's
# state of the passage (one upsert), and the refreshed row: its codings (1), the document's
# progress with the coder's state of the passage (1). A project without a trained model reads
# nothing more about suggestions.
APPLY = {"postgresql": 7, "sqlite": 8}
# A toggle that removes the passage's only code: the same reads, the delete with its history
# (one statement on PostgreSQL, two on SQLite), the passage reopened as it has no code left (one
# statement) and that reopening's history event.
REMOVE = {"postgresql": 8, "sqlite": 9}


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
    # The upsert that finds the row, and the state upsert that finds the state already coded.
    assert len(writes) == 2, writes
    assert not any(s.startswith(("UPDATE", "DELETE")) for s in writes)
