"""Who may use the agreement routes, and bad input as clear 4xx fragments."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import Client
from tests.conftest import reread
from workbench.accounts import users as accounts
from workbench.coding import assignments
from workbench.models import AuditEvent
from workbench.models import ConsensusState
from workbench.models import ReliabilityRound

from .conftest import Team
from .test_agreement_flow import dom
from .test_agreement_flow import make_coded_round


@pytest.fixture()
def coded_round(client_factory, team: Team, session) -> tuple[Any, ReliabilityRound]:
    """A coded reliability round (see test_agreement_flow)."""
    return make_coded_round(client_factory, team, session)


GETS = [
    "/p/{slug}/agreement",
    "/p/{slug}/agreement/report",
    "/p/{slug}/agreement/report.json",
    "/p/{slug}/agreement/report/breakdown?by=delegation",
    "/p/{slug}/agreement/report?round={rid}",
    "/p/{slug}/agreement/disagreements",
    "/p/{slug}/agreement/disagreements?round={rid}",
    "/p/{slug}/agreement/methods",
    "/p/{slug}/agreement/methods?format=md",
    "/p/{slug}/agreement/rounds/{rid}",
    "/p/{slug}/agreement/passages/{pid}",
    "/p/{slug}/agreement/rounds/{rid}/gold/{other}",
]
POSTS = [
    ("/p/{slug}/agreement/rounds", {"name": "R", "size": "2", "coders": ["{me}", "{other}"]}),
    ("/p/{slug}/agreement/rounds/{rid}/gold", {"threshold": "0.5"}),
    ("/p/{slug}/agreement/rounds/{rid}/gold", {"action": "revoke"}),
    ("/p/{slug}/agreement/rounds/{rid}/trainees", {"coders": "{me}"}),
    ("/p/{slug}/agreement/passages/{pid}/resolve", {"adopt": "{other}"}),
    ("/p/{slug}/agreement/passages/{pid}/resolve", {"code": "{code}"}),
    ("/p/{slug}/agreement/passages/{pid}/reopen", {}),
]


@pytest.fixture()
def gold_round(team: Team, session) -> ReliabilityRound:
    """A round of every passage for both coders, already marked gold; coder two coded p0."""
    rnd = ReliabilityRound(
        project_id=team.project.id,
        name="Gold",
        sample={"coder_ids": [team.coder1.id, team.coder2.id]},
        is_gold=True,
        pass_threshold=0.8,
    )
    session.add(rnd)
    session.flush()
    ids = [p.id for p in team.passages]
    assignments.assign_round(session, team.project, rnd, ids, [team.coder1, team.coder2])
    from workbench.coding import actions as coding

    coding.apply_code(
        session, team.project, team.coder2, ids[0], team.codes["Sovereignty"].id, stance=2
    )
    session.commit()
    return rnd


def _fill(url: str, team: Team, rnd: ReliabilityRound) -> str:
    return url.format(
        slug=team.slug,
        rid=rnd.id,
        pid=team.passages[0].id,
        other=team.coder2.id,
        me=team.coder1.id,
        code=team.codes["Sovereignty"].id,
    )


def _data(data: dict[str, Any], team: Team, rnd: ReliabilityRound) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        out[k] = [_fill(x, team, rnd) for x in v] if isinstance(v, list) else _fill(v, team, rnd)
    return out


def _anonymous(client_factory) -> Client:
    anon = client_factory()
    from tests.conftest import csrf_token

    anon.token = csrf_token(anon.get("/login").get_data(as_text=True))
    return anon


@pytest.mark.parametrize("url", GETS)
def test_get_routes_are_for_leads(client_factory, team: Team, gold_round, make_user, url) -> None:
    make_user("outsider")
    target = _fill(url, team, gold_round)
    lead, coder, outsider = client_factory(), client_factory(), client_factory()
    lead.login("lead")
    coder.login("coder1")
    outsider.login("outsider")
    assert lead.get(target).status_code == 200
    denied = coder.get(target)
    assert denied.status_code == 403
    # Blind coding: a refused coder learns nothing about anyone's codings.
    body = denied.get_data(as_text=True)
    assert "Coder Two" not in body and "Sovereignty" not in body
    assert outsider.get(target).status_code == 403
    anonymous = _anonymous(client_factory).get(target)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


@pytest.mark.parametrize(("url", "data"), POSTS)
def test_post_routes_are_for_leads(
    client_factory, team: Team, gold_round, make_user, session, url, data
) -> None:
    make_user("outsider")
    target = _fill(url, team, gold_round)
    form = _data(data, team, gold_round)
    coder, outsider = client_factory(), client_factory()
    coder.login("coder1")
    outsider.login("outsider")
    assert coder.post(target, form).status_code == 403
    assert outsider.post(target, form).status_code == 403
    anonymous = _anonymous(client_factory).post(target, form)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    reread(session)
    # Nothing was written by anyone refused.
    assert session.scalar(select(func.count(ReliabilityRound.id))) == 1
    assert session.scalar(select(func.count(ConsensusState.id))) == 0
    entities = set(session.scalars(select(AuditEvent.entity)))
    assert entities <= {"annotation", "codebook", "passage_state"}
    lead = client_factory()
    lead.login("lead")
    assert lead.post(target, form).status_code in (200, 409)


def test_a_coder_sees_only_their_own_gold_result(
    client_factory, team: Team, gold_round, session
) -> None:
    one, two = client_factory(), client_factory()
    one.login("coder1")
    two.login("coder2")
    mine = two.get(f"/p/{team.slug}/agreement/rounds/{gold_round.id}/gold/{team.coder2.id}")
    assert mine.status_code == 200
    assert "Coder One" not in mine.get_data(as_text=True)
    theirs = one.get(f"/p/{team.slug}/agreement/rounds/{gold_round.id}/gold/{team.coder2.id}")
    assert theirs.status_code == 403
    listing = dom(two.get(f"/p/{team.slug}/agreement/mine"))
    assert "Gold" in listing.one("table").text()
    assert (
        one.get(f"/p/{team.slug}/agreement/rounds/{gold_round.id}/gold/999999").status_code == 403
    )
    # A member not assigned to the gold round has no result there.
    outsider = accounts.create_user(session, "newbie", "newbie passphrase", display_name="Newbie")
    accounts.add_member(session, team.project, outsider, "coder")
    session.commit()
    newbie = client_factory()
    newbie.login("newbie", "newbie passphrase")
    url = f"/p/{team.slug}/agreement/rounds/{gold_round.id}/gold/{outsider.id}"
    assert newbie.get(url).status_code == 403


@pytest.mark.parametrize(
    ("url", "data", "status", "message"),
    [
        ("/p/{slug}/agreement/rounds", {"name": "R", "size": "abc"}, 422, "not a whole number"),
        (
            "/p/{slug}/agreement/rounds",
            {"name": "R", "size": "0", "coders": ["{me}", "{other}"]},
            422,
            "size",
        ),
        (
            "/p/{slug}/agreement/rounds",
            {"name": "R", "size": "9999999", "coders": ["{me}", "{other}"]},
            422,
            "size",
        ),
        (
            "/p/{slug}/agreement/rounds",
            {"name": "R", "size": "2", "coders": "{me}"},
            422,
            "at least two coders",
        ),
        (
            "/p/{slug}/agreement/rounds",
            {"name": "", "size": "2", "coders": ["{me}", "{other}"]},
            422,
            "name",
        ),
        (
            "/p/{slug}/agreement/rounds",
            {"name": "R", "size": "2", "coders": ["{me}", "{other}"], "documents": "999999"},
            404,
            "Document 999999",
        ),
        (
            "/p/{slug}/agreement/rounds",
            {"name": "R", "size": "2", "coders": ["{me}", "{other}"], "stratify": "mood"},
            422,
            "stratify",
        ),
        ("/p/{slug}/agreement/rounds/{rid}/gold", {"threshold": "abc"}, 422, "threshold"),
        ("/p/{slug}/agreement/rounds/{rid}/gold", {"threshold": "2"}, 422, "threshold"),
        ("/p/{slug}/agreement/rounds/999999/gold", {"threshold": "0.8"}, 404, "not a reliability"),
        ("/p/{slug}/agreement/passages/{pid}/resolve", {"code": "999999"}, 404, "not in this"),
        (
            "/p/{slug}/agreement/passages/{pid}/resolve",
            {"code": "{code}", "stance_{code}": "7"},
            422,
            "outside the scale",
        ),
        ("/p/{slug}/agreement/passages/{pid}/resolve", {"adopt": "{me}"}, 422, "not marked"),
        ("/p/{slug}/agreement/passages/{p2}/resolve", {}, 422, "Nobody has coded"),
        ("/p/{slug}/agreement/passages/999999/resolve", {}, 404, "not in this project"),
        (
            "/p/{slug}/agreement/passages/{pid}/resolve",
            {"round": "999999"},
            404,
            "not a reliability",
        ),
    ],
)
def test_bad_posts_are_clear_4xx_fragments(
    client, team: Team, gold_round, session, url, data, status, message
) -> None:
    client.login("lead")
    fill = {"p2": str(team.passages[2].id)}
    target = _fill(url.replace("{p2}", fill["p2"]), team, gold_round)
    form = {_fill(k, team, gold_round): v for k, v in _data(data, team, gold_round).items()}
    r = client.post(target, form)
    assert r.status_code == status, r.get_data(as_text=True)
    error = dom(r).one("div", class_="error")
    assert error.attrs["data-status"] == str(status)
    assert message in error.text()
    reread(session)
    assert session.scalar(select(func.count(ReliabilityRound.id))) == 1
    assert session.scalar(select(func.count(ConsensusState.id))) == 0


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("report?code=999999", 404, "Code 999999"),
        ("report?doc=999999", 404, "Document 999999"),
        ("report?round=999999", 404, "not a reliability round"),
        ("report?bootstrap=20000", 422, "bootstrap"),
        ("report?bootstrap=abc", 422, "not a whole number"),
        ("report?seed=-4", 422, "seed"),
        ("disagreements?status=bogus", 422, "status"),
        ("report/breakdown?by=colour", 422, "by: choose one of"),
        ("passages/999999", 404, "not in this project"),
        ("rounds/999999", 404, "not a reliability round"),
    ],
)
def test_bad_queries_are_clear_4xx(client, team: Team, query, status, message) -> None:
    client.login("lead")
    r = client.get(f"/p/{team.slug}/agreement/{query}", htmx=True)
    assert r.status_code == status
    assert message in dom(r).one("div", class_="error").text()


def test_rounds_of_another_project_are_not_found(
    client, team: Team, session, make_project, import_text
) -> None:
    other = make_project("Other", lead=team.lead, coders=(team.coder1, team.coder2))
    import_text(other, [("o.txt", b"One.\n\nTwo.\n")])
    theirs = ReliabilityRound(project_id=other.id, name="theirs")
    session.add(theirs)
    session.commit()
    client.login("lead")
    for url in (
        f"/p/{team.slug}/agreement/rounds/{theirs.id}",
        f"/p/{team.slug}/agreement/report?round={theirs.id}",
        f"/p/{team.slug}/agreement/disagreements?round={theirs.id}",
    ):
        assert client.get(url).status_code == 404
    r = client.post(f"/p/{team.slug}/agreement/rounds/{theirs.id}/gold", {"threshold": "0.8"})
    assert r.status_code == 404


def test_declaring_gold_with_open_disagreements_is_a_conflict(
    coded_round, team: Team, session
) -> None:
    lead, rnd = coded_round
    r = lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"threshold": "0.8"})
    assert r.status_code == 409
    assert "2 of the round's passages have no consensus" in dom(r).one("div").text()
    reread(session)
    assert not session.get(ReliabilityRound, rnd.id).is_gold
    # The agreed passage was not silently accepted either: the whole request rolled back.
    assert session.scalar(select(func.count(ConsensusState.id))) == 0


def test_my_gold_results_page_is_for_members(client_factory, team: Team, make_user) -> None:
    make_user("outsider")
    url = f"/p/{team.slug}/agreement/mine"
    coder, outsider = client_factory(), client_factory()
    coder.login("coder1")
    outsider.login("outsider")
    page = coder.get(url)
    assert page.status_code == 200
    assert "You have not been assigned a gold-standard round." in dom(page).text()
    assert outsider.get(url).status_code == 403
    anonymous = _anonymous(client_factory).get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_reports_of_a_project_without_codings(client, team: Team) -> None:
    client.login("lead")
    page = dom(client.get(f"/p/{team.slug}/agreement/report?bootstrap=0"))
    assert page.one(id="summary").text().startswith("0 passages coded, 0 by two or more coders")
    assert "No passage has been adjudicated yet" in page.one(id="reference").text()
    assert client.get(f"/p/{team.slug}/agreement/disagreements").status_code == 200
    methods = dom(client.get(f"/p/{team.slug}/agreement/methods?bootstrap=0"))
    assert "α was undefined for every code" in methods.one(id="methods-paragraph").text()
    assert client.get(f"/p/{team.slug}/agreement").status_code == 200
