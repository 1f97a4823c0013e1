"""Rounds, adjudication and gold through the services, on a hand-made coding situation."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import select

from workbench.accounts import users as accounts
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core.errors import Conflict
from workbench.core.errors import Forbidden
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.models import Assignment
from workbench.models import AuditEvent
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import ReliabilityRound
from workbench.reliability import adjudication
from workbench.reliability import disagreements
from workbench.reliability import gold
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports
from workbench.reliability import rounds
from workbench.reliability.records import Scope

from .test_agreement_data import CB
from .test_agreement_data import SOV
from .test_agreement_data import Situation
from .test_agreement_data import build_situation


@pytest.fixture()
def situation(session, make_user, make_project, import_text) -> Situation:
    """The hand-made coding situation of test_agreement_data."""
    return build_situation(session, make_user, make_project, import_text)


def test_round_draws_records_and_assigns(session, situation: Situation) -> None:
    s = situation
    rnd = rounds.create_round(
        session, s.project, s.lead, name="R1", size=3, coder_ids=[s.one.id, s.two.id], seed=11
    )
    session.commit()
    sample = rnd.sample
    assert sample["seed"] == 11 and sample["stratify"] == "document" and sample["drawn"] == 3
    assert sample["coder_ids"] == [s.one.id, s.two.id]
    codable = {p.id for p in s.p if p.codable}
    assert set(sample["passage_ids"]) <= codable and len(sample["passage_ids"]) == 3
    assert rnd.codebook_version == codebooks.current_version(session, s.project)
    pairs = set(
        session.execute(
            select(Assignment.passage_id, Assignment.coder_id).where(Assignment.round_id == rnd.id)
        ).tuples()
    )
    assert pairs == {(p, c) for p in sample["passage_ids"] for c in (s.one.id, s.two.id)}
    # The same seed draws the same sample: the draw is reproducible.
    again = rounds.create_round(
        session, s.project, s.lead, name="R1 again", size=3, coder_ids=[s.one.id, s.two.id], seed=11
    )
    assert again.sample["passage_ids"] == sample["passage_ids"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "round"))
    assert event.action == "create" and event.after["seed"] == 11


def test_round_report_uses_only_its_passages_and_coders(
    session, situation: Situation, make_user
) -> None:
    s = situation
    third = make_user("three", name="Coder Three")
    accounts.add_member(session, s.project, third, "coder")
    session.commit()
    round_passages = [s.p[1].id, s.p[3].id]
    rnd = ReliabilityRound(
        project_id=s.project.id,
        name="hand-picked",
        sample={"coder_ids": [s.one.id, s.two.id], "passage_ids": round_passages},
    )
    session.add(rnd)
    session.flush()
    from workbench.coding import assignments

    assignments.assign_round(session, s.project, rnd, round_passages, [s.one, s.two])
    coding.apply_code(session, s.project, third, s.p[1].id, s.codes["Sovereignty"].id, stance=1)
    session.commit()
    scope = agreement_data.scope_for(session, s.project, round_id=rnd.id)
    data = agreement_data.load(session, s.project, scope)
    assert {r.passage_id for r in data.records} == set(round_passages)
    assert {r.coder for r in data.records} == {"one", "two"}
    report = agreement_reports.project_report(session, s.project, scope, bootstrap=0).report
    assert report.passages == 2
    # Sovereignty on p1 and p3: coder one yes, coder two no, twice: α = -(1/3)... by hand:
    # values 0,1,0,1 → n=4, D_o = 4/4, D_e = 2*2*2/(4*3) → α = 1 - 1/(2/3) = -0.5.
    assert report.per_code[SOV].presence.alpha == pytest.approx(-0.5)
    summary = rounds.summaries(session, s.project)[0]
    assert summary.passages == 2 and summary.coders == ["Coder One", "Coder Two"]
    assert summary.alpha_by_code[SOV] == pytest.approx(-0.5)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"size": 0}, ValidationError, "size"),
        ({"size": 10**6}, ValidationError, "size"),
        ({"name": "  "}, ValidationError, "name"),
        ({"stratify": "speaker"}, ValidationError, "stratify"),
        ({"coder_ids": "one"}, ValidationError, "at least two coders"),
        ({"coder_ids": "outsider"}, ValidationError, "member"),
        ({"doc_ids": [999_999]}, NotFound, "Document"),
        ({"seed": -1}, ValidationError, "seed"),
    ],
)
def test_bad_rounds_are_refused(
    session, situation: Situation, make_user, kwargs, error, message
) -> None:
    s = situation
    outsider = make_user("outsider")
    args = {"name": "R", "size": 2, "coder_ids": [s.one.id, s.two.id], "seed": 1} | kwargs
    if args["coder_ids"] == "one":
        args["coder_ids"] = [s.one.id]
    elif args["coder_ids"] == "outsider":
        args["coder_ids"] = [s.one.id, outsider.id]
    with pytest.raises(error, match=message):
        rounds.create_round(session, s.project, s.lead, **args)


def test_disagreements_and_resolution(session, situation: Situation) -> None:
    s = situation
    browser = disagreements.browse(session, s.project)
    assert [i.passage_id for i in browser.items] == [s.p[1].id, s.p[3].id]
    assert browser.items[1].differing == {SOV}
    assert browser.items[1].codings == {"one": {CB: 1, SOV: 0}, "two": {CB: 1}}
    assert [c.label for c in disagreements.browse(session, s.project, hide_names=True).coders] == [
        "Coder A",
        "Coder B",
    ]
    # Capacity-building is agreed everywhere, so filtering by it leaves no disagreement.
    cb = s.codes["Capacity-building"].id
    assert disagreements.browse(session, s.project, code_id=cb).total == 0
    adjudication.adopt(session, s.project, s.lead, s.p[3].id, s.one.id)
    adjudication.resolve(session, s.project, s.lead, s.p[1].id, {s.codes["Sovereignty"].id: -1})
    adjudication.resolve(
        session, s.project, s.lead, s.p[1].id, {s.codes["Sovereignty"].id: -2}, note="firmer"
    )
    session.commit()
    assert disagreements.browse(session, s.project).total == 0
    done = disagreements.browse(session, s.project, status="resolved")
    assert {i.passage_id: i.consensus for i in done.items} == {
        s.p[1].id: {SOV: -2},
        s.p[3].id: {CB: 1, SOV: 0},
    }
    events = list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "consensus").order_by(AuditEvent.id)
        )
    )
    assert [e.action for e in events] == ["adopt", "resolve", "resolve"]
    assert events[0].after["from_coder"] == "one"
    assert events[1].before is None
    assert events[2].before["codes"][0]["stance"] == -1
    assert events[2].after["codes"][0]["stance"] == -2 and events[2].after["note"] == "firmer"
    assert adjudication.reopen(session, s.project, s.lead, s.p[1].id)
    assert not adjudication.reopen(session, s.project, s.lead, s.p[1].id)
    session.commit()
    assert session.scalar(select(func.count(ConsensusState.id))) == 1


def test_adjudication_refuses_bad_input(session, situation: Situation, make_user) -> None:
    s = situation
    sov = s.codes["Sovereignty"].id
    with pytest.raises(ValidationError, match="Nobody has coded"):
        adjudication.resolve(session, s.project, s.lead, s.p[4].id, {})
    with pytest.raises(ValidationError, match="not codable"):
        adjudication.resolve(session, s.project, s.lead, s.p[5].id, {})
    with pytest.raises(NotFound):
        adjudication.resolve(session, s.project, s.lead, s.p[1].id, {999_999: None})
    with pytest.raises(ValidationError, match="outside the scale"):
        adjudication.resolve(session, s.project, s.lead, s.p[1].id, {sov: 5})
    with pytest.raises(ValidationError, match="folder"):
        adjudication.resolve(session, s.project, s.lead, s.p[1].id, {s.codes["Cooperation"].id: 1})
    with pytest.raises(ValidationError, match="not marked this passage coded"):
        adjudication.adopt(session, s.project, s.lead, s.p[1].id, s.lead.id)
    with pytest.raises(NotFound):
        adjudication.resolve(session, s.project, s.lead, 999_999, {})
    other = accounts.create_project(session, "Other study", lead=s.lead)
    foreign = ReliabilityRound(project_id=other.id, name="theirs")
    session.add(foreign)
    session.flush()
    with pytest.raises(NotFound, match="not a reliability round"):
        adjudication.resolve(session, s.project, s.lead, s.p[1].id, {}, round_id=foreign.id)
    with pytest.raises(NotFound, match="not a reliability round"):
        agreement_data.scope_for(session, s.project, round_id=foreign.id)
    # Agreed passages may be adjudicated too (to confirm or correct the coders).
    adjudication.resolve(
        session, s.project, s.lead, s.p[0].id, {s.codes["Capacity-building"].id: 1}
    )
    assert session.scalar(select(func.count(ConsensusAnnotation.id))) == 1


def test_gold_round_flow(session, situation: Situation, make_user) -> None:
    s = situation
    trainee = make_user("newbie", name="New Coder")
    accounts.add_member(session, s.project, trainee, "coder")
    rnd = ReliabilityRound(
        project_id=s.project.id,
        name="gold",
        sample={"coder_ids": [s.one.id, s.two.id], "passage_ids": [p.id for p in s.p[:4]]},
    )
    session.add(rnd)
    session.flush()
    from workbench.coding import assignments

    assignments.assign_round(session, s.project, rnd, [p.id for p in s.p[:4]], [s.one, s.two])
    session.commit()
    with pytest.raises(Conflict, match="Declare the round gold"):
        gold.assign_trainees(session, s.project, s.lead, rnd, [trainee.id])
    with pytest.raises(Conflict, match="2 of the round's passages"):
        gold.declare_gold(session, s.project, s.lead, rnd, 0.8)
    session.rollback()  # as the web layer does on a domain error: nothing was accepted
    assert session.scalar(select(func.count(ConsensusState.id))) == 0
    sov = s.codes["Sovereignty"].id
    cb = s.codes["Capacity-building"].id
    adjudication.resolve(session, s.project, s.lead, s.p[1].id, {sov: -1}, round_id=rnd.id)
    adjudication.resolve(session, s.project, s.lead, s.p[3].id, {cb: 1}, round_id=rnd.id)
    with pytest.raises(ValidationError, match="threshold"):
        gold.declare_gold(session, s.project, s.lead, rnd, 1.5)
    assert gold.declare_gold(session, s.project, s.lead, rnd, 0.8) == 2  # p0, p2 accepted
    assert rnd.is_gold and rnd.pass_threshold == 0.8
    gold.assign_trainees(session, s.project, s.lead, rnd, [trainee.id])
    assert rnd.sample["trainee_ids"] == [trainee.id]
    # The trainee codes exactly like the gold standard, except one extra code on p2.
    coding.apply_code(session, s.project, trainee, s.p[0].id, cb, stance=2)
    coding.apply_code(session, s.project, trainee, s.p[1].id, sov, stance=-1)
    coding.apply_code(session, s.project, trainee, s.p[2].id, sov, stance=1)
    session.commit()
    mine = gold.gold_results(session, s.project, rnd, only=trainee)
    assert len(mine) == 1 and mine[0].units == 3 and mine[0].status == "in progress"
    coding.apply_code(session, s.project, trainee, s.p[3].id, cb, stance=1)
    session.commit()
    result = gold.gold_results(session, s.project, rnd, only=trainee)[0]
    assert result.units == 4 and result.total == 4
    # Presence over 4 passages × codes: only sovereignty on p2 differs.
    assert result.by_code[CB].accuracy == 1.0 and result.by_code[CB].kappa == 1.0
    assert result.by_code[SOV].accuracy == 0.75
    assert result.by_code[SOV].kappa == pytest.approx(0.5)
    assert result.status == ("passed" if result.kappa >= 0.8 else "failed")
    everyone = {r.username: r for r in gold.gold_results(session, s.project, rnd)}
    assert set(everyone) == {"one", "two", "newbie"}
    # The round's own agreement stays among the chosen coders.
    scope = agreement_data.scope_for(session, s.project, round_id=rnd.id)
    assert scope.coder_ids == (s.one.id, s.two.id)
    outsider = make_user("outsider")
    with pytest.raises(Forbidden):
        gold.gold_results(session, s.project, rnd, only=outsider)
    assert gold.gold_rounds_of(session, s.project, trainee) == [rnd]


def test_methods_for_a_round_and_the_project(session, situation: Situation) -> None:
    s = situation
    paragraph, rows = agreement_reports.methods_for(session, s.project, bootstrap=100)
    assert paragraph.startswith("Intercoder reliability was assessed on 4 passages")
    assert {r["code"] for r in rows} >= {CB, SOV}
    assert all(r["disagreements_resolved"] == 0 for r in rows)
    md = agreement_reports.methods_markdown(paragraph, rows)
    assert md.splitlines()[2].startswith("| Code | α |")
    unused = next(r for r in rows if r["code"] == CB)
    assert unused["alpha"] == 1.0
    with pytest.raises(NotFound):
        agreement_reports.methods_for(session, s.project, round_id=999_999)
    assert Scope() == Scope()
