"""The gold standard over HTTP: declare, test a new coder, pass or fail, who sees what."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import reread
from workbench.accounts import users as accounts
from workbench.models import ReliabilityRound

from .conftest import Team
from .test_agreement_flow import code
from .test_agreement_flow import dom
from .test_agreement_flow import make_coded_round


@pytest.fixture()
def coded_round(client_factory, team: Team, session) -> tuple[Any, ReliabilityRound]:
    """A coded reliability round (see test_agreement_flow)."""
    return make_coded_round(client_factory, team, session)


def test_gold_round_tests_a_new_coder(
    coded_round, team: Team, session, client_factory, make_user
) -> None:
    lead, rnd = coded_round
    p0, p1, p2 = team.passages
    sov = team.codes["Sovereignty"].id
    lead.post(
        f"/p/{team.slug}/agreement/passages/{p1.id}/resolve", {"code": sov, f"stance_{sov}": "-1"}
    )
    lead.post(f"/p/{team.slug}/agreement/passages/{p2.id}/resolve", {"adopt": team.coder2.id})
    r = lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"threshold": "0.8"})
    assert r.status_code == 200
    assert "1 passages the coders agreed on were accepted" in dom(r).one("p", role="status").text()
    reread(session)
    assert session.get(ReliabilityRound, rnd.id).is_gold
    newbie = make_user("coder3", name="Coder Three")
    accounts.add_member(session, team.project, newbie, "coder")
    session.commit()
    r = lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/trainees", {"coders": newbie.id})
    assert r.status_code == 200 and "3 assignments added." in dom(r).text()
    results = dom(r).one("table", class_="list gold-results")
    assert (
        "not started"
        in next(row for row in results.all("tr") if "Coder Three" in row.text()).text()
    )
    three = client_factory()
    three.login("coder3")
    assert "Reliability round: Round 1" in dom(three.get(f"/p/{team.slug}/queue")).text()
    code(three, team, p0, "Capacity-building", 2)
    code(three, team, p1, "Sovereignty", -1)
    mine = dom(three.get(f"/p/{team.slug}/agreement/mine"))
    assert "in progress" in mine.one("table").text()
    # In a blind project no figure shows while the trainee codes: scored passage by passage,
    # they would tell the trainee the gold standard (the others' work) as they go.
    row = [td.text() for td in mine.one("table").all("tr")[1].all("td")]
    assert "2/3" in row and "1.000" not in row and "0.000" not in row
    ongoing = three.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}")
    assert ongoing.status_code == 200 and not dom(ongoing).all("table")
    line = dom(ongoing).one("p", class_="result-line").text()
    assert "in progress" in line and "coded 2 of 3" in line and "accuracy —" in line
    # The lead sees the figures as they stand.
    lead_view = lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}")
    assert "accuracy 1.000" in dom(lead_view).one("p", class_="result-line").text()
    code(three, team, p2, None)
    page = three.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}")
    assert page.status_code == 200
    line = dom(page).one("p", class_="result-line").text()
    assert (
        line.startswith("Result: passed")
        and "coded 3 of 3" in line
        and "κ (pooled over codes) 1.000" in line
    )
    body = page.get_data(as_text=True)
    assert "Coder One" not in body and "Coder Two" not in body  # nobody else's coding shows
    assert (
        three.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{team.coder1.id}").status_code
        == 403
    )
    assert three.get(f"/p/{team.slug}/agreement/report").status_code == 403
    # The lead sees everyone's results; coder one's PPP on p2 differs from gold.
    round_page = dom(lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}"))
    table = round_page.one("table", class_="list gold-results")
    rows = {
        tr.all("td")[0].text(): [td.text() for td in tr.all("td")] for tr in table.all("tr")[1:]
    }
    # Coder three saw their complete result: it is kept, and the table says so.
    assert rows["Coder Three"][1:] == ["3/3", "1.000", "1.000", "passed as first seen"]
    assert rows["Coder Two"][-1] == "passed"
    assert rows["Coder One"][2] == f"{17 / 18:.3f}"  # 6 codes × 3 passages, one differs
    # The threshold can change; a stricter one than anyone reaches fails coder one.
    r = lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"threshold": "1"})
    table = dom(r).one("table", class_="list gold-results")
    rows = {
        tr.all("td")[0].text(): [td.text() for td in tr.all("td")] for tr in table.all("tr")[1:]
    }
    assert rows["Coder One"][-1] == "failed"
    assert rows["Coder Three"][-1] == "passed as first seen"
    r = lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"action": "revoke"})
    assert r.status_code == 200
    reread(session)
    assert not session.scalar(select(ReliabilityRound)).is_gold
    assert (
        three.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}").status_code == 409
    )


def _declared_with_trainee(coded_round, team: Team, session, client_factory, make_user):
    """The gold round of the test above, with coder three assigned to it and signed in."""
    lead, rnd = coded_round
    _p0, p1, p2 = team.passages
    sov = team.codes["Sovereignty"].id
    lead.post(
        f"/p/{team.slug}/agreement/passages/{p1.id}/resolve", {"code": sov, f"stance_{sov}": "-1"}
    )
    lead.post(f"/p/{team.slug}/agreement/passages/{p2.id}/resolve", {"adopt": team.coder2.id})
    lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"threshold": "0.8"})
    reread(session)  # the test's session reads again after the lead's writes, then writes
    newbie = make_user("coder3", name="Coder Three")
    accounts.add_member(session, team.project, newbie, "coder")
    session.commit()
    lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/trainees", {"coders": newbie.id})
    three = client_factory()
    three.login("coder3")
    return lead, rnd, newbie, three


def _line(client, team: Team, rnd, user) -> str:
    page = client.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{user.id}")
    assert page.status_code == 200
    return dom(page).one("p", class_="result-line").text()


def test_a_finished_trainee_keeps_the_result_first_seen_and_cannot_probe_gold(
    coded_round, team: Team, session, client_factory, make_user
) -> None:
    lead, rnd, newbie, three = _declared_with_trainee(
        coded_round, team, session, client_factory, make_user
    )
    p0, p1, p2 = team.passages
    code(three, team, p0, "Capacity-building", 2)
    code(three, team, p1, "Sovereignty", -1)
    code(three, team, p2, None)
    first = _line(three, team, rnd, newbie)
    assert first.startswith("Result: passed") and "κ (pooled over codes) 1.000" in first
    # Probing: a code the gold standard does not have on p0, then a reload. Live, the figures
    # would drop and tell the trainee p0's gold coding; the kept ones stay.
    code(three, team, p0, "Sovereignty", 1)
    page = three.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}")
    assert dom(page).one("p", class_="result-line").text() == first
    assert "when you first saw the round complete" in dom(page).text()
    mine = dom(three.get(f"/p/{team.slug}/agreement/mine")).one("table").text()
    assert "1.000" in mine and "passed" in mine
    # The lead sees today's figures, and what the coder is shown.
    lead_page = lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}")
    live = dom(lead_page).one("p", class_="result-line").text()
    assert "κ (pooled over codes) 1.000" not in live
    kept = dom(lead_page).one("section", id="gold-kept").text()
    assert "is shown it from then on" in kept and "κ 1.000" in kept
    # Trying again: the kept result goes; the next complete view is measured afresh and kept.
    r = lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}/again", {})
    assert r.status_code == 200
    assert "has not seen a complete result" in dom(r).text()
    again = _line(three, team, rnd, newbie)
    assert again != first and "κ (pooled over codes) 1.000" not in again
    code(three, team, p0, "Capacity-building", 2)  # an apply never removes the extra code
    assert _line(three, team, rnd, newbie) == again


def test_a_coder_may_not_let_anyone_try_again(
    coded_round, team: Team, session, client_factory, make_user
) -> None:
    _lead, rnd, newbie, three = _declared_with_trainee(
        coded_round, team, session, client_factory, make_user
    )
    r = three.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}/again", {})
    assert r.status_code == 403


def _round_row(lead, team: Team, rnd, name: str) -> list[str]:
    page = dom(lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}"))
    table = page.one("table", class_="list gold-results")
    row = next(tr for tr in table.all("tr")[1:] if tr.all("td")[0].text() == name)
    return [td.text() for td in row.all("td")]


def _finish_with_an_extra_code(three, team: Team) -> None:
    p0, p1, p2 = team.passages
    code(three, team, p0, "Capacity-building", 2)
    code(three, team, p0, "Sovereignty", 1)  # not in the gold standard
    code(three, team, p1, "Sovereignty", -1)
    code(three, team, p2, None)


def test_what_counts_is_the_kept_result_not_later_corrections(
    coded_round, team: Team, session, client_factory, make_user
) -> None:
    lead, rnd, newbie, three = _declared_with_trainee(
        coded_round, team, session, client_factory, make_user
    )
    _finish_with_an_extra_code(three, team)
    kept = _line(three, team, rnd, newbie)
    assert kept.startswith("Result: failed")
    # Knowing their per-code figures, the trainee takes the extra code off again.
    sov = team.codes["Sovereignty"].id
    r = three.post(
        f"/p/{team.slug}/code/remove", {"passage_id": team.passages[0].id, "code_id": sov}
    )
    assert r.status_code == 200
    # The lead's round table and the certification still go by the kept result.
    row = _round_row(lead, team, rnd, "Coder Three")
    assert "failed" in row[-1] and "as first seen" in row[-1]
    from workbench.quality import drift

    reread(session)
    certified = drift.certifications(session, team.project)
    assert certified.get("coder3", 0) < 1
    # The lead's page of that coder shows today's figures beside the kept ones.
    page = lead.get(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold/{newbie.id}")
    assert dom(page).one("p", class_="result-line").text().startswith("Result: passed")
    assert "failed" in dom(page).one("section", id="gold-kept").text()


def test_a_new_gold_standard_measures_the_trainee_afresh(
    coded_round, team: Team, session, client_factory, make_user
) -> None:
    lead, rnd, newbie, three = _declared_with_trainee(
        coded_round, team, session, client_factory, make_user
    )
    _finish_with_an_extra_code(three, team)
    assert _line(three, team, rnd, newbie).startswith("Result: failed")
    # The lead revokes the gold standard, adds the trainee's extra code to the consensus of
    # p0 and declares it gold again: the kept result was measured against the old one.
    lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"action": "revoke"})
    p0 = team.passages[0]
    cb, sov = team.codes["Capacity-building"].id, team.codes["Sovereignty"].id
    lead.post(
        f"/p/{team.slug}/agreement/passages/{p0.id}/resolve",
        {"code": [cb, sov], f"stance_{cb}": "2", f"stance_{sov}": "1"},
    )
    lead.post(f"/p/{team.slug}/agreement/rounds/{rnd.id}/gold", {"threshold": "0.8"})
    assert _line(three, team, rnd, newbie).startswith("Result: passed")
